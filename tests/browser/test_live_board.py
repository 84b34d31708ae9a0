"""The public board in headless Chromium, fed by the real exam server while a simulated candidate works."""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM_ARGS, PHONE, _wait_for_banner
from tests.conftest import CHROMIUM
from tests.processes import ServerProcess, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def busy_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str]]:
    """A demo with one simulated candidate answering quickly (about one answer a second)."""
    work = tmp_path_factory.mktemp("live-demo")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("UJIAN_DATABASE_URL", None)
    server = ServerProcess(
        ["demo", "--no-video", "--simulate", "1", "--pace", "0.6", "1.2", "--db", str(work / "demo.db")],
        env,
        work,
        free_port(),
    )
    server.start(timeout=60)
    try:
        banner = _wait_for_banner(server.log)
        match = re.search(r"Simulated candidates taking the exam now: (\S+)", banner)
        assert match, banner
        yield server, match.group(1).rstrip(",")
    finally:
        server.stop()


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _formation_of(base: str, number: str) -> tuple[str, str]:
    index = _get(base + "/live/api/index")
    for session in index["sessions"]:
        for f in session["formations"]:
            rows = _get(f"{base}/live/api/f/{f['id']}")["rows"]
            if any(r.get("number") == number for r in rows):
                return session["code"], f["id"]
    raise AssertionError(f"{number} is on no board")


def test_progress_then_score_and_rank_arrive_without_reloading(busy_demo: tuple[ServerProcess, str]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    server, number = busy_demo
    session, fid = _formation_of(server.url, number)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=PHONE)
            page.goto(f"{server.url}/live/{session}/{fid}")
            seat = page.locator("li.seat", has=page.locator(".seat__no", has_text=number))
            sync_api.expect(seat).to_have_count(1)
            loaded_at = page.evaluate("performance.timeOrigin")
            # Progress moves while the candidate works (pushed over Socket.IO, not by reloading).
            first = seat.locator(".seat__count").inner_text()
            sync_api.expect(seat.locator(".seat__count")).not_to_have_text(first, timeout=20_000)
            # Then the score and the rank arrive when the simulated candidate submits.
            sync_api.expect(seat.locator(".seat__total")).to_be_visible(timeout=90_000)
            sync_api.expect(seat.locator(".seat__rank")).to_have_text(re.compile(r"^\d+$"))
            assert "submitted" in (seat.get_attribute("class") or "")
            assert page.evaluate("performance.timeOrigin") == loaded_at  # same page load throughout
            assert page.locator("#board-conn").get_attribute("data-state") == "live"
        finally:
            browser.close()
