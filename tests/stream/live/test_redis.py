"""Across processes: the exam side publishes through Redis, two real public-edge processes serve viewers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from stream.live.feed import RedisSink
from stream.live.routes import build_live, setup_live
from stream.live.settings import LiveSettings
from stream.live.store import RedisStore
from tests.conftest import REDIS_URL
from tests.stream.live.helpers import FID, SESSION, Viewer, info, seat, serve, until

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def edge(env: dict[str, str]) -> AsyncIterator[str]:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "stream.public",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http, asyncio.timeout(30):
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{url}/live/api/health") as r:
                        if r.status == 200:
                            break
                await asyncio.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        with contextlib.suppress(ProcessLookupError):
            await asyncio.wait_for(proc.wait(), 10)


@pytest.fixture
def channel() -> dict[str, str]:
    tag = secrets.token_hex(4)
    return {
        "UJIAN_REDIS_URL": REDIS_URL or "",
        "UJIAN_LIVE_CHANNEL": f"test-{tag}",
        "UJIAN_LIVE_KEY_PREFIX": f"test-{tag}:",
        "UJIAN_LIVE_REVALIDATE_S": "1",
    }


def exam_side(env: dict[str, str]):  # type: ignore[no-untyped-def]
    return build_live(
        LiveSettings(
            role="exam",
            redis_url=env["UJIAN_REDIS_URL"],
            coalesce_ms=0,
            channel=env["UJIAN_LIVE_CHANNEL"],
            key_prefix=env["UJIAN_LIVE_KEY_PREFIX"],
        )
    )


@pytest.mark.redis
@pytest.mark.slow
async def test_two_edges_serve_the_same_feed_and_late_joiners_get_the_snapshot(channel: dict[str, str]) -> None:
    exam = exam_side(channel)
    feed = exam.feed
    await feed.replace_all(info(), [seat(1), seat(2)])
    await feed.flush()
    async with edge(channel) as a, edge(channel) as b:
        va, vb = await Viewer().connect(a), await Viewer(["polling", "websocket"]).connect(b)
        assert va.seq == vb.seq >= 1
        await feed.seat_changed(SESSION, seat(1, answered=3))
        await feed.flush()
        await feed.seat_changed(SESSION, seat(2, status="submitted", score=88_000, submitted_at=7))
        await feed.flush()
        target = feed._forms[FID].seq
        await until(lambda: va.seq == target and vb.seq == target)
        for v in (va, vb):
            assert v.gaps == 0
            assert v.by_number("P-001")["answered"] == 3
            assert v.by_number("P-002")["rank"] == 1
        late = await Viewer().connect(b)
        assert late.seq == target
        assert late.by_number("P-002")["score"] == 88_000
        async with aiohttp.ClientSession() as http:
            r = await http.get(f"{a}/live/api/f/{FID}")
            assert r.status == 200
            assert r.headers["ETag"] == f'"{feed.epoch}.{target}"'
            for path in ("/ujian", "/panitia", "/ujian/api/answer", "/panitia/api/login"):
                assert (await http.post(f"{a}{path}", json={})).status in (404, 405)
        for v in (va, vb, late):
            await v.close()
    await feed.close()
    await exam.store.close()


@pytest.mark.redis
@pytest.mark.slow
async def test_an_edge_that_restarts_or_misses_messages_recovers(channel: dict[str, str]) -> None:
    exam = exam_side(channel)
    feed = exam.feed
    await feed.replace_all(info(), [seat(1)])
    await feed.flush()
    async with edge(channel) as a:
        v = await Viewer().connect(a)
    # the edge is gone; the exam goes on
    for answered in range(1, 4):
        await feed.seat_changed(SESSION, seat(1, answered=answered))
        await feed.flush()
    target = feed._forms[FID].seq
    async with edge(channel) as a:
        again = await Viewer().connect(a)
        assert again.seq == target
        assert again.by_number("P-001")["answered"] == 3
        # a delta lost on the way (written to the store but never published): revalidation catches it
        store = RedisStore(channel["UJIAN_REDIS_URL"], prefix=channel["UJIAN_LIVE_KEY_PREFIX"])
        await feed.seat_changed(SESSION, seat(1, answered=9))
        sink = next(s for s in feed.sinks if isinstance(s, RedisSink))
        real, sink.publisher = sink.publisher, _Mute()
        await feed.flush()
        await until(lambda: again.by_number("P-001")["answered"] == 9, limit_s=20)
        assert again.named("snapshot")[-1]["seq"] == target + 1
        await again.close()
        await store.close()
        await real.close()
    await v.close()
    await feed.close()
    await exam.store.close()


class _Mute:
    async def publish(self, *args: object) -> None:
        return None


async def test_the_exam_keeps_working_when_redis_is_down() -> None:
    app = web.Application()
    live = setup_live(app, LiveSettings(role="exam", redis_url="redis://127.0.0.1:1/0", coalesce_ms=0))
    async with serve(app) as url:
        await live.feed.replace_all(info(), [seat(1)])
        await live.feed.flush()
        viewer = await Viewer().connect(url)  # local viewers (venue display) still work
        for answered in range(1, 4):
            await live.feed.seat_changed(SESSION, seat(1, answered=answered))
            await live.feed.flush()
        await until(lambda: viewer.seq == 4)
        sink = next(s for s in live.feed.sinks if isinstance(s, RedisSink))
        await until(lambda: not sink.healthy)
        await viewer.close()
