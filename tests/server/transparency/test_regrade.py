"""Witnessed regrades and committee marks over HTTP: proposal with dry run, approvals, apply, republish."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import PROCTOR
from tests.server.transparency.conftest import (
    AUDITOR,
    CORRECT,
    WITNESS,
    Server,
    answer,
    exam_folder,
    start_server,
)

FIX = {"kind": "replace_key", "item": "TIK-01", "value": "A"}


@pytest.fixture
async def closed(tmp_path: Path, db_kind: str) -> AsyncIterator[tuple[Server, Any]]:
    """Both sessions run and closed (key revealed): P-001 all correct, P-002 one right answer, P-005 all."""
    async for s in start_server(tmp_path, db_kind, exam_folder()):
        admin = await s.committee()
        token = (await (await admin.post("/panitia/api/sessions/S1/open", json={"reason": "mulai"})).json())["token"]
        c1 = await s.login("P-001", s.pin("P-001"), token)
        c2 = await s.login("P-002", s.pin("P-002"), token)
        for n, (item, value) in enumerate(CORRECT.items(), start=1):
            await answer(c1, item, value, n)
        await answer(c2, "TIK-01", "A", 1)
        for c in (c1, c2):
            assert (await c.post("/ujian/api/submit", json={"confirm": True})).status == 200
        await admin.post("/panitia/api/sessions/S1/close", json={"reason": "selesai"})
        token2 = (await (await admin.post("/panitia/api/sessions/S2/open", json={"reason": "mulai"})).json())["token"]
        c5 = await s.login("P-005", s.pin("P-005"), token2)
        for n, (item, value) in enumerate(CORRECT.items(), start=1):
            await answer(c5, item, value, n)
        assert (await c5.post("/ujian/api/submit", json={"confirm": True})).status == 200
        assert (await admin.post("/panitia/api/sessions/S2/close", json={"reason": "selesai"})).status == 200
        yield s, admin


async def total_of(s: Server, admin: Any, number: str) -> int | None:
    """The candidate's written-test component (the exam, scaled 0–100) in the standings."""
    state = await (await admin.get("/panitia/api/results")).json()
    rows = [r for f in state["standings"] for r in f["rows"] if r["candidate"] == number]
    return rows[0]["components"][0]["value_milli"]


async def test_a_proposal_shows_its_dry_run_and_changes_nothing_until_approved(closed: tuple[Server, Any]) -> None:
    s, admin = closed
    before = await total_of(s, admin, "P-001")
    r = await admin.post("/panitia/api/regrade/preview", json={"corrections": [FIX]})
    assert r.status == 200, await r.text()
    diff = (await r.json())["diff"]
    changed = {c["candidate"]: c for c in diff["changes"]}
    # TIK-01's key becomes A: P-001 (answered B) loses it, P-002 (answered A) gains it; P-005 like P-001.
    assert set(changed) >= {"P-001", "P-002", "P-005"}
    assert changed["P-001"]["exam_after_milli"] < changed["P-001"]["exam_before_milli"]
    assert changed["P-002"]["exam_after_milli"] > changed["P-002"]["exam_before_milli"]
    assert diff["items_changed"] == ["TIK-01"]
    r = await admin.post("/panitia/api/regrade/propose", json={"corrections": [FIX], "reason": "Kunci salah ketik"})
    assert r.status == 200, await r.text()
    seq = (await r.json())["seq"]
    assert await total_of(s, admin, "P-001") == before  # a proposal alone changes nothing
    state = await (await admin.get("/panitia/api/results")).json()
    assert state["proposals"][0]["seq"] == seq
    assert state["proposals"][0]["status"] == "open"
    assert state["proposals"][0]["diff"]["changes"] == diff["changes"]

    witness = await s.committee(WITNESS)
    r = await witness.post(f"/panitia/api/regrade/{seq}/approve", json={"reason": "cek"})
    assert (await r.json()) == {"ok": True, "applied": False, "approvals": 1, "required": 2}
    assert await total_of(s, admin, "P-001") == before
    auditor = await s.committee(AUDITOR)
    r = await auditor.post(f"/panitia/api/regrade/{seq}/approve", json={"reason": "cek"})
    done = await r.json()
    assert done["applied"] is True
    assert done["regraded"] == 3
    assert done["republished"] is None  # results were not out yet
    after = await total_of(s, admin, "P-001")
    assert after is not None and before is not None and after < before  # the regrade is now in force
    state = await (await admin.get("/panitia/api/results")).json()
    assert state["proposals"][0]["status"] == "applied"
    assert [a["by"] for a in state["proposals"][0]["approvals"]] == [WITNESS[0], AUDITOR[0]]
    # Decided: no more approvals or rejections.
    r = await admin.post(f"/panitia/api/regrade/{seq}/reject", json={"reason": "terlambat"})
    assert r.status == 409


async def test_who_may_approve_and_how_often(closed: tuple[Server, Any]) -> None:
    s, admin = closed
    seq = (await (await admin.post("/panitia/api/regrade/propose", json={"corrections": [FIX], "reason": "x"})).json())[
        "seq"
    ]
    r = await admin.post(f"/panitia/api/regrade/{seq}/approve", json={"reason": "saya sendiri"})
    assert r.status == 409
    assert (await r.json())["error"]["code"] == "regrade.own"
    proctor = await s.committee(PROCTOR)
    r = await proctor.post(f"/panitia/api/regrade/{seq}/approve", json={"reason": "pengawas"})
    assert r.status == 403
    r = await proctor.post("/panitia/api/regrade/propose", json={"corrections": [FIX], "reason": "x"})
    assert r.status == 403
    witness = await s.committee(WITNESS)
    assert (await witness.post(f"/panitia/api/regrade/{seq}/approve", json={"reason": "ok"})).status == 200
    r = await witness.post(f"/panitia/api/regrade/{seq}/approve", json={"reason": "lagi"})
    assert r.status == 409
    assert (await r.json())["error"]["code"] == "regrade.twice"
    r = await witness.post(f"/panitia/api/regrade/{seq}/approve", json={"reason": ""})
    assert r.status == 400
    r = await witness.post("/panitia/api/regrade/999999/approve", json={"reason": "x"})
    assert r.status == 404


async def test_a_rejected_proposal_cannot_take_effect(closed: tuple[Server, Any]) -> None:
    s, admin = closed
    seq = (await (await admin.post("/panitia/api/regrade/propose", json={"corrections": [FIX], "reason": "x"})).json())[
        "seq"
    ]
    witness = await s.committee(WITNESS)
    assert (
        await witness.post(f"/panitia/api/regrade/{seq}/reject", json={"reason": "kunci sudah benar"})
    ).status == 200
    auditor = await s.committee(AUDITOR)
    r = await auditor.post(f"/panitia/api/regrade/{seq}/approve", json={"reason": "ok"})
    assert r.status == 409
    assert (await r.json())["error"]["code"] == "regrade.closed"


async def test_a_proposal_made_against_an_older_key_is_stale(closed: tuple[Server, Any]) -> None:
    s, admin = closed
    first = await (await admin.post("/panitia/api/regrade/propose", json={"corrections": [FIX], "reason": "a"})).json()
    other = {"kind": "void_item", "item": "TIK-02", "value": "full_marks"}
    second = await (
        await admin.post("/panitia/api/regrade/propose", json={"corrections": [other], "reason": "b"})
    ).json()
    witness, auditor = await s.committee(WITNESS), await s.committee(AUDITOR)
    for member in (witness, auditor):
        assert (await member.post(f"/panitia/api/regrade/{first['seq']}/approve", json={"reason": "ok"})).status == 200
    r = await witness.post(f"/panitia/api/regrade/{second['seq']}/approve", json={"reason": "ok"})
    assert r.status == 409
    assert (await r.json())["error"]["code"] == "regrade.stale"


async def test_bad_corrections_are_refused_with_where_and_why(closed: tuple[Server, Any]) -> None:
    _s, admin = closed
    cases = [
        ([], "regrade.corrections"),
        ([{"kind": "nonsense", "item": "TIK-01"}], "regrade.correction"),
        ([{"kind": "replace_key", "item": "NOPE", "value": "A"}], "regrade.invalid"),
        ([{"kind": "replace_key", "item": "TIK-01", "value": "Z"}], "regrade.invalid"),  # no option Z
        ([{"kind": "accept_option", "item": "TIK-03", "value": "A"}], "regrade.invalid"),  # not single choice
    ]
    for corrections, code in cases:
        r = await admin.post("/panitia/api/regrade/propose", json={"corrections": corrections, "reason": "x"})
        assert r.status == 400, (corrections, await r.text())
        error = (await r.json())["error"]
        assert error["code"] == code
        assert error["id"] and error["en"]
    r = await admin.post("/panitia/api/regrade/propose", json={"corrections": [FIX], "reason": " "})
    assert r.status == 400


async def test_approval_republishes_results_that_were_out(closed: tuple[Server, Any]) -> None:
    s, admin = closed
    assert (await admin.post("/panitia/api/transparency/publish", json={"reason": "hasil"})).status == 200
    seq = (await (await admin.post("/panitia/api/regrade/propose", json={"corrections": [FIX], "reason": "x"})).json())[
        "seq"
    ]
    for who in (WITNESS, AUDITOR):
        r = await (await s.committee(who)).post(f"/panitia/api/regrade/{seq}/approve", json={"reason": "ok"})
    done = await r.json()
    assert isinstance(done["republished"], int)
    state = await (await admin.get("/panitia/api/results")).json()
    assert state["published_seq"] == done["republished"]


async def test_committee_marks_are_checked_all_or_nothing(closed: tuple[Server, Any]) -> None:
    s, admin = closed

    async def enter(component: str, entries: list[dict[str, Any]], member: Any = admin) -> Any:
        return await member.post(
            "/panitia/api/marks", json={"component": component, "entries": entries, "reason": "wawancara"}
        )

    bad = [
        ("tertulis", [{"candidate": "P-001", "value": "80"}], "marks.component"),  # computed, not entered
        ("wawancara", [{"candidate": "P-001", "value": "101"}], "marks.entry"),  # above the maximum
        ("wawancara", [{"candidate": "P-001", "value": "8,5"}], "marks.entry"),  # decimal comma
        ("wawancara", [{"candidate": "P-001", "value": "80"}, {"candidate": "P-404", "value": "1"}], "marks.entry"),
        ("bonus", [{"candidate": "P-001", "value": "6"}], "marks.entry"),  # bonus_max is 5
    ]
    for component, entries, code in bad:
        r = await enter(component, entries)
        assert r.status == 400, await r.text()
        error = (await r.json())["error"]
        assert error["code"] == code
    r = await enter("wawancara", [{"candidate": "P-001", "value": "80"}, {"candidate": "P-404", "value": "1"}])
    assert "Baris 2" in (await r.json())["error"]["id"]
    state = await (await admin.get("/panitia/api/results")).json()
    assert state["marks"] == {}  # nothing half-applied
    assert (await enter("wawancara", [{"candidate": "P-001", "value": "80"}], await s.committee(PROCTOR))).status == 403
    r = await enter("wawancara", [{"candidate": "P-001", "value": "80.5"}, {"candidate": "P-002", "value": "40"}])
    assert r.status == 200
    state = await (await admin.get("/panitia/api/results")).json()
    assert state["marks"] == {"P-001": {"wawancara": 80500}, "P-002": {"wawancara": 40000}}
    rows = {r["candidate"]: r for f in state["standings"] for r in f["rows"]}
    assert rows["P-001"]["status"] == "ranked"
    assert rows["P-002"]["status"] == "below_threshold"  # the interview's pass mark is 50
    assert rows["P-005"]["status"] == "incomplete"  # no interview mark yet
    r = await enter("wawancara", [{"candidate": "P-002", "value": None}])  # withdrawn, logged
    state = await (await admin.get("/panitia/api/results")).json()
    assert state["marks"] == {"P-001": {"wawancara": 80500}}


async def test_the_public_results_page_shows_every_publication_and_what_changed(closed: tuple[Server, Any]) -> None:
    s, admin = closed
    public = await s.client()
    page = await (await public.get("/transparansi/hasil")).text()
    assert "Hasil belum diumumkan" in page
    marks = [{"candidate": n, "value": "75"} for n in ("P-001", "P-002", "P-005")]
    r = await admin.post("/panitia/api/marks", json={"component": "wawancara", "entries": marks, "reason": "w"})
    assert r.status == 200
    assert (await admin.post("/panitia/api/transparency/publish", json={"reason": "Pengumuman"})).status == 200
    seq = (await (await admin.post("/panitia/api/regrade/propose", json={"corrections": [FIX], "reason": "x"})).json())[
        "seq"
    ]
    for who in (WITNESS, AUDITOR):
        await (await s.committee(who)).post(f"/panitia/api/regrade/{seq}/approve", json={"reason": "ok"})
    data = await (await public.get("/transparansi/hasil.json")).json()
    exam = data["exams"][0]
    assert len(exam["publications"]) == 2
    assert exam["corrections"][0]["approvals"] == sorted([WITNESS[0], AUDITOR[0]])
    assert set(exam["previous"]) >= {"P-001", "P-002"}  # both totals moved with the corrected key
    rows = {r["candidate"]: r for f in exam["latest"]["formations"] for r in f["rows"]}
    assert rows["P-004"]["status"] == "absent"
    page = await (await public.get("/transparansi/hasil?lang=id")).text()
    assert "sebelumnya" in page and "Peserta 1" in page  # the change marker, and names (a public field)
    assert "telah diumumkan 2 kali" in page
    for secret in ("answers", "pin", "100001"):
        assert secret not in page
    first = await public.get("/transparansi/hasil.json")
    again = await public.get("/transparansi/hasil.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304  # nothing logged since: thousands of phones revalidate for free


async def test_the_results_view_describes_rules_and_items_and_revalidates_cheaply(closed: tuple[Server, Any]) -> None:
    _s, admin = closed
    r = await admin.get("/panitia/api/results")
    state = await r.json()
    assert [(c["code"], c["source"], c["weight"]) for c in state["rules"]["components"]] == [
        ("tertulis", "exam", "60"),
        ("wawancara", "entered", "40"),
    ]
    assert state["rules"]["total_cap_milli"] == 100_000
    items = {i["code"]: i for i in state["items"]}
    assert items["TIK-01"]["key"] == "B"  # revealed: the key in force, for the correction builder
    assert items["TIK-01"]["options"] == ["A", "B", "C", "D"]
    etag = r.headers["ETag"]
    again = await admin.get("/panitia/api/results", headers={"If-None-Match": etag})
    assert again.status == 304  # nothing logged since
    seq = (await (await admin.post("/panitia/api/regrade/propose", json={"corrections": [FIX], "reason": "x"})).json())[
        "seq"
    ]
    r = await admin.get("/panitia/api/results", headers={"If-None-Match": etag})
    assert r.status == 200 and r.headers["ETag"] != etag
    assert (await r.json())["proposals"][0]["marks_since"] == 0
    marks = [{"candidate": "P-001", "value": "70"}]
    await admin.post("/panitia/api/marks", json={"component": "wawancara", "entries": marks, "reason": "w"})
    state = await (await admin.get("/panitia/api/results")).json()
    assert state["proposals"][0]["seq"] == seq
    assert state["proposals"][0]["marks_since"] == 1  # its frozen diff predates this mark


async def test_an_approver_can_rerun_a_proposals_dry_run_against_todays_marks(closed: tuple[Server, Any]) -> None:
    s, admin = closed
    seq = (await (await admin.post("/panitia/api/regrade/propose", json={"corrections": [FIX], "reason": "x"})).json())[
        "seq"
    ]
    marks = [{"candidate": n, "value": "80"} for n in ("P-001", "P-002", "P-005")]
    await admin.post("/panitia/api/marks", json={"component": "wawancara", "entries": marks, "reason": "w"})
    witness = await s.committee(WITNESS)
    r = await witness.post(f"/panitia/api/regrade/{seq}/preview", json={})
    assert r.status == 200, await r.text()
    fresh = {c["candidate"]: c for c in (await r.json())["diff"]["changes"]}
    state = await (await admin.get("/panitia/api/results")).json()
    frozen = {c["candidate"]: c for c in state["proposals"][0]["diff"]["changes"]}
    assert frozen["P-001"]["total_before_milli"] is None  # no interview yet when proposed: incomplete
    assert fresh["P-001"]["total_before_milli"] is not None  # today it has a final total
    assert (await (await s.committee(PROCTOR)).post(f"/panitia/api/regrade/{seq}/preview", json={})).status == 403
