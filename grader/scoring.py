"""Grade one attempt: item scores, section sums and weights, thresholds; exact, deterministic, total."""

from __future__ import annotations

from collections.abc import Mapping

from grader.exact import round_half_up
from grader.items.base import rule_for
from grader.model import AttemptResult, ExamSpec, ItemResult, SectionResult
from grader.version import GRADER_VERSION


def grade(exam: ExamSpec, responses: Mapping[str, object]) -> AttemptResult:
    """Score ``responses`` (item code → response value; missing means unanswered).

    Never raises for a bad response: malformed values score 0 and count as unanswered (the server
    rejects them earlier with ``check_response``). Responses for codes not in the exam are ignored.
    """
    item_results = tuple(_grade_item(exam, code, responses.get(code)) for code in _codes(exam))
    by_section: dict[str, list[ItemResult]] = {s.code: [] for s in exam.sections}
    for result in item_results:
        by_section[result.section].append(result)
    section_results = tuple(_section_result(exam, code, results) for code, results in by_section.items())
    total = sum(s.weighted_milli for s in section_results)
    max_total = sum(round_half_up(s.max_milli * exam.section(s.code).weight) for s in section_results)
    passed = all(s.passed for s in section_results) and (
        exam.pass_total_min_milli is None or total >= exam.pass_total_min_milli
    )
    return AttemptResult(
        items=item_results,
        sections=section_results,
        total_milli=total,
        max_total_milli=max_total,
        passed=passed,
        grader_version=GRADER_VERSION,
    )


def _codes(exam: ExamSpec) -> list[str]:
    """Item codes grouped by section in section order, items in exam order within each."""
    return [item.code for section in exam.sections for item in exam.section_items(section.code)]


def _grade_item(exam: ExamSpec, code: str, value: object) -> ItemResult:
    item = exam.item(code)
    rule = rule_for(item.kind)
    return ItemResult(
        code=item.code,
        section=item.section,
        score_milli=rule.score_milli(item, value),
        max_milli=rule.max_milli(item),
        answered=rule.answered(item, value),
    )


def _section_result(exam: ExamSpec, code: str, results: list[ItemResult]) -> SectionResult:
    section = exam.section(code)
    score = sum(r.score_milli for r in results)
    return SectionResult(
        code=code,
        score_milli=score,
        max_milli=sum(r.max_milli for r in results),
        weighted_milli=round_half_up(score * section.weight),
        pass_min_milli=section.pass_min_milli,
        passed=section.pass_min_milli is None or score >= section.pass_min_milli,
    )
