"""The candidate's exam: login, start, answer, submit, time-out; server-owned clock, own attempt only."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from grader import canonical
from grader.canonical import JsonValue
from grader.items.base import rule_for
from grader.scoring import grade
from grader.shuffle import item_order, option_order
from server import security
from server.db.models import Answer, AnswerReceipt, Attempt, AuthSession, Candidate, Exam, ExamSession
from server.db.queries import auth as qa
from server.db.queries import candidates as qc
from server.db.queries import exams as qe
from server.errors import ApiError, bad_request, conflict
from server.events import (
    AnswerSaved,
    AttemptScored,
    AttemptStarted,
    AttemptSubmitted,
    CandidateLoggedIn,
    LoggedOut,
)
from server.services import item_view
from server.services.context import ServiceContext, Tx
from server.services.item_view import PRACTICAL_FORMATS
from server.timing import Timer
from server.transparency.actions import record_receipt

MAX_KEY_LEN = 64
MAX_VALUE_BYTES = 4096
# A typing test's answer carries its keystroke timings: [[t_ms, key], ...] for up to ~2000 characters.
MAX_TYPING_VALUE_BYTES = 64 * 1024

WRONG_LOGIN = ApiError(
    401,
    "login.wrong",
    "Nomor peserta, PIN, atau token sesi salah",
    "Participant number, PIN or session token is wrong",
)
ELSEWHERE = conflict(
    "login.elsewhere",
    "Anda sudah masuk di komputer lain. Mintalah pengawas untuk mereset login Anda.",
    "You are already logged in on another computer. Ask the proctor to reset your login.",
)
PAUSED = conflict("exam.paused", "Ujian sedang dijeda oleh panitia", "The exam is paused by the committee")
TIME_UP = conflict(
    "exam.time_up", "Waktu habis; jawaban Anda sudah dikirim", "Time is up; your answers have been submitted"
)
SUBMITTED = conflict("exam.submitted", "Ujian Anda sudah selesai", "Your exam is already finished")
NOT_OPEN = conflict(
    "session.not_open",
    "Sesi ujian belum dibuka atau sudah ditutup",
    "The exam session is not open (not yet, or already closed)",
)
NOT_STARTED = conflict("exam.not_started", "Ujian belum dimulai", "The exam has not been started")


@dataclass(frozen=True, slots=True)
class Login:
    token: str
    candidate_id: int


@dataclass(frozen=True, slots=True)
class Ack:
    """What the candidate's browser gets back once an answer is committed."""

    seq: int
    item: str
    duplicate: bool
    stale: bool
    remaining_ms: int
    status: str

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": True,
            "seq": self.seq,
            "item": self.item,
            "duplicate": self.duplicate,
            "stale": self.stale,
            "remaining_ms": self.remaining_ms,
            "status": self.status,
        }


def timer_of(attempt: Attempt) -> Timer:
    return Timer(attempt.allowed_ms, attempt.consumed_ms, attempt.running_since_ms)


def set_timer(attempt: Attempt, timer: Timer) -> None:
    attempt.allowed_ms = timer.allowed_ms
    attempt.consumed_ms = timer.consumed_ms
    attempt.running_since_ms = timer.running_since_ms
    attempt.deadline_ms = timer.deadline()


def require_working(attempt: Attempt, session: ExamSession) -> None:
    """Refuse a change to an attempt that is not running now: finished, never started (or marked absent
    when the session closed), or frozen by a room pause."""
    if attempt.status == "submitted":
        raise SUBMITTED
    if attempt.status != "working":
        raise NOT_STARTED
    if session.status == "paused":
        raise PAUSED


def overdue(status: str, deadline_ms: int | None, now_ms: int) -> bool:
    """A working attempt whose running clock has reached its deadline (a paused clock has none)."""
    return status == "working" and deadline_ms is not None and deadline_ms <= now_ms


def answers_digest(answers: dict[str, JsonValue]) -> str:
    return hashlib.sha256(canonical.encode(answers)).hexdigest()


class ExamService:
    """Every method acts on the caller's own attempt, found from their login, never from a request id."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._logins: dict[str, tuple[int, int]] = {}
        self._catalogs: dict[int, dict[str, tuple[dict[str, Any], dict[str, Any], bool]]] = {}

    # -- login -------------------------------------------------------------------------------------

    async def login(self, *, number: str, pin: str, token: str, device_id: str) -> Login:
        number, token = number.strip(), token.strip().upper()

        async def unit(tx: Tx) -> Login:
            found = await self._match(tx, number=number, pin=pin.strip(), token=token)
            if found is None:
                raise WRONG_LOGIN
            candidate, session, _exam = found
            device = security.short_hash(device_id)
            if candidate.device_hash is not None and candidate.device_hash != device:
                raise ELSEWHERE
            attempt = await qc.attempt_of(tx.s, candidate_id=candidate.id, lock=True)
            assert attempt is not None
            candidate.device_hash = device
            candidate.last_seen_ms = tx.now_ms
            cookie = security.new_token()
            self.forget_logins(candidate.id)
            await qa.revoke_all(tx.s, kind="candidate", subject_id=candidate.id)
            tx.s.add(
                AuthSession(
                    token_hash=security.token_hash(cookie),
                    kind="candidate",
                    subject_id=candidate.id,
                    created_at_ms=tx.now_ms,
                    expires_at_ms=tx.now_ms + self.ctx.config.session_hours * 3_600_000,
                    revoked=False,
                )
            )
            await tx.record(
                CandidateLoggedIn(
                    candidate=candidate.number, session=session.code, device=device, attempt_id=attempt.id
                )
            )
            return Login(token=cookie, candidate_id=candidate.id)

        return await self.ctx.write(unit)

    async def _match(self, tx: Tx, *, number: str, pin: str, token: str) -> tuple[Candidate, ExamSession, Exam] | None:
        candidate = await qc.candidate_by_number(tx.s, number=number)
        if candidate is None:
            return None
        exam = await qe.exam_by_id(tx.s, exam_id=candidate.exam_id)
        session = await qe.session_by_id(tx.s, session_id=candidate.session_id)
        assert exam is not None and session is not None
        if not security.check_pin(self.ctx.config.secret_key, exam.code, number, pin, candidate.pin_hash):
            return None
        if session.status not in ("open", "paused") or session.token is None:
            raise NOT_OPEN
        if not secrets.compare_digest(session.token.encode(), token.encode()):
            return None
        return candidate, session, exam

    async def logout(self, *, token: str) -> None:
        async def unit(tx: Tx) -> None:
            row = await qa.live_session(tx.s, token_hash=security.token_hash(token), kind="candidate", now_ms=tx.now_ms)
            if row is None:
                return
            self._logins.pop(row.token_hash, None)
            await qa.revoke(tx.s, token_hash=row.token_hash)
            candidate = await qc.candidate_by_id(tx.s, candidate_id=row.subject_id)
            if candidate is not None:
                await tx.record(LoggedOut(who=candidate.number, role="candidate"))

        await self.ctx.write(unit)

    async def whoami(self, *, token: str) -> int | None:
        """The candidate a login cookie belongs to, or None (confirmed logins are remembered in memory:
        every revocation goes through this process, which forgets them first)."""
        token_hash = security.token_hash(token)
        now = self.ctx.clock.now_ms()
        known = self._logins.get(token_hash)
        if known is not None and known[1] > now:
            return known[0]
        async with self.ctx.db.read() as s:
            row = await qa.live_session(s, token_hash=token_hash, kind="candidate", now_ms=now)
        if row is None:
            self._logins.pop(token_hash, None)
            return None
        if len(self._logins) > 100_000:
            self._logins.clear()
        self._logins[token_hash] = (row.subject_id, row.expires_at_ms)
        return row.subject_id

    def forget_logins(self, candidate_id: int) -> None:
        """Drop remembered logins of a candidate (before their revocation commits: always the safe side)."""
        for token_hash, (who, _expires) in list(self._logins.items()):
            if who == candidate_id:
                del self._logins[token_hash]

    # -- state -------------------------------------------------------------------------------------

    async def state(self, *, candidate_id: int, lang: str = "id") -> dict[str, Any]:
        """The whole view a candidate's browser needs; finalises an attempt whose time ran out."""
        async with self.ctx.db.read() as s:
            candidate = await qc.candidate_by_id(s, candidate_id=candidate_id)
            assert candidate is not None
            attempt = await qc.attempt_of(s, candidate_id=candidate_id)
            assert attempt is not None
            if not overdue(attempt.status, attempt.deadline_ms, self.ctx.clock.now_ms()):
                exam = await self.ctx.exam(s, candidate.exam_id)
                session = await s.get(ExamSession, candidate.session_id)
                assert session is not None
                return await self._view(s, candidate, attempt, exam, session, lang)
        # Time ran out while the browser was away: submit first, then show the result.
        await self.finalize_if_expired(candidate_id=candidate_id)
        return await self.state(candidate_id=candidate_id, lang=lang)

    async def _view(
        self, s: Any, candidate: Candidate, attempt: Attempt, exam: Exam, session: ExamSession, lang: str
    ) -> dict[str, Any]:
        definition = json.loads(exam.definition_json)
        now = self.ctx.clock.now_ms()
        items: list[dict[str, Any]] = []
        answers: dict[str, Any] = {}
        if attempt.status != "not_started":
            items = await self._items_for(s, exam, attempt)
            answers = {
                a.item_code: {"value": json.loads(a.value_json), "flag": a.flag, "seq": a.seq}
                for a in await qc.answers_of(s, attempt_id=attempt.id)
            }
        return {
            "candidate": {
                "number": candidate.number,
                "name": candidate.name,
                "village": candidate.village,
                "position": candidate.position,
            },
            "exam": {
                "code": exam.code,
                "title": exam.title,
                "instructions": definition.get(f"instructions_{lang}") or definition.get("instructions_id", ""),
                "duration_s": attempt.allowed_ms // 1000,
                "item_count": len(self.ctx.spec(exam).items),
                "sections": [{"code": sec["code"], "title": sec["title"]} for sec in definition["sections"]],
            },
            "session": {"code": session.code, "status": session.status},
            "status": self._status(attempt, session),
            "remaining_ms": timer_of(attempt).remaining(now),
            "server_time_ms": now,
            "last_seq": attempt.last_seq,
            "items": items,
            "answers": answers,
            "result": self._result_view(attempt, definition),
            "lang": lang,
        }

    @staticmethod
    def _status(attempt: Attempt, session: ExamSession) -> str:
        if attempt.status == "working" and session.status == "paused":
            return "paused"
        return attempt.status

    async def _catalog(self, s: Any, exam: Exam) -> dict[str, tuple[dict[str, Any], dict[str, Any], bool]]:
        """What candidates see of each item (never the key), read and parsed once per exam: the item's
        fixed fields, its options by id, and whether its options are shuffled."""
        catalog = self._catalogs.get(exam.id)
        if catalog is None:
            definition = json.loads(exam.definition_json)
            spec = self.ctx.spec(exam)
            catalog = {}
            for item in await qe.items_of(s, exam_id=exam.id):
                fixed = {
                    "section": item.section,
                    "kind": item.kind,
                    "text": item.text,
                    "image": f"/ujian/media/{item.image}" if item.image else None,
                    **item_view.extras(item.kind, item.extra_json, spec.item(item.code)),
                }
                options = {o["id"]: o for o in json.loads(item.options_json)}
                catalog[item.code] = (
                    fixed,
                    options,
                    item_view.shuffles(item.kind, definition.get("shuffle_options", True)),
                )
            self._catalogs[exam.id] = catalog
        return catalog

    async def _items_for(self, s: Any, exam: Exam, attempt: Attempt) -> list[dict[str, Any]]:
        """The candidate's own item and option order, reproducible from the attempt's recorded seed."""
        catalog = await self._catalog(s, exam)
        out = []
        for no, code in enumerate(json.loads(attempt.item_order_json), start=1):
            fixed, options, shuffled = catalog[code]
            order = option_order(attempt.seed, code, tuple(options)) if shuffled else tuple(options)
            out.append(
                {
                    "id": code,
                    "no": no,
                    **fixed,
                    "options": [
                        {
                            "id": oid,
                            "label": chr(ord("A") + i),
                            "text": options[oid].get("text", ""),
                            "image": f"/ujian/media/{options[oid]['image']}" if options[oid].get("image") else None,
                        }
                        for i, oid in enumerate(order)
                    ],
                }
            )
        return out

    @staticmethod
    def _result_view(attempt: Attempt, definition: dict[str, Any]) -> dict[str, Any] | None:
        if attempt.result_json is None:
            return None
        result = json.loads(attempt.result_json)
        titles = {sec["code"]: sec["title"] for sec in definition["sections"]}
        return {
            "sections": [
                {
                    "code": sec["code"],
                    "title": titles.get(sec["code"], sec["code"]),
                    "score": sec["weighted_milli"],
                    "raw": sec["score_milli"],
                    "max": sec["max_milli"],
                    "pass_min": sec.get("pass_min_milli"),
                    "passed": sec["passed"],
                }
                for sec in result["sections"]
            ],
            "total": result["total_milli"],
            "max_total": result["max_total_milli"],
            "passed": result["passed"],
            "unit": "milli",
            # Practical tasks: each rubric line with its plain description, next to the score.
            "rubrics": [
                {"item": it["code"], "score": it["score_milli"], "max": it["max_milli"], "lines": it["lines"]}
                for it in result["items"]
                if it.get("lines")
            ],
        }

    # -- start -------------------------------------------------------------------------------------

    async def start(self, *, candidate_id: int) -> None:
        async def unit(tx: Tx) -> None:
            attempt, candidate, session, exam = await self._load(tx, candidate_id)
            if attempt.status == "submitted":
                raise SUBMITTED
            if attempt.status == "working":
                return  # starting twice (double click, replay) is harmless
            if session.status == "paused":
                raise PAUSED
            if session.status != "open":
                raise NOT_OPEN
            spec = self.ctx.spec(exam)
            definition = json.loads(exam.definition_json)
            sections = [sec.code for sec in spec.sections]
            order = (
                item_order(attempt.seed, spec.items, sections)
                if definition.get("shuffle_items", True)
                else tuple(i.code for sec in sections for i in spec.section_items(sec))
            )
            attempt.item_order_json = json.dumps(list(order))
            attempt.status = "working"
            attempt.started_at_ms = tx.now_ms
            set_timer(attempt, timer_of(attempt).start(tx.now_ms))
            await tx.record(
                AttemptStarted(
                    candidate=candidate.number,
                    seed=attempt.seed,
                    allowed_ms=attempt.allowed_ms,
                    attempt_id=attempt.id,
                )
            )

        await self.ctx.write(unit)

    async def _load(self, tx: Tx, candidate_id: int) -> tuple[Attempt, Candidate, ExamSession, Exam]:
        candidate = await qc.candidate_by_id(tx.s, candidate_id=candidate_id)
        assert candidate is not None
        attempt = await qc.attempt_of(tx.s, candidate_id=candidate_id, lock=True)
        # get(), not a query: within a batch the session row is read once and committee changes to it
        # made earlier in the same batch are seen through the identity map.
        session = await tx.s.get(ExamSession, candidate.session_id)
        exam = await self.ctx.exam(tx.s, candidate.exam_id)
        assert attempt is not None and session is not None
        # (last-seen is tracked in memory by the live monitor: no write per request)
        return attempt, candidate, session, exam

    # -- answer ------------------------------------------------------------------------------------

    async def answer(self, *, candidate_id: int, item: str, value: JsonValue, flag: bool, seq: int, key: str) -> Ack:
        _check_answer_shape(item=item, value=value, seq=seq, key=key)

        async def unit(tx: Tx) -> Ack | None:
            attempt, candidate, session, exam = await self._load(tx, candidate_id)
            previous = await qc.receipt(tx.s, attempt_id=attempt.id, idem_key=key)
            timer = timer_of(attempt)
            if previous is not None:
                return Ack(
                    previous.seq,
                    previous.item_code,
                    True,
                    False,
                    timer.remaining(tx.now_ms),
                    self._status(attempt, session),
                )
            require_working(attempt, session)
            if timer.expired(tx.now_ms):
                # Committed with the batch; the candidate then hears "time up" (None below).
                await self._finish(tx, attempt, candidate, exam, reason="timeout")
                return None
            return await self._store(
                tx, attempt, candidate, exam, item=item, value=value, flag=flag, seq=seq, key=key, timer=timer
            )

        ack = await self.ctx.write(unit)
        if ack is None:
            raise TIME_UP
        return ack

    async def _store(
        self,
        tx: Tx,
        attempt: Attempt,
        candidate: Candidate,
        exam: Exam,
        *,
        item: str,
        value: JsonValue,
        flag: bool,
        seq: int,
        key: str,
        timer: Timer,
    ) -> Ack:
        spec = self.ctx.spec(exam)
        if not spec.has_item(item):
            raise bad_request("answer.item", "Soal tidak dikenal", "Unknown question", field="item")
        kind = spec.item(item).kind
        if kind != "typing" and len(canonical.encode(value)) > MAX_VALUE_BYTES:
            raise bad_request("answer.value", "Jawaban terlalu panjang", "Answer too long", field="value")
        problem = None if value is None else rule_for(kind).check_response(spec.item(item), value)
        if problem is not None:
            raise ApiError(400, "answer.value", problem.id, problem.en, field="value", problems=(problem,))
        if kind in PRACTICAL_FORMATS and isinstance(value, dict):
            from server.services.uploads import uploaded

            if value.get("sha256") not in await uploaded(tx.s, attempt_id=attempt.id, item=item):
                raise bad_request(
                    "answer.file",
                    "Berkas ini belum diunggah untuk soal ini",
                    "This file has not been uploaded for this question",
                    field="value",
                )
        remaining = timer.remaining(tx.now_ms)
        current = await qc.answer(tx.s, attempt_id=attempt.id, item_code=item)
        if current is not None and current.seq >= seq:
            # An older replay arriving after a newer answer: acknowledged, changes nothing.
            return Ack(seq, item, False, True, remaining, "working")
        value_json = canonical.encode(value).decode()
        # Core statements on the hot path (reads of answers use populate_existing, so no stale copies).
        row = {"value_json": value_json, "flag": flag, "seq": seq, "updated_at_ms": tx.now_ms}
        if current is None:
            await tx.s.execute(insert(Answer).values(attempt_id=attempt.id, item_code=item, **row))
            attempt.answered += 0 if value is None else 1
        else:
            was_answered = current.value_json != "null"
            attempt.answered += (value is not None) - was_answered
            await tx.s.execute(
                update(Answer).where(Answer.attempt_id == attempt.id, Answer.item_code == item).values(**row)
            )
        attempt.last_seq = max(attempt.last_seq, seq)
        event_seq = await tx.record(
            AnswerSaved(
                candidate=candidate.number,
                item=item,
                value=value,
                flag=flag,
                seq=seq,
                remaining_ms=remaining,
                attempt_id=attempt.id,
            )
        )
        await tx.s.execute(
            insert(AnswerReceipt).values(
                attempt_id=attempt.id, idem_key=key, seq=seq, item_code=item, event_seq=event_seq
            )
        )
        return Ack(seq, item, False, False, remaining, "working")

    # -- submit ------------------------------------------------------------------------------------

    async def submit(self, *, candidate_id: int) -> None:
        async def unit(tx: Tx) -> None:
            attempt, candidate, session, exam = await self._load(tx, candidate_id)
            if attempt.status == "submitted":
                return  # submitting twice is harmless
            require_working(attempt, session)
            expired = timer_of(attempt).expired(tx.now_ms)
            await self._finish(tx, attempt, candidate, exam, reason="timeout" if expired else "candidate")

        await self.ctx.write(unit)

    async def _due(self, s: Any, candidate_id: int) -> bool:
        """Is this attempt running past its deadline (one cheap read)?"""
        attempt = await qc.attempt_of(s, candidate_id=candidate_id)
        return attempt is not None and overdue(attempt.status, attempt.deadline_ms, self.ctx.clock.now_ms())

    async def finalize_if_expired(self, *, candidate_id: int) -> bool:
        """Submit an attempt whose time has run out (the candidate may be offline); True if it did."""
        async with self.ctx.db.read() as s:
            if not await self._due(s, candidate_id):
                return False

        async def unit(tx: Tx) -> bool:
            attempt, candidate, _session, exam = await self._load(tx, candidate_id)
            if attempt.status != "working" or not timer_of(attempt).expired(tx.now_ms):
                return False
            await self._finish(tx, attempt, candidate, exam, reason="timeout")
            return True

        return await self.ctx.write(unit)

    async def finish(self, tx: Tx, attempt: Attempt, candidate: Candidate, exam: Exam, *, reason: str) -> None:
        """Used by committee actions inside their own transaction."""
        await self._finish(tx, attempt, candidate, exam, reason=reason)

    async def _finish(self, tx: Tx, attempt: Attempt, candidate: Candidate, exam: Exam, *, reason: str) -> None:
        """Stop the clock, log the submit, grade from the recorded answers and log the score."""
        timer = timer_of(attempt)
        # Time-outs end exactly at the deadline, however late the server noticed.
        end = min(tx.now_ms, timer.deadline() or tx.now_ms)
        set_timer(attempt, timer.pause(end))
        attempt.status = "submitted"
        attempt.submitted_at_ms = tx.now_ms
        attempt.submit_reason = reason
        answers = {a.item_code: json.loads(a.value_json) for a in await qc.answers_of(tx.s, attempt_id=attempt.id)}
        answers = {code: v for code, v in answers.items() if v is not None}
        digest = answers_digest(answers)
        submit_seq = await tx.record(
            AttemptSubmitted(candidate=candidate.number, reason=reason, answers_hash=digest, attempt_id=attempt.id)
        )
        from server.services.uploads import uploaded

        files = await uploaded(tx.s, attempt_id=attempt.id)
        result = grade(self.ctx.spec(exam), answers, files=files)
        inputs = hashlib.sha256(
            canonical.encode({"answers": digest, "exam": exam.code, "key_commitment": exam.key_commitment})
        ).hexdigest()
        result_json = result.as_json()
        attempt.result_json = json.dumps(result_json)
        attempt.total_milli = result.total_milli
        attempt.passed = result.passed
        attempt.grader_version = result.grader_version
        attempt.inputs_hash = inputs
        scored_seq = await tx.record(
            AttemptScored(
                candidate=candidate.number,
                grader_version=result.grader_version,
                inputs_hash=inputs,
                total_milli=result.total_milli,
                passed=result.passed,
                sections=[s.as_json() for s in result.sections],
                attempt_id=attempt.id,
            )
        )
        # The candidate's receipt: their event range and the hash of their final answers.
        await record_receipt(
            tx,
            exam=exam,
            attempt=attempt,
            candidate=candidate,
            submit_seq=submit_seq,
            last_seq=scored_seq,
            answers=answers,
            digest=digest,
        )

    # -- heartbeat ---------------------------------------------------------------------------------

    async def ping(self, *, candidate_id: int) -> dict[str, Any]:
        """The heartbeat every working browser sends: one query (Core, no ORM objects) for all it needs."""
        stmt = (
            select(
                Attempt.status,
                Attempt.allowed_ms,
                Attempt.consumed_ms,
                Attempt.running_since_ms,
                Attempt.last_seq,
                ExamSession.status,
            )
            .join(Candidate, Candidate.id == Attempt.candidate_id)
            .join(ExamSession, ExamSession.id == Candidate.session_id)
            .where(Attempt.candidate_id == candidate_id)
        )
        async with self.ctx.db.read() as s:
            row = (await s.execute(stmt)).one()
        status, allowed, consumed, running_since, last_seq, session_status = row
        timer = Timer(allowed, consumed, running_since)
        now = self.ctx.clock.now_ms()
        # Time ran out while the browser was quiet: submit now, then answer from the new state.
        if overdue(status, timer.deadline(), now) and await self.finalize_if_expired(candidate_id=candidate_id):
            return await self.ping(candidate_id=candidate_id)
        return {
            "status": "paused" if status == "working" and session_status == "paused" else status,
            "session": session_status,
            "remaining_ms": timer.remaining(now),
            "server_time_ms": now,
            "last_seq": last_seq,
        }

    async def media(self, *, candidate_id: int, sha256: str) -> tuple[str, bytes] | None:
        async with self.ctx.db.read() as s:
            candidate = await qc.candidate_by_id(s, candidate_id=candidate_id)
            assert candidate is not None
            row = await qe.media(s, exam_id=candidate.exam_id, sha256=sha256)
            return (row.content_type, row.data) if row is not None else None


def _check_answer_shape(*, item: object, value: object, seq: object, key: object) -> None:
    if not isinstance(item, str) or not item or len(item) > 64:
        raise bad_request("answer.item", "Kode soal tidak valid", "Invalid question code", field="item")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 < seq < 2**53:
        raise bad_request("answer.seq", "Nomor urut jawaban tidak valid", "Invalid answer sequence number", field="seq")
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LEN:
        raise bad_request("answer.key", "Kunci idempoten tidak valid", "Invalid idempotency key", field="key")
    try:
        size = len(canonical.encode(value))
    except (TypeError, ValueError):
        raise bad_request("answer.value", "Isi jawaban tidak valid", "Invalid answer value", field="value") from None
    if size > MAX_TYPING_VALUE_BYTES:  # the per-kind limit is checked once the item is known
        raise bad_request("answer.value", "Jawaban terlalu panjang", "Answer too long", field="value")
