"""Real python-socketio clients against the real server: snapshot then ordered deltas, resync, slow viewers."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest
import socketio
from aiohttp import web

from stream.live.routes import setup_live
from stream.live.settings import LiveSettings
from stream.live.sio import LiveSocketServer, ws_frame
from tests.stream.live.helpers import FID, SESSION, Viewer, info, seat, serve, until

NODE_DIR = Path(__file__).resolve().parents[3] / "bench" / "node"


def exam_app(**settings: Any) -> tuple[web.Application, Any]:
    app = web.Application()
    live = setup_live(app, LiveSettings(coalesce_ms=settings.pop("coalesce_ms", 0), **settings))
    return app, live


@pytest.mark.parametrize("transports", [["websocket"], ["polling", "websocket"], ["polling"]])
async def test_snapshot_on_join_then_sequenced_deltas(transports: list[str]) -> None:
    app, live = exam_app()
    async with serve(app) as url:
        await live.feed.replace_all(info(), [seat(1), seat(2)])
        await live.feed.flush()
        viewer = await Viewer(transports).connect(url)
        snap = viewer.named("snapshot")[0]
        assert snap["seq"] == 1
        assert {r["number"] for r in snap["rows"]} == {"P-001", "P-002"}
        assert viewer.named("clock")[0]["now"] > 0
        for answered in range(1, 6):
            await live.feed.seat_changed(SESSION, seat(1, answered=answered))
            await live.feed.flush()
        await live.feed.seat_changed(SESSION, seat(2, status="submitted", score=65_000, submitted_at=9))
        await live.feed.flush()
        await until(lambda: viewer.seq == 7)
        assert [d["seq"] for d in viewer.named("delta")] == [2, 3, 4, 5, 6, 7]
        assert viewer.gaps == 0
        assert viewer.by_number("P-001")["answered"] == 5
        assert viewer.by_number("P-002")["rank"] == 1
        assert viewer.by_number("P-002")["score"] == 65_000
        await viewer.close()


async def test_a_gap_is_resynced_from_the_snapshot() -> None:
    app, live = exam_app()
    async with serve(app) as url:
        await live.feed.replace_all(info(), [seat(1)])
        await live.feed.flush()
        viewer = await Viewer().connect(url)
        viewer.seq -= 1  # pretend we missed a message
        await live.feed.seat_changed(SESSION, seat(1, answered=7))
        await live.feed.flush()
        await until(lambda: len(viewer.named("snapshot")) == 2)
        assert viewer.gaps == 1
        assert viewer.seq == 2
        assert viewer.by_number("P-001")["answered"] == 7
        await viewer.close()


async def test_many_viewers_get_identical_frames_from_one_encode() -> None:
    app, live = exam_app()
    async with serve(app) as url:
        await live.feed.replace_all(info(), [seat(1)])
        await live.feed.flush()
        viewers = [await Viewer().connect(url) for _ in range(8)]
        before = live.sio.stats.broadcasts
        await live.feed.seat_changed(SESSION, seat(1, answered=2))
        await live.feed.flush()
        await until(lambda: all(v.seq == 2 for v in viewers))
        assert live.sio.stats.broadcasts == before + 1
        assert len({json.dumps(v.named("delta")[0], sort_keys=True) for v in viewers}) == 1
        for v in viewers:
            await v.close()


async def test_join_unknown_formation_says_missing() -> None:
    app, _ = exam_app()
    async with serve(app) as url:
        client = socketio.AsyncClient(reconnection=False)
        got: list[Any] = []
        client.on("missing", lambda data: got.append(data), namespace="/live")
        await client.connect(url, namespaces=["/live"], transports=["websocket"])
        await client.emit("join", {"f": "0" * 16}, namespace="/live")
        await client.emit("join", {"f": "../../etc"}, namespace="/live")
        await until(lambda: len(got) == 2)
        assert got == [{"f": "0" * 16}, {"f": None}]
        await client.shutdown()


async def test_a_stuck_viewer_is_dropped_and_others_keep_flowing() -> None:
    app, live = exam_app(max_backlog_bytes=4096)
    async with serve(app) as url:
        rows = [seat(n) for n in range(40)]
        await live.feed.replace_all(info(), rows)
        await live.feed.flush()
        host, port = url.removeprefix("http://").split(":")
        stuck = socket.create_connection((host, int(port)))
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.sendall(
            b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        mask = b"\x00\x00\x00\x00"
        for text in (b"40/live,", b'42/live,["join",{"f":"' + FID.encode() + b'"}]'):
            stuck.sendall(bytes([0x81, 0x80 | len(text)]) + mask + text)
        healthy = await Viewer().connect(url)
        await until(lambda: live.hub.viewers(FID) == 2)
        answered = 0
        async with asyncio.timeout(60):
            while live.sio.stats.dropped == 0:  # never read by the stuck client: its backlog grows
                answered = answered % 40 + 1
                await live.feed.replace_all(SESSION, [seat(n, answered=answered) for n in range(40)])
                await live.feed.flush()
                await asyncio.sleep(0)
        await until(lambda: live.hub.viewers(FID) == 1)
        seq = live.hub._replicas[FID].seq
        await until(lambda: healthy.seq == seq)
        assert healthy.gaps == 0
        stuck.close()
        await healthy.close()


async def test_encode_frames_are_plain_rfc6455() -> None:
    assert ws_frame(b"x") == b"\x81\x01x"
    assert ws_frame(b"y" * 200)[:4] == b"\x81\x7e\x00\xc8"
    assert ws_frame(b"z" * 70_000)[:2] == b"\x81\x7f"
    sio = LiveSocketServer()
    enc = sio.encode("/live", "delta", {"a": 1})
    assert enc.frame == ws_frame(b'42/live,["delta",{"a":1}]')


async def test_committee_namespace_needs_the_hook_and_sees_presence() -> None:
    allowed = {"yes": True}
    app, live = exam_app(authorize=lambda environ: "ujian_p=ok" in environ.get("HTTP_COOKIE", "") and allowed["yes"])
    async with serve(app) as url:
        await live.feed.replace_all(info(public_fields=frozenset({"number"})), [seat(1)])
        await live.feed.flush()
        outsider = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await outsider.connect(url, namespaces=["/panitia"], transports=["websocket"], wait_timeout=5)
        await outsider.shutdown()
        committee = socketio.AsyncClient(reconnection=False)
        got: list[tuple[str, Any]] = []
        committee.on("*", lambda e, d: got.append((e, d)), namespace="/panitia")
        await committee.connect(
            url, namespaces=["/panitia"], transports=["websocket"], headers={"Cookie": "ujian_p=ok"}, wait_timeout=5
        )
        await committee.emit("watch", {"session": SESSION}, namespace="/panitia")
        await until(lambda: any(e == "snapshot" for e, _ in got))
        assert got[0][1]["rows"][0]["name"] == "Nama Peserta 1"
        from stream.live.model import SeatPresence

        await live.feed.presence_changed(SESSION, "P-001", SeatPresence(False, 5, 3))
        await live.feed.flush()
        await until(lambda: any(e == "delta" for e, _ in got))
        delta = next(d for e, d in got if e == "delta")
        assert delta["rows"][0]["presence"]["disconnects"] == 3
        await committee.shutdown()


async def test_committee_is_closed_without_a_hook() -> None:
    app, _ = exam_app()
    async with serve(app) as url:
        client = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(url, namespaces=["/panitia"], transports=["websocket"], wait_timeout=5)
        await client.shutdown()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: the npm client test needs it")
async def test_npm_socket_io_client_interoperates() -> None:
    if not (NODE_DIR / "node_modules" / "socket.io-client").exists():
        npm = await asyncio.create_subprocess_exec(
            "npm", "ci", "--no-audit", "--no-fund", cwd=NODE_DIR, stdout=asyncio.subprocess.DEVNULL
        )
        assert await asyncio.wait_for(npm.wait(), 120) == 0
    app, live = exam_app()
    async with serve(app) as url:
        await live.feed.replace_all(info(), [seat(1)])
        await live.feed.flush()
        proc = await asyncio.create_subprocess_exec(
            "node",
            "client-check.js",
            url,
            FID,
            cwd=NODE_DIR,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert line.startswith(b"snapshot 1"), line
        await live.feed.seat_changed(SESSION, seat(1, answered=9))
        await live.feed.flush()
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err
        assert b"delta 2 answered=9" in out
