"""Security by construction: roles, reasons, own-attempt-only, bad input never a 500, login rate limits."""

from __future__ import annotations

from aiohttp import web

from server import keys
from tests.server.conftest import AUDITOR, PROCTOR, Harness

COMMITTEE_ACTIONS = [
    ("/panitia/api/sessions/S1/pause", {"reason": "x"}),
    ("/panitia/api/sessions/S1/close", {"reason": "x"}),
    ("/panitia/api/candidates/P-001/extend", {"seconds": 60, "reason": "x"}),
    ("/panitia/api/candidates/P-001/reset-login", {"reason": "x"}),
    ("/panitia/api/candidates/P-001/finish", {"reason": "x"}),
]


async def test_committee_routes_need_a_login_and_a_role(sqlite_harness: Harness) -> None:
    anonymous = await sqlite_harness.make_client()
    for path, body in COMMITTEE_ACTIONS:
        assert (await anonymous.post(path, json=body)).status == 401
    assert (await anonymous.get("/panitia/api/overview")).status == 401
    assert (await anonymous.get("/panitia/api/events")).status == 401
    auditor = await sqlite_harness.committee(AUDITOR)
    for path, body in COMMITTEE_ACTIONS:
        response = await auditor.post(path, json=body)
        assert response.status == 403, path
        assert (await response.json())["error"]["code"] == "auth.forbidden"
    overview = await (await auditor.get("/panitia/api/overview")).json()
    assert overview["sessions"][0]["token"] is None  # readers never see the room's token


async def test_every_intervention_requires_a_reason(sqlite_harness: Harness) -> None:
    await sqlite_harness.candidate(0)
    proctor = await sqlite_harness.committee(PROCTOR)
    for path, body in COMMITTEE_ACTIONS:
        for reason in (None, "", "   ", 5):
            response = await proctor.post(path, json={**body, "reason": reason})
            assert response.status == 400, (path, reason)
            error = (await response.json())["error"]
            assert error["field"] == "reason" and error["id"] and error["en"]
    kinds = [e["kind"] for e in await sqlite_harness.events()]
    assert not any(k.startswith(("session.paused", "attempt.extended", "login.reset")) for k in kinds)


async def test_a_candidate_cookie_is_not_a_committee_login_and_vice_versa(sqlite_harness: Harness) -> None:
    candidate = await sqlite_harness.candidate(0)
    assert (await candidate.get("/panitia/api/overview")).status == 401
    admin = await sqlite_harness.committee()
    assert (await admin.get("/ujian/api/attempt")).status == 401


async def test_no_candidate_route_takes_an_id_of_someone_else(sqlite_harness: Harness) -> None:
    # The only dynamic candidate routes are files by content hash (images, practical starting files),
    # scoped to the candidate's own exam: the attempt is always the caller's own, found from their login.
    app: web.Application = sqlite_harness.app
    dynamic = {
        r.resource.canonical
        for r in app.router.routes()
        if r.resource is not None and r.resource.canonical.startswith("/ujian") and "{" in r.resource.canonical
    }
    assert dynamic == {"/ujian/media/{sha}", "/ujian/files/{sha}"}
    a = await sqlite_harness.candidate(0)
    b = await sqlite_harness.candidate(1)
    await a.post("/ujian/api/answer", json={"item": "TIK-01", "value": "A", "seq": 1, "key": "same-key"})
    await b.post("/ujian/api/answer", json={"item": "TIK-01", "value": "B", "seq": 1, "key": "same-key"})
    state_a = await (await a.get("/ujian/api/attempt")).json()
    state_b = await (await b.get("/ujian/api/attempt")).json()
    assert state_a["candidate"]["number"] != state_b["candidate"]["number"]
    assert state_a["answers"]["TIK-01"]["value"] == "A"
    assert state_b["answers"]["TIK-01"]["value"] == "B"  # same idempotency key, different attempt: no clash
    assert (await a.get("/ujian/media/" + "0" * 64)).status == 404
    assert (await a.get("/ujian/files/" + "0" * 64)).status == 404


async def test_logins_are_rate_limited_with_retry_after(sqlite_harness: Harness) -> None:
    client = await sqlite_harness.make_client()
    card = sqlite_harness.card(2)
    limit = sqlite_harness.app[keys.CONFIG].login_rate_per_minute
    for _ in range(limit):
        response = await client.post(
            "/ujian/api/login", json={"number": card.number, "pin": "999999", "token": sqlite_harness.token}
        )
        assert response.status == 401
    response = await client.post(
        "/ujian/api/login", json={"number": card.number, "pin": card.pin, "token": sqlite_harness.token}
    )
    assert response.status == 429
    assert int(response.headers["Retry-After"]) > 0
    assert (await response.json())["error"]["code"] == "login.rate_limited"


async def test_garbage_never_produces_a_500(sqlite_harness: Harness) -> None:
    candidate = await sqlite_harness.candidate(0)
    admin = await sqlite_harness.committee()
    bodies = [b"", b"[]", b"null", b'"x"', b'{"item": {}}', b"\xff\xfe", b"{" * 5000, b'{"seq": 1e308}']
    paths = ["/ujian/api/answer", "/ujian/api/login", "/ujian/api/submit", "/ujian/api/start"]
    for path in paths:
        for body in bodies:
            response = await candidate.post(path, data=body, headers={"Content-Type": "application/json"})
            assert response.status < 500, (path, body[:20], response.status)
    for path in (
        "/panitia/api/sessions/S1/open",
        "/panitia/api/candidates/P-001/extend",
        "/panitia/api/sessions/NOPE/pause",
        "/panitia/api/candidates/NOPE/finish",
    ):
        for body in bodies:
            response = await admin.post(path, data=body, headers={"Content-Type": "application/json"})
            assert response.status < 500, (path, body[:20], response.status)
    response = await admin.post("/panitia/api/candidates/P-001/extend", json={"seconds": -5, "reason": "x"})
    assert response.status == 400
    response = await admin.get("/panitia/api/events?after=abc")
    assert response.status == 400


async def test_security_headers_on_every_page(sqlite_harness: Harness) -> None:
    client = await sqlite_harness.make_client()
    for path in ("/", "/ujian", "/panitia"):
        response = await client.get(path)
        assert response.status == 200
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_the_grading_rules_are_public_and_escaped(sqlite_harness: Harness) -> None:
    client = await sqlite_harness.make_client()
    page = await (await client.get("/aturan")).text()
    assert "Aturan penilaian" in page and "Grading rules" in page
    assert "<table>" in page  # the scoring tables render
    assert "<script" not in page.split("</header>", 1)[-1].split("<footer", 1)[0]
