"""Canonical JSON: one byte string per value, and nothing else decodes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.canonical import MAX_SAFE_INT, decode, encode
from tests.grader.builders import json_values


def test_sorted_keys_no_whitespace_utf8_not_escaped() -> None:
    value = {"b": [1, True, None], "a": {"z": "Desa Sukamaju é 🌾", "y": -3}}
    assert encode(value) == '{"a":{"y":-3,"z":"Desa Sukamaju é 🌾"},"b":[1,true,null]}'.encode()


def test_keys_sort_by_code_point() -> None:
    assert encode({"é": 1, "z": 2, "Z": 3}) == '{"Z":3,"z":2,"é":1}'.encode()


def test_bools_are_not_ints() -> None:
    assert encode([True, 1, False, 0]) == b"[true,1,false,0]"


def test_control_characters_are_escaped_and_round_trip() -> None:
    data = encode('a\u0001"\\\n')
    assert data == b'"a\\u0001\\"\\\\\\n"'
    assert decode(data) == 'a\u0001"\\\n'


@pytest.mark.parametrize("value", [MAX_SAFE_INT, -MAX_SAFE_INT, 0])
def test_safe_integers_encode(value: int) -> None:
    assert decode(encode(value)) == value


@pytest.mark.parametrize("value", [MAX_SAFE_INT + 1, -MAX_SAFE_INT - 1, 10**30, [2**64]])
def test_big_integers_are_refused(value: Any) -> None:
    with pytest.raises(ValueError, match="2\\^53"):
        encode(value)


@pytest.mark.parametrize("value", [0.5, 1.0, [1, 2.0], {"a": float("nan")}])
def test_floats_are_refused(value: Any) -> None:
    with pytest.raises(TypeError, match="float"):
        encode(value)


@pytest.mark.parametrize("value", [(1, 2), {1, 2}, b"x", {1: "a"}, {("a",): 1}, object()])
def test_other_types_are_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        encode(value)


def test_lone_surrogate_is_refused() -> None:
    with pytest.raises(ValueError, match="surrogate"):
        encode("\ud800")


def test_cycles_are_refused() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="deeply"):
        encode(loop)


@pytest.mark.parametrize(
    "data",
    [
        b'{"a": 1}',  # whitespace
        b'{"a":1} ',
        b'{"a":1}\n',
        b'{"b":1,"a":2}',  # unsorted
        b'{"a":1,"a":1}',  # duplicate key (sorted and otherwise canonical)
        b"1.0",
        b"1e3",
        b"-0",
        b"01",
        b"NaN",
        b"Infinity",
        b"9007199254740992",
        b"-9007199254740992",
        b"1" * 5000,
        b'"\\u00e9"',  # escape that was not needed
        b'"\\/"',
        '\ufeff"a"'.encode(),  # BOM
        b'"\xff"',  # not UTF-8
        b"[1,]",
        b"",
        b"[" * 100_000,
    ],
)
def test_decode_rejects_anything_non_canonical(data: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - every kind of rejection is a ValueError
        decode(data)


def test_decode_needs_bytes() -> None:
    with pytest.raises(TypeError):
        decode('{"a":1}')  # type: ignore[arg-type]


def test_decode_accepts_canonical_bytes() -> None:
    assert decode(bytearray('{"a":[1,"é",null],"b":false}'.encode())) == {"a": [1, "é", None], "b": False}


@given(json_values)
def test_round_trip(value: Any) -> None:
    data = encode(value)
    assert decode(data) == value
    assert encode(decode(data)) == data


@given(st.dictionaries(st.text(max_size=4), st.integers(0, 9), max_size=6))
def test_insertion_order_does_not_matter(value: dict[str, int]) -> None:
    reversed_order = dict(reversed(list(value.items())))
    assert encode(reversed_order) == encode(value)


@given(st.binary(max_size=40))
def test_any_bytes_either_fail_or_are_exactly_canonical(data: bytes) -> None:
    try:
        value = decode(data)
    except ValueError:
        return
    assert encode(value) == data
