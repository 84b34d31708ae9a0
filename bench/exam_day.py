#!/usr/bin/env python
"""Exam day: N simulated candidates log in, press "Mulai" together, then answer at a human pace.

    python bench/exam_day.py [--db sqlite|postgres|both] [--candidates 1000] [--login-window 60]
                             [--duration 120] [--pace MIN MAX] [--items 40] [--start-storm SECONDS]

For each database it generates an exam folder (one session, a pg/pgk/bs/tkp bank, a roster with PINs),
creates a fresh database (a SQLite file in a temp dir, or ``ujian_bench_<hex>`` on PostgreSQL, dropped at
the end), migrates and imports it, then runs the real server (``python -m server.cli serve``) as a
separate process pinned to CPU 0, and drives it from this process pinned to CPU 1 with
``server.simulate.SimulatedCandidate`` — one aiohttp session (own cookie jar, own keep-alive connection)
per candidate, like one browser per lab PC. Phases:

1. login storm: arrivals uniform over --login-window; a logged-in browser loads the exam page and then
   polls ``GET /ujian/api/attempt`` every --wait-poll s while waiting for the proctor's signal;
2. start storm: the proctor says "mulai" and everyone presses the button within --start-storm seconds
   (0: all at once); measured until every start succeeded;
3. answering: one answer every --pace MIN..MAX seconds (the first one after U(0, MAX), i.e. the window
   is a mid-exam snapshot) plus the browser's ``GET /ujian/api/ping`` every --ping s, for --duration s.

Latencies are measured client-side with ``time.perf_counter`` around each request. The server process is
always terminated and the PostgreSQL database dropped, also on Ctrl+C. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import resource
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
from _examgen import SESSION, write_exam  # noqa: E402

from server.simulate import ApiFailure, Pace, SimulatedCandidate, Timings  # noqa: E402
from tests.databases import fresh_database  # noqa: E402 (after the path setup)

SERVER_CPU, CLIENT_CPU = 0, 1
PROCTOR = ("pengawas", "pengawas-bench-" + secrets.token_hex(4))
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
CLK_TCK = os.sysconf("SC_CLK_TCK")
REQUEST_TIMEOUT_S = 15.0  # the browser's api() timeout (web/static/js/common.js)
MAX_TRIES = 10  # a person clicks "Masuk"/"Mulai" again, but not forever


# -- processes and measurements ---------------------------------------------------------------------------


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def pin_to(cpu: int) -> None:
    with contextlib.suppress(OSError, ValueError):
        if cpu < (os.cpu_count() or 1):
            os.sched_setaffinity(0, {cpu})


def _server_preexec() -> None:
    pin_to(SERVER_CPU)
    raise_nofile()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads), from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def memory_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) in MiB from /proc/<pid>/status."""
    values = {"VmRSS": 0.0, "VmHWM": 0.0}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in values:
                values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def core_busy() -> dict[int, tuple[int, int]]:
    """Per-core (busy, total) jiffies from /proc/stat."""
    out = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *nums = line.split()
        if name.startswith("cpu") and name != "cpu":
            v = [int(x) for x in nums]
            idle = v[3] + v[4]
            out[int(name[3:])] = (sum(v[:8]) - idle, sum(v[:8]))
    return out


def busy_percent(before: dict[int, tuple[int, int]], after: dict[int, tuple[int, int]]) -> dict[int, float]:
    return {
        cpu: 100.0 * (after[cpu][0] - before[cpu][0]) / max(1, after[cpu][1] - before[cpu][1])
        for cpu in after
        if cpu in before
    }


def code_revision() -> str:
    """The commit measured, and whether server/ had uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "server"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + (" + uncommitted changes in server/" if dirty else "")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)  # nearest rank
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def ms(value: float) -> str:
    return "–" if value != value else f"{value * 1000:.1f}"  # NaN → dash


# -- databases --------------------------------------------------------------------------------------------


async def import_exam(url: str, secret: str, folder: Path) -> None:
    """What ``ujian import`` and ``ujian user`` do, through the server's own services."""
    from aiohttp import web

    from server import keys
    from server.app import create_app
    from server.config import load_config
    from server.importers import load_dir

    app = create_app(load_config(env={}, database_url=url, secret_key=secret), workers=False)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await app[keys.SETUP].import_package(load_dir(folder))
        await app[keys.COMMITTEE].add_user(username=PROCTOR[0], password=PROCTOR[1], role="proctor")
    finally:
        await runner.cleanup()


class PgBackends:
    """CPU used by the PostgreSQL backends serving our database (they run on any core)."""

    def __init__(self, admin_dsn: str, name: str | None) -> None:
        self.admin_dsn, self.name = admin_dsn, name
        self.seen: dict[int, float] = {}
        self.first: dict[int, float] = {}

    async def sample(self) -> None:
        if self.name is None:
            return
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            pids = [
                r["pid"] for r in await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", self.name)
            ]
        finally:
            await conn.close()
        for pid in pids:
            used = cpu_seconds(pid)
            self.first.setdefault(pid, used)
            self.seen[pid] = max(self.seen.get(pid, 0.0), used)

    def used(self) -> float | None:
        if self.name is None:
            return None
        return sum(self.seen[p] - self.first[p] for p in self.seen)


# -- the server process -----------------------------------------------------------------------------------


class Server:
    def __init__(self, url: str, secret: str, workdir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        env = {
            **os.environ,
            "UJIAN_DATABASE_URL": url,
            "UJIAN_SECRET_KEY": secret,
            "UJIAN_DATA_DIR": str(workdir / "data"),
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("UJIAN_CONFIG", None)
        self.command = [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self._log = self.log_path.open("wb")
        # Its own session: Ctrl+C reaches only us, and we stop the server ourselves in ``stop``.
        self.proc = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=_server_preexec,
            start_new_session=True,
        )
        self.pid = self.proc.pid

    async def ready(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.tail()}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with http.get(self.base + "/healthz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout_s} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # aiohttp's run_app shuts down cleanly on SIGINT
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


class Profiler:
    """Optional ``py-spy record`` of the server (collapsed stacks), pinned with us to the client CPU."""

    def __init__(self, pid: int, out: Path | None) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.out = out
        if out is not None:
            self.proc = subprocess.Popen(
                [
                    "py-spy",
                    "record",
                    "--pid",
                    str(pid),
                    "--format",
                    "raw",
                    "--rate",
                    "200",
                    "--nonblocking",
                    "--threads",
                    "-o",
                    str(out),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# -- the candidates ---------------------------------------------------------------------------------------


@dataclass
class Day:
    """Shared clock marks and per-phase measurements of one run."""

    storm: asyncio.Event = field(default_factory=asyncio.Event)
    storm_at: float = 0.0
    answer_from: float = 0.0
    answer_until: float = 0.0
    logged_in: int = 0
    started: int = 0
    last_login_at: float = 0.0
    first_login_at: float = float("inf")
    last_start_at: float = 0.0
    saves: list[tuple[float, float]] = field(default_factory=list)  # (completed at, latency)
    pings: list[tuple[float, float]] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    all_logged_in: asyncio.Event = field(default_factory=asyncio.Event)
    all_started: asyncio.Event = field(default_factory=asyncio.Event)
    answering: asyncio.Event = field(default_factory=asyncio.Event)
    failed: dict[str, int] = field(default_factory=dict)


async def _retrying(what: str, action: Callable[[], Any], timings: Timings) -> Any:
    """Try a button press up to MAX_TRIES times (1 s apart, or Retry-After); None if it never worked."""
    for _ in range(MAX_TRIES):
        try:
            return await action()
        except ApiFailure as err:
            timings.error(f"{what}:{err.code}")
            if err.status not in (429,) and err.status < 500:
                return None
        except (TimeoutError, aiohttp.ClientError, OSError) as err:
            timings.error(f"{what}:network:{type(err).__name__}")
        await asyncio.sleep(1.0)
    return None


async def candidate_day(
    bot: SimulatedCandidate,
    http: aiohttp.ClientSession,
    day: Day,
    *,
    total: int,
    login_at: float,
    start_delay: float,
    args: argparse.Namespace,
    rng: random.Random,
) -> None:
    await asyncio.sleep(max(0.0, login_at - time.perf_counter()))

    async def login() -> bool:
        await bot.login(http)
        return True

    if await _retrying("login", login, bot.timings) is None:
        day.failed["login"] = day.failed.get("login", 0) + 1
        _count(day, total)
        return
    now = time.perf_counter()
    day.first_login_at, day.last_login_at = min(day.first_login_at, now), max(day.last_login_at, now)
    _count(day, total)
    with contextlib.suppress(aiohttp.ClientError, TimeoutError):
        async with http.get(bot.base + "/ujian/exam") as page:
            await page.read()
    await bot.poll(http, "/ujian/api/attempt")
    # The instructions page: a light ping every ~15 s (jittered, as the browser does) until "mulai".
    while not day.storm.is_set():
        timeout = args.wait_poll * rng.uniform(0.75, 1.25) if args.wait_poll > 0 else None
        try:
            await asyncio.wait_for(day.storm.wait(), timeout)
        except TimeoutError:
            began = time.perf_counter()
            if await bot.poll(http, "/ujian/api/ping") is not None:
                day.waits.append(time.perf_counter() - began)
    await asyncio.sleep(start_delay)
    state = await _retrying("start", lambda: bot.start(http), bot.timings)
    if state is None:
        day.failed["start"] = day.failed.get("start", 0) + 1
        _started(day, total)
        return
    day.last_start_at = max(day.last_start_at, time.perf_counter())
    day.started += 1
    _started(day, total)
    await answering(bot, http, day, list(state["items"]), args, rng)


def _count(day: Day, total: int) -> None:
    day.logged_in += 1
    if day.logged_in >= total:
        day.all_logged_in.set()


def _started(day: Day, total: int) -> None:
    if day.started + day.failed.get("start", 0) + day.failed.get("login", 0) >= total:
        day.all_started.set()


async def answering(
    bot: SimulatedCandidate,
    http: aiohttp.ClientSession,
    day: Day,
    items: list[dict[str, Any]],
    args: argparse.Namespace,
    rng: random.Random,
) -> None:
    """Answer items in order (revisiting from the top when done) and ping, until the phase ends."""
    # Wait for the phase's end to be known (set when the start storm is over).
    await day.answering.wait()
    now = time.perf_counter()
    next_answer = now + rng.uniform(0, args.pace[1])
    next_ping = now + (rng.uniform(0, args.ping) if args.ping > 0 else float("inf"))
    n = 0
    for _ in range(100_000):  # bounded; the deadline ends it long before
        wake = min(next_answer, next_ping)
        if wake >= day.answer_until:
            return
        await asyncio.sleep(max(0.0, wake - time.perf_counter()))
        if wake == next_ping:
            began = time.perf_counter()
            if await bot.poll(http, "/ujian/api/ping") is not None:
                day.pings.append((time.perf_counter(), time.perf_counter() - began))
            next_ping = time.perf_counter() + args.ping * rng.uniform(0.8, 1.2)
            continue
        before = len(bot.timings.saves)
        if not await bot.answer(http, items[n % len(items)]):
            return
        if len(bot.timings.saves) > before:
            day.saves.append((time.perf_counter(), bot.timings.saves[-1]))
        n += 1
        next_answer = time.perf_counter() + rng.uniform(*args.pace)


async def open_session(base: str) -> str:
    """The proctor logs in and opens the session over HTTP; returns the token to announce."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.post(base + "/panitia/api/login", json={"username": PROCTOR[0], "password": PROCTOR[1]}) as r:
            assert r.status == 200, await r.text()
        async with http.post(
            base + f"/panitia/api/sessions/{SESSION}/open", json={"reason": "Benchmark: sesi dibuka"}
        ) as r:
            assert r.status == 200, await r.text()
            return str((await r.json())["token"])


# -- one run ----------------------------------------------------------------------------------------------


@dataclass
class Result:
    db: str
    candidates: int
    figures: dict[str, Any]
    errors: dict[str, int]
    lines: list[str]


async def run_one(kind: str, args: argparse.Namespace) -> Result:
    with tempfile.TemporaryDirectory(prefix="ujian-bench-") as tmp:
        workdir = Path(tmp)
        generated = write_exam(workdir / "exam", candidates=args.candidates, items=args.items)
        secret = secrets.token_urlsafe(30)[:40]
        async with fresh_database(kind, workdir, args.postgres_url, prefix="ujian_bench_") as url:
            pg_name = url.rsplit("/", 1)[1] if kind == "postgres" else None
            began = time.perf_counter()
            await import_exam(url, secret, generated.folder)
            print(
                f"[{kind}] imported {args.candidates} candidates, {args.items} items in "
                f"{time.perf_counter() - began:.1f} s",
                flush=True,
            )
            server = Server(url, secret, workdir)
            profiler: Profiler | None = None
            try:
                await server.ready()
                profile_out = Path(f"{args.profile}-{kind}-{args.candidates}.txt") if args.profile else None
                profiler = Profiler(server.pid, profile_out)
                pg = PgBackends(args.postgres_url, pg_name)
                return await drive(kind, args, server, generated.cards, pg)
            finally:
                if profiler is not None:
                    profiler.stop()
                server.stop()
                if args.keep_log:
                    shutil.copyfile(server.log_path, args.keep_log)


async def drive(
    kind: str, args: argparse.Namespace, server: Server, cards: Sequence[tuple[str, str]], pg: PgBackends
) -> Result:
    token = await open_session(server.base)
    rng = random.Random(args.seed)
    day = Day()
    timings = Timings()
    n = len(cards)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    sessions = [
        aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=timeout,
            connector=aiohttp.TCPConnector(limit=2, ttl_dns_cache=None),
        )
        for _ in range(n)
    ]
    pace = Pace(min_s=args.pace[0], max_s=args.pace[1])
    bots = [
        SimulatedCandidate(server.base, number, pin, token, pace=pace, seed=i, timings=timings, session=http)
        for i, ((number, pin), http) in enumerate(zip(cards, sessions, strict=True))
    ]
    marks: dict[str, tuple[float, float, dict[int, tuple[int, int]]]] = {}

    async def mark(name: str) -> None:
        await pg.sample()
        marks[name] = (time.perf_counter(), cpu_seconds(server.pid), core_busy())

    load_before = load_average()
    client_cpu0 = time.process_time()
    await mark("begin")
    t0 = time.perf_counter() + 1.0
    arrivals = sorted(t0 + rng.uniform(0, args.login_window) for _ in range(n))
    delays = [rng.uniform(0, args.start_storm) if args.start_storm > 0 else 0.0 for _ in range(n)]
    tasks = [
        asyncio.create_task(
            candidate_day(
                bot, http, day, total=n, login_at=arrivals[i], start_delay=delays[i], args=args, rng=random.Random(i)
            )
        )
        for i, (bot, http) in enumerate(zip(bots, sessions, strict=True))
    ]
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(day.all_logged_in.wait(), args.login_window + 120)
        await mark("logins")
        login_errors = dict(timings.errors)
        waits_before_storm = len(day.waits)
        # Everyone sits on the instructions page for a moment, polling, then the proctor says "mulai".
        await asyncio.sleep(args.settle)
        await mark("waiting")
        day.storm_at = time.perf_counter()
        day.storm.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(day.all_started.wait(), args.start_storm + 300)
        storm_s = (day.last_start_at - day.storm_at) if day.started else float("nan")
        await mark("storm")
        day.answer_from = time.perf_counter()
        day.answer_until = day.answer_from + args.duration
        day.answering.set()
        await asyncio.sleep(args.duration)
        await mark("answering")
        # Give every in-flight request its timeout, then stop whatever is left.
        _done, pending = await asyncio.wait(tasks, timeout=REQUEST_TIMEOUT_S + 5)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            timings.error(f"crash:{type(task.exception()).__name__}")
    client_cpu = time.process_time() - client_cpu0
    if args.dump:
        rows = sorted(
            [(t - day.storm_at, "save", lat) for t, lat in day.saves]
            + [(t - day.storm_at, "ping", lat) for t, lat in day.pings]
        )
        text = "".join(f"{t:.3f}\t{what}\t{lat * 1000:.1f}\n" for t, what, lat in rows)
        await asyncio.to_thread(Path(f"{args.dump}-{kind}-{n}.tsv").write_text, text)
    rss, peak = memory_mb(server.pid)

    def cpu(a: str, b: str) -> float:
        return marks[b][1] - marks[a][1]

    def cores(a: str, b: str) -> str:
        busy = busy_percent(marks[a][2], marks[b][2])
        return " ".join(f"cpu{c} {p:.0f}%" for c, p in sorted(busy.items()))

    window = [(t, lat) for t, lat in day.saves if day.answer_from <= t <= day.answer_until]
    save_lat = [lat for _, lat in window]
    ping_lat = [lat for t, lat in day.pings if day.answer_from <= t <= day.answer_until]
    logins = timings.logins
    login_span = max(1e-9, day.last_login_at - day.first_login_at) if logins else float("nan")
    starts = timings.starts
    nan = float("nan")
    figures = {
        "logins": len(logins),
        "logins_per_s": len(logins) / login_span if logins else 0.0,
        "login_p50": pct(logins, 0.5),
        "login_p99": pct(logins, 0.99),
        "login_max": max(logins, default=nan),
        "storm_s": storm_s,
        "started": day.started,
        "start_p50": pct(starts, 0.5),
        "start_p99": pct(starts, 0.99),
        "start_max": max(starts, default=nan),
        "saves": len(save_lat),
        "saves_per_s": len(save_lat) / args.duration,
        "save_p50": pct(save_lat, 0.5),
        "save_p99": pct(save_lat, 0.99),
        "save_max": max(save_lat, default=nan),
        "pings": len(ping_lat),
        "ping_p50": pct(ping_lat, 0.5),
        "ping_p99": pct(ping_lat, 0.99),
        "wait_polls": waits_before_storm,
        "wait_p99": pct(day.waits, 0.99),
        "cpu_total": marks["answering"][1] - marks["begin"][1],
        "rss_mb": rss,
        "peak_mb": peak,
        "pg_cpu": pg.used(),
        "client_cpu": client_cpu,
    }
    f = figures
    errors = dict(sorted(timings.errors.items()))
    answer_cpu = cpu("storm", "answering")
    pg_note = f"; PostgreSQL backends CPU {f['pg_cpu']:.1f} s" if pg.name else ""
    lines = [
        f"== exam day: {kind}, {n} candidates, {args.items} items ==",
        f"load average before/after: {load_before} / {load_average()}",
        f"login storm   {len(logins)}/{n} logged in over {login_span:.1f} s: {f['logins_per_s']:.1f} logins/s;"
        f" login p50 {ms(f['login_p50'])} ms, p99 {ms(f['login_p99'])} ms, max {ms(f['login_max'])} ms;"
        f" server CPU {cpu('begin', 'logins'):.1f} s; {cores('begin', 'logins')}",
        f"              errors during logins: {login_errors or 'none'}",
        f"waiting room  {waits_before_storm} attempt polls before the storm (every {args.wait_poll:g} s),"
        f" p99 {ms(f['wait_p99'])} ms; server CPU {cpu('logins', 'waiting'):.1f} s over the"
        f" {args.settle:g} s settle; {cores('logins', 'waiting')}",
        f"start storm   {day.started}/{n} started in {storm_s:.2f} s (window {args.start_storm:g} s);"
        f" start p50 {ms(f['start_p50'])} ms, p99 {ms(f['start_p99'])} ms, max {ms(f['start_max'])} ms;"
        f" server CPU {cpu('waiting', 'storm'):.1f} s; {cores('waiting', 'storm')}",
        f"answering     {len(save_lat)} saves in {args.duration:g} s: {f['saves_per_s']:.1f} saves/s"
        f" (pace {args.pace[0]:g}–{args.pace[1]:g} s); save p50 {ms(f['save_p50'])} ms,"
        f" p99 {ms(f['save_p99'])} ms, max {ms(f['save_max'])} ms",
        f"              {len(ping_lat)} pings ({len(ping_lat) / args.duration:.1f}/s, every {args.ping:g} s):"
        f" p50 {ms(f['ping_p50'])} ms, p99 {ms(f['ping_p99'])} ms; server CPU {answer_cpu:.1f} s"
        f" = {100 * answer_cpu / args.duration:.0f}% of a core; {cores('storm', 'answering')}",
        f"server        pid {server.pid}, CPU {f['cpu_total']:.1f} s total, RSS {rss:.0f} MiB"
        f" (peak {peak:.0f} MiB){pg_note}; load generator CPU {client_cpu:.1f} s",
        f"errors        {errors or 'none'}" + (f"; gave up: {day.failed}" if day.failed else ""),
    ]
    return Result(kind, n, figures, errors, lines)


def markdown_row(r: Result, args: argparse.Namespace) -> str:
    f = r.figures
    pg = f" + PG {f['pg_cpu']:.0f}" if f["pg_cpu"] is not None else ""
    return (
        f"| {r.db} | {r.candidates} | {f['logins_per_s']:.1f} | {ms(f['login_p99'])} | "
        f"{f['storm_s']:.2f} | {f['saves_per_s']:.1f} | "
        f"{ms(f['save_p50'])} / {ms(f['save_p99'])} / {ms(f['save_max'])} | "
        f"{ms(f['ping_p99'])} | {f['cpu_total']:.0f}{pg} | {f['peak_mb']:.0f} | "
        f"{sum(r.errors.values())} |"
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--candidates", type=int, default=1000)
    p.add_argument("--login-window", type=float, default=60.0, help="seconds over which logins arrive")
    p.add_argument("--duration", type=float, default=120.0, help="seconds of answering")
    p.add_argument(
        "--pace",
        type=float,
        nargs=2,
        default=(20.0, 40.0),
        metavar=("MIN", "MAX"),
        help="seconds between one candidate's answers (default 20 40)",
    )
    p.add_argument("--items", type=int, default=40)
    p.add_argument(
        "--start-storm",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="everyone presses Mulai within this window (default 0: all at once)",
    )
    p.add_argument(
        "--settle",
        type=float,
        default=10.0,
        help="seconds on the instructions page after the last login before the proctor's signal",
    )
    p.add_argument(
        "--wait-poll",
        type=float,
        default=15.0,
        help="instructions-page poll of "
        "/ujian/api/ping (s, jittered ±25 %; the browser's INSTRUCTIONS_POLL_MS; 0: off)",
    )
    p.add_argument(
        "--ping",
        type=float,
        default=15.0,
        help="GET /ujian/api/ping interval while working (s, jittered ±20 %; the browser's PING_MS; 0: off)",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--postgres-url",
        default=os.environ.get("UJIAN_BENCH_POSTGRES_URL", DEFAULT_PG),
        help=f"admin DSN of an existing database (default {DEFAULT_PG})",
    )
    p.add_argument(
        "--profile",
        metavar="PREFIX",
        default=None,
        help="record the server with py-spy into PREFIX-<db>-<n>.txt (collapsed stacks)",
    )
    p.add_argument("--keep-log", metavar="FILE", default=None, help="copy the server's log here")
    p.add_argument(
        "--dump",
        metavar="PREFIX",
        default=None,
        help="write every save and ping as 'seconds-since-storm kind latency' to PREFIX-<db>-<n>.tsv",
    )
    args = p.parse_args(argv)
    if args.candidates < 1 or args.items < 2 or args.duration <= 0 or not 0 < args.pace[0] <= args.pace[1]:
        p.error("need --candidates >= 1, --items >= 2, --duration > 0 and 0 < MIN <= MAX")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    raise_nofile()
    pin_to(CLIENT_CPU)
    command = "python bench/exam_day.py " + shlex.join(sys.argv[1:] if argv is None else list(argv))
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    revision = code_revision()
    results = []
    for kind in kinds:
        try:
            result = asyncio.run(run_one(kind, args))
        except KeyboardInterrupt:
            print("interrupted: the server was stopped and the database removed", file=sys.stderr)
            return 130
        print("\n".join(result.lines), flush=True)
        results.append(result)
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(f"\n{stamp}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, code {revision}")
    print(
        "| db | candidates | logins/s | login p99 ms | start storm s | saves/s | save p50 / p99 / max ms | "
        "ping p99 ms | server CPU s | peak RSS MiB | errors |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(markdown_row(r, args))
    print(f"\ncommand: {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
