"""``ordering`` and ``matching``: partial-credit modes and option-shuffle invariance."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.build import build_item, item_to_raw
from grader.items import rule_for
from grader.problems import ProblemsError
from grader.shuffle import option_order
from tests.grader.new_builders import matching, ordering

ORDER = rule_for("ordering")
MATCH = rule_for("matching")


@pytest.mark.parametrize(
    ("partial", "value", "expected"),
    [
        (None, ["C", "A", "D", "B"], 6000),
        (None, ["A", "C", "D", "B"], 0),
        # adjacent pairs of the key: CA, AD, DB
        ("adjacent_pairs", ["A", "C", "D", "B"], 2000),  # DB
        ("adjacent_pairs", ["C", "A", "B", "D"], 2000),  # CA
        ("adjacent_pairs", ["B", "D", "A", "C"], 0),
        # Kendall: share of the 6 pairs in the right relative order
        ("kendall", ["A", "C", "D", "B"], 5000),
        ("kendall", ["B", "D", "A", "C"], 0),
        ("kendall", ["C", "A", "D", "B"], 6000),
    ],
)
def test_ordering_modes(partial: str | None, value: list[str], expected: int) -> None:
    assert ORDER.score_milli(build_item(ordering(partial=partial)), value) == expected


@pytest.mark.parametrize("value", [["C", "A", "D"], ["C", "A", "D", "B", "B"], ["C", "A", "D", "Z"], "CADB", [1]])
def test_ordering_needs_a_permutation(value: Any) -> None:
    item = build_item(ordering(partial="kendall"))
    assert ORDER.check_response(item, value) is not None
    assert ORDER.score_milli(item, value) == 0
    assert not ORDER.answered(item, value)


def test_ordering_key_must_be_a_permutation() -> None:
    with pytest.raises(ProblemsError) as caught:
        build_item(ordering(key=["A", "B", "C"]))
    assert [p.code for p in caught.value.problems] == ["key.not_permutation"]


@pytest.mark.parametrize(
    ("partial", "value", "expected"),
    [
        (None, {"1": "Q", "2": "P", "3": "S", "4": "R"}, 4000),
        (None, {"1": "Q", "2": "P", "3": "R", "4": "S"}, 2000),
        (None, {"1": "Q"}, 1000),
        (None, {"1": "Q", "2": None}, 1000),
        ("all_or_nothing", {"1": "Q", "2": "P", "3": "S"}, 0),
        ("all_or_nothing", {"4": "R", "3": "S", "2": "P", "1": "Q"}, 4000),
        (None, {}, 0),
    ],
)
def test_matching_modes(partial: str | None, value: dict[str, Any], expected: int) -> None:
    assert MATCH.score_milli(build_item(matching(partial=partial)), value) == expected


def test_matching_refuses_unknown_sides() -> None:
    item = build_item(matching())
    unknown_left = MATCH.check_response(item, {"9": "P"})
    unknown_option = MATCH.check_response(item, {"1": "Z"})
    assert unknown_left is not None
    assert unknown_left.code == "response.unknown_left"
    assert unknown_option is not None
    assert unknown_option.code == "response.unknown_option"


def test_matching_and_ordering_round_trip() -> None:
    for raw in (matching(), ordering(partial="adjacent_pairs")):
        item = build_item(raw)
        assert build_item(item_to_raw(item)) == item


seeds = st.binary(min_size=1, max_size=8).map(bytes.hex)


@given(
    seed=seeds,
    picks=st.permutations(["A", "B", "C", "D"]),
    partial=st.sampled_from(["all_or_nothing", "adjacent_pairs", "kendall"]),
)
def test_ordering_score_ignores_how_options_were_shuffled(seed: str, picks: list[str], partial: str) -> None:
    # The candidate answers with option ids; the display order (shuffled per candidate) cannot matter.
    item = build_item(ordering(partial=partial))
    shown = option_order(seed, item.code, item.options)
    renamed_back = [shown[shown.index(option)] for option in picks]
    assert ORDER.score_milli(item, renamed_back) == ORDER.score_milli(item, picks)
    reordered_item = build_item(ordering(partial=partial, options=list(shown)))
    assert ORDER.score_milli(reordered_item, picks) == ORDER.score_milli(item, picks)


@given(seed=seeds, data=st.data())
def test_matching_score_ignores_option_and_pair_order(seed: str, data: st.DataObject) -> None:
    item = build_item(matching())
    answer = {left: data.draw(st.sampled_from(["P", "Q", "R", "S", "T"])) for left in ("1", "2", "3", "4")}
    shown = option_order(seed, item.code, item.options)
    shuffled_item = build_item(matching(options=list(shown)))
    pairs = list(answer.items())
    random.Random(seed).shuffle(pairs)
    assert MATCH.score_milli(shuffled_item, dict(pairs)) == MATCH.score_milli(item, answer)


def test_kendall_is_one_minus_normalised_inversions() -> None:
    item = build_item(ordering(partial="kendall"))
    key = ["C", "A", "D", "B"]
    for perm in itertools.permutations(key):
        inversions = sum(1 for i, j in itertools.combinations(range(4), 2) if key.index(perm[i]) > key.index(perm[j]))
        assert ORDER.score_milli(item, list(perm)) == 6000 * (6 - inversions) // 6
