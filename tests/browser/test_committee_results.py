"""Results & corrections in the console: interview marks, a key correction proposed with its dry run,
approved by two other committee members in their own browsers, and the standings changing — no reload."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser.conftest import DESKTOP, watch
from tests.processes import ServerProcess, free_port, ujian
from tests.server.builders import SCORING_TOML, ExamFolder

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SECRET = "browser-results-test-secret-0123456789abcdef"

ADMIN = ("admin", "kata-sandi-admin-uji", "admin")
AUDITOR = ("auditor", "kata-sandi-auditor-uji", "auditor")
WITNESS = ("saksi", "kata-sandi-saksi-uji", "witness")
# TIK-01's key is B. P-001 answers B, P-003 answers A: once the key becomes A they swap places in Desa A.
RIGHT = {"TIK-01": "B", "TIK-02": "C", "TIK-03": ["A", "C"], "TIK-04": False, "TKP-01": "A"}
ANSWERS = {"P-001": RIGHT, "P-003": {**RIGHT, "TIK-01": "A"}, "P-002": {"TIK-01": "A"}}  # P-004 stays away
FIX_KEY = "A"


@dataclass
class ExamServer:
    url: str
    pins: dict[str, str]


@pytest.fixture(scope="module")
def exam_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExamServer]:
    """`ujian migrate`, `import` (an exam with a [penilaian] table), three `user`s, then `ujian serve`."""
    work = tmp_path_factory.mktemp("results")
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "UJIAN_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'ujian.db'}",
        "UJIAN_SECRET_KEY": SECRET,
        "UJIAN_DATA_DIR": str(work / "data"),
    }
    env.pop("UJIAN_REDIS_URL", None)
    ujian(["migrate"], env, work)
    folder = ExamFolder(extra_toml=SCORING_TOML).write(work / "exam")
    ujian(["import", str(folder), "--cards", str(work / "cards.csv")], env, work)
    for username, password, role in (ADMIN, AUDITOR, WITNESS):
        ujian(["user", username, "--role", role, "--password-env", "TEST_PW"], {**env, "TEST_PW": password}, work)
    with (work / "cards.csv").open(encoding="utf-8") as f:
        pins = {row["no_peserta"]: row["pin"] for row in csv.DictReader(f)}
    server = ServerProcess(["serve"], env, work, free_port())
    server.start(timeout=60)
    try:
        yield ExamServer(server.url, pins)
    finally:
        server.stop()


def committee_page(browser: Any, server: ExamServer, who: tuple[str, str, str], lang: str = "id") -> Any:
    """A fresh browser profile, logged in through the committee form, with the results section open."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport=DESKTOP, locale="id-ID")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.problems = watch(page)
    page.goto(f"{server.url}/panitia?lang={lang}")
    page.fill("#login-username", who[0])
    page.fill("#login-password", who[1])
    page.locator("#committee-login-form button[type=submit]").click()
    expect(page.locator("body")).to_have_attribute("data-role", who[2])
    toggle = page.locator("#results-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#results-updated")).to_contain_text("Diperbarui" if lang == "id" else "Updated")
    # A marker that only survives if the page is never reloaded.
    page.evaluate("window.__sameDocument = true")
    return page


def confirm_dialog(page: Any, reason: str) -> None:
    """Give the required reason in the console's action dialog and confirm."""
    from playwright.sync_api import expect

    confirm = page.locator("#dlg-action-confirm")
    expect(page.locator("#dlg-action")).to_be_visible()
    expect(confirm).to_be_disabled()  # no reason, no action
    page.fill("#dlg-reason", reason)
    confirm.click()
    expect(page.locator("#dlg-action")).not_to_be_visible()


def take_exam(browser: Any, server: ExamServer, token: str) -> None:
    """The candidates answer through the exam API (the candidate pages have their own browser tests)."""
    for number, answers in ANSWERS.items():
        context = browser.new_context()
        try:
            api = context.request
            r = api.post(
                f"{server.url}/ujian/api/login", data={"number": number, "pin": server.pins[number], "token": token}
            )
            assert r.ok, r.text()
            assert api.post(f"{server.url}/ujian/api/start", data={}).ok
            for seq, (item, value) in enumerate(answers.items(), start=1):
                body = {"item": item, "value": value, "flag": False, "seq": seq, "key": f"{number}-{seq}"}
                r = api.post(f"{server.url}/ujian/api/answer", data=body)
                assert r.ok, r.text()
            assert api.post(f"{server.url}/ujian/api/submit", data={"confirm": True}).ok
        finally:
            context.close()


def formation(page: Any) -> Any:
    return page.locator('#standings .formation[data-formation="Desa A/Sekretaris Desa"]')


def test_marks_regrade_proposal_and_two_approvals(exam_server: ExamServer, browser: Any) -> None:
    from playwright.sync_api import expect

    admin = committee_page(browser, exam_server, ADMIN)
    # Before the key is open: standings show, corrections are explained, not offered.
    expect(admin.locator("#regrade-locked")).to_be_visible()
    expect(admin.locator("#regrade-form")).to_be_hidden()

    # Run session S1 from the console; the candidates take the exam; close it, which opens the key.
    session = admin.locator('#sessions-body tr[data-session="S1"]')
    session.locator('button[data-action="open"]').click()
    confirm_dialog(admin, "Ujian dimulai")
    expect(session).to_have_attribute("data-status", "open")
    token = session.locator(".cell-token").inner_text().strip()
    take_exam(browser, exam_server, token)
    session.locator('button[data-action="close"]').click()
    confirm_dialog(admin, "Waktu ujian selesai")
    expect(session).to_have_attribute("data-status", "closed")
    expect(admin.locator("#results-state")).to_have_attribute("data-key-revealed", "true")
    expect(admin.locator("#regrade-form")).to_be_visible()

    desa_a = formation(admin)
    expect(desa_a.locator('tr[data-candidate="P-001"]')).to_have_attribute("data-status", "incomplete")
    expect(admin.locator('#standings tr[data-candidate="P-004"]')).to_have_attribute("data-status", "absent")

    # Interview marks, pasted as from a spreadsheet; a wrong row refuses the whole batch and is named.
    admin.select_option("#marks-component", "wawancara")
    admin.fill("#marks-lines", "P-001;80\n\nP-404;70")
    admin.fill("#marks-reason", "Hasil wawancara")
    admin.click("#marks-submit")
    error = admin.locator("#marks-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Baris 2")
    expect(error).to_contain_text("P-404")
    expect(error).to_contain_text("baris 3 di kotak isian")
    expect(admin.locator("#marks-lines")).to_have_attribute("aria-invalid", "true")
    expect(desa_a.locator('tr[data-candidate="P-001"]')).to_have_attribute("data-status", "incomplete")
    admin.fill("#marks-lines", "P-001;80\nP-003\t80\nP-002,75.5")
    admin.click("#marks-submit")
    expect(error).to_be_hidden()
    expect(admin.locator("#marks-lines")).to_have_value("")
    expect(admin.locator('#marks-body tr[data-candidate="P-002"]')).to_contain_text("75,5")
    rows = desa_a.locator("tbody tr")
    expect(rows.nth(0)).to_have_attribute("data-candidate", "P-001")
    expect(rows.nth(0)).to_have_attribute("data-rank", "1")
    expect(rows.nth(1)).to_have_attribute("data-candidate", "P-003")
    expect(rows.nth(1)).to_have_attribute("data-rank", "2")
    total_before = rows.nth(0).locator(".cell-total").inner_text()

    # The correction: TIK-01's key becomes A. Preview first (a dry run, nothing logged), then propose.
    correction = admin.locator("#corrections fieldset").first
    correction.locator('[data-role="kind"]').select_option("replace_key")
    correction.locator('[data-role="item"]').fill("TIK-01")
    correction.locator('[data-role="value"]').fill(FIX_KEY)
    expect(correction.locator(".sent-as")).to_contain_text('"A"')
    expect(admin.locator("#regrade-propose")).to_be_disabled()  # not before a preview
    admin.click("#regrade-preview")
    preview = admin.locator("#regrade-preview-result")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text("TIK-01")
    p001 = preview.locator('tr[data-candidate="P-001"]')
    p003 = preview.locator('tr[data-candidate="P-003"]')
    expect(p001).to_contain_text("1 → 2")
    expect(p003).to_contain_text("2 → 1")
    expect(admin.locator("#proposals .proposal")).to_have_count(0)  # nothing logged by a preview
    admin.click("#regrade-propose")
    confirm_dialog(admin, "Kunci TIK-01 salah ketik di berkas soal")
    proposal = admin.locator("#proposals .proposal").first
    expect(proposal).to_have_attribute("data-status", "open")
    expect(proposal).to_contain_text("Kunci soal TIK-01 diganti menjadi A")
    expect(proposal.locator(".proposal__approvals")).to_have_text("Persetujuan: 0 dari 2")
    expect(proposal.locator(".proposal__actions button")).to_have_count(0)  # not for the proposer
    proposal.locator(".proposal__diff summary").click()
    expect(proposal.locator('.proposal__diff tr[data-candidate="P-003"]')).to_contain_text("2 → 1")
    seq = proposal.get_attribute("data-seq")
    expect(admin.locator("#regrade-preview-result")).to_be_hidden()  # the builder starts afresh

    # The witness approves in their own browser (in English): 1 of 2, nothing changes yet.
    witness = committee_page(browser, exam_server, WITNESS, lang="en")
    expect(witness.locator("#regrade-form")).to_be_hidden()  # only an admin proposes
    expect(witness.locator("#marks-form")).to_be_hidden()  # only an admin enters marks
    mine = witness.locator(f'#proposals .proposal[data-seq="{seq}"]')
    # Before approving, the witness recomputes its effect with today's marks (the logged diff is frozen).
    mine.locator(".proposal__rerun button").click()
    expect(mine.locator('.proposal__fresh tr[data-candidate="P-003"]')).to_contain_text("2 → 1")
    mine.locator('button[data-action="approve"]').click()
    confirm_dialog(witness, "Sudah dicocokkan dengan berkas soal asli")
    expect(mine.locator(".proposal__approvals")).to_have_text("Approvals: 1 of 2")
    expect(mine.locator(".proposal__decision")).to_have_text("You have approved this proposal.")
    expect(mine.locator(".proposal__actions button")).to_have_count(0)
    expect(mine).to_have_attribute("data-status", "open")
    expect(formation(witness).locator("tbody tr").nth(0)).to_have_attribute("data-candidate", "P-001")

    # The auditor's approval is the second: the correction applies and every score is recomputed.
    auditor = committee_page(browser, exam_server, AUDITOR)
    theirs = auditor.locator(f'#proposals .proposal[data-seq="{seq}"]')
    expect(theirs.locator(".proposal__approvals")).to_have_text("Persetujuan: 1 dari 2")
    theirs.locator('button[data-action="approve"]').click()
    confirm_dialog(auditor, "Diperiksa auditor")
    expect(theirs).to_have_attribute("data-status", "applied")
    expect(theirs.locator(".proposal__approvals")).to_have_text("Persetujuan: 2 dari 2")
    first = formation(auditor).locator("tbody tr").nth(0)
    expect(first).to_have_attribute("data-candidate", "P-003")
    expect(first).to_have_attribute("data-rank", "1")

    # Every open console catches up on its own (the results refresh every 5 s while the section is open).
    for page in (admin, witness):
        expect(page.locator(f'#proposals .proposal[data-seq="{seq}"]')).to_have_attribute("data-status", "applied")
        rows = formation(page).locator("tbody tr")
        expect(rows.nth(0)).to_have_attribute("data-candidate", "P-003")
        expect(rows.nth(1)).to_have_attribute("data-candidate", "P-001")
        expect(rows.nth(1)).to_have_attribute("data-rank", "2")
    expect(admin.locator("#results-state")).to_contain_text("Koreksi kunci yang berlaku: #")
    expect(witness.locator("#results-state")).to_contain_text("Key corrections in force: #")
    assert formation(admin).locator('tr[data-candidate="P-001"] .cell-total').inner_text() != total_before
    for page in (admin, witness, auditor):
        assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
        assert page.problems.csp == []
        assert "panitia." not in page.locator("main").inner_text()  # no untranslated key shows
    # The one refused batch of marks is the only failed request the pages saw.
    assert admin.problems.unexpected(allowed=("status of 400",)) == []
    assert witness.problems.unexpected() == []
    assert auditor.problems.unexpected() == []
    for page in (admin, witness, auditor):
        page.context.close()
