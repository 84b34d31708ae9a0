"""Grade one attempt: item scores, section sums and weights, thresholds; exact, deterministic, total."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from grader.exact import round_half_up
from grader.files import Files
from grader.items.base import ItemRule, rule_for
from grader.model import AttemptResult, ExamSpec, ItemResult, ItemSpec, SectionResult, SectionSpec
from grader.version import GRADER_VERSION

MEMO_LIMIT = 4096
"""Distinct responses remembered per item (choice items have few; free text is bounded by this)."""
_NO_MEMO = object()


def grade(exam: ExamSpec, responses: Mapping[str, object], files: Files | None = None) -> AttemptResult:
    """Score ``responses`` (item code → response value; missing means unanswered).

    Never raises for a bad response: malformed values score 0 and count as unanswered (the server
    rejects them earlier with ``check_response``). Responses for codes not in the exam are ignored.
    ``files`` gives the bytes of uploaded files by SHA-256 for practical tasks (``document``,
    ``spreadsheet``); without it those items score 0 with every rubric line failed "file not found".
    """
    return compile_exam(exam).grade(responses, files)


@dataclass(frozen=True, slots=True)
class _Entry:
    item: ItemSpec
    rule: ItemRule
    section_index: int
    memo: dict[object, ItemResult] | None


class CompiledExam:
    """An exam prepared for grading many attempts: rules looked up once, results of identical
    responses to the same item shared (an ``ItemResult`` is immutable and depends only on the item and
    the response), section weights and maxima precomputed. Same results as grading from scratch."""

    def __init__(self, exam: ExamSpec) -> None:
        self.exam = exam
        index = {section.code: n for n, section in enumerate(exam.sections)}
        entries = []
        for section in exam.sections:
            for item in exam.section_items(section.code):
                rule = rule_for(item.kind)
                memo: dict[object, ItemResult] | None = None if rule.uses_files else {}
                entries.append(_Entry(item, rule, index[section.code], memo))
        self._entries = tuple(entries)
        self._maxima = [0] * len(exam.sections)
        for entry in entries:
            self._maxima[entry.section_index] += entry.rule.max_milli(entry.item)
        self._sections = exam.sections
        self._max_total = sum(
            round_half_up(maximum * section.weight)
            for maximum, section in zip(self._maxima, exam.sections, strict=True)
        )

    def grade(self, responses: Mapping[str, object], files: Files | None = None) -> AttemptResult:
        results: list[ItemResult] = []
        sums = [0] * len(self._sections)
        get = responses.get
        for entry in self._entries:
            value = get(entry.item.code)
            memo = entry.memo
            key = _memo_key(value) if memo is not None else _NO_MEMO
            result = memo.get(key) if memo is not None and key is not _NO_MEMO else None
            if result is None:
                result = _item_result(entry, value, files)
                if memo is not None and key is not _NO_MEMO and len(memo) < MEMO_LIMIT:
                    memo[key] = result
            results.append(result)
            sums[entry.section_index] += result.score_milli
        sections = tuple(
            _section_result(section, score, maximum)
            for section, score, maximum in zip(self._sections, sums, self._maxima, strict=True)
        )
        total = sum(s.weighted_milli for s in sections)
        passed = all(s.passed for s in sections) and (
            self.exam.pass_total_min_milli is None or total >= self.exam.pass_total_min_milli
        )
        return AttemptResult(
            items=tuple(results),
            sections=sections,
            total_milli=total,
            max_total_milli=self._max_total,
            passed=passed,
            grader_version=GRADER_VERSION,
        )


def _memo_key(value: object) -> object:
    """A hashable stand-in for a response that cannot collide across types (``True`` vs ``1``)."""
    kind = type(value)
    if value is None or kind is str:
        return value
    if kind is bool:
        return ("bool", value)
    if kind is int:
        return ("int", value)
    if kind is list and all(type(v) is str for v in value):  # type: ignore[attr-defined]
        return ("list", *value)  # type: ignore[misc]
    if kind is dict and all(type(k) is str and (v is None or type(v) is str) for k, v in value.items()):  # type: ignore[attr-defined]
        return ("dict", *sorted(value.items()))  # type: ignore[attr-defined]
    return _NO_MEMO


def _item_result(entry: _Entry, value: object, files: Files | None) -> ItemResult:
    item = entry.item
    outcome = entry.rule.outcome(item, value, files)
    return ItemResult(
        code=item.code,
        section=item.section,
        score_milli=outcome.score_milli,
        max_milli=entry.rule.max_milli(item),
        answered=outcome.answered,
        lines=outcome.lines,
        detail=outcome.detail,
    )


def _section_result(section: SectionSpec, score: int, maximum: int) -> SectionResult:
    weight = section.weight
    weighted = score if weight == 1 else round_half_up(Fraction(score) * weight)
    return SectionResult(
        code=section.code,
        score_milli=score,
        max_milli=maximum,
        weighted_milli=weighted,
        pass_min_milli=section.pass_min_milli,
        passed=section.pass_min_milli is None or score >= section.pass_min_milli,
    )


_COMPILED: OrderedDict[int, CompiledExam] = OrderedDict()
_CACHE_SIZE = 8


def compile_exam(exam: ExamSpec) -> CompiledExam:
    """The compiled form of ``exam``, reused while the same ExamSpec object is passed (identity, not
    equality: a corrected exam is a new object and is compiled afresh)."""
    cached = _COMPILED.get(id(exam))
    if cached is not None and cached.exam is exam:
        _COMPILED.move_to_end(id(exam))
        return cached
    compiled = CompiledExam(exam)
    _COMPILED[id(exam)] = compiled
    if len(_COMPILED) > _CACHE_SIZE:
        _COMPILED.popitem(last=False)
    return compiled
