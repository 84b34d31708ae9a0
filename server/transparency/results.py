"""What the committee's results routes call: standings, committee marks, regrade proposals and approvals."""

from __future__ import annotations

from typing import Any

from grader.components import FormationRules
from grader.exact import decimal_text
from grader.regrade import Correction, RegradeDiff, spec_hash
from server.db.models import Exam
from server.services.committee import Member, _reason
from server.services.context import ServiceContext, Tx
from server.transparency import regrade, standing
from server.transparency.actions import NOT_REVEALED
from server.transparency.published import public_results

MARK_ROLES = ("admin",)
PROPOSER_ROLES = ("admin",)


def rules_view(rules: FormationRules) -> dict[str, Any]:
    """Every component with its title and scale, the bonus, cap, total pass mark and tie-breaks."""
    return {
        "components": [
            {
                "code": c.code,
                "title": c.title,
                "source": c.source,
                "weight": decimal_text(c.weight),
                "max_milli": c.max_milli,
                "pass_min_milli": c.pass_min_milli,
            }
            for c in rules.components
        ],
        "bonus_max_milli": rules.bonus_max_milli,
        "total_cap_milli": rules.total_cap_milli,
        "pass_total_min_milli": rules.pass_total_min_milli,
        "tie_breaks": list(rules.tie_breaks),
    }


def items_view(spec_raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The revealed items as a correction needs them: code, kind, option ids, key in force, rubric lines."""
    out = []
    for item in spec_raw.get("items", []):
        key = item.get("key")
        lines = [line.get("id") for line in key if isinstance(line, dict)] if isinstance(key, list) else []
        options = [o.get("id") if isinstance(o, dict) else o for o in item.get("options") or []]
        out.append(
            {
                "code": item.get("code"),
                "kind": item.get("kind"),
                "options": options,
                "key": None if lines else key,
                "lines": lines,
            }
        )
    return out


class ResultsService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._public: tuple[int, list[dict[str, Any]]] = (-1, [])

    async def public(self) -> tuple[int, list[dict[str, Any]]]:
        """The public results page's data and the log size it reflects; recomputed only when the log grew
        (thousands of phones may ask at once, each costing one small read)."""
        size = await self.version()
        if size != self._public[0]:
            self._public = (size, await public_results(self.ctx.db))
        return self._public

    async def state(self, who: Member, *, exam: object) -> dict[str, Any]:
        """Current standings by the exam's rules (not yet published), committee marks and every proposal."""
        del who  # any committee member may read
        async with self.ctx.db.read() as s:
            found = await standing.find_exam(s, exam)
            current = await standing.load_standing(s, found)
            proposals = await regrade.proposals(s, found)
            published = await standing.logged(s, "results.published", exam=found.code)
        marks = current.mark_seqs
        return {
            "exam": found.code,
            "key_revealed": found.key_revealed,
            "spec_hash": spec_hash(current.spec),
            "required_approvals": standing.approvals_required(found),
            "corrections_applied": current.applied,
            "rules": rules_view(current.rules),
            "items": items_view(current.spec_raw) if found.key_revealed else [],
            "standings": current.results(),
            "published_seq": published[-1][0] if published else None,
            "proposals": [
                {**p.as_json(), "marks_since": sum(1 for m in marks if m > p.seq)} for p in reversed(proposals)
            ],
            **regrade.marks_view(current),
        }

    async def version(self) -> int:
        """The log's size: the results view changes only when an event is appended (an ETag for polling)."""
        async with self.ctx.db.read() as s:
            return await standing.log_size(s)

    async def preview(self, who: Member, *, exam: object, corrections: object) -> dict[str, Any]:
        """The dry-run diff of corrections, computed and shown but not logged."""
        who.require(*PROPOSER_ROLES)
        _found, _hash, diff = await self._dry_run(exam, regrade.parse_corrections(corrections))
        return diff.as_json()

    async def preview_proposal(self, who: Member, *, exam: object, seq: int) -> dict[str, Any]:
        """A logged proposal's dry run again, against today's marks (its logged diff is frozen when proposed):
        what an approving member should look at before approving."""
        who.require(*regrade.APPROVER_ROLES)
        async with self.ctx.db.read() as s:
            found = await regrade.open_proposal(s, await standing.find_exam(s, exam), seq)
        _exam, _hash, diff = await self._dry_run(exam, standing.corrections_of(found.data))
        return diff.as_json()

    async def _dry_run(self, exam: object, parsed: list[Correction]) -> tuple[Exam, str, RegradeDiff]:
        """The exam, the hash of the spec in force and the diff, read and graded outside the writer."""
        async with self.ctx.db.read() as s:
            found = await standing.find_exam(s, exam)
            if not found.key_revealed:
                raise NOT_REVEALED
            current = await standing.load_standing(s, found)
            _raw, new_spec = regrade.corrected_spec(current, parsed)
            diff = await regrade.diff_of(s, current, new_spec)
        return found, spec_hash(current.spec), diff

    async def propose(self, who: Member, *, exam: object, corrections: object, reason: object) -> dict[str, Any]:
        """Compute the dry run outside the writer, then log the proposal if the key has not moved meanwhile."""
        who.require(*PROPOSER_ROLES)
        why = _reason(reason)
        parsed = regrade.parse_corrections(corrections)
        found, old_hash, diff = await self._dry_run(exam, parsed)

        async def unit(tx: Tx) -> int:
            return await regrade.propose(
                tx,
                await standing.find_exam(tx.s, found.code),
                corrections=parsed,
                diff=diff,
                old_hash=old_hash,
                by=who.username,
                reason=why,
            )

        seq = await self.ctx.write(unit)
        return {"seq": seq, "diff": diff.as_json()}

    async def approve(self, who: Member, *, exam: object, seq: object, reason: object) -> dict[str, Any]:
        who.require(*regrade.APPROVER_ROLES)
        why = _reason(reason)

        async def unit(tx: Tx) -> dict[str, Any]:
            return await regrade.approve(tx, await standing.find_exam(tx.s, exam), seq=seq, by=who.username, reason=why)

        return await self.ctx.write(unit)

    async def reject(self, who: Member, *, exam: object, seq: object, reason: object) -> int:
        who.require(*regrade.APPROVER_ROLES)
        why = _reason(reason)

        async def unit(tx: Tx) -> int:
            return await regrade.reject(tx, await standing.find_exam(tx.s, exam), seq=seq, by=who.username, reason=why)

        return await self.ctx.write(unit)

    async def enter_marks(
        self, who: Member, *, exam: object, component: object, entries: object, reason: object
    ) -> list[int]:
        """All or nothing: every entry is checked, then each is logged as its own ``score.entered``."""
        who.require(*MARK_ROLES)
        why = _reason(reason)

        async def unit(tx: Tx) -> list[int]:
            found = await standing.find_exam(tx.s, exam)
            code, parsed = regrade.parse_marks(standing.rules_of(found), component, entries)
            return await regrade.enter_marks(tx, found, component=code, entries=parsed, by=who.username, reason=why)

        return await self.ctx.write(unit)
