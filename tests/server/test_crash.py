"""Kill -9 the exam server mid-exam, restart it, and prove no acknowledged answer and no second was lost."""

from __future__ import annotations

import asyncio
import csv
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import POSTGRES_URL
from tests.databases import fresh_database
from tests.processes import ServerProcess, free_port, ujian
from tests.server.builders import ExamFolder
from tests.server.conftest import db_kinds

pytestmark = pytest.mark.slow
SECRET = "crash-test-secret-0123456789abcdef0123"
ADMIN_PASSWORD = "crash-test-admin-pw"


@pytest.fixture(params=db_kinds())
async def exam_server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[ServerProcess, list[dict[str, str]]]]:
    async with fresh_database(str(request.param), tmp_path, POSTGRES_URL) as url:
        env = {
            **os.environ,
            "UJIAN_DATABASE_URL": url,
            "UJIAN_SECRET_KEY": SECRET,
            "ADMIN_PW": ADMIN_PASSWORD,
        }
        folder = ExamFolder(duration_minutes=30).write(tmp_path / "exam")
        await asyncio.to_thread(ujian, ["import", str(folder), "--cards", str(tmp_path / "cards.csv")], env, tmp_path)
        await asyncio.to_thread(
            ujian, ["user", "admin", "--role", "admin", "--password-env", "ADMIN_PW"], env, tmp_path
        )
        with (tmp_path / "cards.csv").open(encoding="utf-8") as f:
            cards = list(csv.DictReader(f))
        server = ServerProcess(["serve"], env, tmp_path, free_port())
        try:
            await asyncio.to_thread(server.start)
            yield server, cards
        finally:
            await asyncio.to_thread(server.stop)


async def _json(response: aiohttp.ClientResponse) -> Any:
    assert response.status == 200, await response.text()
    return await response.json()


async def test_sigkill_mid_exam_loses_no_acknowledged_answer_and_no_time(
    exam_server: tuple[ServerProcess, list[dict[str, str]]],
) -> None:
    server, cards = exam_server
    jar = aiohttp.CookieJar(unsafe=True)
    async with (
        aiohttp.ClientSession(server.url, cookie_jar=jar) as admin,
        aiohttp.ClientSession(server.url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as pc,
    ):
        await _json(await admin.post("/panitia/api/login", json={"username": "admin", "password": ADMIN_PASSWORD}))
        token = (await _json(await admin.post("/panitia/api/sessions/S1/open", json={"reason": "mulai"})))["token"]
        card = cards[0]
        await _json(
            await pc.post("/ujian/api/login", json={"number": card["no_peserta"], "pin": card["pin"], "token": token})
        )
        state = await _json(await pc.post("/ujian/api/start", json={}))
        acked: dict[str, Any] = {}
        last_remaining = None
        last_ack_at = 0.0
        for n, item in enumerate(state["items"], start=1):
            value = (
                [item["options"][0]["id"]]
                if item["kind"] == "multi"
                else (True if item["kind"] == "truefalse" else item["options"][-1]["id"])
            )
            ack = await _json(
                await pc.post(
                    "/ujian/api/answer",
                    json={
                        "item": item["id"],
                        "value": value,
                        "flag": n % 2 == 0,
                        "seq": n,
                        "key": f"key-{n}",
                    },
                )
            )
            acked[item["id"]] = {"value": value, "flag": n % 2 == 0, "seq": n}
            last_remaining, last_ack_at = ack["remaining_ms"], time.monotonic()

        # Fire one more answer and kill the server while it may be in flight: it is either
        # acknowledged-and-kept or never acknowledged — never acknowledged-and-lost.
        extra_item = state["items"][0]["id"]
        in_flight = asyncio.ensure_future(
            pc.post(
                "/ujian/api/answer",
                json={
                    "item": extra_item,
                    "value": acked[extra_item]["value"],
                    "flag": False,
                    "seq": 100,
                    "key": "key-x",
                },
            )
        )
        await asyncio.sleep(0)
        await asyncio.to_thread(server.kill)
        extra_acked = False
        try:
            response = await in_flight
            extra_acked = response.status == 200
        except aiohttp.ClientError:
            pass
        down_since = time.monotonic()
        await asyncio.sleep(1.0)
        await asyncio.to_thread(server.start)
        down_for_ms = (time.monotonic() - down_since) * 1000

        after = await _json(await pc.get("/ujian/api/attempt"))  # same browser, same cookie
        if extra_acked:
            acked[extra_item] = {"value": acked[extra_item]["value"], "flag": False, "seq": 100}
        for item, answer in acked.items():
            assert after["answers"][item] == answer
        assert after["status"] == "working"
        # The server owns the clock: the time left is exactly what the wall clock says, nothing more
        # was taken (the restart does not reset or double-count), and the session keeps running.
        expected = last_remaining - (time.monotonic() - last_ack_at) * 1000
        assert expected - 1500 <= after["remaining_ms"] <= expected + 1500
        assert after["remaining_ms"] > 30 * 60_000 - 120_000
        assert down_for_ms > 900
        # The candidate carries on after the crash with the next sequence number.
        ack = await _json(
            await pc.post(
                "/ujian/api/answer",
                json={
                    "item": extra_item,
                    "value": acked[extra_item]["value"],
                    "flag": True,
                    "seq": after["last_seq"] + 1,
                    "key": "key-after",
                },
            )
        )
        assert ack["stale"] is False
