"""A candidate's whole exam in headless Chromium against the real demo server, through a network cut."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.browser.conftest import DemoServer, candidate_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Failed requests the test provokes on purpose (the network is cut) are not page errors.
EXPECTED_ERRORS = ("net::ERR_INTERNET_DISCONNECTED", "Failed to load resource")


def _first_choice(item: dict[str, Any]) -> Any:
    """The value the page records when the first answer box of an item is pressed."""
    if item["kind"] == "truefalse":
        return True
    first = item["options"][0]["id"]
    return [first] if item["kind"] == "multi" else first


def _server_state(page: Any, server: DemoServer) -> dict[str, Any]:
    response = page.request.get(f"{server.url}/ujian/api/attempt")
    assert response.status == 200, response.text()
    state: dict[str, Any] = response.json()
    return state


def _journal(page: Any) -> list[dict[str, Any]]:
    """Every entry of every answer journal in this browser's localStorage."""
    raw = page.evaluate(
        "() => Object.keys(localStorage).filter((k) => k.startsWith('ujian.journal.'))"
        ".map((k) => localStorage.getItem(k))"
    )
    return [entry for text in raw for entry in json.loads(text)["entries"]]


def _answer_current_with_first_option(page: Any, expect: Any) -> None:
    page.locator("#q-options .option").first.click()
    expect(page.locator("#q-options .option").first).to_have_attribute("aria-checked", "true")


def test_candidate_answers_through_a_network_cut_and_sees_the_result(demo_server: DemoServer, page: Any) -> None:
    from playwright.sync_api import expect

    card = demo_server.take_card()
    candidate_login(page, demo_server, card)

    # Instructions first; the clock starts only with "Mulai Ujian".
    expect(page.locator("#view-instructions")).to_be_visible()
    expect(page.locator("#instr-number")).to_have_text(card.number)
    page.click("#btn-start")
    expect(page.locator("#view-exam")).to_be_visible()
    expect(page.locator("#timer-value")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    items = _server_state(page, demo_server)["items"]
    assert len(items) >= 6, "the demo exam should have enough questions for this walk-through"
    expect(page.locator("#nav-grid button")).to_have_count(len(items))
    expect(page.locator("#q-heading")).to_have_text(f"Soal nomor 1 dari {len(items)}")

    # Online: answer three questions, mark the second one ragu-ragu; each is acknowledged.
    for index in range(3):
        _answer_current_with_first_option(page, expect)
        if index == 1:
            page.click("#btn-unsure")
            expect(page.locator("#btn-unsure")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#q-save")).to_have_attribute("data-state", "saved")
        expect(page.locator("#q-save")).to_have_text("Tersimpan")
        page.click("#btn-next")
        expect(page.locator("#q-heading")).to_have_text(f"Soal nomor {index + 2} dari {len(items)}")
    expect(page.locator("#save-status")).to_have_attribute("data-state", "idle")
    expect(page.locator('#nav-grid button[data-no="1"]')).to_have_attribute("data-state", "answered")
    expect(page.locator('#nav-grid button[data-no="2"]')).to_have_attribute("data-state", "unsure")
    expect(page.locator('#nav-grid button[data-no="3"]')).to_have_attribute("data-state", "answered")

    # Offline: two more answers stay in the journal, and the page says so.
    page.context.set_offline(True)
    for index in (3, 4):
        _answer_current_with_first_option(page, expect)
        if index == 3:
            page.click("#btn-next")
    expect(page.locator("#save-status")).to_have_attribute("data-state", "offline")
    expect(page.locator("#save-status")).to_have_attribute("data-unsent", "2")
    expect(page.locator("#save-status-text")).to_have_text("2 jawaban belum terkirim")
    expect(page.locator("#conn-banner")).to_be_visible()
    expect(page.locator("#conn-banner")).to_contain_text("Belum tersimpan — koneksi terputus")
    expect(page.locator("#q-save")).to_have_attribute("data-state", "offline")
    expect(page.locator('#nav-grid button[data-no="4"]')).to_have_attribute("data-pending", "true")
    expect(page.locator('#nav-grid button[data-no="5"]')).to_have_attribute("data-pending", "true")
    unsent = _journal(page)
    assert [e["item"] for e in unsent] == [items[3]["id"], items[4]["id"]]
    assert [e["value"] for e in unsent] == [_first_choice(items[3]), _first_choice(items[4])]
    assert unsent[0]["seq"] < unsent[1]["seq"]
    assert all(e["key"] for e in unsent)

    # Back online: the journal drains by itself and the server holds every answer.
    page.context.set_offline(False)
    expect(page.locator("#save-status")).to_have_attribute("data-state", "idle")
    expect(page.locator("#save-status-text")).to_have_text("Tersimpan")
    expect(page.locator("#q-save")).to_have_attribute("data-state", "saved")
    expect(page.locator("#conn-banner")).to_be_hidden()
    assert _journal(page) == []
    answers = _server_state(page, demo_server)["answers"]
    for index in range(5):
        item = items[index]
        assert answers[item["id"]]["value"] == _first_choice(item), item
        assert answers[item["id"]]["flag"] is (index == 1), item

    # A reload shows the same answers (from the server now that the journal is empty).
    page.reload()
    expect(page.locator("#view-exam")).to_be_visible()
    for no in (1, 3, 4, 5):
        expect(page.locator(f'#nav-grid button[data-no="{no}"]')).to_have_attribute("data-state", "answered")
    expect(page.locator('#nav-grid button[data-no="2"]')).to_have_attribute("data-state", "unsure")
    expect(page.locator('#nav-grid button[data-no="6"]')).to_have_attribute("data-state", "unanswered")
    page.click('#nav-grid button[data-no="4"]')
    expect(page.locator("#q-options .option").first).to_have_attribute("aria-checked", "true")

    # Finish: the dialog counts what is left, then the per-section result appears.
    page.click("#btn-finish")
    expect(page.locator("#dlg-finish")).to_be_visible()
    expect(page.locator("#finish-unanswered")).to_have_attribute("data-count", str(len(items) - 5))
    expect(page.locator("#finish-unsure")).to_have_attribute("data-count", "1")
    page.click("#btn-finish-confirm")
    expect(page.locator("#view-result")).to_be_visible()
    expect(page.locator("#result-title")).to_have_text("Nilai Anda")
    state = _server_state(page, demo_server)
    assert state["status"] == "submitted"
    sections = state["result"]["sections"]
    expect(page.locator("#result-body tr")).to_have_count(len(sections))
    for section in sections:
        row = page.locator(f'#result-body tr[data-section="{section["code"]}"]')
        expect(row).to_contain_text(section["title"])
        expect(row).to_have_attribute("data-passed", "true" if section["passed"] else "false")
    expect(page.locator("#result-total")).not_to_be_empty()
    expect(page.locator("#result-overall")).to_be_visible()

    assert page.problems.csp == []
    assert page.problems.unexpected(EXPECTED_ERRORS) == []
