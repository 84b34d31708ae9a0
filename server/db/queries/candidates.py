"""Queries about candidates, attempts and answers."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Answer, AnswerReceipt, Attempt, Candidate


async def candidate_by_number(s: AsyncSession, *, number: str) -> Candidate | None:
    return (await s.execute(select(Candidate).where(Candidate.number == number))).scalars().first()


async def candidate_by_id(s: AsyncSession, *, candidate_id: int) -> Candidate | None:
    return await s.get(Candidate, candidate_id)


async def attempt_of(s: AsyncSession, *, candidate_id: int, lock: bool = False) -> Attempt | None:
    stmt = select(Attempt).where(Attempt.candidate_id == candidate_id)
    if lock:
        # Serialises one candidate's own requests in PostgreSQL (SQLite has one writer anyway).
        stmt = stmt.with_for_update()
    return (await s.execute(stmt)).scalar_one_or_none()


async def attempts_in_session(
    s: AsyncSession, *, session_id: int, status: str | None = None, lock: bool = False
) -> Sequence[tuple[Attempt, Candidate]]:
    stmt = (
        select(Attempt, Candidate)
        .join(Candidate, Candidate.id == Attempt.candidate_id)
        .where(Candidate.session_id == session_id)
        .order_by(Attempt.id)
    )
    if status is not None:
        stmt = stmt.where(Attempt.status == status)
    if lock:
        stmt = stmt.with_for_update(of=Attempt)
    return [(a, c) for a, c in (await s.execute(stmt)).all()]


async def expired_attempt_ids(s: AsyncSession, *, now_ms: int, limit: int = 200) -> Sequence[int]:
    stmt = (
        select(Attempt.candidate_id)
        .where(Attempt.status == "working", Attempt.deadline_ms <= now_ms)
        .order_by(Attempt.deadline_ms)
        .limit(limit)
    )
    return (await s.execute(stmt)).scalars().all()


async def roster(s: AsyncSession) -> Sequence[tuple[Candidate, Attempt]]:
    stmt = (
        select(Candidate, Attempt)
        .join(Attempt, Attempt.candidate_id == Candidate.id)
        .order_by(Candidate.session_id, Candidate.number)
    )
    return [(c, a) for c, a in (await s.execute(stmt)).all()]


async def answers_of(s: AsyncSession, *, attempt_id: int) -> Sequence[Answer]:
    # populate_existing: answers are written with Core statements, so refresh any copy the session holds.
    stmt = select(Answer).where(Answer.attempt_id == attempt_id).execution_options(populate_existing=True)
    return (await s.execute(stmt)).scalars().all()


async def answer(s: AsyncSession, *, attempt_id: int, item_code: str) -> Answer | None:
    stmt = (
        select(Answer)
        .where(Answer.attempt_id == attempt_id, Answer.item_code == item_code)
        .execution_options(populate_existing=True)
    )
    return (await s.execute(stmt)).scalar_one_or_none()


async def receipt(s: AsyncSession, *, attempt_id: int, idem_key: str) -> AnswerReceipt | None:
    stmt = select(AnswerReceipt).where(AnswerReceipt.attempt_id == attempt_id, AnswerReceipt.idem_key == idem_key)
    return (await s.execute(stmt)).scalar_one_or_none()
