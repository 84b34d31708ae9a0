"""Ranking within a formation: a cascade of criteria, competition ranking ("1, 2, 2, 4") on full ties."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from stream.live.model import SeatRow

_LAST = 1 << 62  # sorts after every real millisecond timestamp


@dataclass(frozen=True, slots=True)
class Criterion:
    """One tie-break step: a name (shown in docs and audits) and a key where smaller ranks higher."""

    name: str
    key: Callable[[SeatRow], Any]


def total_desc() -> Criterion:
    return Criterion("total_desc", lambda r: -(r.total_milli or 0))


def submitted_earlier() -> Criterion:
    return Criterion("submitted_earlier", lambda r: r.submitted_at_ms if r.submitted_at_ms is not None else _LAST)


def section_desc(code: str) -> Criterion:
    """Higher score in one section (or the sum of several, ``"TIK+TKP"``) first."""
    codes = code.split("+")

    def key(r: SeatRow) -> int:
        scores = dict(r.sections)
        return -sum(scores.get(c, 0) for c in codes)

    return Criterion(f"section_desc:{code}", key)


def criterion(name: str) -> Criterion:
    """A criterion by the name it is shown under: ``total_desc``, ``submitted_earlier``, ``section_desc:X``."""
    if name == "total_desc":
        return total_desc()
    if name == "submitted_earlier":
        return submitted_earlier()
    if name.startswith("section_desc:") and len(name) > len("section_desc:"):
        return section_desc(name[len("section_desc:") :])
    raise ValueError(f"unknown ranking criterion {name!r}")


@cache
def cascade_of(names: tuple[str, ...]) -> Cascade:
    """The cascade a session names (built once per distinct list)."""
    return Cascade(tuple(criterion(n) for n in names))


@dataclass(frozen=True, slots=True)
class Cascade:
    """Criteria applied in order; seats equal on all of them share a rank."""

    criteria: tuple[Criterion, ...]

    def key(self, row: SeatRow) -> tuple[Any, ...]:
        return tuple(c.key(row) for c in self.criteria)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.criteria)


DEFAULT_CASCADE = Cascade((total_desc(), submitted_earlier()))
"""Total descending, then whoever submitted earlier, then an equal rank."""


def rank(rows: Iterable[SeatRow], cascade: Cascade = DEFAULT_CASCADE) -> dict[str, int]:
    """Rank by participant number for the seats that are ranked (submitted with a total); others are absent."""
    ranked: Sequence[SeatRow] = sorted((r for r in rows if r.ranked), key=lambda r: (cascade.key(r), r.number))
    out: dict[str, int] = {}
    prev_key: tuple[Any, ...] | None = None
    prev_rank = 0
    for position, row in enumerate(ranked, start=1):
        key = cascade.key(row)
        if key != prev_key:
            prev_rank, prev_key = position, key
        out[row.number] = prev_rank
    return out
