"""Tampering helpers: rewrite a bundle's events the way a dishonest operator (who holds the log key) could."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader import canonical
from grader.bundle import CHECKPOINTS_DIR, EVENTS, LogTree, checkpoint_name
from grader.checkpoint import Checkpoint, parse_checkpoint, sign_checkpoint
from grader.note import Signer, parse_note

Leaf = dict[str, Any]


def read_lines(bundle: Path) -> list[bytes]:
    return (bundle / EVENTS).read_bytes().splitlines()


def write_lines(bundle: Path, lines: list[bytes]) -> None:
    (bundle / EVENTS).write_bytes(b"".join(line + b"\n" for line in lines))


def leaves(bundle: Path) -> list[Leaf]:
    return [json.loads(line) for line in read_lines(bundle)]


def write_leaves(bundle: Path, events: list[Leaf], *, renumber: bool = False) -> None:
    if renumber:
        events = [{**e, "seq": n} for n, e in enumerate(events, start=1)]
    write_lines(bundle, [canonical.encode(e) for e in events])


def edit(bundle: Path, change: Callable[[list[Leaf]], list[Leaf] | None], *, renumber: bool = False) -> None:
    events = leaves(bundle)
    out = change(events)
    write_leaves(bundle, events if out is None else out, renumber=renumber)


def find(events: list[Leaf], kind: str, **data: Any) -> int:
    """Index of the first event of ``kind`` whose data has these values."""
    for i, e in enumerate(events):
        if e["kind"] == kind and all(e["data"].get(k) == v for k, v in data.items()):
            return i
    raise LookupError(f"no {kind} {data}")


def checkpoint_sizes(bundle: Path) -> list[int]:
    out = []
    for path in sorted((bundle / CHECKPOINTS_DIR).iterdir()):
        out.append(parse_checkpoint(parse_note(path.read_bytes()).text).size)
    return out


def resign(bundle: Path, signer: Signer) -> None:
    """Sign new checkpoints over the (rewritten) events at the old sizes and at the end: a consistent fork
    (the receipts' embedded checkpoints included)."""
    origin = parse_checkpoint(parse_note(next((bundle / CHECKPOINTS_DIR).iterdir()).read_bytes()).text).origin
    sizes = checkpoint_sizes(bundle)
    tree = LogTree()
    for line in read_lines(bundle):
        tree.append_data(line)
    for path in (bundle / CHECKPOINTS_DIR).iterdir():
        path.unlink()
    for size in sorted({*(s for s in sizes if s <= tree.size), tree.size}):
        note = sign_checkpoint(Checkpoint(origin, size, tree.root(size)), signer)
        (bundle / checkpoint_name(size)).write_bytes(note)
    resign_receipts(bundle, signer)


def resign_receipts(bundle: Path, signer: Signer) -> None:
    """Re-sign the checkpoints embedded in the bundle's receipts too (the operator controls those copies)."""
    from grader.bundle import RECEIPTS
    from grader.note import encode_base64

    origin = parse_checkpoint(parse_note(next((bundle / CHECKPOINTS_DIR).iterdir()).read_bytes()).text).origin
    lines = read_lines(bundle)
    tree = LogTree()
    for line in lines:
        tree.append_data(line)
    out = []
    for raw in (bundle / RECEIPTS).read_bytes().splitlines():
        r = json.loads(raw)
        if r.get("checkpoint"):
            size = parse_checkpoint(parse_note(r["checkpoint"].encode()).text).size
            r["checkpoint"] = sign_checkpoint(Checkpoint(origin, size, tree.root(size)), signer).decode()
            r["leaf"] = lines[r["submit_seq"] - 1].decode()
            r["proof"] = [encode_base64(p) for p in tree.inclusion_proof(r["submit_seq"] - 1, size)]
        out.append(canonical.encode(r) + b"\n")
    (bundle / RECEIPTS).write_bytes(b"".join(out))
