"""The newer item kinds in headless Chromium against the demo: short text, number, ordering, matching, typing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.conftest import DemoServer, candidate_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TYPED = "Pemerintah desa wajib"


def _state(page: Any, server: DemoServer) -> dict[str, Any]:
    response = page.request.get(f"{server.url}/ujian/api/attempt")
    assert response.status == 200, response.text()
    state: dict[str, Any] = response.json()
    return state


def _go(page: Any, item: dict[str, Any]) -> None:
    page.click(f'#nav-grid button[data-no="{item["no"]}"]')
    page.wait_for_selector(f'#question[data-item="{item["id"]}"]')


def _saved(page: Any, expect: Any) -> None:
    expect(page.locator("#q-save")).to_have_attribute("data-state", "saved")


def test_candidate_answers_every_new_kind_and_it_is_scored(demo_server: DemoServer, page: Any) -> None:
    from playwright.sync_api import expect

    candidate_login(page, demo_server, demo_server.take_card())
    page.click("#btn-start")
    expect(page.locator("#view-exam")).to_be_visible()
    items = {item["kind"]: item for item in _state(page, demo_server)["items"] if item["section"] == "KTR"}
    items.pop("spreadsheet", None)  # the practical task is test_practical.py's; here it stays undone
    assert set(items) == {"short_text", "numeric", "ordering", "matching", "typing"}

    # Short text and number: a big text box, saved on Enter.
    _go(page, items["short_text"])
    page.fill("#answer-input", "pdf")
    page.press("#answer-input", "Enter")
    _saved(page, expect)
    _go(page, items["numeric"])
    expect(page.locator("#answer-input")).to_have_attribute("inputmode", "decimal")
    page.fill("#answer-input", "0,625")
    page.press("#answer-input", "Enter")
    _saved(page, expect)

    # Ordering: only buttons (keyboard-reachable), moved until A, B, C, D. The shuffle may already show
    # that order; then nothing is saved until the candidate confirms it with "Simpan urutan ini".
    _go(page, items["ordering"])
    moved = False
    for _ in range(20):
        order = page.eval_on_selector_all("#ordering-list li", "rows => rows.map((r) => r.dataset.option)")
        wrong = next((i for i in range(1, len(order)) if order[i] < order[i - 1]), None)
        if wrong is None:
            break
        button = page.locator(f"#ordering-list li:nth-child({wrong + 1}) button[data-dir='up']")
        button.focus()
        page.keyboard.press("Enter")
        moved = True
    assert page.eval_on_selector_all("#ordering-list li", "rows => rows.map((r) => r.dataset.option)") == [
        "A",
        "B",
        "C",
        "D",
    ]
    if not moved:
        page.click("#ordering-confirm")
    _saved(page, expect)

    # Matching: one select per left-hand entry.
    _go(page, items["matching"])
    for left, option in {"1": "C", "2": "A", "3": "D", "4": "B"}.items():
        page.select_option(f'select[data-left="{left}"]', option)
    _saved(page, expect)

    # Typing: every keystroke timed; a paste is blocked and recorded.
    _go(page, items["typing"])
    expect(page.locator("#typing-source")).to_contain_text("Pemerintah desa wajib memberikan")
    page.click("#typing-input")
    page.keyboard.type(TYPED)
    expect(page.locator("#typing-timer")).to_have_attribute("data-state", "running")
    _saved(page, expect)
    value = _state(page, demo_server)["answers"][items["typing"]["id"]]["value"]
    assert value["typed"] == TYPED
    assert value["pasted"] is False
    assert [k for _, k in value["keystrokes"]] == list(TYPED)
    times = [t for t, _ in value["keystrokes"]]
    assert times == sorted(times)
    assert value["elapsed_ms"] >= times[-1]
    page.evaluate(
        "() => { const e = new ClipboardEvent('paste', {bubbles: true, cancelable: true,"
        " clipboardData: new DataTransfer()}); document.getElementById('typing-input').dispatchEvent(e); }"
    )
    expect(page.locator("#typing-paste")).to_be_visible()
    expect(page.locator("#typing-input")).to_have_value(TYPED)
    _saved(page, expect)
    assert _state(page, demo_server)["answers"][items["typing"]["id"]]["value"]["pasted"] is True

    # A reload shows every answer again, from the server.
    page.reload()
    expect(page.locator("#view-exam")).to_be_visible()
    _go(page, items["short_text"])
    expect(page.locator("#answer-input")).to_have_value("pdf")
    _go(page, items["matching"])
    expect(page.locator('select[data-left="3"]')).to_have_value("D")
    _go(page, items["ordering"])
    expect(page.locator("#ordering-confirm")).to_be_hidden()
    for kind in items:
        expect(page.locator(f'#nav-grid button[data-no="{items[kind]["no"]}"]')).to_have_attribute(
            "data-state", "answered"
        )
    journal = page.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('ujian.journal.'))")
    assert all(
        json.loads(page.evaluate(f"() => localStorage.getItem('{k}')") or "{}").get("entries", []) == []
        for k in journal
    )

    page.click("#btn-finish")
    page.click("#btn-finish-confirm")
    expect(page.locator("#view-result")).to_be_visible()
    result = _state(page, demo_server)["result"]
    ktr = next(s for s in result["sections"] if s["code"] == "KTR")
    assert ktr["raw"] == 5_000 + 5_000 + 6_000 + 8_000  # the pasted typing test scores 0
    assert ktr["max"] == 34_000 + 10_000  # + the spreadsheet task's rubric
    assert page.problems.csp == []
    assert page.problems.unexpected() == []
