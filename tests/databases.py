"""Fresh databases for tests and benchmarks: a SQLite file, or a new PostgreSQL database on a server."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

from server.db.migrate import upgrade_async


@contextlib.asynccontextmanager
async def fresh_database(
    kind: str, tmp_path: Path, postgres_url: str | None, *, prefix: str = "ujian_t_"
) -> AsyncIterator[str]:
    """Yield the URL of a migrated, empty database of ``kind`` ("sqlite" or "postgres"), dropped afterwards.

    ``postgres_url`` names the server's existing database to connect to (``postgresql://`` or
    ``postgresql+asyncpg://``); the new one is ``<prefix><random hex>`` beside it."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'ujian.db'}"
        await upgrade_async(url)
        yield url
        return
    assert postgres_url, "postgres tests need UJIAN_TEST_POSTGRES_URL"
    admin_dsn = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    name = f"{prefix}{secrets.token_hex(6)}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = admin_dsn.rpartition("/")
    url = f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"
    try:
        await upgrade_async(url)
        yield url
    finally:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
