"""A practical spreadsheet task in Chromium: download the starting file, upload a refused file, then a real one."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import DemoServer, candidate_login
from tests.grader.office_builders import finish_budget_task

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_spreadsheet_task_upload_and_rubric_result(demo_server: DemoServer, page: Any) -> None:
    from playwright.sync_api import expect

    card = demo_server.take_card()
    candidate_login(page, demo_server, card)
    page.click("#btn-start")
    expect(page.locator("#view-exam")).to_be_visible()
    page.locator('#nav-grid button[data-item="KTR-06"]').click()
    expect(page.locator("#question")).to_have_attribute("data-kind", "spreadsheet")

    start_url = page.locator("#practical-start").get_attribute("href")
    assert start_url
    start = page.request.get(demo_server.url + start_url)
    assert start.status == 200
    assert start.headers["content-disposition"].startswith("attachment")

    # A PDF saved by mistake is refused with a reason; the candidate can try again.
    page.set_input_files(
        "#practical-file", files=[{"name": "hasil.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 ..."}]
    )
    expect(page.locator("#practical-status")).to_have_attribute("data-state", "error")
    expect(page.locator("#practical-current")).to_have_text("Belum ada berkas yang diunggah.")

    page.set_input_files(
        "#practical-file",
        files=[
            {
                "name": "anggaran-selesai.xlsx",
                "buffer": finish_budget_task(start.body()),
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        ],
    )
    expect(page.locator("#practical-status")).to_have_attribute("data-state", "ok")
    expect(page.locator("#practical-current")).to_contain_text("anggaran-selesai.xlsx")
    expect(page.locator("#q-save")).to_have_attribute("data-state", "saved")

    page.click("#btn-finish")
    page.click("#btn-finish-confirm")
    expect(page.locator("#view-result")).to_be_visible()
    lines = page.locator('#result-rubrics section[data-item="KTR-06"] li')
    expect(lines).to_have_count(3)
    expect(page.locator('#result-rubrics li[data-passed="true"]')).to_have_count(3)
    expect(page.locator("#result-rubrics")).to_contain_text("rumus SUM")
    # The receipt: the answers' hash now, the signed checkpoint a few seconds later.
    expect(page.locator("#receipt-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(page.locator("#result-receipt")).to_have_attribute("data-signed", "true", timeout=20_000)
