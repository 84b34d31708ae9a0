"""The ``tkp`` rule: a weight 1..5 per option."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.build import build_item
from grader.items import rule_for
from grader.problems import ProblemsError
from tests.grader.builders import ABCDE, TKP_WEIGHTS, tkp

RULE = rule_for("tkp")


def problems(raw: dict[str, Any]) -> list[tuple[str, str | None]]:
    with pytest.raises(ProblemsError) as caught:
        build_item(raw)
    return [(p.code, p.field) for p in caught.value.problems]


@pytest.mark.parametrize(("value", "expected"), [("A", 5000), ("B", 4000), ("E", 1000), (None, 0)])
def test_scores_the_chosen_weight(value: str | None, expected: int) -> None:
    item = build_item(tkp())
    assert RULE.score_milli(item, value) == expected


def test_points_field_is_ignored_and_max_is_the_highest_weight() -> None:
    item = build_item(tkp(key={"A": 3, "B": 2, "C": 1, "D": 1, "E": 2}, points=99))
    assert RULE.max_milli(item) == 3000
    assert item.points == 3
    assert build_item(tkp(points="garbage")) == build_item(tkp())


def test_key_is_frozen_sorted_pairs() -> None:
    item = build_item(tkp(key={"E": 1, "A": 5, "C": 3, "B": 4, "D": 2}))
    assert item.key == (("A", 5), ("B", 4), ("C", 3), ("D", 2), ("E", 1))


def test_missing_weights_are_named() -> None:
    raw = tkp(key={"A": 5, "B": 4, "C": 3})
    with pytest.raises(ProblemsError) as caught:
        build_item(raw)
    (problem,) = caught.value.problems
    assert (problem.code, problem.field) == ("key.weight_missing", "key")
    assert "D, E" in problem.id
    assert "D, E" in problem.en


@pytest.mark.parametrize("weight", [0, 6, -1, "5", 2.0, True, None])
def test_weight_outside_one_to_five_is_refused(weight: Any) -> None:
    assert ("key.weight_range", "key") in problems(tkp(key={**TKP_WEIGHTS, "C": weight}))


def test_weight_for_an_unknown_option_is_refused() -> None:
    assert ("key.unknown_option", "key") in problems(tkp(key={**TKP_WEIGHTS, "F": 1}))


@pytest.mark.parametrize("key", ["A", ["A", "B"], 5])
def test_key_must_be_a_mapping(key: Any) -> None:
    assert problems(tkp(key=key)) == [("key.invalid", "key")]


def test_malformed_answers_are_flagged() -> None:
    item = build_item(tkp())
    assert RULE.check_response(item, "F") is not None
    assert RULE.check_response(item, ["A"]) is not None
    assert RULE.check_response(item, "A") is None
    assert RULE.score_milli(item, ["A"]) == 0


@given(st.permutations(ABCDE), st.lists(st.integers(1, 5), min_size=5, max_size=5), st.sampled_from(ABCDE))
def test_option_order_does_not_change_the_score(order: list[str], weights: list[int], value: str) -> None:
    key = dict(zip(ABCDE, weights, strict=True))
    base = build_item(tkp(key=key))
    permuted = build_item(tkp(key=dict(reversed(key.items())), options=order))
    assert RULE.score_milli(permuted, value) == RULE.score_milli(base, value) == key[value] * 1000
