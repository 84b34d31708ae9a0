"""``short_text`` (normalised answers, safe patterns) and ``numeric`` (tolerances, the decimal comma)."""

from __future__ import annotations

from typing import Any

import pytest

from grader.build import build_item, item_to_raw
from grader.items import rule_for
from grader.problems import ProblemsError
from tests.grader.new_builders import numeric, short_text

TEXT = rule_for("short_text")
NUMBER = rule_for("numeric")


def codes(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ProblemsError) as caught:
        build_item(raw)
    return [p.code for p in caught.value.problems]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Microsoft Excel", 3000),
        ("  microsoft   EXCEL ", 3000),
        ("ms excel", 3000),
        ("Microsoft Word", 0),
        ("Microsoft Excel.", 0),  # punctuation counts unless strip_punctuation
        ("", 0),
        (None, 0),
        (5, 0),
    ],
)
def test_short_text_normalises_case_and_spaces(value: Any, expected: int) -> None:
    item = build_item(short_text())
    assert TEXT.score_milli(item, value) == expected


def test_short_text_strip_punctuation_and_nfc() -> None:
    item = build_item(short_text(key=["Kab. Bojonegoro", "café"], params={"strip_punctuation": True}))
    assert TEXT.score_milli(item, "kab bojonegoro!") == 3000
    assert TEXT.score_milli(item, "cafe\u0301") == 3000  # decomposed é is the same answer


def test_short_text_pattern_is_anchored_and_case_insensitive() -> None:
    item = build_item(short_text(key={"answers": [], "pattern": r"=?sum\(b2:b9\)"}))
    assert TEXT.score_milli(item, "=SUM(B2:B9)") == 3000
    assert TEXT.score_milli(item, "x =SUM(B2:B9)") == 0


@pytest.mark.parametrize("pattern", [r"(a+)+b", r"(\w*)*", r"(a)\1", r"(?P<x>a)(?P=x)", r"(?=a)a", "a" * 201, "("])
def test_dangerous_or_broken_patterns_are_refused(pattern: str) -> None:
    assert codes(short_text(key={"pattern": pattern})) == ["key.pattern"]


def test_short_text_key_problems() -> None:
    assert codes(short_text(key=[])) == ["key.empty"]
    assert codes(short_text(key=["  "])) == ["key.invalid"]
    assert codes(short_text(key={"answer": ["x"]})) == ["key.invalid"]
    assert codes(short_text(options=["A", "B"])) == ["options.not_empty"]


def test_short_text_round_trips() -> None:
    for key in (["a", "b"], {"answers": ["a"], "pattern": "b+"}):
        item = build_item(short_text(key=key))
        assert build_item(item_to_raw(item)) == item


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3.5", 4000), ("3,5", 4000), (" 3,50 ", 4000), ("3.6", 0), ("3", 0), ("-3.5", 0), ("1.234,5", 0), ("3e0", 0)],
)
def test_numeric_exact(value: str, expected: int) -> None:
    assert NUMBER.score_milli(build_item(numeric()), value) == expected


def test_numeric_tolerances_are_exact() -> None:
    absolute = build_item(numeric(key="10", params={"tolerance": "0.1"}))
    assert NUMBER.score_milli(absolute, "10,1") == 4000
    assert NUMBER.score_milli(absolute, "9.9") == 4000
    assert NUMBER.score_milli(absolute, "10.1000001") == 0
    percent = build_item(numeric(key="-200", params={"tolerance": "5", "tolerance_mode": "percent"}))
    assert NUMBER.score_milli(percent, "-210") == 4000
    assert NUMBER.score_milli(percent, "-210.01") == 0
    assert NUMBER.score_milli(percent, -190) == 4000  # JSON integers are fine too


def test_numeric_rejects_ambiguous_responses_before_storing() -> None:
    item = build_item(numeric())
    problem = NUMBER.check_response(item, "1.234,5")
    assert problem is not None
    assert problem.code == "response.not_a_number"
    assert NUMBER.check_response(item, "3,5") is None
    assert NUMBER.check_response(item, 3.5) is not None  # floats never


@pytest.mark.parametrize("key", ["3,5", 3.5, "abc", True])
def test_numeric_key_must_be_a_decimal_with_a_point(key: Any) -> None:
    assert codes(numeric(key=key)) == ["key.invalid"]


def test_numeric_round_trips_negative_keys() -> None:
    item = build_item(numeric(key="-0.25", params={"tolerance": "0.01"}))
    assert build_item(item_to_raw(item)) == item
