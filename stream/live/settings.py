"""Typed settings for the live scoreboard, from code or from ``UJIAN_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from stream.live.ranking import DEFAULT_CASCADE, Cascade

Role = Literal["exam", "edge"]


@dataclass(frozen=True, slots=True)
class LiveSettings:
    """``role="exam"``: this process owns the feed (and publishes to Redis if ``redis_url`` is set).
    ``role="edge"``: a read-only public edge fed through Redis; it needs ``redis_url``."""

    role: Role = "exam"
    redis_url: str | None = None
    channel: str = "ujian-live"
    key_prefix: str = "ujian:live:"
    coalesce_ms: int = 200
    """At most one update per formation per this many ms (leading edge: a lone change goes at once)."""
    ping_interval_s: float = 30.0
    ping_timeout_s: float = 20.0
    max_backlog_bytes: int = 256 * 1024
    """A viewer with more than this unsent is dropped and resyncs on reconnect."""
    revalidate_s: float = 5.0
    snapshot_max_age_s: int = 1
    socketio_path: str = "/socket.io"
    cascade: Cascade = DEFAULT_CASCADE
    authorize: Callable[[Mapping[str, Any]], bool] | None = field(default=None, compare=False)
    """Committee namespace hook (the lead's): given the connect environ, may this client watch /panitia?"""
    cors_allowed_origins: str | list[str] | None = None

    def __post_init__(self) -> None:
        if self.role not in ("exam", "edge"):
            raise ValueError(f"unknown live role {self.role!r}")
        if self.role == "edge" and not self.redis_url:
            raise ValueError("a public edge needs UJIAN_REDIS_URL: it is fed only through Redis")
        if self.coalesce_ms < 0 or self.max_backlog_bytes <= 0:
            raise ValueError("coalesce_ms must be >= 0 and max_backlog_bytes > 0")

    @classmethod
    def from_env(cls, role: Role = "exam", env: Mapping[str, str] | None = None, **overrides: Any) -> LiveSettings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {"role": role, "redis_url": env.get("UJIAN_REDIS_URL") or None}
        numeric = {
            "UJIAN_LIVE_COALESCE_MS": ("coalesce_ms", int),
            "UJIAN_LIVE_PING_INTERVAL_S": ("ping_interval_s", float),
            "UJIAN_LIVE_PING_TIMEOUT_S": ("ping_timeout_s", float),
            "UJIAN_LIVE_MAX_BACKLOG_BYTES": ("max_backlog_bytes", int),
            "UJIAN_LIVE_REVALIDATE_S": ("revalidate_s", float),
        }
        for var, (name, kind) in numeric.items():
            if env.get(var):
                values[name] = kind(env[var])
        if env.get("UJIAN_LIVE_CHANNEL"):
            values["channel"] = env["UJIAN_LIVE_CHANNEL"]
        if env.get("UJIAN_LIVE_KEY_PREFIX"):
            values["key_prefix"] = env["UJIAN_LIVE_KEY_PREFIX"]
        values.update(overrides)
        return cls(**values)
