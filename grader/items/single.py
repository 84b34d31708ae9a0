"""``single``: one right option; full points if chosen, else 0."""

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
    parse_identity,
    parse_no_params,
    parse_options,
    parse_points,
    register,
    show,
    show_options,
    wrong_type_problem,
)
from grader.model import ItemSpec, ParamValue
from grader.problems import Problem


def parse_one_option_key(raw: Mapping[str, object], options: tuple[str, ...] | None, p: Collector) -> str | None:
    """A key that names exactly one of the options (shared by ``single``)."""
    if key_missing(raw, p):
        return None
    key = raw["key"]
    if isinstance(key, list):
        p.add(
            "key.invalid",
            "Kunci harus satu opsi saja, mis. 'C'; untuk beberapa jawaban benar gunakan jenis 'multi'",
            "The key must be a single option, e.g. 'C'; for several right answers use kind 'multi'",
            "key",
        )
        return None
    if not isinstance(key, str):
        p.add(
            "key.invalid",
            f"Kunci {show(key)} harus berupa satu opsi, mis. 'C'",
            f"Key {show(key)} must be one option, e.g. 'C'",
            "key",
        )
        return None
    if options is not None and key not in options:
        p.add(
            "key.unknown_option",
            f"Kunci {show(key)} bukan salah satu opsi ({show_options(options)})",
            f"Key {show(key)} is not one of the options ({show_options(options)})",
            "key",
        )
        return None
    return key


def check_one_option(item: ItemSpec, value: object) -> Problem | None:
    """A response naming one option of the item (or None)."""
    if value is None:
        return None
    if not isinstance(value, str):
        return wrong_type_problem(item, value, "satu opsi (teks)", "one option (text)")
    if value not in item.options:
        return not_an_option_problem(item, value)
    return None


ALSO_ACCEPT = "also_accept"
"""Optional parameter set by a key correction: further right options, space-separated (e.g. ``"B D"``)."""


def _parse_also_accept(
    also: object, options: tuple[str, ...] | None, key: str | None, p: Collector
) -> tuple[tuple[str, ParamValue], ...]:
    ids = also.split() if isinstance(also, str) else []
    if not ids or options is None or any(i not in options or i == key for i in ids) or len(set(ids)) != len(ids):
        p.add(
            "params.invalid_value",
            f"also_accept {show(also)} harus berisi opsi lain selain kunci, dipisah spasi, mis. 'B D'",
            f"also_accept {show(also)} must list other options than the key, space-separated, e.g. 'B D'",
            "params",
        )
        return ()
    return ((ALSO_ACCEPT, " ".join(sorted(ids))),)


@register
class SingleRule(ItemRule):
    kind = "single"

    def parse(self, raw: Mapping[str, object]) -> ItemSpec:
        p = Collector(raw)
        code, section = parse_identity(raw, p)
        points = parse_points(raw, p)
        options = parse_options(raw, p)
        raw_params = raw.get("params")
        corrected = isinstance(raw_params, dict) and set(raw_params) == {ALSO_ACCEPT}
        params = () if corrected else parse_no_params(raw, p)
        key = parse_one_option_key(raw, options, p)
        if corrected:
            assert isinstance(raw_params, dict)
            params = _parse_also_accept(raw_params[ALSO_ACCEPT], options, key, p)
        if p.problems or code is None or section is None or points is None or options is None or key is None:
            raise p.error()
        return ItemSpec(code, section, self.kind, points, options, key, params)

    def max_milli(self, item: ItemSpec) -> int:
        return full_marks(item)

    def check_response(self, item: ItemSpec, value: object) -> Problem | None:
        return check_one_option(item, value)

    def _score(self, item: ItemSpec, value: object) -> Fraction:
        if value == item.key:
            return Fraction(1)
        also = item.param(ALSO_ACCEPT)
        return Fraction(1) if isinstance(also, str) and value in also.split() else Fraction(0)

    def raw_key(self, item: ItemSpec) -> JsonValue:
        assert isinstance(item.key, str)
        return item.key
