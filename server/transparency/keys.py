"""The log's Ed25519 signing key: generated at the first exam import, kept in data_dir (0600), never exported.

Only the verifier key (C2SP vkey) leaves this module: it is logged, pinned in the manifest and published.
The private key is read from its file when a checkpoint is signed; it never appears in a log line, an
event, an HTTP answer or a bundle.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from grader.errors import KeyFormatError
from grader.note import Signer, generate_signer, parse_skey
from server.config import Config
from server.db.models import LogKey
from server.events import LogKeyCreated
from server.services.writer import Tx

log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class LogIdentity:
    """What everyone may know about the log: its origin line and its verifier key."""

    origin: str
    vkey: str
    key_file: str


def origin_for(exam_code: str) -> str:
    """``ujian-terbuka/<exam code>/<8 hex>``: unique per exam, valid as a C2SP key name (no spaces or '+')."""
    slug = _UNSAFE.sub("-", exam_code).strip("-") or "ujian"
    return f"ujian-terbuka/{slug}/{secrets.token_hex(4)}"


async def current(tx_session: object) -> LogIdentity | None:
    """The log's identity, if a key was ever made."""
    row = (await tx_session.execute(select(LogKey).order_by(LogKey.id).limit(1))).scalar_one_or_none()  # type: ignore[attr-defined]
    return LogIdentity(row.origin, row.vkey, row.key_file) if row is not None else None


async def ensure_log_key(tx: Tx, config: Config, exam_code: str) -> tuple[LogIdentity, bool]:
    """The log's identity; on the first import generate the key and store it (0600). True if it is new:
    the caller then logs ``LogKeyCreated`` (after the import and the key commitment)."""
    found = await current(tx.s)
    if found is not None:
        return found, False
    origin = origin_for(exam_code)
    signer = generate_signer(origin)
    key_file = f"log-{signer.key_id:08x}-{secrets.token_hex(4)}.key"
    _write_private(config.data_dir / key_file, signer)
    identity = LogIdentity(origin, signer.verifier.vkey, key_file)
    tx.s.add(LogKey(origin=origin, vkey=identity.vkey, key_file=key_file, created_at_ms=tx.now_ms))
    log.info("generated the log signing key for %s (%s)", origin, identity.vkey)
    return identity, True


def key_event(identity: LogIdentity) -> LogKeyCreated:
    return LogKeyCreated(origin=identity.origin, vkey=identity.vkey)


def _write_private(path: Path, signer: Signer) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # O_EXCL: never overwrite a key; 0600 from the first byte (no window with wider permissions).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(signer.skey + "\n")
        f.flush()
        os.fsync(f.fileno())


def load_signer(config: Config, identity: LogIdentity) -> Signer | None:
    """The private key for ``identity``, or None (logged, without any key material) if unusable."""
    path = config.data_dir / identity.key_file
    try:
        signer = parse_skey(path.read_text(encoding="ascii").strip())
    except (OSError, KeyFormatError, UnicodeDecodeError) as exc:
        log.error(
            "the log signing key file %s cannot be used (%s); checkpoints are not signed", path, type(exc).__name__
        )
        return None
    if signer.verifier.vkey != identity.vkey:
        log.error(
            "the key file %s does not hold the log's pinned key %s; checkpoints are not signed", path, identity.vkey
        )
        return None
    return signer
