"""Verification failures of the log's cryptographic objects, each with a stable machine code."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.note import Note


class VerificationError(ValueError):
    """Something offered as evidence (proof, note, checkpoint) does not verify.

    ``code`` is stable (e.g. ``"merkle.proof_length"``) so a report can translate it; the message is
    English detail for logs.
    """

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(f"{code}: {message}")


class InvalidProofError(VerificationError):
    """A Merkle inclusion or consistency proof is malformed or does not lead to the claimed root."""


class MalformedNoteError(VerificationError):
    """A signed note is not syntactically valid (c2sp.org/signed-note)."""


class InvalidSignatureError(VerificationError):
    """A signature by a known key does not verify; the whole note is rejected."""

    def __init__(self, code: str, message: str, *, name: str, key_id: int) -> None:
        self.name = name
        self.key_id = key_id
        super().__init__(code, message)


class UnverifiedNoteError(VerificationError):
    """A well-formed note carries no signature by any known key; ``note`` holds what was parsed."""

    def __init__(self, note: Note) -> None:
        self.note = note
        super().__init__("note.unverified", "note has no signature by a known key")


class MalformedCheckpointError(VerificationError):
    """A checkpoint body is not a strict c2sp.org/tlog-checkpoint."""


class KeyFormatError(ValueError):
    """A verifier or signer key string, or a set of known keys, is unusable."""
