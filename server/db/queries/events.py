"""Queries over the event log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Event, LogHead


async def events_after(s: AsyncSession, *, after: int, limit: int) -> Sequence[Event]:
    stmt = select(Event).where(Event.seq > after).order_by(Event.seq).limit(limit)
    return (await s.execute(stmt)).scalars().all()


async def log_size(s: AsyncSession) -> int:
    head = await s.get(LogHead, 1)
    return head.size if head is not None else 0
