"""``matching``: pair each left-hand entry with one of the options; credit per right pair or all-or-nothing."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from grader.canonical import JsonValue
from grader.items.base import (
    Collector,
    ItemRule,
    full_marks,
    key_missing,
    not_an_option_problem,
    parse_option_item,
    register,
    show,
    type_name_en,
    type_name_id,
    valid_option_id,
    wrong_type_problem,
)
from grader.items.params import Param, parse_typed_params
from grader.model import ItemSpec, PairsKey
from grader.problems import Problem

PER_PAIR = "per_pair"
ALL_OR_NOTHING = "all_or_nothing"
PARAMS = {"partial": Param("choice", default=PER_PAIR, choices=(PER_PAIR, ALL_OR_NOTHING))}


def _parse_key(raw: Mapping[str, object], options: tuple[str, ...] | None, p: Collector) -> PairsKey | None:
    if key_missing(raw, p):
        return None
    key = raw["key"]
    if not isinstance(key, dict) or not key:
        p.add(
            "key.invalid",
            f'Kunci menjodohkan harus berupa objek kiri → opsi, mis. {{"1":"B","2":"A"}}, bukan {type_name_id(key)}',
            f'A matching key must be an object left → option, e.g. {{"1":"B","2":"A"}}, not {type_name_en(key)}',
            "key",
        )
        return None
    ok = True
    for left, right in key.items():
        if not valid_option_id(left):
            ok = False
            p.add(
                "key.invalid",
                f"Kode sisi kiri {show(left)} tidak sah: harus teks 1–16 karakter tanpa spasi",
                f"Left-hand id {show(left)} is invalid: it must be text of 1–16 characters without spaces",
                "key",
            )
        if not isinstance(right, str) or (options is not None and right not in options):
            ok = False
            p.add(
                "key.unknown_option",
                f"Pasangan {show(left)} → {show(right)}: bukan salah satu opsi",
                f"Pair {show(left)} → {show(right)}: not one of the options",
                "key",
            )
    if not ok:
        return None
    return PairsKey(tuple(sorted((str(left), str(right)) for left, right in key.items())))


@register
class MatchingRule(ItemRule):
    kind = "matching"

    def parse(self, raw: Mapping[str, object]) -> ItemSpec:
        return parse_option_item(self.kind, raw, lambda raw, p: parse_typed_params(raw, p, PARAMS), _parse_key)

    def max_milli(self, item: ItemSpec) -> int:
        return full_marks(item)

    def check_response(self, item: ItemSpec, value: object) -> Problem | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            return wrong_type_problem(item, value, 'objek kiri → opsi, mis. {"1":"B"}', "an object left → option")
        assert isinstance(item.key, PairsKey)
        lefts = {left for left, _ in item.key.pairs}
        for left, right in value.items():
            if left not in lefts:
                return Problem(
                    code="response.unknown_left",
                    id=f"Jawaban soal {item.code}: {show(left)} bukan entri sisi kiri soal ini",
                    en=f"The answer to item {item.code}: {show(left)} is not a left-hand entry of this item",
                )
            if right is not None and right not in item.options:
                return not_an_option_problem(item, right)
        return None

    def answered(self, item: ItemSpec, value: object) -> bool:
        return (
            isinstance(value, dict)
            and any(v is not None for v in value.values())
            and self.check_response(item, value) is None
        )

    def _score(self, item: ItemSpec, value: object) -> Fraction:
        assert isinstance(value, dict)
        assert isinstance(item.key, PairsKey)
        right = sum(1 for left, option in item.key.pairs if value.get(left) == option)
        if item.param("partial") == ALL_OR_NOTHING:
            return Fraction(1) if right == len(item.key.pairs) else Fraction(0)
        return Fraction(right, len(item.key.pairs))

    def raw_key(self, item: ItemSpec) -> JsonValue:
        assert isinstance(item.key, PairsKey)
        return dict[str, JsonValue](item.key.pairs)
