"""Typed item parameters (texts, whole numbers, decimals, switches, choices) for the newer item kinds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from grader.exact import DecimalError, decimal_text, parse_decimal
from grader.items.base import Collector, params_object, show
from grader.model import ParamValue


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter's schema. ``default`` None means optional and absent unless given."""

    type: str
    """``"choice"``, ``"bool"``, ``"int"``, ``"decimal"`` (stored as its shortest decimal text) or ``"text"``."""
    default: ParamValue | None = None
    choices: tuple[str, ...] = ()
    low: int = 0
    """Least int / decimal / text length."""
    high: int = 10**9
    """Greatest int / decimal / text length."""
    required: bool = False


def parse_typed_params(
    raw: Mapping[str, object], p: Collector, schema: Mapping[str, Param]
) -> tuple[tuple[str, ParamValue], ...]:
    """Validate ``raw["params"]`` against ``schema``; defaults filled in, sorted by name."""
    params = params_object(raw, p)
    if params is None:
        return ()
    result: dict[str, ParamValue] = {name: spec.default for name, spec in schema.items() if spec.default is not None}
    for name in sorted(params, key=str):
        spec = schema.get(name)
        if spec is None:
            known = ", ".join(sorted(schema)) or "-"
            p.add(
                "params.unknown",
                f"Parameter {show(name)} tidak dikenal untuk jenis soal ini (yang dikenal: {known})",
                f"Parameter {show(name)} is unknown for this item kind (known: {known})",
                "params",
            )
            continue
        value = _parse_one(name, params[name], spec, p)
        if value is not None:
            result[name] = value
    for name, spec in sorted(schema.items()):
        if spec.required and name not in params:
            p.add(
                "params.missing",
                f"Parameter '{name}' wajib diisi",
                f"Parameter '{name}' is required",
                "params",
            )
    return tuple(sorted(result.items()))


def _parse_one(name: str, value: object, spec: Param, p: Collector) -> ParamValue | None:
    def bad(expected_id: str, expected_en: str) -> None:
        p.add(
            "params.invalid_value",
            f"Nilai parameter {name} = {show(value)} tidak sah: harus {expected_id}",
            f"Parameter {name} = {show(value)} is invalid: it must be {expected_en}",
            "params",
        )

    if spec.type == "choice":
        if isinstance(value, str) and value in spec.choices:
            return value
        bad(f"salah satu dari {', '.join(spec.choices)}", f"one of {', '.join(spec.choices)}")
    elif spec.type == "bool":
        if isinstance(value, bool):
            return value
        bad("true atau false", "true or false")
    elif spec.type == "int":
        if isinstance(value, int) and not isinstance(value, bool) and spec.low <= value <= spec.high:
            return value
        bad(f"bilangan bulat {spec.low}–{spec.high}", f"a whole number {spec.low}–{spec.high}")
    elif spec.type == "decimal":
        try:
            number = parse_decimal(value)
        except DecimalError:
            number = None
        if number is not None and spec.low <= number <= spec.high:
            return decimal_text(number)
        bad(
            f'angka desimal {spec.low}–{spec.high} ditulis sebagai teks, mis. "2.5"',
            f'a decimal {spec.low}–{spec.high} written as text, e.g. "2.5"',
        )
    elif spec.type == "text":
        if isinstance(value, str) and spec.low <= len(value) <= spec.high:
            return value
        bad(f"teks {spec.low}–{spec.high} karakter", f"text of {spec.low}–{spec.high} characters")
    else:  # pragma: no cover - schema bug
        raise ValueError(f"unknown param type {spec.type!r}")
    return None


def param_fraction(value: ParamValue | None) -> Fraction:
    """A ``decimal`` parameter back as an exact Fraction (params store decimal text)."""
    if not isinstance(value, str):
        raise TypeError("decimal parameters are stored as text")
    return Fraction(value)
