"""Transparency steps inside a transaction: key reveal, key correction with regrades, results, receipts."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from grader import canonical
from grader.build import build_exam, build_item
from grader.bundle import RANKING_RULE, Scored, formation_results
from grader.problems import ProblemsError
from grader.scoring import grade
from grader.verify import answers_digest, apply_correction, inputs_hash
from grader.version import GRADER_VERSION
from server.db.models import Attempt, Candidate, Event, Exam, ExamSession, Receipt, Upload
from server.db.queries import candidates as qc
from server.errors import bad_request, conflict
from server.events import AttemptRegraded, KeyCorrected, KeyRevealed, ResultsPublished
from server.services.writer import Tx

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


async def logged(tx_session: Any, kind: str) -> list[tuple[int, dict[str, Any]]]:
    """Every logged event of ``kind`` as (seq, data), in order."""
    rows = (await tx_session.execute(select(Event.seq, Event.leaf).where(Event.kind == kind).order_by(Event.seq))).all()
    return [(seq, json.loads(leaf)["data"]) for seq, leaf in rows]


async def spec_in_force(tx_session: Any, exam: Exam) -> tuple[dict[str, Any], list[int]]:
    """The revealed raw spec with every logged correction applied, and those corrections' sequence numbers."""
    spec = json.loads(exam.spec_json)
    applied: list[int] = []
    for seq, data in await logged(tx_session, "key.corrected"):
        if data.get("exam") == exam.code:
            spec = apply_correction(spec, data["item"])
            applied.append(seq)
    return spec, applied


async def correct_key(tx: Tx, exam: Exam, *, item: object, approvals: object, by: str, reason: str) -> tuple[int, int]:
    """Log one item's corrected key (never an edit) and regrade every submitted attempt with it."""
    if not exam.key_revealed:
        raise NOT_REVEALED
    if not isinstance(item, dict):
        raise bad_request(
            "key.item", "Soal koreksi harus berupa objek", "The corrected item must be an object", field="item"
        )
    if not isinstance(approvals, list) or not approvals or not all(isinstance(a, str) and a.strip() for a in approvals):
        raise bad_request(
            "key.approvals",
            "Koreksi kunci memerlukan daftar persetujuan anggota panitia",
            "A key correction needs the list of committee members who approved it",
            field="approvals",
        )
    spec, applied = await spec_in_force(tx.s, exam)
    codes = [i.get("code") for i in spec["items"]]
    if item.get("code") not in codes:
        raise bad_request("key.item_unknown", "Soal tidak ada dalam ujian", "The item is not in the exam", field="item")
    try:
        build_item(item)
        new_spec = apply_correction(spec, item)
        exam_spec = build_exam(new_spec)
    except ProblemsError as err:
        first = err.problems[0]
        raise bad_request("key.invalid", first.id, first.en, field="item") from err
    seq = await tx.record(
        KeyCorrected(
            by=by,
            reason=reason,
            exam=exam.code,
            item=json.loads(canonical.encode(item)),
            approvals=sorted({a.strip() for a in approvals}),
        )
    )
    applied.append(seq)
    regraded = 0
    rows = (
        await tx.s.execute(
            select(Attempt, Candidate)
            .join(Candidate, Candidate.id == Attempt.candidate_id)
            .where(Candidate.exam_id == exam.id, Attempt.status == "submitted")
            .order_by(Candidate.number)
        )
    ).all()
    for attempt, candidate in rows:
        answers = {a.item_code: json.loads(a.value_json) for a in await qc.answers_of(tx.s, attempt_id=attempt.id)}
        answers = {k: v for k, v in answers.items() if v is not None}
        files = dict(
            (await tx.s.execute(select(Upload.sha256, Upload.data).where(Upload.attempt_id == attempt.id))).all()
        )
        result = grade(exam_spec, answers, files=files)
        attempt.result_json = json.dumps(result.as_json())
        attempt.total_milli, attempt.passed = result.total_milli, result.passed
        attempt.inputs_hash = inputs_hash(answers_digest(answers), exam.code, exam.key_commitment, applied)
        await tx.record(
            AttemptRegraded(
                candidate=candidate.number,
                correction=seq,
                grader_version=result.grader_version,
                inputs_hash=attempt.inputs_hash,
                total_milli=result.total_milli,
                passed=result.passed,
                sections=[s.as_json() for s in result.sections],
                attempt_id=attempt.id,
            )
        )
        regraded += 1
    return seq, regraded


async def publish_results(tx: Tx, exam: Exam, *, by: str, reason: str) -> tuple[int, list[dict[str, Any]]]:
    """Log the scores and ranks of every formation (village × position) from the final scores."""
    if not exam.key_revealed:
        raise NOT_REVEALED
    rows = (
        await tx.s.execute(
            select(Attempt, Candidate)
            .join(Candidate, Candidate.id == Attempt.candidate_id)
            .where(Candidate.exam_id == exam.id)
        )
    ).all()
    if any(a.status == "working" for a, _c in rows):
        raise conflict(
            "results.running", "Masih ada peserta yang mengerjakan", "Some candidates are still taking the exam"
        )
    roster = [{"number": c.number, "village": c.village, "position": c.position} for _a, c in rows]
    scores = {
        c.number: Scored(c.number, int(a.total_milli), bool(a.passed))
        for a, c in rows
        if a.status == "submitted" and a.total_milli is not None
    }
    formations = formation_results(roster, scores)
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
