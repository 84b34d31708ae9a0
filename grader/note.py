"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys: key strings, signing, opening."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from grader.errors import InvalidSignatureError, KeyFormatError, MalformedNoteError, UnverifiedNoteError

ALG_ED25519 = 0x01
"""Signature type byte for Ed25519 (c2sp.org/signed-note)."""
MAX_SIGNATURES = 100
"""More signature lines than this make a note malformed (the spec requires accepting at least 16)."""
ED25519_KEY_SIZE = 32
ED25519_SIGNATURE_SIZE = 64

_SIG_PREFIX = "\u2014 "  # em dash, space
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")


def decode_base64(text: str) -> bytes | None:
    """Strict standard base64 (alphabet, padding, canonical trailing bits) or None if not."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    # Reject non-canonical encodings (non-zero pad bits) so one value has exactly one text.
    return raw if base64.b64encode(raw).decode("ascii") == text else None


def encode_base64(raw: bytes) -> str:
    """Standard padded base64 as text."""
    return base64.b64encode(raw).decode("ascii")


def is_valid_key_name(name: str) -> bool:
    """Key names are non-empty, without Unicode spaces, '+' or control characters."""
    return bool(name) and not any(c.isspace() or c == "+" or c < " " for c in name)


def key_id(name: str, public_key: bytes) -> int:
    """Ed25519 key ID: big-endian uint32 of SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not is_valid_key_name(name):
        raise KeyFormatError(f"invalid key name {name!r}: it must be non-empty, without spaces or '+'")


@dataclass(frozen=True, slots=True)
class Verifier:
    """A named Ed25519 public key that can check note signatures."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if not isinstance(self.public_key, bytes) or len(self.public_key) != ED25519_KEY_SIZE:
            raise KeyFormatError(f"an Ed25519 public key is {ED25519_KEY_SIZE} bytes")

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """The verifier key string ``name+keyid+base64(0x01 || public key)``."""
        return f"{self.name}+{self.key_id:08x}+{encode_base64(bytes([ALG_ED25519]) + self.public_key)}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Ed25519 verification of ``signature`` (64 bytes, no key ID) over ``message``."""
        if len(signature) != ED25519_SIGNATURE_SIZE:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True, slots=True)
class Signer:
    """A named Ed25519 private key (its 32-byte seed); ``repr`` never shows the seed."""

    name: str
    seed: bytes = field(repr=False)
    public_key: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if not isinstance(self.seed, bytes) or len(self.seed) != ED25519_KEY_SIZE:
            raise KeyFormatError(f"an Ed25519 seed is {ED25519_KEY_SIZE} bytes")
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()
        object.__setattr__(self, "public_key", public)

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.public_key)

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.public_key)

    @property
    def skey(self) -> str:
        """The secret signer key string ``PRIVATE+KEY+name+keyid+base64(0x01 || seed)``."""
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{encode_base64(bytes([ALG_ED25519]) + self.seed)}"

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature (64 bytes) over ``message``."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


def generate_signer(name: str) -> Signer:
    """A fresh Ed25519 signer from the operating system's randomness."""
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    return Signer(name, seed)


def _decode_key(name: str, id_hex: str, key64: str) -> bytes:
    _check_name(name)
    if not _KEY_ID_HEX.fullmatch(id_hex):
        raise KeyFormatError("key ID must be 8 lowercase hex digits")
    raw = decode_base64(key64)
    if raw is None or len(raw) < 1:
        raise KeyFormatError("key is not valid base64")
    if raw[0] != ALG_ED25519:
        raise KeyFormatError(f"unsupported signature type 0x{raw[0]:02x} (only Ed25519, 0x01)")
    if len(raw) != 1 + ED25519_KEY_SIZE:
        raise KeyFormatError(f"an Ed25519 key is {ED25519_KEY_SIZE} bytes, got {len(raw) - 1}")
    return raw[1:]


def parse_vkey(vkey: str) -> Verifier:
    """Parse ``name+keyid+base64(0x01 || public key)``; the key ID must match the key."""
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise KeyFormatError("a verifier key has the form name+keyid+key")
    name, id_hex, key64 = parts
    verifier = Verifier(name, _decode_key(name, id_hex, key64))
    if verifier.key_id != int(id_hex, 16):
        raise KeyFormatError(f"key ID {id_hex} does not match the key (expected {verifier.key_id:08x})")
    return verifier


def parse_skey(skey: str) -> Signer:
    """Parse ``PRIVATE+KEY+name+keyid+base64(0x01 || seed)``; the key ID must match the derived key."""
    parts = skey.split("+", 4)
    if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
        raise KeyFormatError("a signer key has the form PRIVATE+KEY+name+keyid+key")
    _, _, name, id_hex, key64 = parts
    signer = Signer(name, _decode_key(name, id_hex, key64))
    if signer.key_id != int(id_hex, 16):
        raise KeyFormatError(f"key ID {id_hex} does not match the key")
    return signer


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature line: key name, key ID, and the algorithm's signature bytes (without the ID)."""

    name: str
    key_id: int
    signature: bytes

    @property
    def line(self) -> str:
        """``— name base64(keyid || signature)`` followed by a newline."""
        blob = self.key_id.to_bytes(4, "big") + self.signature
        return f"{_SIG_PREFIX}{self.name} {encode_base64(blob)}\n"


@dataclass(frozen=True, slots=True)
class Note:
    """A parsed note whose signatures have not been checked."""

    text: str
    signatures: tuple[Signature, ...]

    def to_bytes(self) -> bytes:
        return (self.text + "\n" + "".join(s.line for s in self.signatures)).encode("utf-8")


@dataclass(frozen=True, slots=True)
class OpenedNote:
    """A note with at least one valid signature by a known key."""

    text: str
    verified: tuple[Signature, ...]
    """Signatures by known keys, all valid, one per key, in note order."""
    unverified: tuple[Signature, ...]
    """Signatures by keys not among the known ones (ignored, reported), duplicates dropped."""

    def verified_by(self, verifier: Verifier) -> bool:
        return any(s.name == verifier.name and s.key_id == verifier.key_id for s in self.verified)


def _malformed(code: str, message: str) -> MalformedNoteError:
    return MalformedNoteError(f"note.{code}", message)


def _check_text(text: str) -> bytes:
    """The note text as bytes, if it is valid: UTF-8, ends in newline, no other control characters."""
    if not isinstance(text, str) or not text.endswith("\n"):
        raise _malformed("no_trailing_newline", "note text must end with a newline")
    if _CONTROL.search(text):
        raise _malformed("control_character", "note text contains a control character")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _malformed("not_utf8", "note text is not valid UTF-8") from exc


def _parse_signature_line(line: str) -> Signature:
    if not line.startswith(_SIG_PREFIX):
        raise _malformed("bad_signature_line", "signature lines start with an em dash and a space")
    name, sep, b64 = line[len(_SIG_PREFIX) :].partition(" ")
    if not sep or not is_valid_key_name(name):
        raise _malformed("bad_signature_line", "signature line has no valid key name")
    blob = decode_base64(b64)
    if blob is None or len(blob) < 5:
        raise _malformed("bad_signature_line", f"signature by {name} is not valid base64 of key ID and signature")
    return Signature(name, int.from_bytes(blob[:4], "big"), blob[4:])


def parse_note(note: bytes | str) -> Note:
    """Parse a signed note without checking signatures; raises MalformedNoteError."""
    if isinstance(note, bytes):
        try:
            data = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _malformed("not_utf8", "note is not valid UTF-8") from exc
    else:
        data = note
    if _CONTROL.search(data):
        raise _malformed("control_character", "note contains a control character other than newline")
    split = data.rfind("\n\n")
    if split < 0:
        raise _malformed("no_signatures", "note has no blank line before its signatures")
    text, block = data[: split + 1], data[split + 2 :]
    if not block.endswith("\n"):
        raise _malformed("no_trailing_newline", "note must end with a signature line and a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise _malformed("too_many_signatures", f"note has more than {MAX_SIGNATURES} signatures")
    _check_text(text)
    return Note(text, tuple(_parse_signature_line(line) for line in lines))


def _index(known: Iterable[Verifier]) -> dict[tuple[str, int], Verifier]:
    index: dict[tuple[str, int], Verifier] = {}
    for verifier in known:
        pair = (verifier.name, verifier.key_id)
        if index.setdefault(pair, verifier) != verifier:
            raise KeyFormatError(f"two different known keys share name and ID {pair[0]}+{pair[1]:08x}")
    return index


def verify_parsed(note: Note, known: Iterable[Verifier]) -> OpenedNote:
    """Check a parsed note's signatures against the known keys (see ``open_note``)."""
    index = _index(known)
    message = note.text.encode("utf-8")
    verified: dict[tuple[str, int], Signature] = {}
    unverified: dict[Signature, None] = {}
    for sig in note.signatures:
        verifier = index.get((sig.name, sig.key_id))
        if verifier is None:
            unverified.setdefault(sig)
            continue
        # Every signature by a known key must verify, duplicates included: a bad one rejects the note.
        if not verifier.verify(message, sig.signature):
            raise InvalidSignatureError(
                "note.invalid_signature",
                f"signature by known key {sig.name}+{sig.key_id:08x} does not verify",
                name=sig.name,
                key_id=sig.key_id,
            )
        verified.setdefault((sig.name, sig.key_id), sig)
    if not verified:
        raise UnverifiedNoteError(note)
    return OpenedNote(note.text, tuple(verified.values()), tuple(unverified))


def open_note(note: bytes | str, known: Iterable[Verifier]) -> OpenedNote:
    """Parse and verify a note against the known keys.

    Raises MalformedNoteError (syntax), InvalidSignatureError (a known key's signature fails),
    UnverifiedNoteError (no known key signed; the parsed note is attached) or KeyFormatError (two
    different known keys share name and ID). Signatures by unknown keys are reported, not checked.
    """
    return verify_parsed(parse_note(note), known)


def _signed(text: str, message: bytes, existing: Iterable[Signature], signers: Iterable[Signer]) -> bytes:
    new: dict[tuple[str, int], Signature] = {}
    for signer in signers:
        new.setdefault((signer.name, signer.key_id), Signature(signer.name, signer.key_id, signer.sign(message)))
    if not new:
        raise ValueError("at least one signer is needed")
    # A signer's fresh signature replaces any older one by the same key.
    kept = [s for s in existing if (s.name, s.key_id) not in new]
    signatures = (*kept, *new.values())
    if len(signatures) > MAX_SIGNATURES:
        raise _malformed("too_many_signatures", f"note would have more than {MAX_SIGNATURES} signatures")
    return Note(text, signatures).to_bytes()


def sign_note(text: str, *signers: Signer) -> bytes:
    """The signed note: text (ending in newline), a blank line, one signature line per signer."""
    return _signed(text, _check_text(text), (), signers)


def cosign_note(note: bytes | str, signer: Signer, known: Iterable[Verifier]) -> bytes:
    """Add ``signer``'s signature (e.g. a witness cosignature) to a note that verifies against ``known``.

    The note is opened first, so a witness never countersigns text it has not verified; existing
    signature lines are kept in order and the new one is appended.
    """
    parsed = parse_note(note)
    verify_parsed(parsed, known)
    return _signed(parsed.text, parsed.text.encode("utf-8"), parsed.signatures, (signer,))
