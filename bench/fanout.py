"""Live fan-out bench: N viewers on public edge(s) fed through Redis, side by side with Node's socket.io.

    python bench/fanout.py --viewers 10000 --edges 1 --compare-node
    python bench/fanout.py --viewers 25000 --edges 2 --compare-node

The exam side (this process) drives score events at --rate per second through the real publisher
(``LiveFeed`` -> Redis store + python-socketio's write-only Redis manager) to ``python -m stream.public``
edges; viewers are raw websocket clients (offering permessage-deflate like browsers) in light epoll worker
processes. Servers are pinned to --server-cpu, the load generator to --load-cpu. Every payload carries
``t`` (ms when the feed was told), so delivery latency is commit-to-viewer. The Node reference
(bench/node/server.js, socket.io 4.8) receives the very same delta JSON on stdin and broadcasts it.
Besides latency and CPU it reports who missed or got late which deltas (every viewer the same deltas, or
the same viewers every time?) and, for our edges, deliveries per path from their ``stats`` (direct
websocket write, Engine.IO queue, skipped), drops, pings and resyncs over the window. Deltas stamped in
the window may land up to ``--grace`` seconds after it and still count.
All traffic stays on 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import multiprocessing as mp
import os
import resource
import select
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import time
import zlib
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NODE_DIR = ROOT / "bench" / "node"
NS = "/live"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
MAX_FDS_PER_PROCESS = 19_000  # this machine allows 20,000 open files per process


def raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def pin(cpus: set[int]):  # type: ignore[no-untyped-def]
    def preexec() -> None:
        os.sched_setaffinity(0, cpus)
        raise_nofile()

    return preexec


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


# -- viewers: raw websocket clients in an epoll loop ---------------------------------------------------

_PING = b"2"
_DELTA = b'42/live,["delta"'
_SNAPSHOT = b'42/live,["snapshot"'
_T = b'"t":'


def _client_frame(payload: bytes, mask: bytes) -> bytes:
    n = len(payload)
    head = struct.pack("!BB", 0x81, 0x80 | n) if n < 126 else struct.pack("!BBH", 0x81, 0x80 | 126, n)
    return head + mask + bytes(b ^ mask[i & 3] for i, b in enumerate(payload))


class _Viewer:
    __slots__ = ("buf", "got", "index", "inflate", "late", "mask", "snaps", "sock", "state")

    def __init__(self, sock: socket.socket, index: int) -> None:
        self.sock = sock
        self.index = index  # connect order within its worker
        self.state = 0  # 0 tcp connecting, 1 upgrade sent, 2 ws open, 3 namespace connected/joined
        self.buf = b""
        self.mask = os.urandom(4)
        self.inflate: Any = None
        self.got = 0  # deltas of the window received
        self.late = 0  # ... of which later than --late-ms
        self.snaps = 0  # snapshots received (1 on join; more = resyncs)


def viewer_worker(
    out: Any,
    port_list: list[int],
    n: int,
    fid: str,
    cpu: int,
    window: tuple[float, float, float],
    deadline: float,
    connect_rate: int,
    late_ms: float = 500.0,
) -> None:
    """Connect ``n`` viewers round-robin over ports, join ``fid``, record delta latencies in the window."""
    os.sched_setaffinity(0, {cpu})
    raise_nofile()
    ep = select.epoll()
    viewers: dict[int, _Viewer] = {}
    lat = array("f")
    counts = {"joined": 0, "closed": 0, "failed": 0, "received": 0, "pings": 0, "deflate": 0, "lost_got": 0}
    per_t: dict[int, list[int]] = {}  # delta t -> [viewers that got it, of which late]
    w0, w1, w_end = window  # deltas stamped in [w0, w1) count; in-flight ones may land until w_end
    start_cpu = None
    used: float | None = None
    upgrade = (
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
    )
    join = json.dumps(["join", {"f": fid}], separators=(",", ":")).encode()
    opened = 0
    next_batch = time.monotonic()
    pending_connect = 0

    def close(fd: int, failed: bool) -> None:
        v = viewers.pop(fd, None)
        if v is None:
            return
        with contextlib.suppress(OSError):
            ep.unregister(fd)
        v.sock.close()
        if failed or v.state < 3:
            counts["failed"] += 1
        else:
            counts["closed"] += 1
            counts["joined"] -= 1
            counts["lost_got"] += v.got

    def handle_payload(v: _Viewer, payload: bytes) -> None:
        if payload.startswith(_DELTA):
            now = time.time() * 1000.0
            i = payload.find(_T)
            j = payload.find(b",", i)
            t = int(payload[i + 4 : j])
            if w0 <= t / 1000.0 < w1:
                ms = now - t
                lat.append(ms)
                counts["received"] += 1
                v.got += 1
                slot = per_t.get(t)
                if slot is None:
                    slot = per_t[t] = [0, 0]
                slot[0] += 1
                if ms > late_ms:
                    v.late += 1
                    slot[1] += 1
        elif payload.startswith(_SNAPSHOT):
            v.snaps += 1
        elif payload == _PING:
            v.sock.send(_client_frame(b"3", v.mask))
            counts["pings"] += 1
        elif payload[:1] == b"0":  # engine.io open
            v.sock.send(_client_frame(b"40/live,", v.mask))
        elif payload.startswith(b"40/live,"):
            v.sock.send(_client_frame(b"42/live," + join, v.mask))
            v.state = 3
            counts["joined"] += 1

    def frames(fd: int, v: _Viewer, data: bytes) -> None:
        buf = v.buf + data if v.buf else data
        pos = 0
        size = len(buf)
        while size - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            n = b1 & 0x7F
            hl = 2
            if n == 126:
                if size - pos < 4:
                    break
                n = struct.unpack_from("!H", buf, pos + 2)[0]
                hl = 4
            elif n == 127:
                if size - pos < 10:
                    break
                n = struct.unpack_from("!Q", buf, pos + 2)[0]
                hl = 10
            if size - pos < hl + n:
                break
            payload = buf[pos + hl : pos + hl + n]
            pos += hl + n
            op = b0 & 0x0F
            if b0 & 0x40:  # compressed (only if a server accepted our deflate offer)
                if v.inflate is None:
                    v.inflate = zlib.decompressobj(-15)
                payload = v.inflate.decompress(payload + b"\x00\x00\xff\xff")
                counts["deflate"] += 1
            if op == 1:
                handle_payload(v, payload)
            elif op == 8:
                close(fd, False)
                return
        v.buf = buf[pos:] if pos < size else b""

    while time.monotonic() < deadline:
        now = time.monotonic()
        if opened < n and now >= next_batch and pending_connect < 400:
            for _ in range(min(connect_rate // 20 or 1, n - opened)):
                port = port_list[opened % len(port_list)]
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with contextlib.suppress(BlockingIOError):
                    s.connect(("127.0.0.1", port))
                fresh = _Viewer(s, opened)
                fresh.buf = str(port).encode()
                viewers[s.fileno()] = fresh
                ep.register(s.fileno(), select.EPOLLOUT | select.EPOLLIN)
                opened += 1
                pending_connect += 1
            next_batch = now + 0.05
        if start_cpu is None and time.time() >= w0:
            start_cpu = time.process_time()
        if used is None and start_cpu is not None and time.time() >= w1:
            used = time.process_time() - start_cpu
        if time.time() >= w_end and used is not None:
            break
        for fd, ev in ep.poll(0.05):
            found = viewers.get(fd)
            if found is None:
                continue
            v = found
            if ev & (select.EPOLLERR | select.EPOLLHUP) and not ev & select.EPOLLIN:
                if v.state < 2:
                    pending_connect -= 1
                close(fd, v.state < 3)
                continue
            if v.state == 0 and ev & select.EPOLLOUT:
                key = base64.b64encode(os.urandom(16)).decode()
                v.sock.send(upgrade.format(port=v.buf.decode(), key=key).encode())
                v.buf = b""
                v.state = 1
                ep.modify(fd, select.EPOLLIN)
                continue
            if not ev & select.EPOLLIN:
                continue
            try:
                data = v.sock.recv(262144)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                close(fd, True)
                continue
            if not data:
                if v.state < 2:
                    pending_connect -= 1
                close(fd, False)
                continue
            if v.state == 1:
                buf = v.buf + data
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    v.buf = buf
                    continue
                head = buf[:end].lower()
                pending_connect -= 1
                if not head.startswith(b"http/1.1 101"):
                    close(fd, True)
                    continue
                if b"permessage-deflate" in head:
                    counts["deflate"] += 1
                v.state = 2
                v.buf = b""
                rest = buf[end + 4 :]
                if rest:
                    frames(fd, v, rest)
                continue
            frames(fd, v, data)
    if used is None:
        used = time.process_time() - (start_cpu or time.process_time())
    joined = [v for v in viewers.values() if v.state == 3]
    out.send(
        {
            "counts": counts,
            "lat": lat.tobytes(),
            "cpu": used,
            "viewers": len(viewers),
            "per_viewer": [(v.index, v.got, v.late, v.snaps) for v in joined],
            "per_t": per_t,
        }
    )
    for v in viewers.values():
        v.sock.close()


# -- servers -------------------------------------------------------------------------------------------


@dataclass
class Server:
    kind: str
    procs: list[subprocess.Popen[bytes]]
    ports: list[int]


def start_ours(
    edges: int, base_port: int, cpu: int, redis_url: str, channel: str, prefix: str, ping_s: float
) -> Server:
    env = {
        **os.environ,
        "UJIAN_REDIS_URL": redis_url,
        "UJIAN_LIVE_CHANNEL": channel,
        "UJIAN_LIVE_KEY_PREFIX": prefix,
        "UJIAN_LIVE_PING_INTERVAL_S": str(ping_s),
        "PYTHONPATH": str(ROOT),
    }
    procs, ports = [], []
    for i in range(edges):
        port = base_port + i
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "stream.public", "--host", "127.0.0.1", "--port", str(port)],
                cwd=ROOT,
                env=env,
                preexec_fn=pin({cpu}),
                stdout=subprocess.PIPE,
                stderr=open(f"/tmp/fanout-edge-{port}.log", "wb"),  # noqa: SIM115 (the child owns it)
            )
        )
        ports.append(port)
    for p in procs:
        assert p.stdout is not None
        p.stdout.readline()  # the URL line: it is listening once run_app prints... give it a moment
    time.sleep(1.0)
    return Server("ours", procs, ports)


def start_node(instances: int, base_port: int, cpu: int, ping_s: float) -> Server:
    if not (NODE_DIR / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True)
    procs, ports = [], []
    for i in range(instances):
        port = base_port + i
        procs.append(
            subprocess.Popen(
                ["node", "server.js", f"--port={port}", f"--ping-interval={int(ping_s * 1000)}"],
                cwd=NODE_DIR,
                preexec_fn=pin({cpu}),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        )
        ports.append(port)
    for p in procs:
        assert p.stdout is not None
        line = p.stdout.readline()
        if not line.startswith(b"ready"):
            raise RuntimeError(f"node server did not start: {line!r}")
    return Server("node", procs, ports)


def stop(server: Server) -> None:
    for p in server.procs:
        p.terminate()
    for p in server.procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


# -- the exam side: real feed API, four score events a second ------------------------------------------


class CountingSink:
    """Records the ``t`` of every delta the feed hands out: what every viewer should receive."""

    def __init__(self, inner: Any, published: list[int]) -> None:
        self.inner = inner
        self.published = published

    async def deliver(self, update: Any) -> None:
        self.published.append(int(update.delta["t"]))
        await self.inner.deliver(update)

    async def index(self, index: bytes) -> None:
        await self.inner.index(index)

    async def close(self) -> None:
        await self.inner.close()


class NodeSink:
    """Gives the Node reference the very same delta the edges get through Redis."""

    def __init__(self, server: Server) -> None:
        self.server = server

    async def deliver(self, update: Any) -> None:
        line = (
            json.dumps(
                {
                    "room": f"f:{update.fid}",
                    "event": "delta",
                    "data": update.delta,
                    "snapshot": json.loads(update.snapshot),
                },
                separators=(",", ":"),
            ).encode()
            + b"\n"
        )
        for p in self.server.procs:
            assert p.stdin is not None
            p.stdin.write(line)
            p.stdin.flush()

    async def index(self, index: bytes) -> None:
        return None

    async def close(self) -> None:
        return None


async def drive(feed: Any, session: str, seats: int, rate: float, until: float) -> None:
    """Seats answer one question at a time and, now and then, submit with a score (ranks move)."""
    from stream.live.model import SeatRow

    answered = dict.fromkeys(range(seats), 0)
    total = 60
    deadline = int(time.time() * 1000) + 90 * 60_000
    i = 0
    period = 1.0 / rate
    next_at = time.monotonic()
    while time.time() < until:
        seat = i % seats
        answered[seat] = min(total, answered[seat] + 1)
        number = f"BJN-{seat:04d}"
        if i % 7 == 6:
            score = 40_000 + (i * 7919) % 60_000
            row = SeatRow(
                number,
                f"Peserta {seat}",
                "Sukorejo",
                "Kepala Dusun",
                "submitted",
                answered[seat],
                total,
                sections=(("TWK", score // 2), ("TIU", score - score // 2)),
                total_milli=score,
                passed=score >= 65_000,
                submitted_at_ms=int(time.time() * 1000),
            )
        else:
            row = SeatRow(
                number,
                f"Peserta {seat}",
                "Sukorejo",
                "Kepala Dusun",
                "working",
                answered[seat],
                total,
                deadline_ms=deadline,
            )
        await feed.seat_changed(session, row)
        i += 1
        next_at += period
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))


async def run_scenario(kind: str, args: argparse.Namespace, base_port: int) -> dict[str, Any]:
    from stream.live.feed import LiveFeed, RedisSink
    from stream.live.model import FormationKey, SeatRow, SessionInfo
    from stream.live.sio import RedisPublisher
    from stream.live.store import RedisStore

    tag = f"bench{os.getpid()}{kind}"
    session = "BENCH-1"
    fid = FormationKey(session, "Sukorejo", "Kepala Dusun").id
    published: list[int] = []
    server_cpu, load_cpu = args.server_cpu, args.load_cpu
    if kind == "ours":
        server = start_ours(args.edges, base_port, server_cpu, args.redis, f"{tag}-ch", f"{tag}:", args.ping)
        store = RedisStore(args.redis, prefix=f"{tag}:")
        feed = LiveFeed(coalesce_ms=args.coalesce_ms)
        feed.sinks.append(
            CountingSink(RedisSink(store, RedisPublisher(args.redis, channel=f"{tag}-ch"), lambda: feed), published)
        )
    else:
        server = start_node(args.edges, base_port, server_cpu, args.ping)
        feed = LiveFeed(coalesce_ms=args.coalesce_ms)
        feed.sinks.append(CountingSink(NodeSink(server), published))
    try:
        info = SessionInfo(session, "Bench", sections=(("TWK", "TWK"), ("TIU", "TIU")))
        await feed.replace_all(
            info,
            [
                SeatRow(f"BJN-{s:04d}", f"Peserta {s}", "Sukorejo", "Kepala Dusun", "not_started", 0, 60)
                for s in range(args.seats)
            ],
        )
        await feed.flush()
        await asyncio.sleep(0.5)
        base_rss = sum(rss_bytes(p.pid) for p in server.procs)
        workers = max(1, -(-args.viewers // args.per_worker))
        connect_s = args.viewers / args.connect_rate + 5
        w0 = time.time() + connect_s + args.settle
        w1 = w0 + args.window
        procs, pipes = [], []
        ctx = mp.get_context("fork")
        for w in range(workers):
            n = args.viewers // workers + (1 if w < args.viewers % workers else 0)
            parent, child = ctx.Pipe(duplex=False)
            ports = server.ports[w % len(server.ports) :] + server.ports[: w % len(server.ports)]
            p = ctx.Process(
                target=viewer_worker,
                args=(
                    child,
                    ports,
                    n,
                    fid,
                    load_cpu,
                    (w0, w1, w1 + args.grace),
                    time.monotonic() + connect_s + args.settle + args.window + args.grace + 30,
                    args.connect_rate // workers,
                    args.late_ms,
                ),
            )
            p.start()
            procs.append(p)
            pipes.append(parent)
        driver = asyncio.ensure_future(drive(feed, session, args.seats, args.rate, w1 + 1))
        await asyncio.sleep(max(0.0, w0 - time.time()))
        cpu0 = sum(cpu_seconds(p.pid) for p in server.procs)
        rss_joined = sum(rss_bytes(p.pid) for p in server.procs)
        paths0 = await edge_paths(server)
        await asyncio.sleep(max(0.0, w1 - time.time()))
        cpu1 = sum(cpu_seconds(p.pid) for p in server.procs)
        paths1 = await edge_paths(server)
        results = [await asyncio.get_running_loop().run_in_executor(None, pipe.recv) for pipe in pipes]
        await driver
        for p in procs:
            p.join(10)
    finally:
        await feed.close()
        stop(server)
    lat = array("f")
    counts: dict[str, int] = {}
    gen_cpu = 0.0
    per_viewer: list[tuple[int, int, int, int]] = []
    per_t: dict[int, list[int]] = {}
    for r in results:
        lat.frombytes(r["lat"])
        gen_cpu += r["cpu"]
        for k, v in r["counts"].items():
            counts[k] = counts.get(k, 0) + v
        per_viewer.extend(r["per_viewer"])
        for t, (got, late) in r["per_t"].items():
            slot = per_t.setdefault(t, [0, 0])
            slot[0] += got
            slot[1] += late
    in_window = [t for t in published if w0 <= t / 1000 < w1]
    expected = len(in_window) * args.viewers
    who = who_missed(in_window, per_viewer, per_t)
    lat_sorted = sorted(lat)

    def pct(q: float) -> float:
        return lat_sorted[min(len(lat_sorted) - 1, int(q * len(lat_sorted)))] if lat_sorted else float("nan")

    deliveries = len(lat_sorted)
    return {
        "server": f"{kind} x{len(server.procs)}",
        "viewers": args.viewers,
        "joined": counts.get("joined", 0),
        "events_in_window": len(in_window),
        "expected": expected,
        "received": deliveries,
        "reach": deliveries / expected if expected else 0.0,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": lat_sorted[-1] if lat_sorted else float("nan"),
        "mean_ms": statistics.fmean(lat_sorted) if lat_sorted else float("nan"),
        "worst": [round(x) for x in lat_sorted[-5:]],
        "cpu_us_per_delivery": (cpu1 - cpu0) * 1e6 / deliveries if deliveries else float("nan"),
        "server_cpu_pct": (cpu1 - cpu0) * 100 / args.window,
        "mem_kb_per_viewer": (rss_joined - base_rss) / 1024 / max(1, counts.get("joined", 0)),
        "dropped": counts.get("closed", 0),
        "failed_connects": counts.get("failed", 0),
        "deflate_accepted": counts.get("deflate", 0),
        "pings_answered": counts.get("pings", 0),
        "generator_cpu_pct": gen_cpu * 100 / args.window,
        **who,
        "edge_paths": {k: paths1.get(k, 0) - paths0.get(k, 0) for k in paths1} if paths1 else None,
    }


async def edge_paths(server: Server) -> dict[str, int]:
    """Sum of the edges' fan-out counters (``/live/api/health``): deliveries per path, drops, resyncs."""
    if server.kind != "ours":
        return {}
    import urllib.request

    def fetch(port: int) -> dict[str, int]:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/live/api/health", timeout=10) as r:
            return dict(json.load(r).get("fanout", {}))

    total: dict[str, int] = {}
    loop = asyncio.get_running_loop()
    for port in server.ports:
        for k, v in (await loop.run_in_executor(None, fetch, port)).items():
            total[k] = total.get(k, 0) + v
    return total


def who_missed(
    in_window: list[int], per_viewer: list[tuple[int, int, int, int]], per_t: dict[int, list[int]]
) -> dict[str, Any]:
    """Is the loss (and the lateness) spread over everyone, or the same few viewers every time?

    ``per_viewer`` holds (connect order, deltas got, of which late, snapshots) for viewers still joined at
    the end; ``per_t`` the viewers that got each delta. A delta nobody got was lost before the fan-out
    (publisher, Redis, or the edge's sequence check); a viewer that misses many was lost in the fan-out.
    """
    n_events = len(in_window)
    n = len(per_viewer)
    missing = sorted((max(0, n_events - got) for _, got, _, _ in per_viewer), reverse=True)
    late = sorted((lt for _, _, lt, _ in per_viewer), reverse=True)
    top = max(1, n // 100)
    lost_all = sum(1 for t in in_window if per_t.get(t, [0])[0] == 0)
    partial = sum(1 for t in in_window if 0 < per_t.get(t, [0])[0] < n)
    late_viewers = [idx for idx, _, lt, _ in per_viewer if lt]
    return {
        "deltas_nobody_got": lost_all,
        "deltas_some_missed": partial,
        "viewers_missing_any": sum(1 for m in missing if m),
        "missing_total": sum(missing),
        "missing_top1pct_share": sum(missing[:top]) / sum(missing) if sum(missing) else 0.0,
        "viewers_late_any": len(late_viewers),
        "late_total": sum(late),
        "late_top1pct_share": sum(late[:top]) / sum(late) if sum(late) else 0.0,
        "deltas_with_late": sum(1 for t in in_window if per_t.get(t, [0, 0])[1]),
        "late_viewers_median_connect_order": statistics.median(late_viewers) if late_viewers else None,
        "viewers_resynced": sum(1 for *_, snaps in per_viewer if snaps > 1),
        "late_deltas": [
            (time.strftime("%H:%M:%S", time.localtime(t / 1000)) + f".{t % 1000:03d}", per_t[t][1], per_t[t][0])
            for t in in_window
            if t in per_t and per_t[t][1] > n // 10
        ],
    }


def print_table(rows: list[dict[str, Any]]) -> None:
    cols = [
        ("server", "{}"),
        ("viewers", "{}"),
        ("joined", "{}"),
        ("p50_ms", "{:.1f}"),
        ("p99_ms", "{:.1f}"),
        ("max_ms", "{:.1f}"),
        ("reach", "{:.4f}"),
        ("cpu_us_per_delivery", "{:.2f}"),
        ("server_cpu_pct", "{:.0f}"),
        ("mem_kb_per_viewer", "{:.1f}"),
        ("dropped", "{}"),
        ("failed_connects", "{}"),
        ("deflate_accepted", "{}"),
        ("pings_answered", "{}"),
        ("generator_cpu_pct", "{:.0f}"),
    ]
    print(" | ".join(c for c, _ in cols))
    for r in rows:
        print(" | ".join(f.format(r[c]) for c, f in cols))
    who = [
        "deltas_nobody_got",
        "deltas_some_missed",
        "viewers_missing_any",
        "missing_total",
        "missing_top1pct_share",
        "viewers_late_any",
        "late_total",
        "late_top1pct_share",
        "deltas_with_late",
        "late_viewers_median_connect_order",
        "viewers_resynced",
    ]
    for r in rows:
        print(
            f"  {r['server']}: "
            + ", ".join(f"{k}={r[k]:.3g}" if isinstance(r[k], float) else f"{k}={r[k]}" for k in who)
        )
        if r.get("late_deltas"):
            print(f"  {r['server']} deltas late for >10% of viewers (stamped at, late, got): {r['late_deltas']}")
        if r.get("edge_paths"):
            print(f"  {r['server']} edge counters over the window: {r['edge_paths']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--viewers", type=int, default=10_000)
    ap.add_argument("--edges", type=int, default=1, help="edge processes (and Node processes when comparing)")
    ap.add_argument("--rate", type=float, default=4.0, help="score events per second")
    ap.add_argument("--seats", type=int, default=30, help="candidates in the watched formation")
    ap.add_argument("--ping", type=float, default=25.0, help="Engine.IO ping interval, both servers (s)")
    ap.add_argument("--window", type=float, default=0.0, help="measurement window (s); default 2 pings + 10")
    ap.add_argument("--settle", type=float, default=5.0)
    ap.add_argument("--connect-rate", type=int, default=2000, help="new connections per second")
    ap.add_argument("--per-worker", type=int, default=9_000, help="viewers per generator process")
    ap.add_argument("--coalesce-ms", type=int, default=200)
    ap.add_argument("--late-ms", type=float, default=500.0, help="a delivery later than this counts as late")
    ap.add_argument(
        "--grace", type=float, default=3.0, help="s after the window in which deltas stamped inside it may still land"
    )
    ap.add_argument("--server-cpu", type=int, default=0)
    ap.add_argument("--load-cpu", type=int, default=1)
    ap.add_argument("--redis", default=os.environ.get("UJIAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    ap.add_argument("--compare-node", action="store_true", help="also run the Node socket.io reference")
    ap.add_argument("--only-node", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    args.window = args.window or 2 * args.ping + 10
    raise_nofile()
    os.sched_setaffinity(0, {args.load_cpu})
    if args.viewers / args.edges > MAX_FDS_PER_PROCESS:
        ap.error(f"{args.viewers} viewers need more than {args.edges} server process(es) here (20,000 files each)")
    if (args.compare_node or args.only_node) and not shutil.which("node"):
        ap.error("node is not installed")
    print("command: python", " ".join(sys.argv), flush=True)
    kinds = ["node"] if args.only_node else ["ours"] + (["node"] if args.compare_node else [])
    rows = []
    for i, kind in enumerate(kinds):
        rows.append(asyncio.run(run_scenario(kind, args, 18_100 + 10 * i)))
        print_table(rows[-1:])
        time.sleep(2)
    print()
    print_table(rows)
    if args.json:
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
