"""Hand-written fakes for the true outer edges (the clock)."""

from __future__ import annotations


class FakeClock:
    """A wall clock that moves only when the test says so."""

    def __init__(self, start_ms: int = 1_800_000_000_000) -> None:
        self.ms = start_ms

    def now_ms(self) -> int:
        return self.ms

    def advance(self, ms: int) -> None:
        self.ms += ms
