"""Canonical JSON: one byte string per value, so hashes of logged events are reproducible anywhere."""

from __future__ import annotations

import json
from typing import TypeAlias

JsonValue: TypeAlias = "bool | int | str | list[JsonValue] | dict[str, JsonValue] | None"

MAX_SAFE_INT = 2**53 - 1
"""Largest integer every JSON reader (including JavaScript) holds exactly; ints must be within ±this."""

# Longest decimal text of a safe integer ("-9007199254740991"); checked before int() to bound the work.
_MAX_INT_CHARS = len(str(-MAX_SAFE_INT))


def encode(obj: object) -> bytes:
    """Canonical bytes of a JSON-like value.

    Sorted keys (by code point), separators ``,`` and ``:``, UTF-8 without ASCII escaping.
    Raises ``TypeError`` for floats, tuples, sets, non-str dict keys or any other type, and
    ``ValueError`` for ints outside ±(2^53−1), strings with lone surrogates, or cycles.
    """
    _check(obj, depth=0)
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def decode(data: bytes | bytearray) -> JsonValue:
    """Parse canonical bytes; anything that would not re-encode to exactly these bytes is a ``ValueError``.

    That rejects whitespace, unsorted or duplicate keys, escapes that were not needed, floats and
    exponents, ``-0``, NaN/Infinity, big ints, a BOM and invalid UTF-8.
    """
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"decode() needs bytes, not {type(data).__name__}")
    raw = bytes(data)
    try:
        text = raw.decode("utf-8")
        value: JsonValue = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=_no_float,
            parse_int=_safe_int,
            parse_constant=_no_constant,
        )
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8: {exc}") from exc
    if encode(value) != raw:
        raise ValueError("not canonical JSON: re-encoding gives different bytes")
    return value


def _check(obj: object, depth: int) -> None:
    if depth > 200:
        raise ValueError("JSON nested too deeply (more than 200 levels)")
    if obj is None or isinstance(obj, bool):
        return
    if isinstance(obj, int):
        if not -MAX_SAFE_INT <= obj <= MAX_SAFE_INT:
            raise ValueError(f"integer outside ±(2^53−1): {obj}")
        return
    if isinstance(obj, str):
        _check_str(obj)
        return
    if isinstance(obj, float):
        raise TypeError("floats are not allowed in canonical JSON; use integers or decimal strings")
    if isinstance(obj, list):
        for element in obj:
            _check(element, depth + 1)
        return
    if isinstance(obj, dict):
        for key, element in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"dict keys must be str, not {type(key).__name__}")
            _check_str(key)
            _check(element, depth + 1)
        return
    raise TypeError(f"not a canonical JSON value: {type(obj).__name__}")


def _check_str(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("string is not valid Unicode (lone surrogate)") from exc


def _no_duplicates(pairs: list[tuple[str, JsonValue]]) -> dict[str, JsonValue]:
    result: dict[str, JsonValue] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_float(text: str) -> JsonValue:
    raise ValueError(f"floats are not allowed in canonical JSON: {text}")


def _no_constant(text: str) -> JsonValue:
    raise ValueError(f"{text} is not allowed in canonical JSON")


def _safe_int(text: str) -> int:
    if len(text) > _MAX_INT_CHARS:
        raise ValueError("integer outside ±(2^53−1)")
    number = int(text)
    if not -MAX_SAFE_INT <= number <= MAX_SAFE_INT:
        raise ValueError(f"integer outside ±(2^53−1): {number}")
    return number
