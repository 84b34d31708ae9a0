"""Migration 0002 goes up and down on both databases and protects signed checkpoints like events."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from server.db.migrate import alembic_config
from tests.conftest import POSTGRES_URL
from tests.databases import fresh_database

TABLES = {"log_keys", "exam_manifests", "checkpoints", "cosignatures", "receipts"}


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_0002_upgrades_downgrades_and_refuses_rewriting_checkpoints(tmp_path: Path, db_kind: str) -> None:
    import asyncio

    async with fresh_database(db_kind, tmp_path, POSTGRES_URL) as url:
        assert await _tables(url) >= TABLES
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    text("INSERT INTO checkpoints (size, root, note, created_at_ms) VALUES (1, :r, 'n', 0)"),
                    {"r": bytes(32)},
                )
            with pytest.raises(Exception, match="append-only"):
                async with engine.begin() as conn:
                    await conn.execute(text("UPDATE checkpoints SET note = 'forged' WHERE size = 1"))
            with pytest.raises(Exception, match="append-only"):
                async with engine.begin() as conn:
                    await conn.execute(text("DELETE FROM checkpoints"))
            async with engine.begin() as conn:
                await conn.execute(
                    text("INSERT INTO log_keys (origin, vkey, key_file, created_at_ms) VALUES ('o', 'v', 'f', 0)")
                )
        finally:
            await engine.dispose()
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0001")
        assert not TABLES & await _tables(url)
        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
        assert await _tables(url) >= TABLES
