"""The audit recorder: appends an event in the caller's transaction with a gap-free sequence number."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from grader import canonical
from server.db.models import Event, LogHead
from server.events import DomainEvent

LEAF_VERSION = 1


async def append(session: AsyncSession, event: DomainEvent, *, at_ms: int) -> int:
    """Write ``event`` as the next leaf; the head-row update locks out other writers until commit."""
    # UPDATE … RETURNING takes the row lock in PostgreSQL and the write lock in SQLite, so no two
    # transactions can take the same number, and a rollback gives the number back: no gaps.
    result = await session.execute(
        update(LogHead).where(LogHead.id == 1).values(size=LogHead.size + 1).returning(LogHead.size)
    )
    seq = int(result.scalar_one())
    leaf = canonical.encode(
        {"v": LEAF_VERSION, "seq": seq, "at": at_ms, "kind": event.kind, "data": event.data()}
    )
    # A Core insert, not session.add: the log is append-only and never read back through the ORM in
    # the same transaction, so the unit-of-work bookkeeping would be pure overhead on the hottest path.
    await session.execute(
        insert(Event).values(seq=seq, at_ms=at_ms, kind=event.kind, attempt_id=event.attempt(), leaf=leaf)
    )
    return seq


async def ensure_head(session: AsyncSession) -> None:
    """Create the head row of an empty log."""
    if (await session.execute(select(LogHead.id).where(LogHead.id == 1))).first() is None:
        session.add(LogHead(id=1, size=0))
