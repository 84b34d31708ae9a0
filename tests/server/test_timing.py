"""The exam clock: exact remaining time through start, pause, resume and extension."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from server.timing import Timer


def test_running_clock_counts_down_and_stops_at_zero() -> None:
    t = Timer(allowed_ms=60_000).start(1_000)
    assert t.remaining(1_000) == 60_000
    assert t.remaining(31_000) == 30_000
    assert t.deadline() == 61_000
    assert t.remaining(100_000) == 0
    assert t.expired(61_000)
    assert not t.expired(60_999)


def test_not_started_and_paused_clocks_do_not_move() -> None:
    t = Timer(allowed_ms=60_000)
    assert t.remaining(10**12) == 60_000
    assert t.deadline() is None
    paused = t.start(0).pause(20_000)
    assert paused.remaining(10**12) == 40_000
    assert paused.deadline() is None
    assert paused.pause(50_000) == paused


def test_resume_keeps_exactly_the_remaining_time() -> None:
    t = Timer(allowed_ms=60_000).start(0).pause(25_000).start(1_000_000)
    assert t.remaining(1_000_000) == 35_000
    assert t.deadline() == 1_035_000


def test_extension_moves_the_deadline() -> None:
    t = Timer(allowed_ms=60_000).start(0).extend(30_000)
    assert t.deadline() == 90_000
    assert t.remaining(80_000) == 10_000


def test_pausing_after_the_deadline_consumes_only_the_allowance() -> None:
    t = Timer(allowed_ms=60_000).start(0).pause(500_000)
    assert t.consumed_ms == 60_000
    assert t.remaining(0) == 0


def test_start_twice_does_not_restart_the_clock() -> None:
    t = Timer(allowed_ms=60_000).start(0)
    assert t.start(30_000) == t


@given(st.integers(1, 10**7), st.lists(st.integers(0, 10**6), max_size=12))
def test_pauses_never_lose_or_gain_time(allowed: int, gaps: list[int]) -> None:
    # Alternating run/pause segments: remaining = allowed − time actually run.
    t = Timer(allowed_ms=allowed)
    now, ran, running = 0, 0, False
    for gap in gaps:
        if running:
            ran += gap
            now += gap
            t = t.pause(now)
        else:
            now += gap
            t = t.start(now)
        running = not running
    assert t.remaining(now) == max(0, allowed - ran)
