"""``void``: an item annulled by a key correction; everyone gets its points, or it counts for no one."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from grader.canonical import JsonValue
from grader.files import Files
from grader.items.base import (
    Collector,
    ItemOutcome,
    ItemRule,
    full_marks,
    parse_identity,
    parse_points,
    register,
)
from grader.items.params import Param, parse_typed_params
from grader.model import ItemSpec
from grader.problems import Problem

FULL_MARKS = "full_marks"
REMOVE = "remove"
PARAMS = {
    "mode": Param("choice", default=FULL_MARKS, choices=(FULL_MARKS, REMOVE)),
    "was": Param("text", low=1, high=32, required=True),
}


@register
class VoidRule(ItemRule):
    """Made only by ``grader.regrade`` (``void_item``); ``was`` keeps the kind the item had."""

    kind = "void"

    def parse(self, raw: Mapping[str, object]) -> ItemSpec:
        p = Collector(raw)
        code, section = parse_identity(raw, p)
        points = parse_points(raw, p)
        options = raw.get("options") or []
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            p.add("options.invalid", "Opsi harus berupa daftar teks", "Options must be a list of text", "options")
            options = []
        if raw.get("key") is not None:
            p.add("key.not_empty", "Soal yang dibatalkan tidak punya kunci", "A voided item has no key", "key")
        params = parse_typed_params(raw, p, PARAMS)
        if p.problems or code is None or section is None or points is None:
            raise p.error()
        return ItemSpec(code, section, self.kind, points, tuple(str(o) for o in options), None, params)

    def max_milli(self, item: ItemSpec) -> int:
        return 0 if item.param("mode") == REMOVE else full_marks(item)

    def check_response(self, item: ItemSpec, value: object) -> Problem | None:
        return None

    def outcome(self, item: ItemSpec, value: object, files: Files | None = None) -> ItemOutcome:
        return ItemOutcome(self.max_milli(item), value is not None)

    def _score(self, item: ItemSpec, value: object) -> Fraction:
        return Fraction(1)

    def raw_key(self, item: ItemSpec) -> JsonValue:
        return None
