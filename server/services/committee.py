"""Committee actions: open, pause, resume, close a session; extend, reset, finish a candidate — with reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server import security
from server.db.models import AuthSession, CommitteeUser, ExamSession
from server.db.queries import auth as qa
from server.db.queries import candidates as qc
from server.db.queries import exams as qe
from server.errors import FORBIDDEN, ApiError, bad_request, conflict, not_found
from server.events import (
    CommitteeLoggedIn,
    CommitteeUserAdded,
    LoggedOut,
    LoginReset,
    SessionClosed,
    SessionOpened,
    SessionPaused,
    SessionResumed,
    TimeExtended,
)
from server.services.context import ServiceContext, Tx
from server.services.exam import ExamService, set_timer, timer_of
from server.transparency import actions as transparency

ROLES = ("admin", "proctor", "auditor", "witness")
ACTING_ROLES = ("admin", "proctor")
MAX_EXTEND_S = 4 * 3600

WRONG_LOGIN = ApiError(401, "login.wrong", "Nama pengguna atau kata sandi salah", "Wrong username or password")


@dataclass(frozen=True, slots=True)
class Member:
    """The committee member behind a request."""

    id: int
    username: str
    role: str

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            raise FORBIDDEN


def _first_camera(cameras: tuple[Any, ...]) -> str | None:
    """The id of the room camera, for replay links (None without video)."""
    if not cameras:
        return None
    from stream.video.sources import parse_sources

    return parse_sources([dict(c) for c in cameras])[0].id


def _reason(reason: object) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise bad_request("reason.required", "Alasan wajib diisi", "A reason is required", field="reason")
    if len(reason) > 1000:
        raise bad_request(
            "reason.long",
            "Alasan terlalu panjang (maks. 1000 karakter)",
            "Reason too long (max 1000 characters)",
            field="reason",
        )
    return reason.strip()


class CommitteeService:
    def __init__(self, ctx: ServiceContext, exams: ExamService) -> None:
        self.ctx = ctx
        self.exams = exams
        # Logins the database has confirmed (token hash → expiry): lets synchronous hooks, such as the
        # live monitor's Socket.IO connect, check a committee cookie without a query.
        self._confirmed: dict[str, int] = {}
        self._camera = _first_camera(ctx.config.cameras)

    def known_login(self, token_hash: str, *, now_ms: int) -> bool:
        expires = self._confirmed.get(token_hash)
        return expires is not None and expires > now_ms

    # -- accounts ----------------------------------------------------------------------------------

    async def add_user(self, *, username: str, password: str, role: str, display_name: str = "") -> None:
        if role not in ROLES:
            raise bad_request(
                "user.role",
                f"Peran harus salah satu dari {', '.join(ROLES)}",
                f"Role must be one of {', '.join(ROLES)}",
                field="role",
            )
        if len(password) < 10:
            raise bad_request(
                "user.password",
                "Kata sandi minimal 10 karakter",
                "Password must have at least 10 characters",
                field="password",
            )

        password_hash = security.hash_password(password)  # slow on purpose, so outside the writer's batch

        async def unit(tx: Tx) -> Any:
            if await qa.user_by_name(tx.s, username=username) is not None:
                raise conflict("user.exists", "Nama pengguna sudah ada", "Username already exists")
            tx.s.add(
                CommitteeUser(
                    username=username,
                    display_name=display_name or username,
                    role=role,
                    password_hash=password_hash,
                    created_at_ms=tx.now_ms,
                )
            )
            await tx.record(CommitteeUserAdded(user=username, role=role))

        return await self.ctx.write(unit)

    async def login(self, *, username: str, password: str) -> str:
        async with self.ctx.db.read() as s:
            user = await qa.user_by_name(s, username=username)
        if user is None:
            security.dummy_password_check()
            raise WRONG_LOGIN
        if not security.verify_password(user.password_hash, password):
            raise WRONG_LOGIN
        cookie = security.new_token()

        async def unit(tx: Tx) -> Any:
            tx.s.add(
                AuthSession(
                    token_hash=security.token_hash(cookie),
                    kind="committee",
                    subject_id=user.id,
                    created_at_ms=tx.now_ms,
                    expires_at_ms=tx.now_ms + self.ctx.config.session_hours * 3_600_000,
                    revoked=False,
                )
            )
            await tx.record(CommitteeLoggedIn(user=user.username, role=user.role))

        await self.ctx.write(unit)
        return cookie

    async def member(self, *, token: str) -> Member | None:
        async with self.ctx.db.read() as s:
            row = await qa.live_session(
                s, token_hash=security.token_hash(token), kind="committee", now_ms=self.ctx.clock.now_ms()
            )
            if row is None:
                self._confirmed.pop(security.token_hash(token), None)
                return None
            user = await qa.user_by_id(s, user_id=row.subject_id)
            if user is None:
                return None
            self._confirmed[row.token_hash] = row.expires_at_ms
            return Member(user.id, user.username, user.role)

    async def logout(self, *, token: str) -> None:
        async def unit(tx: Tx) -> Any:
            row = await qa.live_session(tx.s, token_hash=security.token_hash(token), kind="committee", now_ms=tx.now_ms)
            if row is None:
                return
            await qa.revoke(tx.s, token_hash=row.token_hash)
            self._confirmed.pop(row.token_hash, None)
            user = await qa.user_by_id(tx.s, user_id=row.subject_id)
            if user is not None:
                await tx.record(LoggedOut(who=user.username, role=user.role))

        return await self.ctx.write(unit)

    # -- sessions ----------------------------------------------------------------------------------

    async def _session(self, tx: Tx, code: str) -> ExamSession:
        session = await qe.session_by_code(tx.s, code=code, lock=True)
        if session is None:
            raise not_found("Sesi", "Session")
        return session

    async def open_session(self, who: Member, *, code: str, reason: object) -> str:
        who.require(*ACTING_ROLES)
        why = _reason(reason)

        async def unit(tx: Tx) -> Any:
            session = await self._session(tx, code)
            if session.status != "planned":
                raise conflict("session.state", "Sesi sudah pernah dibuka", "The session was already opened")
            exam = await qe.exam_by_id(tx.s, exam_id=session.exam_id)
            if exam is not None and exam.key_revealed:
                raise conflict(
                    "session.key_revealed",
                    "Kunci jawaban sudah dibuka; sesi baru tidak dapat dimulai",
                    "The answer key has been revealed; no session can open any more",
                )
            session.status = "open"
            session.token = security.session_token()
            session.opened_at_ms = tx.now_ms
            await tx.record(
                SessionOpened(by=who.username, reason=why, session=code, token_hash=security.short_hash(session.token))
            )
            return session.token

        return await self.ctx.write(unit)

    async def pause(self, who: Member, *, code: str, reason: object) -> None:
        who.require(*ACTING_ROLES)
        why = _reason(reason)

        async def unit(tx: Tx) -> Any:
            session = await self._session(tx, code)
            if session.status != "open":
                raise conflict(
                    "session.state",
                    "Hanya sesi yang berjalan yang dapat dijeda",
                    "Only a running session can be paused",
                )
            rows = await qc.attempts_in_session(tx.s, session_id=session.id, status="working", lock=True)
            for attempt, _candidate in rows:
                # Every clock freezes at the same instant, keeping exactly the milliseconds it had.
                set_timer(attempt, timer_of(attempt).pause(tx.now_ms))
            session.status = "paused"
            session.paused_at_ms = tx.now_ms
            await tx.record(SessionPaused(by=who.username, reason=why, session=code, attempts=len(rows)))

        return await self.ctx.write(unit)

    async def resume(self, who: Member, *, code: str, reason: object) -> None:
        who.require(*ACTING_ROLES)
        why = _reason(reason)

        async def unit(tx: Tx) -> Any:
            session = await self._session(tx, code)
            if session.status != "paused":
                raise conflict("session.state", "Sesi tidak sedang dijeda", "The session is not paused")
            for attempt, _candidate in await qc.attempts_in_session(
                tx.s, session_id=session.id, status="working", lock=True
            ):
                set_timer(attempt, timer_of(attempt).start(tx.now_ms))
            paused_ms = tx.now_ms - (session.paused_at_ms or tx.now_ms)
            session.status = "open"
            session.paused_at_ms = None
            await tx.record(SessionResumed(by=who.username, reason=why, session=code, paused_ms=paused_ms))

        return await self.ctx.write(unit)

    async def close(self, who: Member, *, code: str, reason: object) -> None:
        who.require(*ACTING_ROLES)
        why = _reason(reason)

        async def unit(tx: Tx) -> Any:
            session = await self._session(tx, code)
            if session.status not in ("open", "paused"):
                raise conflict(
                    "session.state",
                    "Sesi belum dibuka atau sudah ditutup",
                    "The session is not open or already closed",
                )
            exam = await qe.exam_by_id(tx.s, exam_id=session.exam_id)
            assert exam is not None
            absent: list[str] = []
            for attempt, candidate in await qc.attempts_in_session(tx.s, session_id=session.id, lock=True):
                if attempt.status == "working":
                    await self.exams.finish(tx, attempt, candidate, exam, reason="session_closed")
                elif attempt.status == "not_started":
                    # Never started: absent, and never scored.
                    attempt.status = "absent"
                    absent.append(candidate.number)
            session.status = "closed"
            session.closed_at_ms = tx.now_ms
            await tx.record(SessionClosed(by=who.username, reason=why, session=code, absent=absent))
            # The last session closing opens the sealed key (logged with the salt that opens the commitment).
            await transparency.reveal_if_all_closed(tx, exam, by=who.username)

        return await self.ctx.write(unit)

    # -- candidates --------------------------------------------------------------------------------

    async def extend(self, who: Member, *, number: str, seconds: object, reason: object) -> None:
        who.require(*ACTING_ROLES)
        why = _reason(reason)
        if not isinstance(seconds, int) or isinstance(seconds, bool) or not 0 < seconds <= MAX_EXTEND_S:
            raise bad_request(
                "extend.seconds",
                f"Tambahan waktu harus 1–{MAX_EXTEND_S} detik",
                f"Extra time must be 1–{MAX_EXTEND_S} seconds",
                field="seconds",
            )

        async def unit(tx: Tx) -> Any:
            attempt, candidate = await self._candidate(tx, number)
            if attempt.status in ("submitted", "absent"):
                raise conflict(
                    "attempt.finished",
                    "Ujian peserta ini sudah selesai",
                    "This candidate's exam is already finished",
                )
            set_timer(attempt, timer_of(attempt).extend(seconds * 1000))
            await tx.record(
                TimeExtended(
                    by=who.username,
                    reason=why,
                    candidate=number,
                    extra_ms=seconds * 1000,
                    attempt_id=attempt.id,
                )
            )
            _ = candidate

        return await self.ctx.write(unit)

    async def reset_login(self, who: Member, *, number: str, reason: object) -> None:
        who.require(*ACTING_ROLES)
        why = _reason(reason)

        async def unit(tx: Tx) -> Any:
            attempt, candidate = await self._candidate(tx, number)
            candidate.device_hash = None
            self.exams.forget_logins(candidate.id)
            await qa.revoke_all(tx.s, kind="candidate", subject_id=candidate.id)
            await tx.record(LoginReset(by=who.username, reason=why, candidate=number, attempt_id=attempt.id))

        return await self.ctx.write(unit)

    async def force_finish(self, who: Member, *, number: str, reason: object) -> None:
        who.require(*ACTING_ROLES)
        why = _reason(reason)

        async def unit(tx: Tx) -> Any:
            attempt, candidate = await self._candidate(tx, number)
            if attempt.status != "working":
                raise conflict(
                    "attempt.not_working",
                    "Peserta ini tidak sedang mengerjakan ujian",
                    "This candidate is not taking the exam now",
                )
            exam = await qe.exam_by_id(tx.s, exam_id=candidate.exam_id)
            assert exam is not None
            await self.exams.finish(tx, attempt, candidate, exam, reason=f"forced: {why}")

        return await self.ctx.write(unit)

    async def _candidate(self, tx: Tx, number: str) -> tuple[Any, Any]:
        candidate = await qc.candidate_by_number(tx.s, number=number)
        if candidate is None:
            raise not_found("Peserta", "Candidate")
        attempt = await qc.attempt_of(tx.s, candidate_id=candidate.id, lock=True)
        assert attempt is not None
        return attempt, candidate

    # -- overview ----------------------------------------------------------------------------------

    async def overview(self, who: Member) -> dict[str, Any]:
        now = self.ctx.clock.now_ms()
        async with self.ctx.db.read() as s:
            sessions = await qe.all_sessions(s)
            exams = {e.id: e for e in await qe.all_exams(s)}
            rows = await qc.roster(s)
        by_id = {x.id: x for x in sessions}
        see_token = who.role in ACTING_ROLES
        return {
            "user": {"username": who.username, "role": who.role},
            "server_time_ms": now,
            "exams": [{"code": e.code, "title": e.title, "key_commitment": e.key_commitment} for e in exams.values()],
            "sessions": [
                {
                    "code": x.code,
                    "status": x.status,
                    "token": x.token if see_token else None,
                    "opened_at_ms": x.opened_at_ms,
                }
                for x in sessions
            ],
            "candidates": [
                {
                    "number": c.number,
                    "name": c.name,
                    "village": c.village,
                    "position": c.position,
                    "session": by_id[c.session_id].code,
                    "status": a.status,
                    "paused": by_id[c.session_id].status == "paused" and a.status == "working",
                    "answered": a.answered,
                    "total": len(self.ctx.spec(exams[c.exam_id]).items),
                    "remaining_ms": timer_of(a).remaining(now),
                    "total_milli": a.total_milli,
                    "passed": a.passed,
                    "logged_in": c.device_hash is not None,
                    # The login time from the database, or the browser's latest request if newer.
                    "last_seen_ms": max(c.last_seen_ms or 0, self.ctx.last_seen.get(c.id, 0)) or None,
                    "submitted_at_ms": a.submitted_at_ms,
                    # Jump from the score event to the venue video at that moment.
                    "replay_url": f"/video/replay?camera={self._camera}&t={a.submitted_at_ms}"
                    if self._camera and a.submitted_at_ms
                    else None,
                }
                for c, a in rows
            ],
        }
