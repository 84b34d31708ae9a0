"""Grading whole attempts: exact sums, weights rounded half up, thresholds, and robustness to garbage."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader import GRADER_VERSION
from grader.build import build_exam, build_item
from grader.canonical import decode, encode
from grader.items import rule_for
from grader.model import ExamSpec
from grader.scoring import grade
from tests.grader.builders import exam, multi, raw_items, responses_for, section, single, tkp, truefalse

ALL_RIGHT = {"TIK-001": "C", "TIK-002": ["A", "C"], "TIK-003": True, "TKP-001": "A"}


def default_exam(**overrides: Any) -> ExamSpec:
    return build_exam(exam(**overrides))


def test_grader_version() -> None:
    assert GRADER_VERSION == "ujian-grader/1"
    assert grade(default_exam(), {}).grader_version == "ujian-grader/1"


def test_all_right_scores_the_maximum() -> None:
    result = grade(default_exam(), ALL_RIGHT)
    assert [(i.code, i.score_milli, i.max_milli, i.answered) for i in result.items] == [
        ("TIK-001", 5000, 5000, True),
        ("TIK-002", 4000, 4000, True),
        ("TIK-003", 2000, 2000, True),
        ("TKP-001", 5000, 5000, True),
    ]
    assert [(s.code, s.score_milli, s.max_milli, s.weighted_milli) for s in result.sections] == [
        ("TIK", 11000, 11000, 11000),
        ("TKP", 5000, 5000, 5000),
    ]
    assert (result.total_milli, result.max_total_milli, result.passed) == (16000, 16000, True)


def test_missing_answers_are_unanswered_and_score_zero() -> None:
    result = grade(default_exam(), {"TIK-001": "C"})
    assert [i.answered for i in result.items] == [True, False, False, False]
    assert result.total_milli == 5000


def test_responses_for_unknown_codes_are_ignored() -> None:
    assert grade(default_exam(), {**ALL_RIGHT, "NOPE": "A"}) == grade(default_exam(), ALL_RIGHT)


def test_malformed_responses_score_zero_without_raising() -> None:
    garbage = {"TIK-001": 3.5, "TIK-002": "A", "TIK-003": "true", "TKP-001": {"A": 1}}
    result = grade(default_exam(), garbage)
    assert result.total_milli == 0
    assert not any(i.answered for i in result.items)


def test_weights_are_exact_and_round_half_up() -> None:
    # TIK score 5 + 2 = 7 points × 0.15 = 1.05 → 1050; TKP: weight 0.0005 × 4000 = 2 milli;
    # one weight making a half: 1 point multi per_option over 8 options (625 milli) × 0.5 = 312.5 → 313
    spec = build_exam(
        exam(
            sections=[
                section("TIK", weight="0.15"),
                section("TKP", weight="0.0005"),
                section("X", weight="0.5"),
            ],
            items=[
                single(),
                truefalse(),
                tkp(),
                multi(
                    "X-1",
                    key=["A"],
                    partial="per_option",
                    points=1,
                    options=["A", "B", "C", "D", "E", "F", "G", "H"],
                    section="X",
                ),
            ],
        )
    )
    result = grade(spec, {"TIK-001": "C", "TIK-003": True, "TKP-001": "B", "X-1": ["A", "B", "C", "D"]})
    assert [s.weighted_milli for s in result.sections] == [1050, 2, 313]
    assert result.total_milli == 1365
    # max: 7000 × 0.15 = 1050; 5000 × 0.0005 = 2.5 → 3; 1000 × 0.5 = 500
    assert result.max_total_milli == 1553


def test_section_pass_min_is_on_the_unweighted_score() -> None:
    spec = default_exam(sections=[section("TIK", weight="0.5", pass_min="7"), section("TKP")])
    just = grade(spec, {"TIK-001": "C", "TIK-003": True})  # 7 points raw, 3.5 weighted
    assert just.sections[0].score_milli == 7000
    assert just.sections[0].weighted_milli == 3500
    assert just.sections[0].passed
    assert just.passed
    short = grade(spec, {"TIK-001": "C"})
    assert not short.sections[0].passed
    assert not short.passed


def test_total_pass_min_uses_the_weighted_total() -> None:
    spec = default_exam(sections=[section("TIK", weight="2"), section("TKP")], pass_total_min="15")
    tik = {"TIK-001": "C", "TIK-003": True}  # 7 points × 2 = 14
    assert grade(spec, tik).total_milli == 14000
    assert not grade(spec, tik).passed
    exactly = grade(spec, {**tik, "TKP-001": "E"})  # + 1 = 15: the threshold itself passes
    assert exactly.total_milli == 15000
    assert exactly.passed


def test_as_json_is_canonical_and_complete() -> None:
    result = grade(default_exam(sections=[section("TIK", pass_min="1"), section("TKP")]), ALL_RIGHT)
    data = result.as_json()
    assert decode(encode(data)) == data
    assert data["total_milli"] == 16000
    assert data["grader_version"] == GRADER_VERSION
    sections = data["sections"]
    assert isinstance(sections, list)
    assert sections[0] == {
        "code": "TIK",
        "score_milli": 11000,
        "max_milli": 11000,
        "weighted_milli": 11000,
        "pass_min_milli": 1000,
        "passed": True,
    }


def test_items_are_reported_by_section_in_section_order() -> None:
    spec = default_exam(sections=[section("TKP"), section("TIK")])
    assert [i.code for i in grade(spec, {}).items] == ["TKP-001", "TIK-001", "TIK-002", "TIK-003"]


# ---- properties --------------------------------------------------------------------------------------


@st.composite
def item_and_response(draw: st.DrawFn) -> tuple[dict[str, Any], Any]:
    raw = draw(raw_items())
    return raw, draw(responses_for(raw))


@given(item_and_response())
def test_any_response_scores_within_range_deterministically(case: tuple[dict[str, Any], Any]) -> None:
    raw, value = case
    item = build_item(raw)
    rule = rule_for(item.kind)
    score = rule.score_milli(item, value)
    assert 0 <= score <= rule.max_milli(item)
    assert rule.score_milli(item, value) == score
    if rule.check_response(item, value) is not None:
        assert score == 0
        assert not rule.answered(item, value)
    if value is None:
        assert score == 0


@given(item_and_response(), st.randoms(use_true_random=False))
def test_score_does_not_depend_on_option_or_answer_order(case: tuple[dict[str, Any], Any], rnd: Any) -> None:
    raw, value = case
    item = build_item(raw)
    shuffled = dict(raw)
    shuffled["options"] = rnd.sample(raw["options"], len(raw["options"]))
    if isinstance(raw["key"], list):
        shuffled["key"] = rnd.sample(raw["key"], len(raw["key"]))
    moved = rnd.sample(value, len(value)) if isinstance(value, list) else value
    rule = rule_for(item.kind)
    assert rule.score_milli(build_item(shuffled), moved) == rule.score_milli(item, value)


@given(st.lists(item_and_response(), min_size=1, max_size=8), st.sampled_from(["1", "0.3", "2.5", "0.001"]))
def test_grade_is_total_and_bounded(cases: list[tuple[dict[str, Any], Any]], weight: str) -> None:
    items, responses = [], {}
    for index, (raw, value) in enumerate(cases):
        raw["code"] = f"Q-{index}"
        items.append(raw)
        responses[raw["code"]] = value
    spec = build_exam(exam(items=items, sections=[section("TIK", weight=weight)]))
    result = grade(spec, responses)
    assert result == grade(spec, dict(reversed(responses.items())))
    assert 0 <= result.total_milli <= result.max_total_milli
    assert result.sections[0].score_milli == sum(i.score_milli for i in result.items)
    assert decode(encode(result.as_json())) == result.as_json()


@pytest.mark.parametrize("value", [[], None])
def test_blank_multi_counts_as_unanswered_in_results(value: Any) -> None:
    spec = default_exam(items=[multi(partial="per_option"), tkp()])
    assert not grade(spec, {"TIK-002": value}).items[0].answered
