"""The exam bundle: file layout, reading (zip or folder), writing, the proof-serving log tree and results."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from grader import canonical
from grader.canonical import JsonValue
from grader.merkle import EMPTY_ROOT, HASH_SIZE

BUNDLE_FORMAT = "ujian-bundle/1"
LEAF_VERSION = 1

BUNDLE_JSON = "bundle.json"
MANIFEST = "manifest.json"
EVENTS = "events.jsonl"
CHECKPOINTS_DIR = "checkpoints/"
FILES_DIR = "files/"
"""Uploaded files of practical tasks, by lowercase hex SHA-256: what the grader needs to recompute them."""
KEY_REVEAL = "key-reveal.json"
SCORING = "scoring.json"
RESULTS = "results.json"
RECEIPTS = "receipts.jsonl"
WITNESSES = "witnesses.json"
README = "README.md"

RANKING_RULE = (
    "grader.ranking/2: the scoring rules of the manifest (definition.scoring): components, bonus, cap, "
    "pass marks, tie-break cascade; rows still equal share a rank (1,2,2,4)"
)
"""How ranks are assigned within a formation (village × position), named in every ``results.published``."""

_LEAF = b"\x00"
_NODE = b"\x01"
_sha256 = hashlib.sha256


def checkpoint_name(size: int) -> str:
    """The file name of the checkpoint at ``size`` inside ``checkpoints/``."""
    return f"{CHECKPOINTS_DIR}{size:012d}.txt"


def parse_json(data: bytes, what: str) -> JsonValue:
    """Lenient JSON reading of a side file (whitespace allowed), but never floats or big ints."""
    try:
        value: JsonValue = json.loads(data.decode("utf-8"), parse_float=_refuse_float, parse_constant=_refuse_float)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleFormatError(f"{what} is not valid JSON: {exc}") from exc
    canonical.encode(value)  # ints within ±2^53, valid strings
    return value


def _refuse_float(text: str) -> JsonValue:
    raise ValueError(f"floats are not allowed: {text}")


class BundleFormatError(ValueError):
    """A bundle is missing a file or a file cannot be read at all."""


# -- the log tree ------------------------------------------------------------------------------------


class LogTree:
    """An append-only RFC 6962 tree that keeps every perfect subtree hash, level by level.

    Level ``k`` holds the roots of the aligned perfect subtrees of ``2**k`` leaves, 32 bytes each, in one
    bytearray (about 64 bytes per leaf in all). Any root, inclusion proof or consistency proof for any
    size up to the current one then costs O(log n) hash operations, so a log of millions of events
    answers proofs in microseconds. Results equal ``grader.merkle``'s reference functions.
    """

    __slots__ = ("_levels", "_size")

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf_hash: bytes) -> None:
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"leaf hash must be {HASH_SIZE} bytes")
        levels = self._levels
        levels[0] += leaf_hash
        self._size += 1
        n, level, h = self._size, 0, leaf_hash
        while n & 1 == 0:
            left = bytes(levels[level][-2 * HASH_SIZE : -HASH_SIZE])
            h = _sha256(_NODE + left + h).digest()
            level += 1
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += h
            n >>= 1

    def append_data(self, leaf: bytes) -> bytes:
        """Append a raw leaf; returns its leaf hash."""
        h = _sha256(_LEAF + leaf).digest()
        self.append(h)
        return h

    def leaf_hash(self, index: int) -> bytes:
        if not 0 <= index < self._size:
            raise IndexError(index)
        return bytes(self._levels[0][index * HASH_SIZE : (index + 1) * HASH_SIZE])

    def _perfect(self, level: int, index: int) -> bytes:
        """Root of the perfect subtree covering leaves [index·2^level, (index+1)·2^level)."""
        start = index * HASH_SIZE
        return bytes(self._levels[level][start : start + HASH_SIZE])

    def _range(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) where [lo, hi) is a node of the RFC tree of some size (lo aligned to its split)."""
        n = hi - lo
        if n & (n - 1) == 0 and lo % n == 0:
            return self._perfect(n.bit_length() - 1, lo // n)
        k = 1 << ((n - 1).bit_length() - 1)
        return _sha256(_NODE + self._range(lo, lo + k) + self._range(lo + k, hi)).digest()

    def _check(self, size: int) -> None:
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= self._size:
            raise ValueError(f"size {size} is not in [0, {self._size}]")

    def root(self, size: int | None = None) -> bytes:
        """MTH(D[0:size]) (the current size by default)."""
        size = self._size if size is None else size
        self._check(size)
        return EMPTY_ROOT if size == 0 else self._range(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """RFC 9162 PATH(index, D[0:size]), leaf side first."""
        self._check(size)
        if not 0 <= index < size:
            raise ValueError(f"index {index} is not in a tree of size {size}")
        path: list[bytes] = []
        lo, hi = 0, size
        while hi - lo > 1:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            if index < lo + k:
                path.append(self._range(lo + k, hi))
                hi = lo + k
            else:
                path.append(self._range(lo, lo + k))
                lo += k
        path.reverse()
        return path

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """RFC 9162 PROOF(size1, D[0:size2]); empty when size1 is 0 or equals size2."""
        self._check(size2)
        if not 0 <= size1 <= size2:
            raise ValueError(f"size1 {size1} must be in [0, {size2}]")
        if size1 in (0, size2):
            return []
        tail: list[bytes] = []
        m, lo, hi, complete = size1, 0, size2, True
        while m != hi - lo:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            if m <= k:
                tail.append(self._range(lo + k, hi))
                hi = lo + k
            else:
                tail.append(self._range(lo, lo + k))
                m -= k
                lo += k
                complete = False
        head = [] if complete else [self._range(lo, hi)]
        return head + tail[::-1]


# -- results: scores and ranks per formation ---------------------------------------------------------


# -- reading ----------------------------------------------------------------------------------------


class BundleReader:
    """A bundle as a zip file or an unpacked folder; every file is read on demand."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        if self.path.is_dir():
            return
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise BundleFormatError(f"{self.path} is neither a folder nor a zip file: {exc}") from exc
        names = self._zip.namelist()
        # Accept a zip whose files sit in one top folder (what "compress this folder" makes).
        if MANIFEST not in names:
            tops = {n.split("/", 1)[0] + "/" for n in names if "/" in n}
            for top in tops:
                if top + MANIFEST in names:
                    self._prefix = top
                    break

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> BundleReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def names(self) -> list[str]:
        if self._zip is not None:
            p = self._prefix
            return sorted(n[len(p) :] for n in self._zip.namelist() if n.startswith(p) and not n.endswith("/"))
        return sorted(str(f.relative_to(self.path)).replace("\\", "/") for f in self.path.rglob("*") if f.is_file())

    def has(self, name: str) -> bool:
        return name in self.names()

    def read(self, name: str) -> bytes:
        try:
            if self._zip is not None:
                return self._zip.read(self._prefix + name)
            return (self.path / name).read_bytes()
        except (KeyError, OSError) as exc:
            raise BundleFormatError(f"the bundle has no {name}") from exc

    def json(self, name: str) -> JsonValue:
        return parse_json(self.read(name), name)

    def event_lines(self) -> Iterator[bytes]:
        """``events.jsonl`` line by line, without the newline, streaming (never all in memory)."""
        try:
            if self._zip is not None:
                raw: io.BufferedIOBase | Any = self._zip.open(self._prefix + EVENTS)
            else:
                raw = (self.path / EVENTS).open("rb")
        except (KeyError, OSError) as exc:
            raise BundleFormatError(f"the bundle has no {EVENTS}") from exc
        with raw:
            buffered = io.BufferedReader(raw, 1 << 20) if self._zip is not None else raw
            for line in buffered:
                yield line[:-1] if line.endswith(b"\n") else line

    def checkpoint_files(self) -> list[tuple[str, bytes]]:
        return [(n, self.read(n)) for n in self.names() if n.startswith(CHECKPOINTS_DIR)]

    def get(self, sha256: str, /) -> bytes | None:
        """An uploaded file by SHA-256 (a ``grader.files.FileStore``; the grader checks the hash)."""
        try:
            return self.read(FILES_DIR + sha256)
        except BundleFormatError:
            return None


# -- writing ----------------------------------------------------------------------------------------


def json_bytes(value: object) -> bytes:
    """Side files are canonical JSON plus a final newline: exact, and still readable."""
    return canonical.encode(value) + b"\n"


class BundleWriter:
    """Write a bundle zip: JSON side files, the events (streamed) and one file per checkpoint."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)

    def add_bytes(self, name: str, data: bytes) -> None:
        self._zip.writestr(_info(name), data)

    def add_json(self, name: str, value: object) -> None:
        self.add_bytes(name, json_bytes(value))

    def add_events(self, leaves: Iterable[bytes]) -> int:
        """Stream leaves into ``events.jsonl``; returns how many."""
        count = 0
        with self._zip.open(_info(EVENTS), "w", force_zip64=True) as out:
            for leaf in leaves:
                out.write(leaf + b"\n")
                count += 1
        return count

    def open_events(self) -> IO[bytes]:
        """A writable stream for ``events.jsonl`` (write leaves each followed by a newline, then close)."""
        return self._zip.open(_info(EVENTS), "w", force_zip64=True)

    def add_checkpoint(self, size: int, note: bytes) -> None:
        self.add_bytes(checkpoint_name(size), note)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> BundleWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _info(name: str) -> zipfile.ZipInfo:
    # A fixed timestamp: the same log exports to the same bytes.
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def leaf_bytes(seq: int, at_ms: int, kind: str, data: Mapping[str, JsonValue]) -> bytes:
    """The canonical leaf of one event: ``{"v":1,"seq","at","kind","data"}``."""
    return canonical.encode({"v": LEAF_VERSION, "seq": seq, "at": at_ms, "kind": kind, "data": dict(data)})


README_TEXT = """# Bundel ujian / Exam bundle

Bundel ini berisi seluruh catatan ujian yang dapat diperiksa siapa pun secara luring.
This bundle holds the whole exam record; anyone can check it offline.

    ujian verify BUNDEL.zip [--checkpoint CHECKPOINT.txt ...] [--json]
    python -m grader.verify BUNDEL.zip        (only grader/ and the `cryptography` package needed)

Files / Berkas:
- bundle.json      format, exam code, log size, export time
- manifest.json    public exam data (definition, items without key, roster → session/formation) and
                   the log's origin and Ed25519 verifier key (C2SP vkey); its SHA-256 is logged
- events.jsonl     every event, one canonical JSON leaf per line (exact bytes that were hashed)
- checkpoints/     every signed checkpoint (C2SP tlog-checkpoint in a C2SP signed note), with witness
                   cosignatures
- witnesses.json   witness keys that cosigned
- key-reveal.json  the salt and the canonical scoring spec that open the key commitment
- scoring.json     grader version, ranking rule, the spec in force (with logged corrections)
- results.json     the published scores and ranks per formation
- receipts.jsonl   the receipt every candidate got at submit
- files/           uploaded files of practical tasks, named by SHA-256 (needed to recompute their scores)

Give the verifier the checkpoints you kept (berita acara, witnesses) with --checkpoint: a rewritten log
is then shown to be a fork. Details: docs/transparency.md.
"""
