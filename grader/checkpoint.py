"""C2SP tlog checkpoints (https://c2sp.org/tlog-checkpoint): strict body format in a signed note."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from grader.errors import MalformedCheckpointError
from grader.merkle import HASH_SIZE
from grader.note import (
    OpenedNote,
    Signature,
    Signer,
    Verifier,
    decode_base64,
    encode_base64,
    open_note,
    sign_note,
)

MAX_TREE_SIZE = 2**64 - 1
"""Tree sizes are uint64 in every tlog implementation; larger numbers are rejected."""

_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_CONTROL = re.compile(r"[\x00-\x1f]")


def _malformed(code: str, message: str) -> MalformedCheckpointError:
    return MalformedCheckpointError(f"checkpoint.{code}", message)


def _check_line(value: str, what: str) -> None:
    if not isinstance(value, str) or not value:
        raise _malformed(f"empty_{what}", f"{what} must be a non-empty line")
    if _CONTROL.search(value):
        raise _malformed(f"bad_{what}", f"{what} must be one line without control characters")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's tree head: origin, tree size, RFC 6962 root hash and opaque extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        if not isinstance(self.size, int) or isinstance(self.size, bool) or not 0 <= self.size <= MAX_TREE_SIZE:
            raise _malformed("bad_size", "tree size must be an integer in [0, 2^64)")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise _malformed("bad_root", f"root hash must be {HASH_SIZE} bytes")
        if not isinstance(self.extensions, tuple):
            raise _malformed("bad_extension", "extensions must be a tuple of lines")
        for line in self.extensions:
            _check_line(line, "extension")

    def body(self) -> str:
        """The note text: origin, decimal size, base64 root, extension lines, each ending in newline."""
        lines = (self.origin, str(self.size), encode_base64(self.root), *self.extensions)
        return "".join(line + "\n" for line in lines)


def format_checkpoint(checkpoint: Checkpoint) -> str:
    return checkpoint.body()


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint body strictly; raises MalformedCheckpointError."""
    if not isinstance(text, str) or not text.endswith("\n"):
        raise _malformed("no_trailing_newline", "checkpoint body must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise _malformed("too_short", "checkpoint body needs origin, size and root lines")
    origin, size_text, root_text, *extensions = lines
    if not _DECIMAL.fullmatch(size_text):
        raise _malformed("bad_size", "tree size must be decimal digits without leading zeros")
    root = decode_base64(root_text)
    if root is None:
        raise _malformed("bad_root", "root hash is not valid base64")
    # Checkpoint() checks the rest: non-empty origin and extensions, size range, root length.
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


@dataclass(frozen=True, slots=True)
class OpenedCheckpoint:
    """A checkpoint whose note carried at least one valid signature by a known key."""

    checkpoint: Checkpoint
    verified: tuple[Signature, ...]
    """Valid signatures by known keys (the log and/or witnesses)."""
    unverified: tuple[Signature, ...]
    """Signatures by unknown keys, reported and otherwise ignored."""

    def signed_by(self, verifier: Verifier) -> bool:
        return any(s.name == verifier.name and s.key_id == verifier.key_id for s in self.verified)


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer, *more: Signer) -> bytes:
    """The signed note for ``checkpoint`` (log key first, then any further signers)."""
    return sign_note(checkpoint.body(), signer, *more)


def open_checkpoint(note: bytes | str, known: Iterable[Verifier], *, origin: str | None = None) -> OpenedCheckpoint:
    """Verify the note (see ``note.open_note``) and parse its body as a checkpoint.

    With ``origin``, the checkpoint must be for that log. Callers decide whose signatures they need
    (e.g. ``signed_by(log_key)``); this only guarantees at least one known key signed.
    """
    opened: OpenedNote = open_note(note, known)
    checkpoint = parse_checkpoint(opened.text)
    if origin is not None and checkpoint.origin != origin:
        raise _malformed("wrong_origin", f"checkpoint is for origin {checkpoint.origin!r}, not {origin!r}")
    return OpenedCheckpoint(checkpoint, opened.verified, opened.unverified)
