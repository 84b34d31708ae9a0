"""The public results page: every publication of every exam, the latest in full, what changed and why."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from server.db.models import Attempt, Candidate, Exam
from server.transparency import standing

PUBLIC_DEFAULT = ("number", "name", "village", "position")


@dataclass(frozen=True, slots=True)
class Publication:
    seq: int
    at_ms: int
    by: str
    reason: str
    formations: list[dict[str, Any]]


def _changes(previous: Publication | None, latest: Publication) -> dict[str, dict[str, Any]]:
    """Candidate → their rank and total in the previous publication, where either differs from the latest."""
    if previous is None:
        return {}
    before = {r["candidate"]: r for f in previous.formations for r in f.get("rows", [])}
    out: dict[str, dict[str, Any]] = {}
    for formation in latest.formations:
        for row in formation.get("rows", []):
            old = before.get(row["candidate"])
            if old is not None and (old.get("rank"), old.get("total_milli")) != (
                row.get("rank"),
                row.get("total_milli"),
            ):
                out[row["candidate"]] = {"rank": old.get("rank"), "total_milli": old.get("total_milli")}
    return out


async def exam_results(session: Any, exam: Exam) -> dict[str, Any]:
    """What /transparansi/hasil shows for one exam (only public fields of candidates)."""
    definition = json.loads(exam.definition_json)
    public = set(definition.get("public_fields") or PUBLIC_DEFAULT)
    publications = [
        Publication(seq, at, str(d.get("by", "")), str(d.get("reason", "")), list(d.get("formations", [])))
        for seq, at, d in await standing.logged_at(session, "results.published", exam=exam.code)
    ]
    corrections = [
        {
            "seq": seq,
            "at_ms": at,
            "reason": d.get("reason", ""),
            "corrections": d.get("corrections", []),
            "approvals": d.get("approvals", []),
            "proposal": d.get("proposal"),
        }
        for seq, at, d in await standing.logged_at(session, "key.corrected", exam=exam.code)
    ]
    people = (await session.execute(select(Candidate).where(Candidate.exam_id == exam.id))).scalars().all()
    names = {c.number: c.name for c in people} if "name" in public else {}
    practical = await _practical_lines(session, exam) if publications else {}
    latest = publications[-1] if publications else None
    rules = standing.rules_of(exam)
    return {
        "code": exam.code,
        "title": exam.title,
        "components": [{"code": c.code, "title": c.title, "weight": str(c.weight)} for c in rules.components],
        "tie_breaks": list(rules.tie_breaks),
        "publications": [
            {"seq": p.seq, "at_ms": p.at_ms, "by": p.by, "reason": p.reason} for p in reversed(publications)
        ],
        "latest": None
        if latest is None
        else {"seq": latest.seq, "at_ms": latest.at_ms, "formations": latest.formations},
        "previous": _changes(publications[-2] if len(publications) > 1 else None, latest) if latest else {},
        "corrections": corrections,
        "names": names,
        "practical": practical,
    }


async def _practical_lines(session: Any, exam: Exam) -> dict[str, list[dict[str, Any]]]:
    """Candidate → their practical tasks' rubric lines as graded (in force): what the public may check a
    file task's score against, line by line."""
    rows = (
        await session.execute(
            select(Candidate.number, Attempt.result_json)
            .join(Attempt, Attempt.candidate_id == Candidate.id)
            .where(Candidate.exam_id == exam.id, Attempt.status == "submitted")
        )
    ).all()
    out: dict[str, list[dict[str, Any]]] = {}
    for number, result_json in rows:
        items = json.loads(result_json).get("items", []) if result_json else []
        tasks = [
            {"code": i["code"], "score_milli": i["score_milli"], "max_milli": i["max_milli"], "lines": i["lines"]}
            for i in items
            if i.get("lines")
        ]
        if tasks:
            out[number] = tasks
    return out


async def public_results(db: Any) -> list[dict[str, Any]]:
    async with db.read() as s:
        exams = (await s.execute(select(Exam).order_by(Exam.code))).scalars().all()
        return [await exam_results(s, e) for e in exams]
