"""Witnessed regrades and committee marks inside a transaction: propose, approve, reject, apply, enter."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from grader.build import build_exam
from grader.canonical import JsonValue
from grader.components import BONUS, ENTERED, FormationRules
from grader.exact import DecimalError, parse_decimal, points_to_milli
from grader.problems import ProblemsError
from grader.regrade import Correction, Proposal, RegradeDiff, apply_corrections_raw, dry_run, spec_hash
from grader.scoring import grade
from grader.verify import answers_digest, inputs_hash
from server.db.models import Exam
from server.errors import ApiError, bad_request, conflict, not_found
from server.events import (
    AttemptRegraded,
    KeyCorrected,
    RegradeApproved,
    RegradeProposed,
    RegradeRejected,
    ScoreEntered,
)
from server.services.writer import Tx
from server.transparency import standing as st
from server.transparency.actions import NOT_REVEALED, publish_results

APPROVER_ROLES = ("admin", "auditor", "witness")
"""Who may approve or reject a proposal (a proctor runs the room, not the key)."""
MAX_CORRECTIONS = 50
MAX_ENTRIES = 5000

STALE = conflict(
    "regrade.stale",
    "Kunci sudah dikoreksi sejak usulan ini dibuat; buat usulan baru",
    "The key was corrected since this proposal was made; make a new proposal",
)


def parse_corrections(raw: object) -> list[Correction]:
    """The request's ``corrections`` list; a 400 naming the entry that is wrong."""
    if not isinstance(raw, list) or not raw or len(raw) > MAX_CORRECTIONS:
        raise bad_request(
            "regrade.corrections",
            f"Usulan memerlukan 1–{MAX_CORRECTIONS} koreksi",
            f"A proposal needs 1–{MAX_CORRECTIONS} corrections",
            field="corrections",
        )
    out = []
    for index, entry in enumerate(raw, start=1):
        try:
            out.append(Correction.from_raw(entry))
        except ProblemsError as err:
            first = err.problems[0]
            raise bad_request("regrade.correction", first.id, first.en, field=f"corrections[{index}]") from None
    return out


def corrected_spec(standing: st.Standing, corrections: list[Correction]) -> tuple[dict[str, Any], Any]:
    """The raw and built spec after ``corrections``; a 400 with the grader's own words if they do not apply."""
    try:
        raw = apply_corrections_raw(standing.spec_raw, corrections)
        return raw, build_exam(raw)
    except ProblemsError as err:
        first = err.problems[0]
        raise bad_request("regrade.invalid", first.id, first.en, field="corrections") from None


async def diff_of(session: Any, standing: st.Standing, new_spec: Any) -> RegradeDiff:
    """Re-score every submitted attempt from its recorded answers under the spec in force and ``new_spec``
    (in a worker thread, so the server keeps answering while thousands of attempts are graded twice)."""
    attempts: dict[str, Mapping[str, object]] = {}
    files: dict[str, bytes] = {}
    async for number, _attempt, answers, uploaded in st.submitted_inputs(session, standing):
        attempts[number] = answers
        files.update(uploaded)
    scores = list(standing.scores.values())
    return await asyncio.to_thread(dry_run, standing.spec, new_spec, attempts, scores, standing.rules, files)


@dataclass(frozen=True, slots=True)
class ProposalState:
    """A logged proposal with the approvals and the decision that followed it."""

    seq: int
    data: dict[str, Any]
    approvals: list[dict[str, Any]]
    rejected: dict[str, Any] | None
    applied: int | None

    @property
    def status(self) -> str:
        if self.applied is not None:
            return "applied"
        return "rejected" if self.rejected is not None else "open"

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "status": self.status,
            "by": self.data["by"],
            "reason": self.data["reason"],
            "corrections": self.data["corrections"],
            "required": self.data["required"],
            "digest": self.data["digest"],
            "diff": self.data["diff"],
            "approvals": self.approvals,
            "rejected": self.rejected,
            "applied_seq": self.applied,
        }


async def proposals(session: Any, exam: Exam) -> list[ProposalState]:
    approvals: dict[int, list[dict[str, Any]]] = {}
    for seq, data in await st.logged(session, "regrade.approved", exam=exam.code):
        approvals.setdefault(int(data["proposal"]), []).append({"seq": seq, "by": data["by"], "reason": data["reason"]})
    rejected = {
        int(d["proposal"]): {"seq": q, "by": d["by"], "reason": d["reason"]}
        for q, d in await st.logged(session, "regrade.rejected", exam=exam.code)
    }
    applied = {int(d["proposal"]): q for q, d in await st.logged(session, "key.corrected", exam=exam.code)}
    return [
        ProposalState(seq, data, approvals.get(seq, []), rejected.get(seq), applied.get(seq))
        for seq, data in await st.logged(session, "regrade.proposed", exam=exam.code)
    ]


async def open_proposal(session: Any, exam: Exam, seq: object) -> ProposalState:
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise bad_request("regrade.proposal", "Nomor usulan tidak sah", "The proposal number is invalid", field="seq")
    found = next((p for p in await proposals(session, exam) if p.seq == seq), None)
    if found is None:
        raise not_found("Usulan koreksi", "Correction proposal")
    if found.status != "open":
        raise conflict(
            "regrade.closed",
            "Usulan ini sudah diputuskan (diterapkan atau ditolak)",
            "This proposal was already decided (applied or rejected)",
        )
    return found


async def propose(
    tx: Tx, exam: Exam, *, corrections: list[Correction], diff: RegradeDiff, old_hash: str, by: str, reason: str
) -> int:
    """Log a proposal whose dry run was computed against the spec with hash ``old_hash``."""
    if not exam.key_revealed:
        raise NOT_REVEALED
    standing = await st.load_standing(tx.s, exam)
    if spec_hash(standing.spec) != old_hash:
        raise STALE
    proposal, _new = Proposal.make(standing.spec, corrections, reason)
    return await tx.record(
        RegradeProposed(
            by=by,
            reason=reason,
            exam=exam.code,
            corrections=[c.as_json() for c in corrections],
            old_spec_hash=proposal.old_spec_hash,
            new_spec_hash=proposal.new_spec_hash,
            digest=proposal.digest(),
            required=st.approvals_required(exam),
            diff=diff.as_json(),
        )
    )


async def approve(tx: Tx, exam: Exam, *, seq: object, by: str, reason: str) -> dict[str, Any]:
    """Log one approval; the one that reaches the required number applies the correction in this same
    transaction (key corrected, every submitted attempt regraded, results republished if they were out)."""
    found = await open_proposal(tx.s, exam, seq)
    if by == found.data["by"]:
        raise conflict(
            "regrade.own",
            "Pengusul tidak dapat menyetujui usulannya sendiri",
            "The proposer cannot approve their own proposal",
        )
    if any(a["by"] == by for a in found.approvals):
        raise conflict("regrade.twice", "Anda sudah menyetujui usulan ini", "You already approved this proposal")
    standing = await st.load_standing(tx.s, exam)
    if spec_hash(standing.spec) != found.data["old_spec_hash"]:
        raise STALE
    await tx.record(
        RegradeApproved(by=by, reason=reason, exam=exam.code, proposal=found.seq, digest=found.data["digest"])
    )
    approvers = [a["by"] for a in found.approvals] + [by]
    if len(approvers) < int(found.data["required"]):
        return {"applied": False, "approvals": len(approvers), "required": found.data["required"]}
    applied_seq, regraded, republished = await _apply(tx, exam, standing, found, sorted(approvers))
    return {"applied": True, "correction_seq": applied_seq, "regraded": regraded, "republished": republished}


async def reject(tx: Tx, exam: Exam, *, seq: object, by: str, reason: str) -> int:
    found = await open_proposal(tx.s, exam, seq)
    return await tx.record(RegradeRejected(by=by, reason=reason, exam=exam.code, proposal=found.seq))


async def _apply(
    tx: Tx, exam: Exam, standing: st.Standing, found: ProposalState, approvers: list[str]
) -> tuple[int, int, int | None]:
    corrections = st.corrections_of(found.data)
    _raw, new_spec = corrected_spec(standing, corrections)
    seq = await tx.record(
        KeyCorrected(
            by=approvers[-1] if approvers else found.data["by"],
            reason=found.data["reason"],
            exam=exam.code,
            proposal=found.seq,
            corrections=found.data["corrections"],
            approvals=approvers,
            old_spec_hash=found.data["old_spec_hash"],
            new_spec_hash=spec_hash(new_spec),
        )
    )
    applied = [*standing.applied, seq]
    regraded = 0
    async for number, attempt, answers, files in st.submitted_inputs(tx.s, standing):
        result = grade(new_spec, answers, files=files)
        attempt.result_json = json.dumps(result.as_json())
        attempt.total_milli, attempt.passed = result.total_milli, result.passed
        attempt.inputs_hash = inputs_hash(answers_digest(answers), exam.code, exam.key_commitment, applied)
        await tx.record(
            AttemptRegraded(
                candidate=number,
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
    republished = None
    if await st.logged(tx.s, "results.published", exam=exam.code):
        republished, _formations = await publish_results(
            tx,
            exam,
            by=approvers[-1],
            reason=f"Terbit ulang setelah koreksi kunci #{seq} / republished after key correction #{seq}",
        )
    return seq, regraded, republished


# ---- committee-entered marks ------------------------------------------------------------------------


def _entry_problem(index: int, field: str, id_text: str, en_text: str) -> ApiError:
    return bad_request("marks.entry", f"Baris {index}: {id_text}", f"Row {index}: {en_text}", field=field)


def parse_marks(rules: FormationRules, component: object, entries: object) -> tuple[str, list[tuple[str, int | None]]]:
    """``component`` (an entered component's code, or ``bonus``) and ``[{"candidate", "value"}]`` with values as
    decimal text (``null`` withdraws); every entry checked before anything is logged."""
    markable = rules.markable()
    if not isinstance(component, str) or component not in markable:
        choices = ", ".join([*sorted(c for c in markable if c != BONUS), BONUS])
        raise bad_request(
            "marks.component",
            f"Komponen {component!r} tidak diisi panitia (pilihan: {choices})",
            f"Component {component!r} is not entered by the committee (choices: {choices})",
            field="component",
        )
    maximum = markable[component]
    if not isinstance(entries, list) or not entries or len(entries) > MAX_ENTRIES:
        raise bad_request(
            "marks.entries",
            f"Isi 1–{MAX_ENTRIES} nilai",
            f"Enter 1–{MAX_ENTRIES} marks",
            field="entries",
        )
    out: list[tuple[str, int | None]] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        where = f"entries[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("candidate"), str):
            raise _entry_problem(index, where, "nomor peserta wajib diisi", "the participant number is required")
        number = entry["candidate"].strip()
        if number in seen:
            raise _entry_problem(index, where, f"peserta {number} ditulis dua kali", f"{number} appears twice")
        seen.add(number)
        value = entry.get("value")
        if value is None:
            out.append((number, None))
            continue
        try:
            milli = points_to_milli(parse_decimal(value.strip() if isinstance(value, str) else value))
        except (DecimalError, ValueError):
            raise _entry_problem(
                index,
                f"{where}.value",
                f'nilai {value!r} harus angka desimal dengan titik, mis. "85.5" (paling banyak 3 desimal)',
                f'value {value!r} must be a decimal with a dot, e.g. "85.5" (at most 3 decimals)',
            ) from None
        if maximum is not None and milli > maximum:
            top = maximum / 1000
            raise _entry_problem(
                index, f"{where}.value", f"nilai di atas maksimum {top:g}", f"value above the maximum {top:g}"
            )
        out.append((number, milli))
    return component, out


async def enter_marks(
    tx: Tx, exam: Exam, *, component: str, entries: list[tuple[str, int | None]], by: str, reason: str
) -> list[int]:
    """One ``score.entered`` per entry; a number not on the roster refuses the whole batch."""
    enrolled = await st.enrolled(tx.s, exam, [number for number, _value in entries])
    for index, (number, _value) in enumerate(entries, start=1):
        if number not in enrolled:
            raise _entry_problem(
                index, f"entries[{index}].candidate", f"peserta {number} tidak terdaftar", f"{number} is not enrolled"
            )
    seqs = []
    for number, value in entries:
        event = ScoreEntered(
            by=by, reason=reason, exam=exam.code, candidate=number, component=component, value_milli=value
        )
        seqs.append(await tx.record(event))
    return seqs


def marks_view(standing: st.Standing) -> dict[str, JsonValue]:
    """The committee's view of what is entered, per candidate, with the components that take marks."""
    entered = [c for c in standing.rules.components if c.source == ENTERED]
    return {
        "components": [{"code": c.code, "title": c.title, "max_milli": c.max_milli} for c in entered],
        "bonus_max_milli": standing.rules.bonus_max_milli,
        "marks": {
            n: {**dict(s.entered), **({BONUS: s.bonus_milli} if s.bonus_milli else {})}
            for n, s in standing.scores.items()
            if s.entered or s.bonus_milli
        },
    }
