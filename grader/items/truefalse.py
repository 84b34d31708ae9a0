"""``truefalse``: the key is true or false; full points if the answer matches, else 0."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from grader.canonical import JsonValue
from grader.items.base import (
    Collector,
    ItemRule,
    full_marks,
    key_missing,
    parse_identity,
    parse_no_params,
    parse_points,
    register,
    show,
    wrong_type_problem,
)
from grader.model import ItemSpec
from grader.problems import Problem


@register
class TrueFalseRule(ItemRule):
    kind = "truefalse"

    def parse(self, raw: Mapping[str, object]) -> ItemSpec:
        p = Collector(raw)
        code, section = parse_identity(raw, p)
        points = parse_points(raw, p)
        options = raw.get("options", [])
        if options not in ([], None):
            p.add(
                "options.not_empty",
                f"Soal benar/salah tidak memakai opsi; kosongkan kolom opsi (isinya {show(options)})",
                f"A true/false item takes no options; leave the options empty (it has {show(options)})",
                "options",
            )
        params = parse_no_params(raw, p)
        key = None
        if not key_missing(raw, p):
            key = raw["key"]
            if not isinstance(key, bool):
                p.add(
                    "key.invalid",
                    f"Kunci soal benar/salah harus true atau false, bukan {show(key)}",
                    f"The key of a true/false item must be true or false, not {show(key)}",
                    "key",
                )
                key = None
        if p.problems or code is None or section is None or points is None or not isinstance(key, bool):
            raise p.error()
        return ItemSpec(code, section, self.kind, points, (), key, params)

    def max_milli(self, item: ItemSpec) -> int:
        return full_marks(item)

    def check_response(self, item: ItemSpec, value: object) -> Problem | None:
        if value is None or isinstance(value, bool):
            return None
        return wrong_type_problem(item, value, "true atau false", "true or false")

    def _score(self, item: ItemSpec, value: object) -> Fraction:
        return Fraction(1) if value is item.key else Fraction(0)

    def raw_key(self, item: ItemSpec) -> JsonValue:
        assert isinstance(item.key, bool)
        return item.key
