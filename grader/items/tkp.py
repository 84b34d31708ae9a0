"""``tkp`` (Tes Karakteristik Pribadi): each option weighs 1..5; the chosen option's weight is the score."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from grader.canonical import JsonValue
from grader.exact import MILLI
from grader.items.base import (
    Collector,
    ItemRule,
    key_missing,
    parse_identity,
    parse_no_params,
    parse_options,
    register,
    show,
    show_options,
    type_name_en,
    type_name_id,
)
from grader.items.single import check_one_option
from grader.model import ItemSpec
from grader.problems import Problem

MIN_WEIGHT = 1
MAX_WEIGHT = 5


def _weights(item: ItemSpec) -> dict[str, int]:
    assert isinstance(item.key, tuple)
    return dict(item.key)


def parse_weights(
    raw: Mapping[str, object], options: tuple[str, ...] | None, p: Collector
) -> tuple[tuple[str, int], ...] | None:
    if key_missing(raw, p):
        return None
    key = raw["key"]
    if not isinstance(key, dict):
        p.add(
            "key.invalid",
            f'Kunci soal TKP harus berupa bobot tiap opsi, mis. {{"A":5,"B":4,...}}, bukan {type_name_id(key)}',
            f'A TKP key must give a weight per option, e.g. {{"A":5,"B":4,...}}, not {type_name_en(key)}',
            "key",
        )
        return None
    ok = True
    for option, weight in sorted(key.items(), key=lambda pair: str(pair[0])):
        if options is not None and option not in options:
            ok = False
            p.add(
                "key.unknown_option",
                f"Bobot untuk {show(option)}, padahal itu bukan salah satu opsi ({show_options(options)})",
                f"Weight given for {show(option)}, which is not one of the options ({show_options(options)})",
                "key",
            )
        if isinstance(weight, bool) or not isinstance(weight, int) or not MIN_WEIGHT <= weight <= MAX_WEIGHT:
            ok = False
            p.add(
                "key.weight_range",
                f"Bobot opsi {show(option)} = {show(weight)} tidak sah: harus bilangan bulat {MIN_WEIGHT}–{MAX_WEIGHT}",
                f"Weight of option {show(option)} = {show(weight)} is invalid: it must be a whole number "
                f"{MIN_WEIGHT}–{MAX_WEIGHT}",
                "key",
            )
    if options is not None:
        missing = [o for o in options if o not in key]
        if missing:
            ok = False
            p.add(
                "key.weight_missing",
                f"Bobot belum diisi untuk opsi {', '.join(missing)}; soal TKP memerlukan bobot untuk setiap opsi",
                f"No weight for option(s) {', '.join(missing)}; a TKP item needs a weight for every option",
                "key",
            )
    if not ok or options is None:
        return None
    return tuple(sorted((str(option), int(weight)) for option, weight in key.items()))


@register
class TkpRule(ItemRule):
    kind = "tkp"

    def parse(self, raw: Mapping[str, object]) -> ItemSpec:
        p = Collector(raw)
        code, section = parse_identity(raw, p)
        # The raw points field is ignored: a TKP item is worth its highest weight.
        options = parse_options(raw, p)
        params = parse_no_params(raw, p)
        key = parse_weights(raw, options, p)
        if p.problems or code is None or section is None or options is None or key is None:
            raise p.error()
        points = max(weight for _, weight in key)
        return ItemSpec(code, section, self.kind, points, options, key, params)

    def max_milli(self, item: ItemSpec) -> int:
        return max(_weights(item).values()) * MILLI

    def check_response(self, item: ItemSpec, value: object) -> Problem | None:
        return check_one_option(item, value)

    def _score(self, item: ItemSpec, value: object) -> Fraction:
        assert isinstance(value, str)
        weights = _weights(item)
        return Fraction(weights.get(value, 0), max(weights.values()))

    def raw_key(self, item: ItemSpec) -> JsonValue:
        return dict(_weights(item))
