"""``numeric``: a typed number, right when within an absolute or percentage tolerance of the key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction

from grader.canonical import JsonValue
from grader.exact import decimal_text
from grader.items.base import (
    Collector,
    ItemRule,
    full_marks,
    key_missing,
    parse_identity,
    parse_points,
    refuse_options,
    register,
    show,
    wrong_type_problem,
)
from grader.items.params import Param, param_fraction, parse_typed_params
from grader.model import ItemSpec
from grader.problems import Problem

ABSOLUTE = "absolute"
PERCENT = "percent"
PARAMS = {
    "tolerance": Param("decimal", default="0", high=10**9),
    "tolerance_mode": Param("choice", default=ABSOLUTE, choices=(ABSOLUTE, PERCENT)),
}
_NUMBER = re.compile(r"([+-]?)([0-9]{1,15})(?:[.,]([0-9]{1,12}))?")
MAX_RESPONSE_CHARS = 40


def parse_number(value: object) -> Fraction | None:
    """A decimal written with a point or the Indonesian comma ("3,5"), optional sign; None if not one.

    Thousands separators are refused (``"1.234,5"`` is ambiguous), as are exponents and floats.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value) if abs(value) < 10**15 else None
    if not isinstance(value, str) or len(value) > MAX_RESPONSE_CHARS:
        return None
    match = _NUMBER.fullmatch(value.strip())
    if match is None:
        return None
    sign, whole, frac = match.groups()
    number = Fraction(int(whole + (frac or "")), 10 ** len(frac or ""))
    return -number if sign == "-" else number


@register
class NumericRule(ItemRule):
    kind = "numeric"

    def parse(self, raw: Mapping[str, object]) -> ItemSpec:
        p = Collector(raw)
        code, section = parse_identity(raw, p)
        points = parse_points(raw, p)
        refuse_options(raw, p, "Soal isian angka", "A numeric item")
        params = parse_typed_params(raw, p, PARAMS)
        key: Fraction | None = None
        if not key_missing(raw, p):
            raw_key = raw["key"]
            key = parse_number(raw_key) if isinstance(raw_key, str | int) else None
            if key is None or (isinstance(raw_key, str) and "," in raw_key):
                p.add(
                    "key.invalid",
                    f'Kunci {show(raw_key)} harus angka desimal dengan titik sebagai teks, mis. "3.5"',
                    f'Key {show(raw_key)} must be a decimal number with a point, as text, e.g. "3.5"',
                    "key",
                )
                key = None
        if p.problems or code is None or section is None or points is None or key is None:
            raise p.error()
        return ItemSpec(code, section, self.kind, points, (), key, params)

    def max_milli(self, item: ItemSpec) -> int:
        return full_marks(item)

    def check_response(self, item: ItemSpec, value: object) -> Problem | None:
        if value is None:
            return None
        if not isinstance(value, str | int) or isinstance(value, bool):
            return wrong_type_problem(item, value, 'angka sebagai teks, mis. "3,5"', 'a number as text, e.g. "3.5"')
        if parse_number(value) is None:
            return Problem(
                code="response.not_a_number",
                id=f"Jawaban soal {item.code} {show(value)} bukan angka; tulis mis. 3,5 atau 1250 "
                "(tanpa pemisah ribuan)",
                en=f"The answer to item {item.code} {show(value)} is not a number; write e.g. 3.5 or 1250 "
                "(no thousands separators)",
            )
        return None

    def answered(self, item: ItemSpec, value: object) -> bool:
        return value is not None and parse_number(value) is not None

    def _score(self, item: ItemSpec, value: object) -> Fraction:
        given = parse_number(value)
        assert given is not None
        assert isinstance(item.key, Fraction)
        return Fraction(1) if abs(given - item.key) <= allowed_error(item) else Fraction(0)

    def raw_key(self, item: ItemSpec) -> JsonValue:
        assert isinstance(item.key, Fraction)
        return decimal_text(item.key)


def allowed_error(item: ItemSpec) -> Fraction:
    """The largest |answer − key| still right: the tolerance, or tolerance % of |key|."""
    assert isinstance(item.key, Fraction)
    tolerance = param_fraction(item.param("tolerance"))
    if item.param("tolerance_mode") == PERCENT:
        return abs(item.key) * tolerance / 100
    return tolerance
