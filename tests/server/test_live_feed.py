"""The exam server feeds /live after each commit: progress while working, score and rank after submit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import socketio

from tests.server.conftest import Harness


async def _eventually(check: Callable[[], Awaitable[Any]], what: str) -> Any:
    for _ in range(100):
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def _board(h: Harness, client: Any) -> dict[str, Any]:
    index = await (await client.get("/live/api/index")).json()
    session = next(s for s in index["sessions"] if s["code"] == "S1")
    fid = next(f["id"] for f in session["formations"] if f["village"] == h.card(0).village)
    return await (await client.get(f"/live/api/f/{fid}")).json()


async def test_progress_then_score_and_rank_reach_the_public_board(harness: Harness) -> None:
    viewer = await harness.make_client()
    me = harness.card(0)
    candidate = await harness.candidate(0)
    await candidate.post("/ujian/api/answer", json={"item": "TIK-01", "value": "B", "seq": 1, "key": "a"})

    async def progressed() -> Any:
        rows = {r.get("number"): r for r in (await _board(harness, viewer))["rows"]}
        return rows.get(me.number, {}).get("answered") == 1 and rows[me.number]

    row = await _eventually(progressed, "answered count on the board")
    assert row["status"] == "working" and row["score"] is None and row["deadline"]
    await candidate.post("/ujian/api/submit", json={"confirm": True})

    async def scored() -> Any:
        rows = {r.get("number"): r for r in (await _board(harness, viewer))["rows"]}
        return rows[me.number]["status"] == "submitted" and rows[me.number]

    row = await _eventually(scored, "score on the board")
    assert row["score"] == 5000 and row["rank"] == 1
    text = json.dumps(await _board(harness, viewer))
    for secret in ("TIK-01", "Keyboard", "seed", "pin", "answers"):
        assert secret not in text


async def test_pause_freezes_time_left_on_the_board(harness: Harness) -> None:
    viewer = await harness.make_client()
    await harness.candidate(0)
    admin = await harness.committee()
    await admin.post("/panitia/api/sessions/S1/pause", json={"reason": "listrik"})

    async def paused() -> Any:
        board = await _board(harness, viewer)
        row = next(r for r in board["rows"] if r.get("number") == harness.card(0).number)
        return board["session"]["status"] == "paused" and row["deadline"] is None and row

    row = await _eventually(paused, "paused seat")
    assert row["paused_left"] == 60 * 60_000


async def test_committee_monitor_namespace_needs_a_committee_login(sqlite_harness: Harness) -> None:
    url = str(sqlite_harness.server.make_url("/"))
    anonymous = socketio.AsyncClient()
    refused = False
    try:
        await anonymous.connect(url, namespaces=["/panitia"], transports=["websocket"], wait_timeout=5)
    except socketio.exceptions.ConnectionError:
        refused = True
    finally:
        await anonymous.disconnect()
    assert refused
    admin = await sqlite_harness.committee()
    await admin.get("/panitia")  # the console page confirms the login
    cookie = "; ".join(f"{c.key}={c.value}" for c in admin.session.cookie_jar)
    monitor = socketio.AsyncClient()
    snapshots: list[Any] = []
    monitor.on("snapshot", snapshots.append, namespace="/panitia")
    await monitor.connect(
        url, namespaces=["/panitia"], transports=["websocket"], headers={"Cookie": cookie}, wait_timeout=5
    )
    try:
        await monitor.emit("watch", {"session": "S1"}, namespace="/panitia")

        async def got() -> Any:
            return snapshots

        await _eventually(got, "committee snapshot")
        rows = snapshots[0]["rows"]
        assert {r["number"] for r in rows} == {c.number for c in sqlite_harness.summary.cards}
    finally:
        await monitor.disconnect()
