"""The results in force: the spec after logged corrections, the exam's rules, committee marks, stored grades."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from grader.build import build_exam
from grader.components import CandidateScore, FormationRules, build_rules, default_rules, marks_in_force
from grader.model import ExamSpec, SectionResult
from grader.ranking import formation_code, formation_results
from grader.regrade import Correction, apply_corrections_raw
from server.db.models import Attempt, Candidate, Event, Exam, LogHead, Upload
from server.db.queries import candidates as qc
from server.db.queries import exams as qe
from server.errors import not_found

DEFAULT_APPROVALS = 2
"""For an exam imported before its definition named ``regrade_approvals``."""


async def logged_at(session: Any, kind: str, *, exam: str | None = None) -> list[tuple[int, int, dict[str, Any]]]:
    """Every logged event of ``kind`` (of one exam, if given) as (seq, at_ms, data), in order."""
    rows = (await session.execute(select(Event.leaf).where(Event.kind == kind).order_by(Event.seq))).scalars()
    leaves = [json.loads(leaf) for leaf in rows]
    return [(v["seq"], v["at"], v["data"]) for v in leaves if exam is None or v["data"].get("exam") == exam]


async def logged(session: Any, kind: str, *, exam: str | None = None) -> list[tuple[int, dict[str, Any]]]:
    """Every logged event of ``kind`` (of one exam, if given) as (seq, data), in order."""
    return [(seq, data) for seq, _at, data in await logged_at(session, kind, exam=exam)]


async def find_exam(session: Any, code: object) -> Exam:
    """The named exam, or the only one there is."""
    exam = await qe.exam_by_code(session, code=code) if isinstance(code, str) and code else None
    if exam is None and not code:
        exams = await qe.all_exams(session)
        exam = exams[0] if len(exams) == 1 else None
    if exam is None:
        raise not_found("Ujian", "Exam")
    return exam


async def log_size(session: Any) -> int:
    """How many events the log holds (the head row's size)."""
    return int((await session.execute(select(LogHead.size))).scalar_one_or_none() or 0)


def corrections_of(data: dict[str, Any]) -> list[Correction]:
    """The corrections a logged ``key.corrected`` or ``regrade.proposed`` names."""
    return [Correction.from_raw(raw) for raw in data.get("corrections", [])]


async def spec_in_force(session: Any, exam: Exam) -> tuple[dict[str, Any], list[int]]:
    """The revealed raw spec with every logged correction applied, and those corrections' sequence numbers."""
    spec = json.loads(exam.spec_json)
    applied: list[int] = []
    for seq, data in await logged(session, "key.corrected", exam=exam.code):
        spec = apply_corrections_raw(spec, corrections_of(data))
        applied.append(seq)
    return spec, applied


def rules_of(exam: Exam) -> FormationRules:
    definition = json.loads(exam.definition_json)
    raw = definition.get("scoring")
    return default_rules() if raw is None else build_rules(raw)


def approvals_required(exam: Exam) -> int:
    return int(json.loads(exam.definition_json).get("regrade_approvals", DEFAULT_APPROVALS))


@dataclass(frozen=True, slots=True)
class Standing:
    """Everything the results need, read in one transaction."""

    exam: Exam
    spec_raw: dict[str, Any]
    applied: list[int]
    spec: ExamSpec
    rules: FormationRules
    roster: list[dict[str, str]]
    scores: dict[str, CandidateScore]
    """Every roster number's inputs to the ranking, from the stored grades."""
    attempts: dict[str, Attempt]
    mark_seqs: list[int]
    """Where the committee marks it counts stand in the log."""

    def results(self) -> list[dict[str, Any]]:
        return formation_results(self.roster, self.scores, self.rules)


async def load_standing(session: Any, exam: Exam) -> Standing:
    spec_raw, applied = await spec_in_force(session, exam)
    spec = build_exam(spec_raw)
    logged_marks = await logged(session, "score.entered", exam=exam.code)
    marks = marks_in_force(data for _seq, data in logged_marks)
    rows = (
        await session.execute(
            select(Attempt, Candidate)
            .join(Candidate, Candidate.id == Attempt.candidate_id)
            .where(Candidate.exam_id == exam.id)
            .order_by(Candidate.number)
        )
    ).all()
    roster: list[dict[str, str]] = []
    scores: dict[str, CandidateScore] = {}
    attempts: dict[str, Attempt] = {}
    for attempt, candidate in rows:
        roster.append({"number": candidate.number, "village": candidate.village, "position": candidate.position})
        attempts[candidate.number] = attempt
        submitted = attempt.status == "submitted"
        result = json.loads(attempt.result_json) if submitted and attempt.result_json else None
        scores[candidate.number] = CandidateScore.from_sections(
            candidate.number,
            formation_code(candidate.village, candidate.position),
            spec,
            [SectionResult(**s) for s in result["sections"]] if result else None,
            passed=bool(attempt.passed) if result else True,
            present=submitted,
            marks=marks.get(candidate.number),
            finished_ms=attempt.submitted_at_ms if submitted else None,
            birth_date=candidate.birth_date,
        )
    rules = rules_of(exam)
    return Standing(exam, spec_raw, applied, spec, rules, roster, scores, attempts, [q for q, _d in logged_marks])


async def submitted_inputs(
    session: Any, standing: Standing
) -> AsyncIterator[tuple[str, Attempt, dict[str, Any], dict[str, bytes]]]:
    """Every submitted attempt with its recorded answers and uploaded files: what a regrade grades again."""
    for number, attempt in standing.attempts.items():
        if attempt.status == "submitted":
            yield number, attempt, await responses_of(session, attempt), await files_of(session, attempt)


async def enrolled(session: Any, exam: Exam, numbers: list[str]) -> set[str]:
    """Which of ``numbers`` are on the exam's roster."""
    rows = await session.execute(
        select(Candidate.number).where(Candidate.exam_id == exam.id, Candidate.number.in_(numbers))
    )
    return set(rows.scalars())


async def responses_of(session: Any, attempt: Attempt) -> dict[str, Any]:
    """An attempt's recorded answers as the grader takes them (blank answers left out)."""
    answers = {a.item_code: json.loads(a.value_json) for a in await qc.answers_of(session, attempt_id=attempt.id)}
    return {k: v for k, v in answers.items() if v is not None}


async def files_of(session: Any, attempt: Attempt) -> dict[str, bytes]:
    """The attempt's uploaded practical files by SHA-256."""
    return dict(
        (await session.execute(select(Upload.sha256, Upload.data).where(Upload.attempt_id == attempt.id))).all()
    )
