"""Queries about exams, items, media and sessions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Exam, ExamSession, Item, Media


async def exam_by_id(s: AsyncSession, *, exam_id: int) -> Exam | None:
    return await s.get(Exam, exam_id)


async def exam_by_code(s: AsyncSession, *, code: str) -> Exam | None:
    return (await s.execute(select(Exam).where(Exam.code == code))).scalar_one_or_none()


async def all_exams(s: AsyncSession) -> Sequence[Exam]:
    return (await s.execute(select(Exam).order_by(Exam.id))).scalars().all()


async def items_of(s: AsyncSession, *, exam_id: int) -> Sequence[Item]:
    return (await s.execute(select(Item).where(Item.exam_id == exam_id).order_by(Item.position))).scalars().all()


async def media(s: AsyncSession, *, exam_id: int, sha256: str) -> Media | None:
    row = await s.get(Media, sha256)
    return row if row is not None and row.exam_id == exam_id else None


async def session_by_id(s: AsyncSession, *, session_id: int, lock: bool = False) -> ExamSession | None:
    stmt = select(ExamSession).where(ExamSession.id == session_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await s.execute(stmt)).scalar_one_or_none()


async def session_by_code(s: AsyncSession, *, code: str, lock: bool = False) -> ExamSession | None:
    stmt = select(ExamSession).where(ExamSession.code == code).order_by(ExamSession.id)
    if lock:
        stmt = stmt.with_for_update()
    return (await s.execute(stmt)).scalars().first()


async def all_sessions(s: AsyncSession) -> Sequence[ExamSession]:
    return (await s.execute(select(ExamSession).order_by(ExamSession.id))).scalars().all()
