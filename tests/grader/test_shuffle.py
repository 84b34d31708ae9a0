"""Item and option order: a permutation, reproducible from the seed by anyone, different per seed."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.build import build_exam, build_item
from grader.shuffle import exam_item_order, item_order, option_order
from tests.grader.builders import exam, section, single

SEED = "00112233445566778899aabbccddeeff"
seeds = st.binary(min_size=1, max_size=32).map(bytes.hex)


def items(n: int, section_code: str = "TIK", prefix: str = "Q") -> list[Any]:
    return [build_item(single(f"{prefix}-{i:03}", section=section_code)) for i in range(n)]


def test_matches_the_documented_hash_order() -> None:
    pool = items(6)
    expected = sorted(
        (item.code for item in pool),
        key=lambda code: hashlib.sha256(bytes.fromhex(SEED) + b"\x00" + code.encode()).digest(),
    )
    assert item_order(SEED, pool, ["TIK"]) == tuple(expected)


def test_option_order_matches_the_documented_hash_order() -> None:
    def digest(option: str) -> bytes:
        return hashlib.sha256(bytes.fromhex(SEED) + b"\x00TIK-001\x00" + option.encode()).digest()

    assert option_order(SEED, "TIK-001", ["A", "B", "C", "D", "E"]) == tuple(sorted("ABCDE", key=digest))


def test_sections_keep_their_order_and_items_stay_inside_them() -> None:
    pool = items(5, "TKP", "P") + items(5, "TIK", "T")
    order = item_order(SEED, pool, ["TIK", "TKP"])
    assert [code[0] for code in order] == ["T"] * 5 + ["P"] * 5


def test_exam_item_order_uses_the_exam_sections() -> None:
    spec = build_exam(exam(sections=[section("TKP"), section("TIK")]))
    order = exam_item_order(SEED, spec)
    assert order[0] == "TKP-001"
    assert sorted(order[1:]) == ["TIK-001", "TIK-002", "TIK-003"]


@pytest.mark.parametrize("seed", ["", "abc", "ABCD", "zz", " 00", "0x00", 1234])
def test_bad_seeds_are_refused(seed: Any) -> None:
    with pytest.raises(ValueError, match="seed"):
        item_order(seed, items(2), ["TIK"])
    with pytest.raises(ValueError, match="seed"):
        option_order(seed, "Q", ["A", "B"])


def test_duplicates_and_unlisted_sections_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate item code"):
        item_order(SEED, items(2) + items(1), ["TIK"])
    with pytest.raises(ValueError, match="not listed"):
        item_order(SEED, items(2), ["TKP"])
    with pytest.raises(ValueError, match="duplicate section"):
        item_order(SEED, items(2), ["TIK", "TIK"])
    with pytest.raises(ValueError, match="duplicate option"):
        option_order(SEED, "Q", ["A", "A"])


@given(seeds, st.integers(0, 30), st.randoms(use_true_random=False))
def test_item_order_is_a_reproducible_permutation(seed: str, n: int, rnd: Any) -> None:
    pool = items(n)
    order = item_order(seed, pool, ["TIK"])
    assert sorted(order) == sorted(item.code for item in pool)
    assert item_order(seed, rnd.sample(pool, len(pool)), ["TIK"]) == order


@given(seeds, st.lists(st.text(min_size=1, max_size=4), unique=True, max_size=10), st.text(max_size=8))
def test_option_order_is_a_reproducible_permutation(seed: str, options: list[str], item_code: str) -> None:
    order = option_order(seed, item_code, options)
    assert sorted(order) == sorted(options)
    assert option_order(seed, item_code, list(reversed(options))) == order


@given(seeds, seeds)
def test_different_seeds_give_different_orders(first: str, second: str) -> None:
    # 20 items: two seeds agree on the whole order with probability 1/20!, so this never flakes.
    if first == second:
        return
    pool = items(20)
    assert item_order(first, pool, ["TIK"]) != item_order(second, pool, ["TIK"])
    options = [f"O{i}" for i in range(20)]
    assert option_order(first, "Q-1", options) != option_order(second, "Q-1", options)


def test_option_order_differs_between_items() -> None:
    options = [f"O{i}" for i in range(20)]
    assert option_order(SEED, "Q-1", options) != option_order(SEED, "Q-2", options)
