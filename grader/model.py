"""Frozen values the grader works on: exam, sections, items, and the results of grading an attempt."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType

from grader.canonical import JsonValue

ParamValue = str | int | bool
"""Item parameters are flat scalars (e.g. ``partial="per_option"`` for ``multi``)."""

ArgValue = str | int | bool | tuple[str, ...]
"""Arguments of a rubric check: scalars or a list of texts (e.g. a table's header cells)."""


@dataclass(frozen=True, slots=True)
class TextKey:
    """``short_text``: accepted answers as authored (normalised when scoring) and/or an anchored pattern."""

    answers: tuple[str, ...]
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class OrderKey:
    """``ordering``: every option id, in the right order."""

    order: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PairsKey:
    """``matching``: (left id, right option id) pairs in authored left order."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class RubricLine:
    """One line of a practical task's rubric: a named check on the uploaded file, its points and wording."""

    id: str
    check: str
    args: tuple[tuple[str, ArgValue], ...]
    """Sorted by name; validated against the check's argument schema when the item is built."""
    points: int
    description_id: str
    description_en: str

    def arg(self, name: str) -> ArgValue | None:
        for arg_name, value in self.args:
            if arg_name == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class RubricKey:
    """``document`` / ``spreadsheet``: the rubric lines, in authored order."""

    lines: tuple[RubricLine, ...]


ItemKey = (
    str
    | bool
    | frozenset[str]
    | tuple[tuple[str, int], ...]
    | Fraction
    | TextKey
    | OrderKey
    | PairsKey
    | RubricKey
    | None
)
"""A key in frozen, hashable form: ``single`` str, ``multi`` frozenset of option ids,
``tkp`` ((option id, weight), ...) sorted by option id, ``truefalse`` bool, ``short_text`` TextKey,
``numeric`` Fraction, ``ordering`` OrderKey, ``matching`` PairsKey, ``document``/``spreadsheet``
RubricKey, ``typing`` None (the text to type is a parameter), ``void`` None."""


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """One gradable item; built and validated by ``grader.build.build_item``."""

    code: str
    section: str
    kind: str
    points: int
    """Points for a fully right answer; for ``tkp`` the highest weight (the raw points field is ignored)."""
    options: tuple[str, ...]
    """Option ids in authored order (display order before shuffling); ``()`` for ``truefalse``."""
    key: ItemKey
    params: tuple[tuple[str, ParamValue], ...] = ()
    """Sorted by name, defaults filled in (so equal rules compare equal)."""

    def param(self, name: str) -> ParamValue | None:
        """The value of one parameter, or None if the item has no such parameter."""
        for param_name, value in self.params:
            if param_name == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """A section (e.g. TIK, Pengetahuan Umum): its weight in the total and its pass threshold."""

    code: str
    title: str
    weight: Fraction
    """Exact, from a decimal string; ``weighted_milli = round_half_up(score_milli × weight)``."""
    pass_min_milli: int | None = None
    """Minimum unweighted section score in milli-points, or None for no threshold."""


@dataclass(frozen=True, slots=True)
class ExamSpec:
    """A whole exam: sections in defined order and every item (grouped by section in item order)."""

    code: str
    title: str
    sections: tuple[SectionSpec, ...]
    items: tuple[ItemSpec, ...]
    pass_total_min_milli: int | None = None
    """Minimum weighted total in milli-points, or None."""
    _items_by_code: Mapping[str, ItemSpec] = field(init=False, repr=False, compare=False, hash=False)
    _sections_by_code: Mapping[str, SectionSpec] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        # Frozen dataclass: the lookup tables are derived once, here, and never change.
        object.__setattr__(self, "_items_by_code", MappingProxyType({i.code: i for i in self.items}))
        object.__setattr__(self, "_sections_by_code", MappingProxyType({s.code: s for s in self.sections}))

    def item(self, code: str) -> ItemSpec:
        """The item with this code; ``KeyError`` if there is none."""
        return self._items_by_code[code]

    def has_item(self, code: str) -> bool:
        return code in self._items_by_code

    def section(self, code: str) -> SectionSpec:
        """The section with this code; ``KeyError`` if there is none."""
        return self._sections_by_code[code]

    def section_items(self, code: str) -> tuple[ItemSpec, ...]:
        """Items of one section, in item order."""
        return tuple(item for item in self.items if item.section == code)


@dataclass(frozen=True, slots=True)
class RubricLineResult:
    """How one rubric line went: shown to the candidate and the public next to the score."""

    id: str
    check: str
    passed: bool
    score_milli: int
    max_milli: int
    description_id: str
    description_en: str
    detail_id: str
    """What the grader found, in Indonesian (e.g. "Sel B10 berisi rumus =SUM(B2:B9)")."""
    detail_en: str

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "id": self.id,
            "check": self.check,
            "passed": self.passed,
            "score_milli": self.score_milli,
            "max_milli": self.max_milli,
            "description_id": self.description_id,
            "description_en": self.description_en,
            "detail_id": self.detail_id,
            "detail_en": self.detail_en,
        }


@dataclass(frozen=True, slots=True)
class ItemResult:
    code: str
    section: str
    score_milli: int
    max_milli: int
    answered: bool
    lines: tuple[RubricLineResult, ...] = ()
    """Per rubric line outcomes of a practical file task; ``()`` for every other kind."""
    detail: tuple[tuple[str, str], ...] = ()
    """Named measurements behind the score as text (e.g. typing ``net_wpm`` ``"31.2"``), sorted by name;
    ``()`` for the choice kinds."""

    def as_json(self) -> dict[str, JsonValue]:
        """Canonical-encodable; ``lines`` and ``detail`` appear only when non-empty (older results unchanged)."""
        out: dict[str, JsonValue] = {
            "code": self.code,
            "section": self.section,
            "score_milli": self.score_milli,
            "max_milli": self.max_milli,
            "answered": self.answered,
        }
        if self.lines:
            out["lines"] = [line.as_json() for line in self.lines]
        if self.detail:
            out["detail"] = dict(self.detail)
        return out


@dataclass(frozen=True, slots=True)
class SectionResult:
    code: str
    score_milli: int
    """Unweighted sum of the section's item scores."""
    max_milli: int
    weighted_milli: int
    pass_min_milli: int | None
    passed: bool

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "code": self.code,
            "score_milli": self.score_milli,
            "max_milli": self.max_milli,
            "weighted_milli": self.weighted_milli,
            "pass_min_milli": self.pass_min_milli,
            "passed": self.passed,
        }


@dataclass(frozen=True, slots=True)
class AttemptResult:
    items: tuple[ItemResult, ...]
    sections: tuple[SectionResult, ...]
    total_milli: int
    """Sum of the sections' weighted scores."""
    max_total_milli: int
    """Sum of round_half_up(section max × weight)."""
    passed: bool
    grader_version: str

    def as_json(self) -> dict[str, JsonValue]:
        """Canonical-encodable form (ints, str, bool; ``pass_min_milli`` may be null)."""
        return {
            "items": [item.as_json() for item in self.items],
            "sections": [section.as_json() for section in self.sections],
            "total_milli": self.total_milli,
            "max_total_milli": self.max_total_milli,
            "passed": self.passed,
            "grader_version": self.grader_version,
        }
