"""The public projection and the formation ranking."""

from __future__ import annotations

import dataclasses

import pytest

from stream.live.model import PUBLIC_ROW_KEYS, FormationKey, SeatRow, SessionInfo, public_row
from stream.live.ranking import (
    DEFAULT_CASCADE,
    Cascade,
    cascade_of,
    criterion,
    rank,
    section_desc,
    submitted_earlier,
    total_desc,
)
from tests.stream.live.helpers import seat


def test_formation_id_is_stable_and_distinct() -> None:
    a = FormationKey("S1", "Sukorejo", "Kaur Keuangan")
    assert a.id == FormationKey("S1", "Sukorejo", "Kaur Keuangan").id
    assert len(a.id) == 16
    assert a.id != FormationKey("S1", "Sukorejo", "Kaur Umum").id
    assert a.id != FormationKey("S2", "Sukorejo", "Kaur Keuangan").id


def test_projection_hides_scores_until_submitted_and_only_public_identity() -> None:
    working = seat(1, answered=12)
    row = public_row(working, key="r1", rank=None, fields={"number"})
    assert row["number"] == "P-001"
    assert "name" not in row
    assert "village" not in row
    assert "position" not in row
    assert row["answered"] == 12
    assert row["total"] == 40
    assert row["score"] is None
    assert row["sections"] is None
    assert row["rank"] is None
    assert set(row) <= PUBLIC_ROW_KEYS

    done = seat(2, status="submitted", score=71_500, submitted_at=10)
    row = public_row(done, key="r2", rank=1, fields={"number", "name", "village", "position"})
    assert row["score"] == 71_500
    assert row["sections"] == {"TWK": 35_750, "TIU": 35_750}
    assert row["rank"] == 1
    assert row["passed"] is True
    assert row["deadline"] is None


def test_a_working_row_never_shows_scores_even_if_given() -> None:
    odd = SeatRow("P-9", "X", "V", "P", "working", 3, 10, sections=(("A", 5000),), total_milli=5000, passed=True)
    row = public_row(odd, key="r9", rank=3, fields=())
    assert row["score"] is None
    assert row["sections"] is None
    assert row["passed"] is None
    assert row["rank"] is None


@pytest.mark.parametrize(
    "bad",
    [
        {"status": "cheating"},
        {"answered": 41},
        {"answered": -1},
        {"number": ""},
        {"sections": (("A", 1.5),)},
    ],
)
def test_row_validation(bad: dict[str, object]) -> None:
    base = {
        "number": "P",
        "name": "N",
        "village": "V",
        "position": "P",
        "status": "working",
        "answered": 1,
        "total": 40,
    }
    with pytest.raises(ValueError, match=r"status|progress|empty|milli"):
        SeatRow(**{**base, **bad})  # type: ignore[arg-type]


def test_session_info_only_identity_fields_can_be_public() -> None:
    with pytest.raises(ValueError, match="identity fields"):
        SessionInfo("S", public_fields=frozenset({"number", "pin"}))


def test_default_ranking_total_then_earlier_submit_then_equal() -> None:
    rows = [
        seat(1, status="submitted", score=80_000, submitted_at=300),
        seat(2, status="submitted", score=90_000, submitted_at=500),
        seat(3, status="submitted", score=80_000, submitted_at=200),
        seat(4, status="submitted", score=80_000, submitted_at=200),
        seat(5, answered=39),
        seat(6, status="absent"),
    ]
    ranks = rank(rows)
    assert ranks == {"P-002": 1, "P-003": 2, "P-004": 2, "P-001": 4}
    assert DEFAULT_CASCADE.names == ("total_desc", "submitted_earlier")


def test_pluggable_cascade() -> None:
    a = seat(1, status="submitted", score=80_000, submitted_at=1)
    b = seat(2, status="submitted", score=80_000, submitted_at=2)
    # b gets more in TIU under this cascade when we skew sections
    b = SeatRow(**{**{f: getattr(b, f) for f in b.__slots__}, "sections": (("TWK", 30_000), ("TIU", 50_000))})
    cascade = Cascade((total_desc(), section_desc("TIU"), submitted_earlier()))
    assert rank([a, b], cascade) == {"P-002": 1, "P-001": 2}
    assert rank([a, b]) == {"P-001": 1, "P-002": 2}


def test_criteria_by_name_and_section_sums() -> None:
    a = dataclasses.replace(seat(1, status="submitted", score=60_000), sections=(("TWK", 40_000), ("TIU", 20_000)))
    b = dataclasses.replace(seat(2, status="submitted", score=60_000), sections=(("TWK", 20_000), ("TIU", 40_000)))
    c = dataclasses.replace(seat(3, status="submitted", score=60_000), sections=(("TWK", 30_000), ("TIU", 30_000)))
    by_tiu = cascade_of(("total_desc", "section_desc:TIU"))
    assert by_tiu.names == ("total_desc", "section_desc:TIU")
    assert rank([a, b, c], by_tiu) == {"P-002": 1, "P-003": 2, "P-001": 3}
    both = cascade_of(("total_desc", "section_desc:TWK+TIU"))  # a component made of both sections: tied
    assert rank([a, b, c], both) == {"P-001": 1, "P-002": 1, "P-003": 1}
    with pytest.raises(ValueError, match="unknown ranking criterion"):
        criterion("age:older")
