"""The live scoreboard on the exam server: after each commit, changed seats go to stream/live's feed."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Mapping
from http.cookies import CookieError, SimpleCookie
from typing import Any

from aiohttp import web
from sqlalchemy import select

from grader.components import EXAM
from grader.exact import parse_decimal, points_to_milli
from server import keys, security
from server.db.models import Attempt, Candidate, Exam, ExamSession
from server.services.context import Committed
from server.services.exam import timer_of
from server.transparency.standing import rules_of
from stream.keys import LIVE_FEED
from stream.live.feed import LiveFeed
from stream.live.model import SeatPresence, SeatRow, SessionInfo
from stream.live.routes import setup_live
from stream.live.settings import LiveSettings
from stream.tasks import cancel_and_wait

log = logging.getLogger(__name__)
SEAT_KINDS = ("login.", "attempt.", "answer.", "logout")
SESSION_KINDS = ("session.",)
OFFLINE_AFTER_MS = 30_000
BURST_WINDOW_MS = 10 * 60_000


def seat_row(candidate: Candidate, attempt: Attempt, session: ExamSession, total_items: int, now_ms: int) -> SeatRow:
    """A seat as committed: progress and time while working, weighted section scores once scored."""
    timer = timer_of(attempt)
    paused = session.status == "paused" and attempt.status == "working"
    result = json.loads(attempt.result_json) if attempt.result_json else None
    return SeatRow(
        number=candidate.number,
        name=candidate.name,
        village=candidate.village,
        position=candidate.position,
        status=attempt.status,  # type: ignore[arg-type]
        answered=min(attempt.answered, total_items),
        total=total_items,
        deadline_ms=timer.deadline() if attempt.status == "working" and not paused else None,
        remaining_ms_at_pause=timer.remaining(now_ms) if paused else None,
        sections=tuple((s["code"], s["weighted_milli"]) for s in result["sections"]) if result else (),
        total_milli=attempt.total_milli,
        passed=attempt.passed,
        submitted_at_ms=attempt.submitted_at_ms,
    )


def live_cascade(exam: Exam) -> tuple[str, ...]:
    """The exam's tie-breaks as the live board can apply them while the exam runs: exam total first, then
    ``finish_time`` (submitted earlier) and exam components (their sections' scores); steps that need
    what only the committee enters later (interview marks, ages) are left to the published results."""
    rules = rules_of(exam)
    names = ["total_desc"]
    for step in rules.tie_breaks:
        if step == "finish_time":
            names.append("submitted_earlier")
        elif step.startswith("component:"):
            component = rules.component(step[len("component:") :])
            sections = component.sections or tuple(s["code"] for s in json.loads(exam.definition_json)["sections"])
            if component.source == EXAM:
                names.append("section_desc:" + "+".join(sections))
    return tuple(names)


def session_info(session: ExamSession, exam: Exam) -> SessionInfo:
    definition = json.loads(exam.definition_json)
    pass_total = definition.get("pass_total_min")
    return SessionInfo(
        code=session.code,
        title=exam.title,
        status=session.status,  # type: ignore[arg-type]
        sections=tuple((s["code"], s["title"]) for s in definition["sections"]),
        public_fields=frozenset(definition.get("public_fields") or ("number", "name", "village", "position")),
        pass_total_milli=points_to_milli(parse_decimal(pass_total)) if pass_total is not None else None,
        cascade=live_cascade(exam),
    )


class LiveBridge:
    """Reads committed seats back from the database and hands them to the feed (which never blocks)."""

    def __init__(self, app: web.Application, feed: LiveFeed) -> None:
        self.app = app
        self.feed = feed
        self._numbers: dict[int, tuple[str, str]] = {}
        self._offline: set[int] = set()
        self._drops: dict[int, list[int]] = {}

    async def publish_all(self) -> None:
        """Every session and seat: at startup, so the board is whole before anyone watches."""
        ctx = self.app[keys.CONTEXT]
        async with ctx.db.read() as s:
            sessions = (await s.execute(select(ExamSession, Exam).join(Exam, Exam.id == ExamSession.exam_id))).all()
        for session, exam in sessions:
            await self._replace_session(session.id, exam)

    async def _replace_session(self, session_id: int, exam: Exam) -> None:
        ctx = self.app[keys.CONTEXT]
        total = len(ctx.spec(exam).items)
        now = ctx.clock.now_ms()
        async with ctx.db.read() as s:
            session = await s.get(ExamSession, session_id)
            assert session is not None
            rows = (
                await s.execute(
                    select(Candidate, Attempt)
                    .join(Attempt, Attempt.candidate_id == Candidate.id)
                    .where(Candidate.session_id == session_id)
                )
            ).all()
        for candidate, _attempt in rows:
            self._numbers[candidate.id] = (candidate.number, session.code)
        await self.feed.replace_all(session_info(session, exam), [seat_row(c, a, session, total, now) for c, a in rows])

    async def on_commit(self, committed: list[Committed]) -> None:
        """After-commit listener: one read per changed seat; a session change republishes its seats."""
        if any(c.event.kind == "exam.imported" for c in committed):
            await self.publish_all()
            return
        attempt_ids = {c.event.attempt() for c in committed if c.event.kind.startswith(SEAT_KINDS)}
        attempt_ids.discard(None)
        session_codes = {c.event.data().get("session") for c in committed if c.event.kind.startswith(SESSION_KINDS)}
        ctx = self.app[keys.CONTEXT]
        now = ctx.clock.now_ms()
        async with ctx.db.read() as s:
            for code in session_codes:
                found = (
                    await s.execute(
                        select(ExamSession, Exam)
                        .join(Exam, Exam.id == ExamSession.exam_id)
                        .where(ExamSession.code == code)
                    )
                ).first()
                if found is not None:
                    await self._replace_session(found[0].id, found[1])
            if not attempt_ids:
                return
            rows = (
                await s.execute(
                    select(Candidate, Attempt, ExamSession, Exam)
                    .join(Attempt, Attempt.candidate_id == Candidate.id)
                    .join(ExamSession, ExamSession.id == Candidate.session_id)
                    .join(Exam, Exam.id == Candidate.exam_id)
                    .where(Attempt.id.in_(attempt_ids))
                )
            ).all()
        for candidate, attempt, session, exam in rows:
            if session.code in session_codes:
                continue  # already republished whole
            await self.feed.seat_changed(
                session.code, seat_row(candidate, attempt, session, len(ctx.spec(exam).items), now)
            )

    # -- presence (committee monitor only) --------------------------------------------------------------

    async def seen(self, candidate_id: int) -> None:
        """A candidate's browser talked to us: online again (a return after silence counts a disconnect)."""
        now = self.app[keys.CLOCK].now_ms()
        self.app[keys.CONTEXT].last_seen[candidate_id] = now
        if candidate_id not in self._numbers:
            async with self.app[keys.DB].read() as s:
                row = (
                    await s.execute(
                        select(Candidate.number, ExamSession.code)
                        .join(ExamSession, ExamSession.id == Candidate.session_id)
                        .where(Candidate.id == candidate_id)
                    )
                ).first()
            if row is None:
                return
            self._numbers[candidate_id] = (row[0], row[1])
        came_back = candidate_id in self._offline
        self._offline.discard(candidate_id)
        if came_back or candidate_id not in self._drops:
            self._drops.setdefault(candidate_id, [])
            await self._presence(candidate_id, online=True, now=now)

    async def sweep(self) -> None:
        """Mark seats silent for too long as offline."""
        now = self.app[keys.CLOCK].now_ms()
        for candidate_id, last in list(self.app[keys.CONTEXT].last_seen.items()):
            if candidate_id not in self._offline and now - last > OFFLINE_AFTER_MS:
                self._offline.add(candidate_id)
                self._drops.setdefault(candidate_id, []).append(now)
                await self._presence(candidate_id, online=False, now=now)

    async def _presence(self, candidate_id: int, *, online: bool, now: int) -> None:
        number, session = self._numbers[candidate_id]
        drops = [t for t in self._drops.get(candidate_id, []) if now - t < BURST_WINDOW_MS]
        self._drops[candidate_id] = drops
        await self.feed.presence_changed(
            session, number, SeatPresence(online, self.app[keys.CONTEXT].last_seen.get(candidate_id), len(drops))
        )


BRIDGE: web.AppKey[LiveBridge] = web.AppKey("live_bridge")


def committee_authorizer(app: web.Application) -> Any:
    """The /panitia namespace hook: a committee cookie that the database already confirmed, not expired."""

    def authorize(environ: Mapping[str, Any]) -> bool:
        cookie = SimpleCookie()
        try:
            cookie.load(environ.get("HTTP_COOKIE", ""))
        except CookieError:
            return False
        morsel = cookie.get("ujian_p")
        if morsel is None:
            return False
        return app[keys.COMMITTEE].known_login(security.token_hash(morsel.value), now_ms=int(time.time() * 1000))

    return authorize


def install_live(app: web.Application) -> None:
    """/live on the exam server, fed after every commit; Redis fan-out when UJIAN_REDIS_URL is set."""
    config = app[keys.CONFIG]
    settings = LiveSettings.from_env(role="exam", redis_url=config.redis_url, authorize=committee_authorizer(app))
    setup_live(app, settings)
    app.cleanup_ctx.append(_bridge_ctx)


async def _bridge_ctx(app: web.Application) -> AsyncIterator[None]:
    feed = app[LIVE_FEED]
    assert feed is not None
    bridge = LiveBridge(app, feed)
    app[BRIDGE] = bridge
    app[keys.CONTEXT].listeners.append(bridge.on_commit)
    try:
        await bridge.publish_all()
    except Exception:
        log.exception("could not publish the initial live board; it fills in as seats change")

    async def sweeper() -> None:
        while True:
            await asyncio.sleep(5)
            try:
                await bridge.sweep()
            except Exception:
                log.exception("presence sweep failed")

    task = asyncio.create_task(sweeper(), name="presence")
    yield
    await cancel_and_wait(task)
