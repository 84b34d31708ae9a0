"""Headless Chromium watches /live while the publisher API feeds updates: progress, then score and rank."""

from __future__ import annotations

import pytest
from aiohttp import web

from stream.live.routes import setup_live
from stream.live.settings import LiveSettings
from tests.conftest import CHROMIUM
from tests.stream.live.helpers import FID, SESSION, info, seat, serve
from web import STATIC

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


async def test_board_updates_live_without_reload() -> None:
    from playwright.async_api import async_playwright, expect

    app = web.Application()
    live = setup_live(app, LiveSettings(coalesce_ms=0))
    app.router.add_static("/static", STATIC)  # the exam server (or the public edge) serves these
    await live.feed.replace_all(info(), [seat(1, answered=2), seat(2, answered=5), seat(3, status="not_started")])
    await live.feed.flush()
    async with serve(app) as url, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 390, "height": 844})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            await page.goto(f"{url}/live/{SESSION}/{FID}")
            await page.wait_for_selector('#board-conn[data-state="live"]', timeout=15_000)
            await page.evaluate("window.__marker = 'same page'")
            seat1 = page.locator("li.seat", has_text="P-001")
            assert "2/40" in await seat1.inner_text()

            await live.feed.seat_changed(SESSION, seat(1, answered=17))
            # locator waits, not wait_for_function: the page's CSP (rightly) forbids eval
            await expect(seat1).to_contain_text("17/40", timeout=15_000)

            await live.feed.seat_changed(SESSION, seat(1, status="submitted", score=83_500, submitted_at=10))
            await expect(seat1.locator(".seat__total")).to_have_text("83,5", timeout=15_000)
            first = page.locator("li.seat").first
            await expect(first.locator(".seat__no")).to_have_text("P-001", timeout=15_000)
            text = await first.inner_text()
            assert "P-001" in text
            assert "1" in await first.locator(".seat__rank").inner_text()
            assert "Lulus" in text
            await live.feed.seat_changed(SESSION, seat(2, status="submitted", score=91_000, submitted_at=12))
            await expect(page.locator("li.seat").first.locator(".seat__no")).to_have_text("P-002", timeout=15_000)
            await expect(seat1.locator(".seat__rank")).to_have_text("2")
            assert await page.evaluate("window.__marker") == "same page"  # never reloaded
            assert await page.locator("li.seat--arrived").count() >= 1
            assert not [e for e in errors if "favicon" not in e], errors
        finally:
            await browser.close()
