"""Exact decimal arithmetic: decimal strings in, Fractions inside, integer milli-points out."""

from __future__ import annotations

import math
import re
from fractions import Fraction

MILLI = 1000
"""Milli-points per point."""

_DECIMAL = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,9})?")
_COMMA_DECIMAL = re.compile(r"[0-9]{1,12},[0-9]{1,9}")


class DecimalError(ValueError):
    """A value that is not a non-negative decimal string or int; ``hint`` says which mistake."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint
        """One of ``"float"``, ``"comma"``, ``"type"``, ``"syntax"``."""


def parse_decimal(value: object) -> Fraction:
    """A non-negative int or decimal string like ``"0.6"`` or ``"60"`` as an exact Fraction.

    Floats are refused (they are how ``0.1 + 0.2`` scoring disputes start), as are bools,
    signs, exponents and the Indonesian decimal comma (``"0,6"``, with its own hint).
    """
    if isinstance(value, bool):
        raise DecimalError("a bool is not a number", "type")
    if isinstance(value, int):
        if value < 0 or value >= 10**12:
            raise DecimalError(f"{value} is outside 0..10^12", "syntax")
        return Fraction(value)
    if isinstance(value, float):
        raise DecimalError(f'float {value!r}: write a decimal string such as "0.6"', "float")
    if not isinstance(value, str):
        raise DecimalError(f"{type(value).__name__} is not a number", "type")
    if _DECIMAL.fullmatch(value):
        return Fraction(value)
    if _COMMA_DECIMAL.fullmatch(value):
        raise DecimalError(f"{value!r} uses a decimal comma; write {value.replace(',', '.')!r}", "comma")
    raise DecimalError(f'{value!r} is not a decimal number like "0.6" or "60"', "syntax")


def round_half_up(value: Fraction) -> int:
    """Nearest integer, halves rounded up (towards +∞), computed exactly."""
    return math.floor(value + Fraction(1, 2))


def points_to_milli(points: Fraction) -> int:
    """Exact milli-points of a point value; ``ValueError`` if it has more than 3 decimals."""
    scaled = points * MILLI
    if scaled.denominator != 1:
        raise ValueError(f"{decimal_text(points)} has more than 3 decimals")
    return scaled.numerator


def decimal_text(value: Fraction) -> str:
    """Shortest exact decimal string of a Fraction (``Fraction(3, 5)`` → ``"0.6"``).

    ``ValueError`` if it has no finite decimal form (denominator not of the form 2^a·5^b).
    """
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        raise ValueError(f"{value} has no finite decimal form")
    places = max(twos, fives)
    scaled = abs(value.numerator) * 10**places // value.denominator
    sign = "-" if value < 0 else ""
    if places == 0:
        return f"{sign}{scaled}"
    whole, frac = divmod(scaled, 10**places)
    return f"{sign}{whole}.{str(frac).rjust(places, '0').rstrip('0')}"
