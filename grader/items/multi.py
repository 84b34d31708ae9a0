"""``multi``: several right options; all-or-nothing by default, or partial credit per ``params.partial``."""

from __future__ import annotations

from collections import Counter
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
    parse_params,
    register,
    show,
    show_options,
    type_name_en,
    type_name_id,
    wrong_type_problem,
)
from grader.model import ItemSpec, ParamValue
from grader.problems import Problem

ALL_OR_NOTHING = "all_or_nothing"
PER_OPTION = "per_option"
RIGHT_MINUS_WRONG = "right_minus_wrong"
PARTIAL_CHOICES = (ALL_OR_NOTHING, PER_OPTION, RIGHT_MINUS_WRONG)
"""The first is the default."""


def parse_key_set(raw: Mapping[str, object], options: tuple[str, ...] | None, p: Collector) -> frozenset[str] | None:
    if key_missing(raw, p):
        return None
    key = raw["key"]
    if isinstance(key, str):
        p.add(
            "key.invalid",
            f'Kunci soal pilihan ganda kompleks harus berupa daftar, mis. ["A","C"], bukan {show(key)}',
            f'The key of a multiple-answer item must be a list, e.g. ["A","C"], not {show(key)}',
            "key",
        )
        return None
    if not isinstance(key, list):
        p.add(
            "key.invalid",
            f'Kunci harus berupa daftar opsi, mis. ["A","C"], bukan {type_name_id(key)}',
            f'The key must be a list of options, e.g. ["A","C"], not {type_name_en(key)}',
            "key",
        )
        return None
    if not key:
        p.add(
            "key.empty",
            "Kunci harus memuat paling sedikit satu opsi",
            "The key must contain at least one option",
            "key",
        )
        return None
    ok = True
    for entry in key:
        if not isinstance(entry, str):
            ok = False
            p.add(
                "key.invalid",
                f"Isi kunci {show(entry)} harus berupa opsi (teks), mis. 'A'",
                f"Key entry {show(entry)} must be an option (text), e.g. 'A'",
                "key",
            )
        elif options is not None and entry not in options:
            ok = False
            p.add(
                "key.unknown_option",
                f"Kunci {show(entry)} bukan salah satu opsi ({show_options(options)})",
                f"Key {show(entry)} is not one of the options ({show_options(options)})",
                "key",
            )
    if not ok:
        return None
    duplicates = sorted(entry for entry, n in Counter(key).items() if n > 1)
    if duplicates:
        p.add(
            "key.duplicate",
            f"Opsi ganda dalam kunci: {', '.join(duplicates)}",
            f"Duplicate options in the key: {', '.join(duplicates)}",
            "key",
        )
        return None
    return frozenset(key)


def _parse_partial(raw: Mapping[str, object], p: Collector) -> tuple[tuple[str, ParamValue], ...]:
    return parse_params(raw, p, {"partial": PARTIAL_CHOICES})


@register
class MultiRule(ItemRule):
    kind = "multi"

    def parse(self, raw: Mapping[str, object]) -> ItemSpec:
        return parse_option_item(
            self.kind, raw, lambda raw, p: parse_params(raw, p, {"partial": PARTIAL_CHOICES}), parse_key_set
        )

    def max_milli(self, item: ItemSpec) -> int:
        return full_marks(item)

    def check_response(self, item: ItemSpec, value: object) -> Problem | None:
        if value is None:
            return None
        if not isinstance(value, list):
            return wrong_type_problem(item, value, 'daftar opsi, mis. ["A","C"]', 'a list of options, e.g. ["A","C"]')
        for entry in value:
            if not isinstance(entry, str):
                return wrong_type_problem(item, entry, "berisi opsi (teks)", "made of options (text)")
            if entry not in item.options:
                return not_an_option_problem(item, entry)
        if len(set(value)) != len(value):
            return Problem(
                code="response.duplicate",
                id=f"Jawaban soal {item.code} memuat opsi yang sama lebih dari sekali",
                en=f"The answer to item {item.code} names the same option more than once",
            )
        return None

    def answered(self, item: ItemSpec, value: object) -> bool:
        # An empty list means nothing was chosen: unanswered, so per-option credit is not given for a blank.
        return value != [] and super().answered(item, value)

    def _score(self, item: ItemSpec, value: object) -> Fraction:
        assert isinstance(value, list)
        assert isinstance(item.key, frozenset)
        chosen = frozenset(value)
        partial = item.param("partial")
        if partial == PER_OPTION:
            right = sum(1 for option in item.options if (option in chosen) == (option in item.key))
            return Fraction(right, len(item.options))
        if partial == RIGHT_MINUS_WRONG:
            net = len(chosen & item.key) - len(chosen - item.key)
            return Fraction(max(0, net), len(item.key))
        return Fraction(1) if chosen == item.key else Fraction(0)

    def raw_key(self, item: ItemSpec) -> JsonValue:
        assert isinstance(item.key, frozenset)
        return list[JsonValue](sorted(item.key))
