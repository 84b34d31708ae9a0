"""Answer-key commitment: a salted SHA-256 published before the exam and opened at key reveal."""

from __future__ import annotations

import hashlib
import hmac
import os
import re

DOMAIN = b"ujian-key-commit/v1\x00"
"""Domain separation so the digest cannot be mistaken for any other hash in the system."""
SALT_SIZE = 32

_HEX64 = re.compile(r"[0-9a-f]{64}")


def new_salt() -> bytes:
    """32 fresh random bytes; the only randomness the commitment needs (the server calls this once)."""
    return os.urandom(SALT_SIZE)


def commit(canonical_key: bytes, salt: bytes) -> str:
    """Lowercase hex of SHA-256(DOMAIN || salt || canonical key bytes)."""
    if not isinstance(salt, bytes) or len(salt) != SALT_SIZE:
        raise ValueError(f"salt must be {SALT_SIZE} bytes")
    if not isinstance(canonical_key, bytes):
        raise TypeError("canonical key must be bytes")
    return hashlib.sha256(DOMAIN + salt + canonical_key).hexdigest()


def verify_commitment(commitment_hex: str, salt: bytes, canonical_key: bytes) -> bool:
    """Whether the revealed salt and key open the commitment (constant-time compare).

    Anything malformed (not 64 lowercase hex digits, wrong salt length, non-bytes) is False: a
    commitment that cannot be opened is simply not opened.
    """
    if not isinstance(commitment_hex, str) or not _HEX64.fullmatch(commitment_hex):
        return False
    if not isinstance(salt, bytes) or len(salt) != SALT_SIZE or not isinstance(canonical_key, bytes):
        return False
    expected = hashlib.sha256(DOMAIN + salt + canonical_key).digest()
    return hmac.compare_digest(bytes.fromhex(commitment_hex), expected)
