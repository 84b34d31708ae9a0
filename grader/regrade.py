"""Witnessed regrades: key corrections make a new ExamSpec; a dry run shows whose score and rank change."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from grader.build import build_exam, exam_to_raw
from grader.canonical import JsonValue, decode, encode
from grader.components import CandidateScore, FormationRules
from grader.files import Files
from grader.items.base import show
from grader.model import ExamSpec
from grader.problems import Problem, ProblemsError
from grader.ranking import RankedRow, rank_all
from grader.scoring import compile_exam

VOID_ITEM = "void_item"
ACCEPT_OPTION = "accept_option"
REPLACE_KEY = "replace_key"
CHANGE_RUBRIC_LINE = "change_rubric_line"
KINDS = (VOID_ITEM, ACCEPT_OPTION, REPLACE_KEY, CHANGE_RUBRIC_LINE)
LINE_CHANGES = frozenset({"points", "args", "check", "description_id", "description_en", "remove"})


@dataclass(frozen=True, slots=True)
class Correction:
    """One key correction. ``value`` is canonical JSON text (hashable, exact) whose meaning depends on
    ``kind``: ``void_item`` the mode (``"full_marks"`` | ``"remove"``), ``accept_option`` the option id,
    ``replace_key`` the new raw key, ``change_rubric_line`` an object of changes (``points``, ``args``,
    ``check``, ``description_id``, ``description_en``) or ``{"remove": true}``."""

    kind: str
    item: str
    value: str
    line: str | None = None
    """The rubric line id, for ``change_rubric_line``."""

    @classmethod
    def from_raw(cls, raw: object) -> Correction:
        """``{"kind": ..., "item": ..., "value": <json>, "line": ...}``; ``ProblemsError`` if malformed."""
        if not isinstance(raw, Mapping) or raw.get("kind") not in KINDS or not isinstance(raw.get("item"), str):
            raise ProblemsError(
                [
                    _problem(
                        "correction.invalid",
                        "Koreksi kunci tidak sah (kind/item)",
                        "The key correction is malformed (kind/item)",
                    )
                ]
            )
        line = raw.get("line")
        if raw["kind"] == CHANGE_RUBRIC_LINE and not isinstance(line, str):
            raise ProblemsError(
                [
                    _problem(
                        "correction.line_missing",
                        "Koreksi rubrik memerlukan 'line'",
                        "A rubric correction needs 'line'",
                    )
                ]
            )
        value = raw.get("value", "full_marks" if raw["kind"] == VOID_ITEM else None)
        try:
            text = encode(value).decode("utf-8")
        except (TypeError, ValueError):
            raise ProblemsError(
                [
                    _problem(
                        "correction.value",
                        "Nilai koreksi bukan JSON yang sah",
                        "The correction's value is not valid JSON",
                    )
                ]
            ) from None
        return cls(str(raw["kind"]), str(raw["item"]), text, line if isinstance(line, str) else None)

    def decoded(self) -> JsonValue:
        return decode(self.value.encode("utf-8"))

    def as_json(self) -> dict[str, JsonValue]:
        return {"kind": self.kind, "item": self.item, "value": self.decoded(), "line": self.line}


def spec_hash(exam: ExamSpec) -> str:
    """SHA-256 (hex) of the exam's canonical raw form: what approvals and the log refer to."""
    return hashlib.sha256(encode(exam_to_raw(exam))).hexdigest()


def apply_corrections(exam: ExamSpec, corrections: Sequence[Correction]) -> ExamSpec:
    """A new ExamSpec with the corrections applied in order; ``exam`` is never changed.

    The result is rebuilt with ``build_exam``, so a correction that makes an invalid exam (a key naming no
    option, a pass mark above the new maximum) is refused with the usual problems.
    """
    return build_exam(apply_corrections_raw(exam_to_raw(exam), corrections))


def apply_corrections_raw(raw: Mapping[str, Any], corrections: Sequence[Correction]) -> dict[str, Any]:
    """The raw spec (as revealed) with the corrections applied in order; ``raw`` is never changed.

    Raises ``ProblemsError`` for a correction that names no item or does not apply to its item; the result
    is not built here (``build_exam`` does that and names what the correction broke).
    """
    out = copy.deepcopy(dict(raw))
    items = out["items"]
    assert isinstance(items, list)
    by_code = {item["code"]: item for item in items if isinstance(item, dict)}
    problems: list[Problem] = []
    for correction in corrections:
        item = by_code.get(correction.item)
        if item is None:
            problems.append(
                _problem(
                    "correction.item_unknown",
                    f"Soal '{correction.item}' tidak ada",
                    f"Item '{correction.item}' does not exist",
                )
            )
            continue
        problem = _apply(item, correction)
        if problem is not None:
            problems.append(problem)
    if problems:
        raise ProblemsError(problems)
    return out


def _apply(item: dict[str, JsonValue], correction: Correction) -> Problem | None:
    value = correction.decoded()
    kind = item.get("kind")
    if correction.kind == VOID_ITEM:
        if value not in ("full_marks", "remove"):
            return _problem(
                "correction.value",
                "Mode pembatalan harus 'full_marks' atau 'remove'",
                "The void mode must be 'full_marks' or 'remove'",
            )
        params = item.get("params")
        was = params.get("was", kind) if kind == "void" and isinstance(params, dict) else kind
        item.update({"kind": "void", "key": None, "params": {"mode": value, "was": was}})
        return None
    if correction.kind == ACCEPT_OPTION:
        if kind != "single" or not isinstance(value, str):
            return _problem(
                "correction.not_applicable",
                f"Menerima opsi lain hanya untuk soal pilihan ganda ({correction.item} berjenis {kind})",
                f"Accepting another option applies to single-choice items only ({correction.item} is {kind})",
            )
        params = item.get("params") if isinstance(item.get("params"), dict) else {}
        assert isinstance(params, dict)
        current = str(params.get("also_accept", "")).split()
        item["params"] = {"also_accept": " ".join(sorted({*current, value}))}
        return None
    if correction.kind == REPLACE_KEY:
        item["key"] = value
        return None
    return _change_line(item, correction, value)


def _change_line(item: dict[str, JsonValue], correction: Correction, value: JsonValue) -> Problem | None:
    lines = item.get("key")
    if item.get("kind") not in ("document", "spreadsheet") or not isinstance(lines, list):
        return _problem(
            "correction.not_applicable",
            f"Soal {correction.item} bukan tugas praktik berkas",
            f"Item {correction.item} is not a practical file task",
        )
    if not isinstance(value, dict) or not value or set(value) - LINE_CHANGES:
        return _problem(
            "correction.value",
            f"Perubahan baris rubrik tidak sah: {show(value)}",
            f"The rubric line change is invalid: {show(value)}",
        )
    for index, line in enumerate(lines):
        if isinstance(line, dict) and line.get("id") == correction.line:
            if value.get("remove") is True:
                del lines[index]
            else:
                line.update(value)
            item.pop("points", None)  # the total is recomputed from the lines
            return None
    return _problem(
        "correction.line_unknown",
        f"Baris rubrik '{correction.line}' tidak ada di soal {correction.item}",
        f"Rubric line '{correction.line}' is not in item {correction.item}",
    )


def _problem(code: str, id_text: str, en_text: str) -> Problem:
    return Problem(code=code, id=id_text, en=en_text, field="correction")


# ---- the dry run -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CandidateChange:
    candidate: str
    formation: str
    exam_before_milli: int | None
    exam_after_milli: int | None
    total_before_milli: int | None
    total_after_milli: int | None
    rank_before: int | None
    rank_after: int | None
    status_before: str
    status_after: str

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "candidate": self.candidate,
            "formation": self.formation,
            "exam_before_milli": self.exam_before_milli,
            "exam_after_milli": self.exam_after_milli,
            "total_before_milli": self.total_before_milli,
            "total_after_milli": self.total_after_milli,
            "rank_before": self.rank_before,
            "rank_after": self.rank_after,
            "status_before": self.status_before,
            "status_after": self.status_after,
        }


@dataclass(frozen=True, slots=True)
class RegradeDiff:
    """What a proposed correction would change; shown to the committee and logged with the approval."""

    old_spec_hash: str
    new_spec_hash: str
    items_changed: tuple[str, ...]
    candidates_regraded: int
    changes: tuple[CandidateChange, ...]
    """Only candidates whose exam score, final total, rank or status changes; by formation, candidate."""

    @property
    def formations_affected(self) -> tuple[str, ...]:
        return tuple(sorted({c.formation for c in self.changes}))

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "old_spec_hash": self.old_spec_hash,
            "new_spec_hash": self.new_spec_hash,
            "items_changed": list(self.items_changed),
            "candidates_regraded": self.candidates_regraded,
            "formations_affected": list(self.formations_affected),
            "changes": [c.as_json() for c in self.changes],
        }


def dry_run(
    old: ExamSpec,
    new: ExamSpec,
    attempts: Mapping[str, Mapping[str, object]],
    candidates: Sequence[CandidateScore],
    rules: FormationRules,
    files: Files | None = None,
) -> RegradeDiff:
    """Re-score every attempt from its recorded answers under both specs and rank both ways.

    ``attempts``: candidate → recorded responses (absent candidates have none); ``candidates``: each
    candidate's formation and non-exam data (its ``exam_sections`` are ignored and recomputed).
    """
    before = _rank(old, attempts, candidates, rules, files)
    after = _rank(new, attempts, candidates, rules, files)
    changes = []
    for candidate in sorted(candidates, key=lambda c: (c.formation, c.candidate)):
        b_row, b_exam = before[candidate.candidate]
        a_row, a_exam = after[candidate.candidate]
        if (b_exam, b_row.total_milli, b_row.rank, b_row.status) == (
            a_exam,
            a_row.total_milli,
            a_row.rank,
            a_row.status,
        ):
            continue
        changes.append(
            CandidateChange(
                candidate.candidate,
                candidate.formation,
                b_exam,
                a_exam,
                b_row.total_milli,
                a_row.total_milli,
                b_row.rank,
                a_row.rank,
                b_row.status,
                a_row.status,
            )
        )
    old_items = {item.code: item for item in old.items}
    new_items = {item.code: item for item in new.items}
    changed = sorted(code for code in old_items.keys() | new_items.keys() if old_items.get(code) != new_items.get(code))
    return RegradeDiff(
        spec_hash(old),
        spec_hash(new),
        tuple(changed),
        sum(1 for c in candidates if c.candidate in attempts),
        tuple(changes),
    )


def _rank(
    exam: ExamSpec,
    attempts: Mapping[str, Mapping[str, object]],
    candidates: Sequence[CandidateScore],
    rules: FormationRules,
    files: Files | None,
) -> dict[str, tuple[RankedRow, int | None]]:
    compiled = compile_exam(exam)
    scores = []
    totals: dict[str, int | None] = {}
    for candidate in candidates:
        responses = attempts.get(candidate.candidate)
        result = compiled.grade(responses, files) if responses is not None and candidate.present else None
        totals[candidate.candidate] = result.total_milli if result else None
        scores.append(
            CandidateScore.from_attempt(
                candidate.candidate,
                candidate.formation,
                exam,
                result,
                present=candidate.present,
                entered=dict(candidate.entered),
                bonus_milli=candidate.bonus_milli,
                finished_ms=candidate.finished_ms,
                birth_date=candidate.birth_date,
            )
        )
    rows: dict[str, tuple[RankedRow, int | None]] = {}
    for formation_rows in rank_all(scores, rules).values():
        for row in formation_rows:
            rows[row.candidate] = (row, totals[row.candidate])
    return rows


# ---- proposals and approvals ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Proposal:
    """A regrade proposal as logged: what is corrected, why, from which spec to which."""

    corrections: tuple[Correction, ...]
    reason: str
    old_spec_hash: str
    new_spec_hash: str

    @classmethod
    def make(cls, exam: ExamSpec, corrections: Sequence[Correction], reason: str) -> tuple[Proposal, ExamSpec]:
        """The proposal and the corrected spec; a reason is required (``ProblemsError`` otherwise)."""
        if not reason.strip():
            raise ProblemsError(
                [_problem("correction.reason", "Alasan koreksi wajib diisi", "A reason for the correction is required")]
            )
        new = apply_corrections(exam, corrections)
        return cls(tuple(corrections), reason, spec_hash(exam), spec_hash(new)), new

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "corrections": [c.as_json() for c in self.corrections],
            "reason": self.reason,
            "old_spec_hash": self.old_spec_hash,
            "new_spec_hash": self.new_spec_hash,
        }

    def digest(self) -> str:
        """SHA-256 (hex) of the canonical proposal: what each approving committee member signs off."""
        return hashlib.sha256(encode(self.as_json())).hexdigest()


def approved(approvers: Iterable[str], required: int) -> bool:
    """Whether enough distinct committee members approved (the exam sets ``required``, at least 1)."""
    return len(set(approvers)) >= max(1, required)
