"""The registry of rubric checks: name, file format, argument schema and the function that judges."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple

from grader.model import ArgValue

_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_RANGE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7}):\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_DECIMAL = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,12})?")


class CheckResult(NamedTuple):
    passed: bool
    detail_id: str
    detail_en: str


@dataclass(frozen=True, slots=True)
class Arg:
    type: str
    """``text``, ``texts`` (list of text), ``int``, ``bool``, ``decimal`` (text, may be negative),
    ``choice``, ``cell`` (e.g. ``B10``), ``range`` (e.g. ``A2:C11``), ``column`` (e.g. ``B``)."""
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    format: str
    """``docx`` (documents: .docx and .odt files) or ``xlsx`` (workbooks: .xlsx and .ods files)."""
    args: Mapping[str, Arg]
    run: Callable[[Any, Mapping[str, ArgValue]], CheckResult]
    summary_id: str
    summary_en: str
    at_least_one_of: tuple[str, ...] = ()


CHECKS: dict[str, Check] = {}


def check(
    name: str,
    fmt: str,
    args: Mapping[str, Arg],
    summary_id: str,
    summary_en: str,
    at_least_one_of: tuple[str, ...] = (),
) -> Callable[[Callable[[Any, Mapping[str, ArgValue]], CheckResult]], Callable[..., CheckResult]]:
    """Decorator registering a check function under ``name``."""

    def wrap(fn: Callable[[Any, Mapping[str, ArgValue]], CheckResult]) -> Callable[..., CheckResult]:
        if name in CHECKS:
            raise ValueError(f"check {name!r} already registered")
        CHECKS[name] = Check(name, fmt, args, fn, summary_id, summary_en, at_least_one_of)
        return fn

    return wrap


def arg_problem(spec: Arg, value: object) -> str | None:
    """Why ``value`` does not fit ``spec`` (English), or None."""
    kind = spec.type
    if kind == "text":
        ok = isinstance(value, str) and 0 < len(value) <= 500
    elif kind == "texts":
        ok = isinstance(value, list) and 0 < len(value) <= 50 and all(isinstance(v, str) for v in value)
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100_000
    elif kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "decimal":
        ok = isinstance(value, str) and _DECIMAL.fullmatch(value) is not None
    elif kind == "choice":
        ok = isinstance(value, str) and value in spec.choices
    elif kind == "cell":
        ok = isinstance(value, str) and _CELL.fullmatch(value) is not None
    elif kind == "range":
        ok = isinstance(value, str) and _RANGE.fullmatch(value) is not None
    elif kind == "cells":
        ok = isinstance(value, str) and (_RANGE.fullmatch(value) or _CELL.fullmatch(value)) is not None
    elif kind == "column":
        ok = isinstance(value, str) and re.fullmatch(r"[A-Za-z]{1,3}", value) is not None
    else:  # pragma: no cover - registry bug
        raise ValueError(kind)
    if ok:
        return None
    expected = {
        "text": "text",
        "texts": "a list of texts",
        "int": "a whole number",
        "bool": "true or false",
        "decimal": 'a decimal as text, e.g. "12.5"',
        "choice": f"one of {', '.join(spec.choices)}",
        "cell": "a cell such as B10",
        "range": "a range such as A2:C11",
        "cells": "a cell or a range such as B2 or B2:B9",
        "column": "a column letter such as B",
    }[kind]
    return f"must be {expected}"


def frozen_arg(value: object) -> ArgValue:
    """An argument as stored in a RubricLine (lists become tuples, cells upper case)."""
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    if isinstance(value, bool | int | str):
        return value
    raise TypeError(type(value).__name__)


def column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def parse_cell(ref: str) -> tuple[int, int]:
    """``"B10"`` → (column 2, row 10)."""
    match = _CELL.fullmatch(ref)
    if match is None:
        raise ValueError(ref)
    return column_number(match.group(1)), int(match.group(2))


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """``"A2:C11"`` → (first column, first row, last column, last row), normalised; a cell is a 1×1 range."""
    if _CELL.fullmatch(ref):
        column, row = parse_cell(ref)
        return column, row, column, row
    match = _RANGE.fullmatch(ref)
    if match is None:
        raise ValueError(ref)
    c1, r1, c2, r2 = (
        column_number(match.group(1)),
        int(match.group(2)),
        column_number(match.group(3)),
        int(match.group(4)),
    )
    return min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)


def text_arg(args: Mapping[str, ArgValue], name: str, default: str = "") -> str:
    value = args.get(name, default)
    return value if isinstance(value, str) else default


def fraction_arg(args: Mapping[str, ArgValue], name: str, default: str = "0") -> Fraction:
    return Fraction(text_arg(args, name, default))
