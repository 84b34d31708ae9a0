"""The ``multi`` rule and its three partial-credit modes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.build import build_item
from grader.items import rule_for
from grader.problems import ProblemsError
from tests.grader.builders import ABCDE, multi

RULE = rule_for("multi")


def problems(raw: dict[str, Any]) -> list[tuple[str, str | None]]:
    with pytest.raises(ProblemsError) as caught:
        build_item(raw)
    return [(p.code, p.field) for p in caught.value.problems]


def test_key_is_a_frozenset_and_default_partial_is_explicit() -> None:
    item = build_item(multi(key=["C", "A"]))
    assert item.key == frozenset({"A", "C"})
    assert item.params == (("partial", "all_or_nothing"),)
    assert item == build_item(multi(key=["A", "C"], partial="all_or_nothing"))


# key A, C of A..E; points 4
@pytest.mark.parametrize(
    ("partial", "value", "expected"),
    [
        ("all_or_nothing", ["A", "C"], 4000),
        ("all_or_nothing", ["C", "A"], 4000),
        ("all_or_nothing", ["A"], 0),
        ("all_or_nothing", ["A", "C", "E"], 0),
        # per option: each of 5 options judged; 4 × right/5
        ("per_option", ["A", "C"], 4000),
        ("per_option", ["A"], 3200),  # A right, C wrong, B D E right → 4/5
        ("per_option", ["A", "B"], 2400),  # 3/5
        ("per_option", ["B", "D", "E"], 0),  # all 5 wrong
        # right minus wrong over len(key) = 2
        ("right_minus_wrong", ["A"], 2000),
        ("right_minus_wrong", ["A", "B"], 0),
        ("right_minus_wrong", ["A", "C", "B"], 2000),
        ("right_minus_wrong", ["B", "D"], 0),  # floored at 0, never negative
        ("right_minus_wrong", ["A", "C"], 4000),
    ],
)
def test_partial_credit_modes(partial: str, value: list[str], expected: int) -> None:
    item = build_item(multi(key=["A", "C"], partial=partial))
    assert RULE.score_milli(item, value) == expected


def test_per_option_rounds_half_up_to_milli() -> None:
    # 1 point over 3 options: one right = 333.33… → 333; two right = 666.66… → 667
    item = build_item(multi(key=["A"], partial="per_option", points=1, options=["A", "B", "C"]))
    assert RULE.score_milli(item, ["B"]) == 333
    assert RULE.score_milli(item, ["A", "B"]) == 667
    # 1 point over 8 options, 5 right → 625 exactly; 3 points, 1 of 8 right → 375
    wide = [*ABCDE, "F", "G", "H"]
    item8 = build_item(multi(key=["A"], partial="per_option", points=1, options=wide))
    assert RULE.score_milli(item8, ["A", "B", "C", "D"]) == 625


@pytest.mark.parametrize("partial", ["all_or_nothing", "per_option", "right_minus_wrong"])
def test_empty_list_is_unanswered_and_scores_zero(partial: str) -> None:
    item = build_item(multi(partial=partial))
    assert RULE.check_response(item, []) is None
    assert not RULE.answered(item, [])
    assert RULE.score_milli(item, []) == 0
    assert RULE.score_milli(item, None) == 0


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("A", ("key.invalid", "key")),
        ([], ("key.empty", "key")),
        (["A", "F"], ("key.unknown_option", "key")),
        (["A", "A"], ("key.duplicate", "key")),
        ([1], ("key.invalid", "key")),
        ({"A": 1}, ("key.invalid", "key")),
    ],
)
def test_bad_keys_are_reported(key: Any, expected: tuple[str, str]) -> None:
    assert problems(multi(key=key)) == [expected]


@pytest.mark.parametrize("params", [{"partial": "half"}, {"partial": 1}, {"bonus": "x"}, ["partial"]])
def test_bad_params_are_reported(params: Any) -> None:
    found = problems(multi(params=params))
    assert len(found) == 1
    assert found[0][1] == "params"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("A", "response.invalid"),
        (["A", "A"], "response.duplicate"),
        (["A", "F"], "response.unknown_option"),
        (["A", 1], "response.invalid"),
        ([["A"]], "response.invalid"),
    ],
)
def test_malformed_answers_are_flagged_and_score_zero(value: Any, code: str) -> None:
    item = build_item(multi(key=["A"], partial="per_option"))
    problem = RULE.check_response(item, value)
    assert problem is not None
    assert problem.code == code
    assert RULE.score_milli(item, value) == 0


@given(
    st.sampled_from(["all_or_nothing", "per_option", "right_minus_wrong"]),
    st.lists(st.sampled_from(ABCDE), min_size=1, unique=True),
    st.lists(st.sampled_from(ABCDE), unique=True),
    st.permutations(ABCDE),
    st.randoms(use_true_random=False),
)
def test_order_of_options_key_and_answer_does_not_matter(
    partial: str, key: list[str], value: list[str], order: list[str], rnd: Any
) -> None:
    base = build_item(multi(key=key, partial=partial))
    shuffled_key = list(key)
    rnd.shuffle(shuffled_key)
    shuffled_value = list(value)
    rnd.shuffle(shuffled_value)
    permuted = build_item(multi(key=shuffled_key, partial=partial, options=order))
    expected = RULE.score_milli(base, value)
    assert RULE.score_milli(permuted, shuffled_value) == expected
    assert 0 <= expected <= RULE.max_milli(base)
