"""The audit recorder: appends an event in the caller's transaction with a gap-free sequence number."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from grader import canonical
from server.db.models import Event, LogHead
from server.events import DomainEvent

LEAF_VERSION = 1


async def lock_head(session: AsyncSession) -> int:
    """Lock the head row for the rest of the transaction (PostgreSQL row lock; SQLite writers already hold
    the database lock from BEGIN IMMEDIATE) and return the log's size. No two transactions can take the
    same numbers, and a rollback leaves the head as it was: no gaps."""
    result = await session.execute(select(LogHead.size).where(LogHead.id == 1).with_for_update())
    return int(result.scalar_one())


async def set_head(session: AsyncSession, size: int) -> None:
    await session.execute(update(LogHead).where(LogHead.id == 1).values(size=size))


def add(session: AsyncSession, seq: int, event: DomainEvent, *, at_ms: int) -> None:
    """Stage the leaf ``seq`` in the session: the ORM inserts the batch's leaves together (one multi-row
    INSERT at the next query or at commit) instead of one round trip per event."""
    leaf = canonical.encode({"v": LEAF_VERSION, "seq": seq, "at": at_ms, "kind": event.kind, "data": event.data()})
    session.add(Event(seq=seq, at_ms=at_ms, kind=event.kind, attempt_id=event.attempt(), leaf=leaf))


async def ensure_head(session: AsyncSession) -> None:
    """Create the head row of an empty log."""
    if (await session.execute(select(LogHead.id).where(LogHead.id == 1))).first() is None:
        session.add(LogHead(id=1, size=0))
