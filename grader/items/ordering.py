"""``ordering``: put every option in the right order; all-or-nothing, adjacent pairs or Kendall pairs."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from fractions import Fraction

from grader.canonical import JsonValue
from grader.items.base import (
    Collector,
    ItemRule,
    full_marks,
    key_missing,
    parse_option_item,
    register,
    show_options,
    type_name_en,
    type_name_id,
    wrong_type_problem,
)
from grader.items.params import Param, parse_typed_params
from grader.model import ItemSpec, OrderKey
from grader.problems import Problem

ALL_OR_NOTHING = "all_or_nothing"
ADJACENT_PAIRS = "adjacent_pairs"
KENDALL = "kendall"
PARAMS = {"partial": Param("choice", default=ALL_OR_NOTHING, choices=(ALL_OR_NOTHING, ADJACENT_PAIRS, KENDALL))}


def _parse_key(raw: Mapping[str, object], options: tuple[str, ...] | None, p: Collector) -> OrderKey | None:
    if key_missing(raw, p):
        return None
    key = raw["key"]
    if not isinstance(key, list) or not all(isinstance(k, str) for k in key):
        p.add(
            "key.invalid",
            f'Kunci urutan harus daftar semua opsi dalam urutan benar, mis. ["C","A","B"], bukan {type_name_id(key)}',
            f'An ordering key must list every option in the right order, e.g. ["C","A","B"], not {type_name_en(key)}',
            "key",
        )
        return None
    if options is not None and (sorted(key) != sorted(options) or len(set(key)) != len(key)):
        p.add(
            "key.not_permutation",
            f"Kunci urutan harus memuat setiap opsi tepat satu kali ({show_options(options)})",
            f"An ordering key must contain every option exactly once ({show_options(options)})",
            "key",
        )
        return None
    return OrderKey(tuple(str(k) for k in key))


@register
class OrderingRule(ItemRule):
    kind = "ordering"

    def parse(self, raw: Mapping[str, object]) -> ItemSpec:
        return parse_option_item(self.kind, raw, lambda raw, p: parse_typed_params(raw, p, PARAMS), _parse_key)

    def max_milli(self, item: ItemSpec) -> int:
        return full_marks(item)

    def check_response(self, item: ItemSpec, value: object) -> Problem | None:
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return wrong_type_problem(item, value, "daftar opsi berurutan", "a list of options in order")
        if sorted(value) != sorted(item.options):
            return Problem(
                code="response.not_permutation",
                id=f"Jawaban soal {item.code} harus memuat setiap opsi tepat satu kali ({show_options(item.options)})",
                en=f"The answer to item {item.code} must contain every option exactly once "
                f"({show_options(item.options)})",
            )
        return None

    def _score(self, item: ItemSpec, value: object) -> Fraction:
        assert isinstance(value, list)
        assert isinstance(item.key, OrderKey)
        key = item.key.order
        partial = item.param("partial")
        if partial == ADJACENT_PAIRS:
            given = set(itertools.pairwise(value))
            return Fraction(sum(1 for pair in itertools.pairwise(key) if pair in given), len(key) - 1)
        if partial == KENDALL:
            position = {option: index for index, option in enumerate(value)}
            ranks = [position[option] for option in key]
            right = sum(1 for a, b in itertools.combinations(ranks, 2) if a < b)
            return Fraction(right, len(key) * (len(key) - 1) // 2)
        return Fraction(1) if tuple(value) == key else Fraction(0)

    def raw_key(self, item: ItemSpec) -> JsonValue:
        assert isinstance(item.key, OrderKey)
        return list[JsonValue](item.key.order)
