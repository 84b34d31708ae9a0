"""Server test fixtures: a real app on a real database (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from server import keys
from server.app import create_app
from server.config import DEMO_SECRET, load_config
from server.importers import load_dir
from server.services.committee import Member
from server.services.setup import Card, ImportSummary
from tests.conftest import POSTGRES_URL
from tests.databases import fresh_database
from tests.fakes import FakeClock
from tests.server.builders import ExamFolder

ADMIN = ("admin", "kata-sandi-admin-uji")
PROCTOR = ("pengawas", "kata-sandi-pengawas")
AUDITOR = ("auditor", "kata-sandi-auditor")


@dataclass
class Harness:
    """A running exam server with its clock, its imported exam and ways to act as anyone."""

    server: TestServer
    app: Any
    clock: FakeClock
    summary: ImportSummary
    token: str | None
    make_client: Callable[[], Awaitable[TestClient]]

    def card(self, n: int = 0) -> Card:
        return self.summary.cards[n]

    async def candidate(self, n: int = 0, *, start: bool = True) -> TestClient:
        """A fresh browser logged in as candidate ``n`` (and started, by default)."""
        client = await self.make_client()
        card = self.card(n)
        response = await client.post(
            "/ujian/api/login", json={"number": card.number, "pin": card.pin, "token": self.token}
        )
        assert response.status == 200, await response.text()
        if start:
            response = await client.post("/ujian/api/start", json={})
            assert response.status == 200, await response.text()
        return client

    async def committee(self, who: tuple[str, str] = ADMIN) -> TestClient:
        client = await self.make_client()
        response = await client.post("/panitia/api/login", json={"username": who[0], "password": who[1]})
        assert response.status == 200, await response.text()
        return client

    async def events(self) -> list[dict[str, Any]]:
        import json

        from server.db.queries.events import events_after

        async with self.app[keys.DB].read() as s:
            return [json.loads(e.leaf) for e in await events_after(s, after=0, limit=100_000)]


def db_kinds() -> list[Any]:
    return ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=db_kinds())
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def start_harness(
    tmp_path: Path, db_kind: str, folder: ExamFolder, *, open_session: bool = True, **config: Any
) -> AsyncIterator[Harness]:
    async with fresh_database(db_kind, tmp_path, POSTGRES_URL) as url:
        clock = FakeClock()
        settings = load_config(
            env={}, demo=True, database_url=url, secret_key=DEMO_SECRET, data_dir=tmp_path / "data", **config
        )
        app = create_app(settings, clock=clock, workers=False)
        server = TestServer(app)
        await server.start_server()
        clients: list[TestClient] = []

        async def make_client() -> TestClient:
            client = TestClient(server)
            await client.start_server()
            clients.append(client)
            return client

        try:
            summary = await app[keys.SETUP].import_package(load_dir(folder.write(tmp_path / "exam")))
            committee = app[keys.COMMITTEE]
            for (name, password), role in ((ADMIN, "admin"), (PROCTOR, "proctor"), (AUDITOR, "auditor")):
                await committee.add_user(username=name, password=password, role=role)
            token = None
            if open_session:
                token = await committee.open_session(Member(0, "admin", "admin"), code="S1", reason="mulai")
            yield Harness(server, app, clock, summary, token, make_client)
        finally:
            for client in clients:
                await client.close()
            await server.close()


@pytest.fixture
async def harness(tmp_path: Path, db_kind: str) -> AsyncIterator[Harness]:
    async for h in start_harness(tmp_path, db_kind, ExamFolder()):
        yield h


@pytest.fixture
async def sqlite_harness(tmp_path: Path) -> AsyncIterator[Harness]:
    async for h in start_harness(tmp_path, "sqlite", ExamFolder()):
        yield h
