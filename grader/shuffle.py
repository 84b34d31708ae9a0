"""Per-candidate item and option order, reproducible by anyone from the recorded seed."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

from grader.model import ExamSpec, ItemSpec

_HEX = re.compile(r"(?:[0-9a-f]{2})+")


def item_order(seed: str, items: Sequence[ItemSpec], sections: Sequence[str]) -> tuple[str, ...]:
    """Item codes in presentation order: sections as listed, items shuffled within each section.

    Within a section items are sorted by ``SHA-256(seed ‖ 0x00 ‖ code)`` (ties by code).
    ``ValueError`` for a bad seed, duplicate codes or sections, or an item of an unlisted section.
    """
    seed_bytes = _seed_bytes(seed)
    _no_duplicates((item.code for item in items), "item code")
    _no_duplicates(sections, "section")
    listed = set(sections)
    for item in items:
        if item.section not in listed:
            raise ValueError(f"item {item.code!r} is in section {item.section!r}, which is not listed")
    order: list[str] = []
    for section in sections:
        codes = [item.code for item in items if item.section == section]
        order.extend(sorted(codes, key=lambda code: (_digest(seed_bytes, code), code)))
    return tuple(order)


def exam_item_order(seed: str, exam: ExamSpec) -> tuple[str, ...]:
    """``item_order`` for a whole exam in its section order."""
    return item_order(seed, exam.items, [section.code for section in exam.sections])


def option_order(seed: str, item_code: str, option_ids: Sequence[str]) -> tuple[str, ...]:
    """Option ids sorted by ``SHA-256(seed ‖ 0x00 ‖ item_code ‖ 0x00 ‖ option_id)`` (ties by id)."""
    seed_bytes = _seed_bytes(seed)
    _no_duplicates(option_ids, "option id")
    return tuple(sorted(option_ids, key=lambda option: (_digest(seed_bytes, item_code, option), option)))


def _seed_bytes(seed: str) -> bytes:
    if not isinstance(seed, str) or not _HEX.fullmatch(seed):
        raise ValueError("seed must be a non-empty, even-length, lowercase hex string")
    return bytes.fromhex(seed)


def _digest(seed: bytes, *parts: str) -> bytes:
    hasher = hashlib.sha256(seed)
    for part in parts:
        hasher.update(b"\x00")
        hasher.update(part.encode("utf-8"))
    return hasher.digest()


def _no_duplicates(values: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value!r}")
        seen.add(value)
