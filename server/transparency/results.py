"""What the committee's results routes call: standings, committee marks, regrade proposals and approvals."""

from __future__ import annotations

from typing import Any

from grader.regrade import spec_hash
from server.services.committee import Member, _reason
from server.services.context import ServiceContext, Tx
from server.transparency import regrade, standing
from server.transparency.actions import NOT_REVEALED

MARK_ROLES = ("admin",)
PROPOSER_ROLES = ("admin",)


class ResultsService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def state(self, who: Member, *, exam: object) -> dict[str, Any]:
        """Current standings by the exam's rules (not yet published), committee marks and every proposal."""
        del who  # any committee member may read
        async with self.ctx.db.read() as s:
            found = await standing.find_exam(s, exam)
            current = await standing.load_standing(s, found)
            proposals = await regrade.proposals(s, found)
            published = await standing.logged(s, "results.published", exam=found.code)
        return {
            "exam": found.code,
            "key_revealed": found.key_revealed,
            "spec_hash": spec_hash(current.spec),
            "required_approvals": standing.approvals_required(found),
            "corrections_applied": current.applied,
            "standings": current.results(),
            "published_seq": published[-1][0] if published else None,
            "proposals": [p.as_json() for p in reversed(proposals)],
            **regrade.marks_view(current),
        }

    async def preview(self, who: Member, *, exam: object, corrections: object) -> dict[str, Any]:
        """The dry-run diff of corrections, computed and shown but not logged."""
        who.require(*PROPOSER_ROLES)
        parsed = regrade.parse_corrections(corrections)
        async with self.ctx.db.read() as s:
            found = await standing.find_exam(s, exam)
            if not found.key_revealed:
                raise NOT_REVEALED
            current = await standing.load_standing(s, found)
            _raw, new_spec = regrade.corrected_spec(current, parsed)
            diff = await regrade.diff_of(s, current, new_spec)
        return diff.as_json()

    async def propose(self, who: Member, *, exam: object, corrections: object, reason: object) -> dict[str, Any]:
        """Compute the dry run outside the writer, then log the proposal if the key has not moved meanwhile."""
        who.require(*PROPOSER_ROLES)
        why = _reason(reason)
        parsed = regrade.parse_corrections(corrections)
        async with self.ctx.db.read() as s:
            found = await standing.find_exam(s, exam)
            if not found.key_revealed:
                raise NOT_REVEALED
            current = await standing.load_standing(s, found)
            _raw, new_spec = regrade.corrected_spec(current, parsed)
            diff = await regrade.diff_of(s, current, new_spec)
        old_hash = spec_hash(current.spec)

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
