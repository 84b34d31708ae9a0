"""Secrets and credentials: argon2id passwords, keyed PIN hashes, login tokens, login rate limits."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# Letters and digits that cannot be confused when read aloud or from a projector.
TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 (an alphabet, not a secret)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_password_check() -> None:
    """Spend the time of a real check so a wrong username is not faster than a wrong password."""
    verify_password(_DUMMY, "x")


_DUMMY = _HASHER.hash(secrets.token_hex(8))


def pin_hash(secret: str, exam: str, number: str, pin: str) -> str:
    """PINs are short: a keyed hash (not a slow one) so 2,000 logins in a minute stay cheap, and a leaked
    database without the server secret still does not give the PINs away."""
    message = f"pin\x00{exam}\x00{number}\x00{pin}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def check_pin(secret: str, exam: str, number: str, pin: str, stored: str) -> bool:
    return hmac.compare_digest(pin_hash(secret, exam, number, pin), stored)


def new_token() -> str:
    """A login cookie value (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def short_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def session_token(length: int = 6) -> str:
    """The token a proctor announces to the room."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(length))


def new_pin(length: int = 6) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))


@dataclass
class RateLimiter:
    """Sliding-window limit on failed logins per key (client address, account)."""

    limit: int
    window_s: float = 60.0
    _fails: dict[str, deque[float]] = field(default_factory=dict)

    def wait(self, *keys: str) -> float:
        """Seconds until another attempt is allowed for these keys (0 when allowed now)."""
        now = time.monotonic()
        wait = 0.0
        for key in keys:
            fails = self._fails.get(key)
            if not fails:
                continue
            while fails and now - fails[0] > self.window_s:
                fails.popleft()
            if len(fails) >= self.limit:
                wait = max(wait, self.window_s - (now - fails[0]))
        return wait

    def fail(self, *keys: str) -> None:
        now = time.monotonic()
        if len(self._fails) > 100_000:  # bounded memory under a flood of distinct keys
            self._fails.clear()
        for key in keys:
            self._fails.setdefault(key, deque()).append(now)

    def succeed(self, key: str) -> None:
        self._fails.pop(key, None)
