"""Queries about logins and committee users."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import AuthSession, CommitteeUser


async def live_session(s: AsyncSession, *, token_hash: str, kind: str, now_ms: int) -> AuthSession | None:
    stmt = select(AuthSession).where(
        AuthSession.token_hash == token_hash,
        AuthSession.kind == kind,
        AuthSession.revoked.is_(False),
        AuthSession.expires_at_ms > now_ms,
    )
    return (await s.execute(stmt)).scalar_one_or_none()


async def revoke_all(s: AsyncSession, *, kind: str, subject_id: int) -> None:
    await s.execute(
        update(AuthSession).where(AuthSession.kind == kind, AuthSession.subject_id == subject_id).values(revoked=True)
    )


async def revoke(s: AsyncSession, *, token_hash: str) -> None:
    await s.execute(update(AuthSession).where(AuthSession.token_hash == token_hash).values(revoked=True))


async def user_by_name(s: AsyncSession, *, username: str) -> CommitteeUser | None:
    return (await s.execute(select(CommitteeUser).where(CommitteeUser.username == username))).scalar_one_or_none()


async def user_by_id(s: AsyncSession, *, user_id: int) -> CommitteeUser | None:
    return await s.get(CommitteeUser, user_id)
