"""Fresh databases for tests: a SQLite file, or a new PostgreSQL database on the configured server."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

from server.db.migrate import upgrade_async


@contextlib.asynccontextmanager
async def fresh_database(kind: str, tmp_path: Path, postgres_url: str | None) -> AsyncIterator[str]:
    """Yield the URL of a migrated, empty database of ``kind`` ("sqlite" or "postgres")."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'ujian.db'}"
        await upgrade_async(url)
        yield url
        return
    assert postgres_url, "postgres tests need UJIAN_TEST_POSTGRES_URL"
    admin_dsn = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    name = f"ujian_t_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = postgres_url.rpartition("/")
    url = f"{base}/{name}"
    try:
        await upgrade_async(url)
        yield url
    finally:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
