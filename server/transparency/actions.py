"""Transparency steps inside a transaction: key reveal, results, receipts."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from grader import canonical
from grader.bundle import RANKING_RULE
from grader.version import GRADER_VERSION
from server.db.models import Attempt, Candidate, Event, Exam, ExamSession, Receipt
from server.errors import conflict
from server.events import KeyRevealed, ResultsPublished
from server.services.writer import Tx
from server.transparency.standing import load_standing

AUTO_REVEAL_REASON = "Otomatis: semua sesi ditutup / automatic: every session closed"

NOT_REVEALED = conflict(
    "key.not_revealed",
    "Kunci jawaban belum dibuka",
    "The answer key has not been revealed yet",
)
SESSIONS_RUNNING = conflict(
    "key.sessions_running",
    "Kunci tidak dapat dibuka selama masih ada sesi yang berjalan",
    "The key cannot be revealed while a session is still running",
)
ALREADY_REVEALED = conflict("key.revealed", "Kunci jawaban sudah dibuka", "The answer key was already revealed")


async def sessions_of(tx: Tx, exam: Exam) -> list[ExamSession]:
    return list((await tx.s.execute(select(ExamSession).where(ExamSession.exam_id == exam.id))).scalars())


async def reveal_key(tx: Tx, exam: Exam, *, by: str, reason: str) -> int:
    """Log the salt and the canonical scoring spec that open the commitment; refuse while sessions run."""
    if exam.key_revealed:
        raise ALREADY_REVEALED
    if any(s.status in ("open", "paused") for s in await sessions_of(tx, exam)):
        raise SESSIONS_RUNNING
    spec = json.loads(exam.spec_json)
    exam.key_revealed = True
    return await tx.record(
        KeyRevealed(by=by, reason=reason, exam=exam.code, commitment=exam.key_commitment, salt=exam.key_salt, spec=spec)
    )


async def reveal_if_all_closed(tx: Tx, exam: Exam, *, by: str) -> int | None:
    """At a session close: reveal the key once every session of the exam has closed."""
    if exam.key_revealed:
        return None
    if all(s.status == "closed" for s in await sessions_of(tx, exam)):
        return await reveal_key(tx, exam, by=by, reason=AUTO_REVEAL_REASON)
    return None


async def publish_results(tx: Tx, exam: Exam, *, by: str, reason: str) -> tuple[int, list[dict[str, Any]]]:
    """Log every formation's (village × position) final scores and ranks by the exam's scoring rules."""
    if not exam.key_revealed:
        raise NOT_REVEALED
    standing = await load_standing(tx.s, exam)
    if any(a.status == "working" for a in standing.attempts.values()):
        raise conflict(
            "results.running", "Masih ada peserta yang mengerjakan", "Some candidates are still taking the exam"
        )
    formations = standing.results()
    seq = await tx.record(
        ResultsPublished(
            by=by,
            reason=reason,
            exam=exam.code,
            grader_version=GRADER_VERSION,
            ranking=RANKING_RULE,
            formations=formations,
        )
    )
    return seq, formations


async def record_receipt(
    tx: Tx,
    *,
    exam: Exam,
    attempt: Attempt,
    candidate: Candidate,
    submit_seq: int,
    last_seq: int,
    answers: dict[str, Any],
    digest: str,
) -> None:
    """At submit: the candidate's event range and the hash of their final answers."""
    first = (await tx.s.execute(select(func.min(Event.seq)).where(Event.attempt_id == attempt.id))).scalar_one_or_none()
    tx.s.add(
        Receipt(
            attempt_id=attempt.id,
            exam=exam.code,
            candidate=candidate.number,
            first_seq=int(first or submit_seq),
            submit_seq=submit_seq,
            last_seq=last_seq,
            answers_hash=digest,
            answers_json=canonical.encode(answers).decode("utf-8"),
            created_at_ms=tx.now_ms,
        )
    )
