"""Exam clock arithmetic: remaining = allowed − consumed − (now − running_since); pure and exact."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Timer:
    """An attempt's clock. ``running_since_ms`` is None while not started, paused or finished."""

    allowed_ms: int
    consumed_ms: int = 0
    running_since_ms: int | None = None

    @property
    def running(self) -> bool:
        return self.running_since_ms is not None

    def used(self, now_ms: int) -> int:
        live = max(0, now_ms - self.running_since_ms) if self.running_since_ms is not None else 0
        return self.consumed_ms + live

    def remaining(self, now_ms: int) -> int:
        return max(0, self.allowed_ms - self.used(now_ms))

    def deadline(self) -> int | None:
        """Wall-clock instant the time runs out, while running."""
        if self.running_since_ms is None:
            return None
        return self.running_since_ms + self.allowed_ms - self.consumed_ms

    def expired(self, now_ms: int) -> bool:
        return self.remaining(now_ms) == 0

    def start(self, now_ms: int) -> Timer:
        return replace(self, running_since_ms=now_ms) if not self.running else self

    def pause(self, now_ms: int) -> Timer:
        """Freeze: what ran so far becomes consumed, capped at the allowance."""
        if not self.running:
            return self
        return replace(self, consumed_ms=min(self.allowed_ms, self.used(now_ms)), running_since_ms=None)

    def extend(self, extra_ms: int) -> Timer:
        return replace(self, allowed_ms=self.allowed_ms + extra_ms)
