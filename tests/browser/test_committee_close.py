"""The committee closes the exam day in the console; the record anyone downloads then verifies offline."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

import pytest

from grader.verify import verify_bundle
from tests.browser.conftest import DemoServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _act(page: Any, expect: Any, button: Any, reason: str) -> None:
    """Press an action button, give the required reason, confirm, and wait for the console's 'done'."""
    button.click()
    confirm = page.locator("#dlg-action-confirm")
    expect(confirm).to_be_disabled()  # no reason, no action
    page.fill("#dlg-reason", reason)
    expect(confirm).to_be_enabled()
    confirm.click()
    expect(page.locator("#dlg-action")).not_to_be_visible()


def test_close_publish_and_verify_the_bundle(demo_server: DemoServer, page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page.goto(f"{demo_server.url}/panitia")
    page.fill("#login-username", demo_server.admin[0])
    page.fill("#login-password", demo_server.admin[1])
    page.locator("#committee-login-form button[type=submit]").click()
    expect(page.locator("body")).to_have_attribute("data-can-act", "true")

    session = page.locator('#sessions-body tr[data-session="S1"]')
    expect(session).to_have_attribute("data-status", "open")
    _act(page, expect, session.locator('button[data-action="close"]'), "Waktu ujian selesai")
    expect(session).to_have_attribute("data-status", "closed")
    # Candidates who never started are absent — and will never be scored.
    expect(page.locator('#candidates-body tr[data-status="absent"]').first).to_be_visible()

    _act(page, expect, page.locator("#btn-publish"), "Hasil diumumkan di balai desa")

    bundle = tmp_path / "bundle.zip"
    with urllib.request.urlopen(f"{demo_server.url}/transparansi/bundle.zip", timeout=30) as response:
        bundle.write_bytes(response.read())
    report = verify_bundle(bundle)
    assert report.ok, report.failed()
    assert page.problems.unexpected() == []
