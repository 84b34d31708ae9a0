"""The real ffmpeg test source through the hub to real websocket clients; HLS, archive, restart and relay."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from stream.keys import VIDEO
from stream.video.hls import SegmentClosed
from stream.video.hub import HEADER, KIND_DELTA, KIND_INIT, KIND_KEY
from stream.video.routes import standalone_app
from stream.video.service import VideoService, VideoSettings
from stream.video.supervisor import Backoff
from tests.stream.video.conftest import small_source, until

pytestmark = pytest.mark.slow

ServerFactory = Callable[..., Awaitable[TestServer]]


@dataclass
class Running:
    server: TestServer
    segments: list[SegmentClosed]

    @property
    def service(self) -> VideoService:
        return self.server.app[VIDEO]

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))


@pytest.fixture
async def video(aiohttp_server: ServerFactory, tmp_path: Path) -> Running:
    segments: list[SegmentClosed] = []

    async def on_segment(seg: SegmentClosed) -> None:
        segments.append(seg)

    settings = VideoSettings(
        sources=(small_source(),), archive_dir=tmp_path / "video", on_segment=on_segment, backoff=Backoff(first_s=0.2)
    )
    # aiohttp_server's teardown runs the cleanup context: ffmpeg is stopped and reaped there.
    return Running(await aiohttp_server(standalone_app(settings)), segments)


async def next_message(ws: aiohttp.ClientWebSocketResponse) -> tuple[str, object]:
    msg = await asyncio.wait_for(ws.receive(), 30)
    if msg.type == aiohttp.WSMsgType.TEXT:
        return "text", json.loads(msg.data)
    assert msg.type == aiohttp.WSMsgType.BINARY, msg
    kind, wall, media = HEADER.unpack_from(msg.data)
    return {KIND_INIT: "init", KIND_KEY: "key", KIND_DELTA: "delta"}[kind], (wall, media, msg.data[HEADER.size :])


async def until_hello(ws: aiohttp.ClientWebSocketResponse) -> dict[str, object]:
    while True:
        kind, body = await next_message(ws)
        if kind == "text" and isinstance(body, dict) and body["type"] == "hello":
            return body


async def test_websocket_clients_get_init_then_a_keyframe_then_every_frame(video: Running) -> None:
    async with aiohttp.ClientSession() as session:
        clients = [await session.ws_connect(video.url("/video/ws/lab-1")) for _ in range(3)]
        for ws in clients:
            hello = await until_hello(ws)
            assert hello["camera"] == "lab-1"
            assert hello["name"] == "Lab 1"
            assert str(hello["codec"]).startswith("avc1.")
            kind, body = await next_message(ws)
            assert kind == "init"
            assert isinstance(body, tuple)
            assert body[2][4:8] == b"ftyp"
            kinds: list[str] = []
            medias: list[int] = []
            while len(kinds) < 20:
                kind, body = await next_message(ws)
                assert isinstance(body, tuple)
                kinds.append(kind)
                medias.append(body[1])
            assert kinds[0] == "key"
            assert medias == sorted(medias)
            assert len(set(medias)) == len(medias)
        for ws in clients:
            await ws.close()
    assert video.service.hubs["lab-1"].stats.viewers_joined == 3
    async with aiohttp.ClientSession() as session:
        resp = await session.get(video.url("/video/ws/nope"))
        assert resp.status == 404


async def test_hls_and_archive_are_served_and_hashes_reach_the_log_hook(video: Running) -> None:
    await until(lambda: sum(1 for s in video.segments if s.seq > 0) >= 2)
    init, first = video.segments[0], video.segments[1]
    assert (init.seq, first.seq, first.epoch) == (0, 1, 1)
    async with aiohttp.ClientSession() as session:
        live = await session.get(video.url("/video/hls/lab-1/live.m3u8"))
        assert live.status == 200
        assert live.headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
        assert live.headers["Cache-Control"] == "public, max-age=1"
        text = await live.text()
        assert '#EXT-X-MAP:URI="1/init.mp4"' in text
        assert "1/seg_00001.m4s" in text

        for s in video.segments[:2]:
            resp = await session.get(video.url(f"/video/hls/lab-1/1/{s.name}"))
            assert resp.status == 200
            assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert resp.headers["Content-Type"] == ("video/mp4" if s.seq == 0 else "video/iso.segment")
            body = await resp.read()
            assert hashlib.sha256(body).hexdigest() == s.sha256 == resp.headers["X-Content-SHA256"]
            assert len(body) == s.bytes

        for bad in (
            "/video/hls/lab-1/1/seg_09999.m4s",
            "/video/hls/lab-1/1/ffmpeg.m3u8",
            "/video/hls/lab-1/1/seg_00001.m4s.tmp",
            "/video/hls/zzz/live.m3u8",
        ):
            assert (await session.get(video.url(bad))).status == 404

        index = await (await session.get(video.url("/video/archive/lab-1/index.json"))).json()
        assert index["segments"][0]["sha256"] == first.sha256
        assert index["epochs"][0]["sha256"] == init.sha256

        at = await session.get(video.url(f"/video/archive/lab-1/at?t={first.start_ms + 400}"))
        assert at.headers["Cache-Control"] == "no-cache"
        where = await at.json()
        assert (where["epoch"], where["seq"], where["offset_ms"], where["exact"]) == (1, 1, 400, True)
        assert where["playlist_offset_ms"] == 400
        archive = await (await session.get(video.url(where["playlist"]))).text()
        assert "#EXT-X-START:TIME-OFFSET=0.400,PRECISE=YES" in archive

        bad_t = await session.get(video.url("/video/archive/lab-1/at?t=soon"))
        assert bad_t.status == 400
        assert (await bad_t.json())["error"]["code"] == "video.bad_time"
        replay = await session.get(video.url(f"/video/replay?camera=lab-1&t={first.start_ms}"))
        assert replay.status == 200
        assert "script-src 'self'" in replay.headers["Content-Security-Policy"]
    archived = json.loads((video.service.archives["lab-1"].dir / "index.jsonl").read_text().splitlines()[1])
    assert archived == first.as_json()
    assert all(isinstance(v, int | str) for v in archived.values())


async def test_killed_ffmpeg_comes_back_with_a_new_epoch_and_players_reinit(video: Running) -> None:
    sup = video.service.supervisors["lab-1"]
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(video.url("/video/ws/lab-1"))
        hello = await until_hello(ws)
        assert hello["epoch"] == 1
        await until(lambda: sup.process is not None and sup.process.returncode is None)
        assert sup.process is not None
        os.kill(sup.process.pid, signal.SIGKILL)
        seen: list[str] = []
        while True:
            kind, body = await next_message(ws)
            if kind == "text" and isinstance(body, dict):
                seen.append(f"{body['type']}:{body['epoch']}")
                if body["type"] == "hello":
                    break
        assert seen == ["offline:1", "hello:2"]
        assert (await next_message(ws))[0] == "init"
        assert (await next_message(ws))[0] == "key"
        await ws.close()
    assert sup.restarts == 1
    assert sup.epoch == 2


async def test_public_edge_relays_the_upstream_hub(
    video: Running, aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    edge_settings = VideoSettings(sources=(), archive_dir=tmp_path / "edge", upstream=video.url("/").rstrip("/"))
    edge = await aiohttp_server(standalone_app(edge_settings))
    await until(lambda: "lab-1" in edge.app[VIDEO].hubs)
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(str(edge.make_url("/video/ws/lab-1")))
        hello = await until_hello(ws)
        assert hello["epoch"] == 1
        assert (await next_message(ws))[0] == "init"
        assert (await next_message(ws))[0] == "key"
        await ws.close()
        await until(lambda: any(s.seq > 0 for s in video.segments))
        resp = await session.get(str(edge.make_url("/video/hls/lab-1/live.m3u8")))
        assert resp.status == 200
        assert resp.headers["Cache-Control"] == "public, max-age=1"
        seg = await session.get(str(edge.make_url("/video/hls/lab-1/1/seg_00001.m4s")))
        assert seg.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert hashlib.sha256(await seg.read()).hexdigest() == video.segments[1].sha256
    assert not (tmp_path / "edge").exists()  # an edge runs no ffmpeg and keeps no archive
