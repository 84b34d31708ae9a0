"""Typed configuration from UJIAN_* environment variables and an optional TOML file."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.problems import Problem, ProblemsError

DEMO_SECRET = "demo-only-not-secret"  # noqa: S105 — refused outside demo mode, see validate()


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the exam server needs to start; built by ``load_config``."""

    database_url: str = "sqlite+aiosqlite:///ujian.db"
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    secret_key: str = ""
    """Server secret for HMAC-ing idempotency and session material; never a default outside demo."""
    demo: bool = False
    data_dir: Path = Path("ujian-data")
    session_hours: int = 24
    login_rate_per_minute: int = 10
    autosubmit_interval_ms: int = 1000
    trust_proxy: bool = False
    cameras: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)
    public_url: str | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _problem(key: str, id_: str, en: str) -> Problem:
    return Problem(code="config.invalid", id=id_, en=en, field=key, source="config")


def _coerce(key: str, raw: Any, problems: list[Problem]) -> Any:
    kind = Config.__dataclass_fields__[key].type
    try:
        if kind in ("int",):
            if isinstance(raw, bool):
                raise ValueError(raw)
            return int(raw)
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "ya", "on"):
                return True
            if text in ("0", "false", "no", "tidak", "off", ""):
                return False
            raise ValueError(raw)
        if kind == "Path":
            return Path(str(raw))
        if kind == "str | None":
            return str(raw) if raw not in (None, "") else None
        if kind == "tuple[Mapping[str, Any], ...]":
            if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
                raise ValueError(raw)
            return tuple(raw)
        return str(raw)
    except (TypeError, ValueError):
        problems.append(
            _problem(
                key,
                f"Nilai '{raw}' tidak valid untuk {key} ({kind})",
                f"Value '{raw}' is not valid for {key} ({kind})",
            )
        )
        return None


def load_config(*, toml_path: Path | None = None, env: Mapping[str, str] | None = None, **overrides: Any) -> Config:
    """Defaults, then the TOML file, then ``UJIAN_*`` variables, then explicit overrides; validated."""
    env = os.environ if env is None else env
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    path = toml_path or (Path(env["UJIAN_CONFIG"]) if env.get("UJIAN_CONFIG") else None)
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ProblemsError(
                [
                    Problem(
                        code="config.file",
                        id=f"Berkas konfigurasi tidak terbaca: {exc}",
                        en=f"Config file cannot be read: {exc}",
                        source=str(path),
                    )
                ]
            ) from exc
        for key, raw in data.items():
            if key not in Config.__dataclass_fields__:
                problems.append(_problem(key, f"Kunci konfigurasi tidak dikenal: {key}", f"Unknown config key: {key}"))
                continue
            values[key] = _coerce(key, raw, problems)
    for key in Config.__dataclass_fields__:
        name = f"UJIAN_{key.upper()}"
        if name in env and key != "cameras":
            values[key] = _coerce(key, env[name], problems)
    for key, raw in overrides.items():
        if raw is not None:
            values[key] = raw
    if problems:
        raise ProblemsError(problems)
    config = Config(**values)
    validate(config)
    return config


def validate(config: Config) -> None:
    """Refuse configurations that would be unsafe or cannot work."""
    problems: list[Problem] = []
    if not config.demo:
        if not config.secret_key or config.secret_key == DEMO_SECRET:
            problems.append(
                _problem(
                    "secret_key",
                    "UJIAN_SECRET_KEY wajib diisi (acak, minimal 32 karakter) di luar mode demo",
                    "UJIAN_SECRET_KEY is required outside demo mode (random, at least 32 characters)",
                )
            )
        elif len(config.secret_key) < 32:
            problems.append(
                _problem(
                    "secret_key",
                    "UJIAN_SECRET_KEY terlalu pendek (minimal 32 karakter)",
                    "UJIAN_SECRET_KEY is too short (at least 32 characters)",
                )
            )
    if not (0 < config.port < 65536):
        problems.append(_problem("port", "Port harus 1–65535", "Port must be 1–65535"))
    if not config.database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        problems.append(
            _problem(
                "database_url",
                "UJIAN_DATABASE_URL harus sqlite+aiosqlite:///… atau postgresql+asyncpg://…",
                "UJIAN_DATABASE_URL must be sqlite+aiosqlite:///… or postgresql+asyncpg://…",
            )
        )
    if config.session_hours <= 0 or config.login_rate_per_minute <= 0 or config.autosubmit_interval_ms <= 0:
        problems.append(
            _problem("session_hours", "Nilai waktu/batas harus positif", "Time and limit values must be positive")
        )
    if problems:
        raise ProblemsError(problems)


def data_dir_from_env(env: Mapping[str, str] | None = None) -> Path:
    """The data folder without loading (and validating) the whole config: for processes with no secrets."""
    env = os.environ if env is None else env
    return Path(env.get("UJIAN_DATA_DIR") or Config().data_dir)
