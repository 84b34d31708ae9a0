"""What a candidate's browser is shown of each item kind beyond text and options; never the key."""

from __future__ import annotations

import json
from typing import Any

from grader.items.short_text import MAX_ANSWER_CHARS
from grader.model import ItemSpec
from grader.office import ACCEPTS

# Kinds whose option order is shuffled per candidate when the exam shuffles options.
SHUFFLED = frozenset({"single", "multi", "tkp", "matching"})
# Ordering items are always shown shuffled: the authored order may be the answer.
ALWAYS_SHUFFLED = frozenset({"ordering"})
PRACTICAL_FORMATS = {"document": "docx", "spreadsheet": "xlsx"}


def shuffles(kind: str, shuffle_options: bool) -> bool:
    return kind in ALWAYS_SHUFFLED or (shuffle_options and kind in SHUFFLED)


def extras(kind: str, extra_json: str | None, spec: ItemSpec) -> dict[str, Any]:
    """Kind-specific fields of an item in ``GET /ujian/api/attempt`` (see docs/http-api.md)."""
    extra: dict[str, Any] = json.loads(extra_json) if extra_json else {}
    if kind == "short_text":
        return {"max_chars": MAX_ANSWER_CHARS}
    if kind == "matching":
        return {"left": [{"id": e["id"], "text": e["text"]} for e in extra.get("left", [])]}
    if kind == "typing":
        return {"typing": {"text": spec.param("text"), "time_limit_s": spec.param("time_limit_s")}}
    if kind in PRACTICAL_FORMATS:
        start = extra.get("start_file")
        return {
            "practical": {
                "format": PRACTICAL_FORMATS[kind],
                "formats": list(ACCEPTS[PRACTICAL_FORMATS[kind]]),
                "max_mb": spec.param("max_mb"),
                "start_file": {"url": f"/ujian/files/{start['sha256']}", "name": start["name"]} if start else None,
            }
        }
    return {}
