"""What the public may see of a seat: frozen rows, formations and the projection that drops private fields."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

Status = Literal["not_started", "working", "submitted", "absent"]
SessionStatus = Literal["planned", "open", "paused", "closed"]

STATUSES: Final = ("not_started", "working", "submitted", "absent")
SESSION_STATUSES: Final = ("planned", "open", "paused", "closed")
IDENTITY_FIELDS: Final = ("number", "name", "village", "position")
"""The only per-seat fields the committee can hide; progress and (after submit) scores are always public."""

JsonObj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class FormationKey:
    """One ranked list: a session's candidates for one position in one village."""

    session: str
    village: str
    position: str

    @property
    def id(self) -> str:
        """Stable across processes and restarts: a hash of the three names, safe in URLs and room names."""
        raw = json.dumps([self.session, self.village, self.position], ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]

    def as_json(self) -> JsonObj:
        return {"id": self.id, "session": self.session, "village": self.village, "position": self.position}


@dataclass(frozen=True, slots=True)
class SeatRow:
    """A candidate's seat as the exam server knows it after a commit. Carries no question or answer data."""

    number: str
    name: str
    village: str
    position: str
    status: Status
    answered: int
    total: int
    deadline_ms: int | None = None
    """Wall-clock ms when time runs out; None when paused or not started."""
    remaining_ms_at_pause: int | None = None
    sections: tuple[tuple[str, int], ...] = ()
    """(section code, weighted score in milli-points); only shown once submitted."""
    total_milli: int | None = None
    passed: bool | None = None
    submitted_at_ms: int | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown seat status {self.status!r}")
        if not self.number:
            raise ValueError("seat number must not be empty")
        if self.total < 0 or not 0 <= self.answered <= max(self.total, 0):
            raise ValueError(f"answered {self.answered} of {self.total} is not a valid progress")
        for code, score in self.sections:
            if not isinstance(code, str) or isinstance(score, bool) or not isinstance(score, int):
                raise ValueError("sections must be (code, integer milli-points) pairs")

    @property
    def ranked(self) -> bool:
        """Only submitted seats with a total take part in the ranking."""
        return self.status == "submitted" and self.total_milli is not None


def formation_of(session: str, row: SeatRow) -> FormationKey:
    return FormationKey(session, row.village, row.position)


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """What the public sees of an exam session, and which identity fields the committee made public."""

    code: str
    title: str = ""
    status: SessionStatus = "open"
    sections: tuple[tuple[str, str], ...] = ()
    """(section code, title) in display order."""
    public_fields: frozenset[str] = field(default_factory=lambda: frozenset(IDENTITY_FIELDS))
    pass_total_milli: int | None = None
    cascade: tuple[str, ...] = ()
    """The exam's own ranking criteria by name (``stream.live.ranking.criterion``); () = the feed's default."""

    def __post_init__(self) -> None:
        if not self.code:
            raise ValueError("session code must not be empty")
        if self.status not in SESSION_STATUSES:
            raise ValueError(f"unknown session status {self.status!r}")
        unknown = set(self.public_fields) - set(IDENTITY_FIELDS)
        if unknown:
            raise ValueError(f"only identity fields can be marked public, not {sorted(unknown)}")

    def as_json(self) -> JsonObj:
        return {
            "code": self.code,
            "title": self.title,
            "status": self.status,
            "sections": [{"code": c, "title": t} for c, t in self.sections],
            "fields": [f for f in IDENTITY_FIELDS if f in self.public_fields],
            "pass_total": self.pass_total_milli,
        }


@dataclass(frozen=True, slots=True)
class SeatPresence:
    """Committee-only detail about a seat's connection; never leaves the exam server's /panitia namespace."""

    online: bool
    last_seen_ms: int | None = None
    disconnects: int = 0
    """Disconnects in the recent window (a burst suggests a flaky PC or cable)."""

    def as_json(self) -> JsonObj:
        return {"online": self.online, "last_seen": self.last_seen_ms, "disconnects": self.disconnects}


def public_row(row: SeatRow, *, key: str, rank: int | None, fields: Iterable[str]) -> JsonObj:
    """The public projection of a seat: identity fields only if public, progress always, scores after submit."""
    shown = set(fields)
    out: JsonObj = {"k": key}
    for name in IDENTITY_FIELDS:
        if name in shown:
            out[name] = getattr(row, name)
    out["status"] = row.status
    out["answered"] = row.answered
    out["total"] = row.total
    running = row.status == "working"
    out["deadline"] = row.deadline_ms if running else None
    out["paused_left"] = row.remaining_ms_at_pause if running else None
    submitted = row.status == "submitted"
    out["sections"] = dict(row.sections) if submitted else None
    out["score"] = row.total_milli if submitted else None
    out["passed"] = row.passed if submitted else None
    out["submitted_at"] = row.submitted_at_ms if submitted else None
    out["rank"] = rank if submitted else None
    return out


def committee_row(row: SeatRow, *, key: str, rank: int | None, presence: SeatPresence | None) -> JsonObj:
    """The committee's view: every identity field, the public progress and scores, and presence."""
    out = public_row(row, key=key, rank=rank, fields=IDENTITY_FIELDS)
    out["presence"] = presence.as_json() if presence is not None else None
    return out


PUBLIC_ROW_KEYS: Final = frozenset(
    {
        "k",
        *IDENTITY_FIELDS,
        "status",
        "answered",
        "total",
        "deadline",
        "paused_left",
        "sections",
        "score",
        "passed",
        "submitted_at",
        "rank",
    }
)
"""Every key a public row can ever carry; tests assert nothing else leaks."""


def sort_rows(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Display order: ranked seats by rank, then everyone else by participant number (or key)."""

    def order(r: Mapping[str, Any]) -> tuple[int, int, str]:
        rank = r.get("rank")
        return (0 if rank is not None else 1, rank or 0, str(r.get("number") or r.get("k")))

    return sorted(rows, key=order)
