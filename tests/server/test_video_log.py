"""The venue video is part of the record: every archived segment's SHA-256 lands in the exam's event log."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from server.app import create_app
from server.config import DEMO_SECRET, load_config
from tests.databases import fresh_database

pytestmark = pytest.mark.slow
CAMERA = {
    "name": "Lab 1",
    "kind": "testsrc",
    "width": 160,
    "height": 96,
    "fps": 10,
    "bitrate_kbps": 200,
    "preset": "ultrafast",
    "segment_s": 1,
}


async def test_segment_hashes_are_logged_and_match_the_archived_files(tmp_path: Path) -> None:
    async with fresh_database("sqlite", tmp_path, None) as url:
        config = load_config(
            env={}, demo=True, database_url=url, secret_key=DEMO_SECRET, data_dir=tmp_path / "data", cameras=(CAMERA,)
        )
        app = create_app(config, workers=False)
        server = TestServer(app)
        await server.start_server()
        try:
            events = await _wait_for_segments(server, minimum=3)
        finally:
            await server.close()
    assert [e["data"]["seq"] for e in events[:3]] == [0, 1, 2]  # the init segment, then media segments
    for event in events:
        data = event["data"]
        path = tmp_path / "data" / "video" / data["path"]
        content = path.read_bytes()
        assert hashlib.sha256(content).hexdigest() == data["sha256"]
        assert len(content) == data["bytes"]
        assert data["camera"] == "lab-1"


async def _wait_for_segments(server: TestServer, *, minimum: int) -> list[dict]:
    import json

    from server import keys
    from server.db.queries.events import events_after

    app = server.app
    assert app is not None
    for _ in range(300):
        async with app[keys.DB].read() as s:
            rows = [json.loads(r.leaf) for r in await events_after(s, after=0, limit=1000)]
        segments = [r for r in rows if r["kind"] == "video.segment"]
        if len(segments) >= minimum:
            return segments
        await asyncio.sleep(0.1)
    raise AssertionError("no video segments were logged within 30 s")


async def test_the_committee_can_jump_from_a_score_to_the_video(tmp_path: Path) -> None:
    from tests.server.builders import ExamFolder
    from tests.server.conftest import start_harness

    async for harness in start_harness(tmp_path, "sqlite", ExamFolder(), cameras=(CAMERA,)):
        candidate = await harness.candidate(0)
        await candidate.post("/ujian/api/submit", json={"confirm": True})
        admin = await harness.committee()
        overview = await (await admin.get("/panitia/api/overview")).json()
        rows = {c["number"]: c for c in overview["candidates"]}
        mine = rows[harness.card(0).number]
        assert mine["replay_url"] == f"/video/replay?camera=lab-1&t={mine['submitted_at_ms']}"
        assert rows[harness.card(1).number]["replay_url"] is None
        page = await admin.get(mine["replay_url"])
        assert page.status == 200
