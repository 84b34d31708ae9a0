"""Engine and transactions: SQLite gets WAL, busy_timeout, foreign keys and BEGIN IMMEDIATE at connect."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def make_engine(url: str, *, writer: bool = True) -> AsyncEngine:
    """Create an engine; on SQLite the writer begins IMMEDIATE and readers begin deferred."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, pool_size=1 if writer else 4, max_overflow=0 if writer else 4)
        _configure_sqlite(engine, begin="BEGIN IMMEDIATE" if writer else "BEGIN")
        return engine
    # The writer has an engine of its own, so a crowd of readers can never starve the log writer of a
    # connection. No pre-ping: it costs a round trip per checkout; a dropped connection fails one
    # batch, which the writer reports, and the pool replaces it.
    if writer:
        return create_async_engine(url, pool_size=2, max_overflow=2)
    return create_async_engine(url, pool_size=16, max_overflow=8, pool_timeout=20)


def _configure_sqlite(engine: AsyncEngine, *, begin: str) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the driver so BEGIN IMMEDIATE is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL with synchronous=FULL: every commit is on disk before we acknowledge it.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front, so two transactions never deadlock upgrading a read lock;
        # readers begin deferred and see a consistent WAL snapshot without blocking the writer.
        conn.exec_driver_sql(begin)


class Database:
    """Owns the engine; hands out read sessions and serialised write transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.engine = make_engine(url)
        self.read_engine = make_engine(url, writer=False)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)
        # SQLite has one writer anyway; queueing here avoids busy-waiting inside the driver threads.
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One transaction: commits on success, rolls back on any exception."""
        lock = self._write_lock or contextlib.nullcontext()
        async with lock, self.sessions() as session, session.begin():
            yield session

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only unit of work (never commits)."""
        async with self.read_sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
