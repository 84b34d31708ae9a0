"""Credentials: argon2id passwords, keyed PIN hashes, announced tokens, login rate limiting."""

from __future__ import annotations

from server import security


def test_password_hashes_are_argon2id_and_verify() -> None:
    stored = security.hash_password("kata sandi panjang")
    assert stored.startswith("$argon2id$")
    assert security.verify_password(stored, "kata sandi panjang")
    assert not security.verify_password(stored, "kata sandi salah")
    assert not security.verify_password("not a hash", "x")


def test_pin_hash_depends_on_the_secret_exam_and_number() -> None:
    base = security.pin_hash("s" * 40, "EXAM", "P-1", "123456")
    assert security.check_pin("s" * 40, "EXAM", "P-1", "123456", base)
    assert not security.check_pin("t" * 40, "EXAM", "P-1", "123456", base)
    assert not security.check_pin("s" * 40, "EXAM", "P-2", "123456", base)
    assert not security.check_pin("s" * 40, "EXAM", "P-1", "123457", base)


def test_session_tokens_avoid_confusable_characters() -> None:
    tokens = {security.session_token() for _ in range(200)}
    assert len(tokens) > 190
    assert all(len(t) == 6 and not set(t) & set("01OI") for t in tokens)


def test_rate_limiter_blocks_after_the_limit_and_forgets_on_success() -> None:
    limiter = security.RateLimiter(limit=3, window_s=60)
    for _ in range(3):
        assert limiter.wait("ip:a", "acct:x") == 0
        limiter.fail("ip:a", "acct:x")
    assert limiter.wait("ip:a") > 0
    assert limiter.wait("acct:x") > 0
    assert limiter.wait("ip:b", "acct:y") == 0
    limiter.succeed("acct:x")
    assert limiter.wait("acct:x") == 0
