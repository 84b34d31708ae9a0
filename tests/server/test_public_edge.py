"""Scaled out: the exam server publishes through Redis; a separate `ujian public` edge serves viewers."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio

from tests.conftest import REDIS_URL
from tests.processes import ServerProcess, free_port
from tests.server.builders import ExamFolder
from tests.server.conftest import Harness, start_harness

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
async def scaled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Harness, ServerProcess]]:
    # A private channel and key prefix, so parallel runs on the same Redis never see each other.
    prefix = f"ujian-test-{secrets.token_hex(4)}"
    monkeypatch.setenv("UJIAN_LIVE_CHANNEL", prefix)
    monkeypatch.setenv("UJIAN_LIVE_KEY_PREFIX", prefix + ":")
    async for harness in start_harness(tmp_path, "sqlite", ExamFolder(), redis_url=REDIS_URL):
        env = {
            **os.environ,
            "UJIAN_REDIS_URL": str(REDIS_URL),
            "UJIAN_LIVE_CHANNEL": prefix,
            "UJIAN_LIVE_KEY_PREFIX": prefix + ":",
        }
        upstream = str(harness.server.make_url("")).rstrip("/")
        edge = ServerProcess(["public", "--upstream", upstream], env, tmp_path, free_port())
        await asyncio.to_thread(edge.start, 30.0, "/live/api/health")
        try:
            yield harness, edge
        finally:
            await asyncio.to_thread(edge.stop)


async def _formation(edge: ServerProcess, http: aiohttp.ClientSession, village: str) -> str:
    for _ in range(100):
        async with http.get(edge.url + "/live/api/index") as response:
            index = await response.json()
        for session in index.get("sessions", []):
            for f in session.get("formations", []):
                if f["village"] == village:
                    return str(f["id"])
        await asyncio.sleep(0.1)
    raise AssertionError("the edge never learned the formations from Redis")


async def test_an_answer_on_the_exam_server_reaches_a_viewer_on_the_edge(scaled: tuple[Harness, ServerProcess]) -> None:
    harness, edge = scaled
    me = harness.card(0)
    async with aiohttp.ClientSession() as http:
        fid = await _formation(edge, http, me.village)
        viewer = socketio.AsyncClient()
        deltas: list[Any] = []
        snapshots: list[Any] = []
        viewer.on("delta", deltas.append, namespace="/live")
        viewer.on("snapshot", snapshots.append, namespace="/live")
        await viewer.connect(edge.url, namespaces=["/live"], transports=["websocket"], wait_timeout=10)
        try:
            await viewer.emit("join", {"f": fid}, namespace="/live")
            for _ in range(100):
                if snapshots:
                    break
                await asyncio.sleep(0.05)
            assert snapshots, "no snapshot on join"
            candidate = await harness.candidate(0)
            await candidate.post("/ujian/api/answer", json={"item": "TIK-01", "value": "B", "seq": 1, "key": "k"})

            def answered() -> bool:
                rows = [r for m in deltas + snapshots for r in m["rows"] if r.get("number") == me.number]
                return any(r["answered"] == 1 for r in rows)

            for _ in range(200):
                if answered():
                    break
                await asyncio.sleep(0.05)
            assert answered(), "the answer never reached the edge's viewer"
        finally:
            await viewer.disconnect()
        # The edge is read-only: no candidate or committee routes at all.
        for path in ("/ujian", "/ujian/api/login", "/panitia", "/panitia/api/overview"):
            async with http.post(edge.url + path, json={}) as response:
                assert response.status in (404, 405), path


async def test_the_edge_relays_the_record_read_only(scaled: tuple[Harness, ServerProcess]) -> None:
    harness, edge = scaled
    exam = await harness.make_client()
    async with aiohttp.ClientSession() as http:
        direct = await exam.get("/transparansi/events?after=0")
        assert direct.status == 200
        async with http.get(edge.url + "/transparansi/events?after=0") as relayed:
            assert relayed.status == 200
            assert await relayed.read() == await direct.read()
            assert relayed.headers["Content-Type"] == direct.headers["Content-Type"]
        async with http.get(edge.url + "/transparansi") as page:
            assert page.status == 200 and "text/html" in page.headers["Content-Type"]
        async with http.get(edge.url + "/transparansi/bundle.zip") as bundle:
            assert bundle.status == 404  # only after the close, as on the exam server
        async with http.post(edge.url + "/transparansi/events") as post:
            assert post.status == 405
