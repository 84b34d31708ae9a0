"""Ranking per formation (village × position): final scores, thresholds, tie-break cascade, retest flags."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from grader.canonical import JsonValue
from grader.components import (
    CandidateScore,
    ComponentScore,
    FinalScore,
    FormationRules,
    final_score,
    valid_birth_date,
)

RANKED = "ranked"
BELOW_THRESHOLD = "below_threshold"
INCOMPLETE = "incomplete"
ABSENT = "absent"
_STATUS_ORDER = {RANKED: 0, BELOW_THRESHOLD: 1, INCOMPLETE: 2, ABSENT: 3}
_LAST = (1, 0)
"""Sort key part for a missing finish time or birth date: after every present one."""


@dataclass(frozen=True, slots=True)
class RankedRow:
    candidate: str
    formation: str
    rank: int | None
    """Competition ranking (1, 2, 2, 4) among ``ranked`` rows; None for every other status."""
    status: str
    """``ranked``, ``below_threshold`` (a pass mark not met), ``incomplete`` (a component not yet
    entered / no graded attempt) or ``absent`` (never ranked)."""
    total_milli: int | None
    before_bonus_milli: int | None
    bonus_milli: int
    capped: bool
    components: tuple[ComponentScore, ...]
    tied: bool
    """Shares its rank with another candidate after the whole cascade."""
    retest: bool
    """Tied and the cascade ends in ``retest``: the committee must re-test the tied candidates."""
    decided_by: str | None
    """The cascade step that separated this row from an equal total (e.g. ``finish_time``), if any."""

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "candidate": self.candidate,
            "formation": self.formation,
            "rank": self.rank,
            "status": self.status,
            "total_milli": self.total_milli,
            "before_bonus_milli": self.before_bonus_milli,
            "bonus_milli": self.bonus_milli,
            "capped": self.capped,
            "components": [c.as_json() for c in self.components],
            "tied": self.tied,
            "retest": self.retest,
            "decided_by": self.decided_by,
        }


def rank_formation(candidates: Sequence[CandidateScore], rules: FormationRules) -> tuple[RankedRow, ...]:
    """Rows of one formation: ranked candidates first (best first), then below threshold, incomplete,
    absent. Deterministic: the input order does not matter (final ties listed by candidate number)."""
    formations = {c.formation for c in candidates}
    if len(formations) > 1:
        raise ValueError(f"candidates of several formations: {sorted(formations)}")
    ids = [c.candidate for c in candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("a candidate is listed twice")
    steps = _steps(rules.tie_breaks)
    scored: list[tuple[CandidateScore, FinalScore | None, str]] = []
    for candidate in candidates:
        if not candidate.present:
            scored.append((candidate, None, ABSENT))
            continue
        final = final_score(rules, candidate)
        status = RANKED if final.complete and final.passed else INCOMPLETE if not final.complete else BELOW_THRESHOLD
        scored.append((candidate, final, status))
    ranked: list[tuple[CandidateScore, FinalScore]] = [(c, f) for c, f, s in scored if s == RANKED and f is not None]
    keys = {c.candidate: (-f.total_milli, *(_key(step, c, f.components) for step in steps)) for c, f in ranked}
    ranked.sort(key=lambda pair: (keys[pair[0].candidate], pair[0].candidate))
    rows: list[RankedRow] = []
    retest = "retest" in rules.tie_breaks
    first_at: dict[tuple[object, ...], int] = {}
    count: dict[tuple[object, ...], int] = {}
    for index, (candidate, _final) in enumerate(ranked):
        key = keys[candidate.candidate]
        first_at.setdefault(key, index)
        count[key] = count.get(key, 0) + 1
    for index, (candidate, final) in enumerate(ranked):
        key = keys[candidate.candidate]
        first = first_at[key]
        tied = count[key] > 1
        rows.append(
            RankedRow(
                candidate.candidate,
                candidate.formation,
                first + 1,
                RANKED,
                final.total_milli,
                final.before_bonus_milli,
                final.bonus_milli,
                final.capped,
                final.components,
                tied,
                tied and retest,
                _decided_by(index, ranked, keys, steps),
            )
        )
    rest = [(c, f, s) for c, f, s in scored if s != RANKED]
    rest.sort(key=lambda t: (_STATUS_ORDER[t[2]], -(t[1].total_milli if t[1] else 0), t[0].candidate))
    for candidate, rest_final, status in rest:
        final_or_none = rest_final
        rows.append(
            RankedRow(
                candidate.candidate,
                candidate.formation,
                None,
                status,
                final_or_none.total_milli if final_or_none and final_or_none.complete else None,
                final_or_none.before_bonus_milli if final_or_none and final_or_none.complete else None,
                final_or_none.bonus_milli if final_or_none else 0,
                bool(final_or_none and final_or_none.capped),
                final_or_none.components if final_or_none else (),
                False,
                False,
                None,
            )
        )
    return tuple(rows)


def rank_all(candidates: Iterable[CandidateScore], rules: FormationRules) -> dict[str, tuple[RankedRow, ...]]:
    """``rank_formation`` for every formation, keyed by formation code in sorted order."""
    groups: dict[str, list[CandidateScore]] = {}
    for candidate in candidates:
        groups.setdefault(candidate.formation, []).append(candidate)
    return {formation: rank_formation(groups[formation], rules) for formation in sorted(groups)}


def formation_code(village: str, position: str) -> str:
    """The formation of a roster row (village × position) as ``CandidateScore.formation`` holds it."""
    return f"{village}/{position}"


def formation_results(
    roster: Iterable[Mapping[str, str]], candidates: Mapping[str, CandidateScore], rules: FormationRules
) -> list[dict[str, JsonValue]]:
    """Published results: every formation (village × position) of the roster with every one of its
    candidates ranked by ``rules`` (components, bonus, cap, pass marks, tie-break cascade).

    ``roster`` rows carry ``number``, ``village`` and ``position``; ``candidates`` holds each roster
    number's ``CandidateScore`` (a number missing from it is absent). Deterministic: formations sorted,
    rows in ``rank_formation`` order.
    """
    groups: dict[tuple[str, str], list[CandidateScore]] = {}
    for row in roster:
        village, position, number = str(row["village"]), str(row["position"]), str(row["number"])
        code = formation_code(village, position)
        score = candidates.get(number) or CandidateScore(number, code, False)
        if score.formation != code:
            score = dataclasses.replace(score, formation=code)
        groups.setdefault((village, position), []).append(score)
    return [
        {
            "village": village,
            "position": position,
            "rows": [row.as_json() for row in rank_formation(groups[(village, position)], rules)],
        }
        for village, position in sorted(groups)
    ]


def _steps(tie_breaks: tuple[str, ...]) -> tuple[str, ...]:
    """The cascade up to (not including) ``retest``."""
    return tuple(step for step in tie_breaks if step != "retest")


def _key(step: str, candidate: CandidateScore, components: tuple[ComponentScore, ...]) -> tuple[int, int]:
    """Smaller sorts first."""
    if step.startswith("component:"):
        code = step[len("component:") :]
        value = next((c.value_milli for c in components if c.code == code), None)
        return (0, -value) if value is not None else _LAST
    if step == "finish_time":
        return (0, candidate.finished_ms) if candidate.finished_ms is not None else _LAST
    if step in ("age:older", "age:younger"):
        if not valid_birth_date(candidate.birth_date):
            return _LAST
        assert candidate.birth_date is not None
        try:
            day = datetime.date.fromisoformat(candidate.birth_date).toordinal()
        except ValueError:
            return _LAST
        return (0, day) if step == "age:older" else (0, -day)
    raise ValueError(f"unknown tie-break {step!r}")


def _decided_by(
    index: int,
    ranked: Sequence[tuple[CandidateScore, object]],
    keys: dict[str, tuple[object, ...]],
    steps: tuple[str, ...],
) -> str | None:
    """The latest cascade step needed to tell this row from a neighbour with the same total."""
    mine = keys[ranked[index][0].candidate]
    deciding: int | None = None
    for other in (index - 1, index + 1):
        if not 0 <= other < len(ranked):
            continue
        theirs = keys[ranked[other][0].candidate]
        if theirs[0] != mine[0] or theirs == mine:
            continue
        step = next(i for i in range(1, len(mine)) if mine[i] != theirs[i]) - 1
        deciding = step if deciding is None else max(deciding, step)
    return steps[deciding] if deciding is not None else None
