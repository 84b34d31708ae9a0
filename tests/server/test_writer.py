"""Group commit: concurrent units share transactions, a failing unit rolls back alone, no sequence gaps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from grader import canonical
from server.db.engine import Database
from server.db.queries.events import events_after, log_size
from server.events import CommitteeLoggedIn
from server.services.writer import Committed, Tx, Writer
from tests.conftest import POSTGRES_URL
from tests.databases import fresh_database
from tests.fakes import FakeClock


class Boom(Exception):
    pass


@pytest.fixture
async def writer(tmp_path: Path, db_kind: str) -> AsyncIterator[tuple[Writer, Database, list[Committed]]]:
    async with fresh_database(db_kind, tmp_path, POSTGRES_URL) as url:
        db = Database(url)
        published: list[Committed] = []

        async def on_commit(batch: list[Committed]) -> None:
            published.extend(batch)

        w = Writer(db, FakeClock(), on_commit)
        w.start()
        try:
            yield w, db, published
        finally:
            await w.stop()
            await db.dispose()


async def test_concurrent_units_get_gap_free_sequence_numbers(writer: tuple[Writer, Database, list[Committed]]) -> None:
    w, db, published = writer

    async def unit(n: int) -> int:
        async def body(tx: Tx) -> int:
            seq = await tx.record(CommitteeLoggedIn(user=f"u{n}", role="admin"))
            if n % 7 == 3:
                raise Boom(n)  # after appending: the savepoint must give the number back
            return seq

        return await w.run(body)

    results = await asyncio.gather(*(unit(n) for n in range(300)), return_exceptions=True)
    ok = sorted(r for r in results if isinstance(r, int))
    failed = [r for r in results if isinstance(r, Boom)]
    assert len(failed) == len([n for n in range(300) if n % 7 == 3])
    assert ok == list(range(1, len(ok) + 1))
    async with db.read() as s:
        rows = await events_after(s, after=0, limit=1000)
        assert await log_size(s) == len(ok)
    assert [r.seq for r in rows] == ok
    users = {canonical.decode(r.leaf)["data"]["user"] for r in rows}  # type: ignore[index]
    assert not any(u in users for u in (f"u{n}" for n in range(300) if n % 7 == 3))
    assert [c.seq for c in published] == ok
    assert w.batches < 300  # they really were grouped


async def test_a_failing_unit_does_not_undo_its_neighbours(writer: tuple[Writer, Database, list[Committed]]) -> None:
    w, _db, _ = writer

    async def good(tx: Tx) -> int:
        return await tx.record(CommitteeLoggedIn(user="good", role="admin"))

    async def bad(tx: Tx) -> int:
        await tx.record(CommitteeLoggedIn(user="bad", role="admin"))
        raise Boom()

    results = await asyncio.gather(w.run(good), w.run(bad), w.run(good), return_exceptions=True)
    assert results[0] == 1 and isinstance(results[1], Boom) and results[2] == 2
