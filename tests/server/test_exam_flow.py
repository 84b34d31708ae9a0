"""The candidate's exam through HTTP on a real database: login, answers, clock, submit, grading."""

from __future__ import annotations

import json
from typing import Any

from grader import canonical
from grader.shuffle import item_order
from server import keys
from server.workers import submit_expired_once
from tests.server.conftest import Harness


async def _state(client: Any) -> dict[str, Any]:
    response = await client.get("/ujian/api/attempt")
    assert response.status == 200
    return await response.json()


async def _answer(client: Any, item: str, value: Any, seq: int, key: str, flag: bool = False) -> Any:
    return await client.post(
        "/ujian/api/answer", json={"item": item, "value": value, "flag": flag, "seq": seq, "key": key}
    )


def _correct(item: dict[str, Any]) -> Any:
    return {"TIK-01": "B", "TIK-02": "C", "TIK-03": ["A", "C"], "TIK-04": False, "TKP-01": "A"}[item["id"]]


async def test_wrong_credentials_are_refused_in_both_languages(harness: Harness) -> None:
    client = await harness.make_client()
    card = harness.card()
    for body in (
        {"number": card.number, "pin": "000000", "token": harness.token},
        {"number": card.number, "pin": card.pin, "token": "ZZZZZZ"},
        {"number": "nobody", "pin": card.pin, "token": harness.token},
    ):
        response = await client.post("/ujian/api/login", json=body)
        assert response.status == 401
        error = (await response.json())["error"]
        assert error["code"] == "login.wrong"
        assert error["id"]
        assert error["en"]
    response = await client.get("/ujian/api/attempt")
    assert response.status == 401


async def test_second_pc_is_refused_until_a_proctor_resets(harness: Harness) -> None:
    first = await harness.candidate(0)
    other_pc = await harness.make_client()
    card = harness.card(0)
    body = {"number": card.number, "pin": card.pin, "token": harness.token}
    response = await other_pc.post("/ujian/api/login", json=body)
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "login.elsewhere"
    proctor = await harness.committee(("pengawas", "kata-sandi-pengawas"))
    response = await proctor.post(f"/panitia/api/candidates/{card.number}/reset-login", json={"reason": "PC rusak"})
    assert response.status == 200
    assert (await other_pc.post("/ujian/api/login", json=body)).status == 200
    # The old PC's login was revoked with the reset.
    assert (await first.get("/ujian/api/attempt")).status == 401
    assert (await _state(other_pc))["status"] == "working"


async def test_items_are_shuffled_reproducibly_from_the_logged_seed(harness: Harness) -> None:
    client = await harness.candidate(0)
    state = await _state(client)
    started = next(e for e in await harness.events() if e["kind"] == "attempt.started")
    spec = harness.app[keys.CONTEXT].spec(await _exam(harness))
    expected = item_order(started["data"]["seed"], spec.items, [s.code for s in spec.sections])
    assert [i["id"] for i in state["items"]] == list(expected)
    assert sorted(i["id"] for i in state["items"]) == sorted(i.code for i in spec.items)
    for item in state["items"]:
        assert [o["label"] for o in item["options"]] == [chr(65 + n) for n in range(len(item["options"]))]


async def _exam(harness: Harness) -> Any:
    from server.db.queries.exams import all_exams

    async with harness.app[keys.DB].read() as s:
        return (await all_exams(s))[0]


async def test_answers_are_acknowledged_after_commit_and_replays_change_nothing(harness: Harness) -> None:
    client = await harness.candidate(0)
    response = await _answer(client, "TIK-01", "A", 1, "k1")
    ack = await response.json()
    assert response.status == 200
    assert ack["seq"] == 1
    assert not ack["duplicate"]
    assert not ack["stale"]
    events_before = len(await harness.events())
    again = await (await _answer(client, "TIK-01", "A", 1, "k1")).json()
    assert again["duplicate"] is True
    newer = await _answer(client, "TIK-01", "B", 3, "k3", flag=True)
    assert (await newer.json())["stale"] is False
    # An older request arriving late (network reordering, journal replay) must not win.
    stale = await (await _answer(client, "TIK-01", "D", 2, "k2")).json()
    assert stale["stale"] is True
    state = await _state(client)
    assert state["answers"]["TIK-01"] == {"value": "B", "flag": True, "seq": 3}
    assert state["last_seq"] == 3
    assert len(await harness.events()) == events_before + 1


async def test_malformed_answers_get_a_bilingual_400_and_store_nothing(harness: Harness) -> None:
    client = await harness.candidate(0)
    bad = [
        {"item": "TIK-01", "value": "Z", "seq": 1, "key": "a"},
        {"item": "NOPE", "value": "A", "seq": 1, "key": "b"},
        {"item": "TIK-01", "value": "A", "seq": "1", "key": "c"},
        {"item": "TIK-01", "value": "A", "seq": 1, "key": ""},
        {"item": "TIK-01", "value": 1.5, "seq": 1, "key": "d"},
        {"item": "TIK-03", "value": "A", "seq": 1, "key": "e"},
    ]
    for body in bad:
        response = await client.post("/ujian/api/answer", json=body)
        assert response.status == 400, body
        error = (await response.json())["error"]
        assert error["id"]
        assert error["en"]
        assert error["field"]
    response = await client.post("/ujian/api/answer", data="not json", headers={"Content-Type": "text/plain"})
    assert response.status == 415
    response = await client.post("/ujian/api/answer", data="{", headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert (await _state(client))["answers"] == {}


async def test_clock_pause_resume_and_extension_are_exact(harness: Harness) -> None:
    client = await harness.candidate(0)
    total = 60 * 60_000
    assert (await _state(client))["remaining_ms"] == total
    harness.clock.advance(90_000)
    assert (await _state(client))["remaining_ms"] == total - 90_000
    admin = await harness.committee()
    assert (await admin.post("/panitia/api/sessions/S1/pause", json={"reason": "listrik padam"})).status == 200
    harness.clock.advance(600_000)
    state = await _state(client)
    assert state["status"] == "paused"
    assert state["remaining_ms"] == total - 90_000
    response = await _answer(client, "TIK-01", "B", 1, "p1")
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "exam.paused"
    assert (await admin.post("/panitia/api/sessions/S1/resume", json={"reason": "listrik menyala"})).status == 200
    harness.clock.advance(10_000)
    assert (await _state(client))["remaining_ms"] == total - 100_000
    card = harness.card(0)
    response = await admin.post(
        f"/panitia/api/candidates/{card.number}/extend", json={"seconds": 300, "reason": "komputer macet"}
    )
    assert response.status == 200
    assert (await _state(client))["remaining_ms"] == total - 100_000 + 300_000


async def test_time_out_submits_at_the_deadline_even_when_offline(harness: Harness) -> None:
    client = await harness.candidate(0)
    state = await _state(client)
    for n, item in enumerate(state["items"], start=1):
        assert (await _answer(client, item["id"], _correct(item), n, f"k{n}")).status == 200
    harness.clock.advance(60 * 60_000 + 5_000)
    # The candidate is offline: nobody calls the API; the background sweep submits.
    assert await submit_expired_once(harness.app) == 1
    final = await _state(client)
    assert final["status"] == "submitted"
    assert final["remaining_ms"] == 0
    assert final["result"]["total"] == final["result"]["max_total"]
    kinds = [e["kind"] for e in await harness.events()]
    assert kinds[-2:] == ["attempt.submitted", "attempt.scored"]
    submitted = next(e for e in await harness.events() if e["kind"] == "attempt.submitted")
    assert submitted["data"]["reason"] == "timeout"
    late = await _answer(client, "TIK-01", "A", 99, "late")
    assert late.status == 409


async def test_submit_grades_from_recorded_answers_per_section(harness: Harness) -> None:
    client = await harness.candidate(1)
    state = await _state(client)
    answers = {"TIK-01": "B", "TIK-02": "A", "TIK-03": ["A", "C"], "TKP-01": "C"}
    for n, (item, value) in enumerate(answers.items(), start=1):
        assert (await _answer(client, item, value, n, f"k{n}")).status == 200
    assert (await client.post("/ujian/api/submit", json={})).status == 400  # needs explicit confirmation
    response = await client.post("/ujian/api/submit", json={"confirm": True})
    result = (await response.json())["result"]
    sections = {s["code"]: s for s in result["sections"]}
    assert sections["TIK"]["raw"] == 10_000  # TIK-01 and TIK-03 right, 5 points each
    assert sections["TKP"]["raw"] == 3_000
    assert sections["TIK"]["passed"] is True
    scored = next(e for e in await harness.events() if e["kind"] == "attempt.scored")
    assert scored["data"]["grader_version"]
    assert scored["data"]["total_milli"] == result["total"]
    assert len(state["items"]) == 5


async def test_every_event_is_canonical_and_the_sequence_has_no_gaps(harness: Harness) -> None:
    client = await harness.candidate(0)
    await _answer(client, "TIK-01", "B", 1, "a")
    await _answer(client, "TIK-01", "B", 1, "a")
    await _answer(client, "TIK-02", "Z", 2, "b")  # refused: must not consume a sequence number
    await _answer(client, "TIK-02", "C", 3, "c")
    from server.db.queries.events import events_after

    async with harness.app[keys.DB].read() as s:
        rows = await events_after(s, after=0, limit=1000)
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    for row in rows:
        assert canonical.encode(canonical.decode(row.leaf)) == row.leaf
        assert json.loads(row.leaf)["seq"] == row.seq
    assert [r.kind for r in rows][:2] == ["exam.imported", "key.committed"]


async def test_closing_marks_absent_candidates_and_never_scores_them(harness: Harness) -> None:
    client = await harness.candidate(0)
    await _answer(client, "TIK-01", "B", 1, "a")
    admin = await harness.committee()
    assert (await admin.post("/panitia/api/sessions/S1/close", json={"reason": "selesai"})).status == 200
    overview = await (await admin.get("/panitia/api/overview")).json()
    statuses = {c["number"]: c for c in overview["candidates"]}
    assert statuses[harness.card(0).number]["status"] == "submitted"
    assert statuses[harness.card(1).number]["status"] == "absent"
    assert statuses[harness.card(1).number]["total_milli"] is None
    scored = [e["data"]["candidate"] for e in await harness.events() if e["kind"] == "attempt.scored"]
    assert scored == [harness.card(0).number]


async def test_a_candidate_marked_absent_at_the_close_cannot_answer(harness: Harness) -> None:
    # Logged in but never started: the close marks them absent, and their browser can change nothing.
    idle = await harness.candidate(1, start=False)
    admin = await harness.committee()
    assert (await admin.post("/panitia/api/sessions/S1/close", json={"reason": "selesai"})).status == 200
    response = await _answer(idle, "TIK-01", "B", 1, "late")
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "exam.not_started"
    assert [e for e in await harness.events() if e["kind"] == "answer.saved"] == []


async def test_the_console_sees_when_a_browser_last_talked_to_the_server(harness: Harness) -> None:
    client = await harness.candidate(0)
    harness.clock.advance(120_000)
    await client.get("/ujian/api/ping")
    admin = await harness.committee()
    overview = await (await admin.get("/panitia/api/overview")).json()
    mine = next(c for c in overview["candidates"] if c["number"] == harness.card(0).number)
    assert mine["last_seen_ms"] == harness.clock.now_ms()
