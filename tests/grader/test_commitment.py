"""Answer-key commitment: the pinned formula, opening, and everything that must not open it."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.commitment import SALT_SIZE, commit, new_salt, verify_commitment

SALT = bytes(range(32))
KEY = b'{"1":"A","2":"C"}'
# Computed outside Python:
#   { printf 'ujian-key-commit/v1\0'; <bytes 00..1f>; printf '{"1":"A","2":"C"}'; } | sha256sum
PINNED = "994cd5a56cc1397c1b53ecf4dafcbd4cea1cf504c96d4e75a8937bb1d24fb823"


def test_commitment_matches_the_pinned_value() -> None:
    assert commit(KEY, SALT) == PINNED
    assert verify_commitment(PINNED, SALT, KEY)


def test_commitment_is_domain_separated() -> None:
    assert commit(KEY, SALT) != hashlib.sha256(SALT + KEY).hexdigest()
    assert commit(KEY, SALT) != hashlib.sha256(KEY).hexdigest()


@pytest.mark.parametrize(
    ("commitment_hex", "salt", "key"),
    [
        (PINNED, SALT, b'{"1":"A","2":"D"}'),  # another key
        (PINNED, SALT, KEY + b" "),  # same key, other bytes: only canonical bytes open it
        (PINNED, bytes(32), KEY),  # another salt
        (PINNED, SALT[:31], KEY),  # short salt
        (PINNED, SALT + b"\x00", KEY),  # long salt
        ("0" + PINNED[1:], SALT, KEY),  # changed commitment
        (PINNED.upper(), SALT, KEY),  # not the canonical lower-case hex
        (PINNED[:-1], SALT, KEY),
        (PINNED + "0", SALT, KEY),
        ("z" * 64, SALT, KEY),
        ("", SALT, KEY),
        (" " + PINNED[1:], SALT, KEY),
        (PINNED, SALT.hex(), KEY),  # salt as text, not bytes
        (PINNED, SALT, KEY.decode()),  # key as text, not bytes
    ],
)
def test_anything_else_does_not_open_the_commitment(commitment_hex: str, salt: object, key: object) -> None:
    assert verify_commitment(commitment_hex, salt, key) is False  # type: ignore[arg-type]


def test_commit_rejects_bad_salt_and_key_types() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        commit(KEY, SALT[:16])
    with pytest.raises(TypeError, match="bytes"):
        commit(KEY.decode(), SALT)  # type: ignore[arg-type]


def test_new_salt_is_fresh_and_full_length() -> None:
    salts = {new_salt() for _ in range(8)}
    assert len(salts) == 8
    assert all(len(s) == SALT_SIZE for s in salts)


def test_opening_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert verify_commitment(PINNED, SALT, KEY)
    assert calls == [(bytes.fromhex(PINNED), bytes.fromhex(PINNED))]


@settings(max_examples=100, deadline=None)
@given(key=st.binary(max_size=300), other=st.binary(max_size=300), salt=st.binary(min_size=32, max_size=32))
def test_commit_opens_with_its_own_key_only(key: bytes, other: bytes, salt: bytes) -> None:
    c = commit(key, salt)
    assert verify_commitment(c, salt, key)
    assert verify_commitment(c, salt, other) == (other == key)
