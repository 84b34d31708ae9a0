"""Headless Debian Chromium plays the live stream (MSE and HLS fallback) and the archive replay."""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, async_playwright

from stream.keys import VIDEO
from stream.video.hls import SegmentClosed
from stream.video.routes import standalone_app
from stream.video.service import VideoService, VideoSettings
from stream.video.supervisor import Backoff
from tests.conftest import CHROMIUM
from tests.stream.video.conftest import small_source, until

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ServerFactory = Callable[..., Awaitable[TestServer]]
STATS = """() => {
  const root = document.querySelector('[data-video-player]');
  const v = document.querySelector('video');
  const s = window.ujianVideoStats;
  return {decoded: s.decoded, bad: s.bad, samples: s.samples.slice(-20), codes: s.codes.slice(-5),
          firstCode: s.codes[0],
          currentTime: v.currentTime, player: root && root.ujianPlayer ? root.ujianPlayer.stats : null,
          badge: root ? root.querySelector('[data-video-badge]').textContent : null,
          delay: root ? root.querySelector('[data-video-delay]').textContent : null};
}"""


@pytest.fixture
async def server(aiohttp_server: ServerFactory, tmp_path: Path) -> tuple[TestServer, list[SegmentClosed]]:
    segments: list[SegmentClosed] = []

    async def on_segment(seg: SegmentClosed) -> None:
        segments.append(seg)

    settings = VideoSettings(
        sources=(small_source(),), archive_dir=tmp_path / "video", on_segment=on_segment, backoff=Backoff(first_s=0.2)
    )
    # aiohttp_server's teardown runs the cleanup context, which stops and reaps ffmpeg.
    return await aiohttp_server(standalone_app(settings)), segments


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=["--autoplay-policy=no-user-gesture-required"])
        try:
            yield b
        finally:
            await b.close()


async def open_page(browser: Browser, url: str) -> tuple[Page, list[str]]:
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto(url)
    return page, errors


async def stats(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = await page.evaluate(STATS)
    return result


async def test_live_plays_over_the_websocket_with_latency_measured(
    server: tuple[TestServer, list[SegmentClosed]], browser: Browser
) -> None:
    srv, _ = server
    page, errors = await open_page(browser, str(srv.make_url("/video/watch?measure=1")))
    await page.wait_for_function("() => window.ujianVideoStats && window.ujianVideoStats.decoded >= 20", timeout=30_000)
    first = await stats(page)
    await page.wait_for_function(f"() => window.ujianVideoStats.decoded >= {first['decoded'] + 10}", timeout=30_000)
    later = await stats(page)
    assert later["currentTime"] > first["currentTime"]  # frames advance
    assert later["codes"][-1] > first["codes"][-1]  # and they are new frames, by their burned-in clock
    assert all(0 < ms < 10_000 for ms in later["samples"])
    assert later["player"]["transport"] == "ws"
    assert later["player"]["firstFrameMs"] is not None
    assert later["badge"] == "LANGSUNG"
    assert later["delay"].startswith("tunda ")
    assert errors == []

    # Kill ffmpeg: the supervisor restarts it and the player re-initialises on the new epoch.
    service: VideoService = srv.app[VIDEO]
    proc = service.supervisors["lab-1"].process
    assert proc is not None
    os.kill(proc.pid, signal.SIGKILL)
    await page.wait_for_function(
        "() => document.querySelector('[data-video-player]').ujianPlayer.stats.reinits >= 2", timeout=30_000
    )
    before = (await stats(page))["decoded"]
    await page.wait_for_function(f"() => window.ujianVideoStats.decoded >= {before + 10}", timeout=30_000)
    assert (await stats(page))["player"]["epoch"] == 2


async def test_hls_fallback_plays(server: tuple[TestServer, list[SegmentClosed]], browser: Browser) -> None:
    srv, segments = server
    await until(lambda: sum(1 for s in segments if s.seq > 0) >= 3)
    page, _ = await open_page(browser, str(srv.make_url("/video/watch?measure=1&mode=hls")))
    await page.wait_for_function("() => window.ujianVideoStats.decoded >= 10", timeout=45_000)
    result = await stats(page)
    assert result["player"]["transport"] == "hls"
    assert all(0 < ms < 30_000 for ms in result["samples"])


async def test_replay_starts_at_the_requested_wall_clock(
    server: tuple[TestServer, list[SegmentClosed]], browser: Browser
) -> None:
    srv, segments = server
    await until(lambda: sum(1 for s in segments if s.seq > 0) >= 3)
    target = segments[2].start_ms + 300
    page, errors = await open_page(browser, str(srv.make_url(f"/video/replay?camera=lab-1&t={target}&measure=1")))
    await page.wait_for_function("() => window.ujianVideoStats.decoded >= 3", timeout=30_000)
    # The first frames shown carry, burned in by the encoder, a capture time within a second of the request.
    first_capture = (await stats(page))["firstCode"]
    assert abs(first_capture - target % 2**32) < 1500
    shown = await page.get_attribute("[data-video-replay]", "data-wall-ms")
    assert shown is not None
    assert abs(int(shown) - target) < 3000
    assert errors == []
