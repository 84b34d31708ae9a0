"""Building items and exams from raw dicts: every problem at once, each located."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.build import build_exam, build_item, exam_to_raw, item_to_raw
from grader.canonical import decode, encode
from grader.items import kinds, rule_for
from grader.problems import Problem, ProblemsError
from tests.grader.builders import exam, multi, raw_items, section, single, tkp, truefalse


def exam_problems(raw: Any) -> list[Problem]:
    with pytest.raises(ProblemsError) as caught:
        build_exam(raw)
    return list(caught.value.problems)


def codes(found: list[Problem]) -> list[str]:
    return [p.code for p in found]


def test_registry_knows_every_kind() -> None:
    assert kinds() == (
        "document",
        "matching",
        "multi",
        "numeric",
        "ordering",
        "short_text",
        "single",
        "spreadsheet",
        "tkp",
        "truefalse",
        "typing",
        "void",
    )
    assert {rule_for(kind).kind for kind in kinds()} == set(kinds())


@pytest.mark.parametrize("kind", ["essay", "Single", "", 3])
def test_unknown_kind_is_a_bilingual_problem(kind: Any) -> None:
    with pytest.raises(ProblemsError) as caught:
        build_item(single(kind=kind))
    (problem,) = caught.value.problems
    assert (problem.code, problem.field) == ("kind.unknown", "kind")
    assert "tidak dikenal" in problem.id
    assert "unknown" in problem.en
    assert "single" in problem.en


def test_rule_for_unknown_kind_raises_problems_error() -> None:
    with pytest.raises(ProblemsError) as caught:
        rule_for("essay")
    assert caught.value.problems[0].code == "kind.unknown"


def test_missing_kind_still_reports_other_fields() -> None:
    raw = single(code="")
    del raw["kind"]
    with pytest.raises(ProblemsError) as caught:
        build_item(raw)
    assert [(p.code, p.field) for p in caught.value.problems] == [
        ("code.invalid", "code"),
        ("kind.missing", "kind"),
    ]


def test_row_locates_every_problem_when_given_as_int() -> None:
    with pytest.raises(ProblemsError) as caught:
        build_item(single(key="F", points=0, _row=7))
    assert [(p.row, p.field) for p in caught.value.problems] == [(7, "points"), (7, "key")]
    assert "row 7" in str(caught.value)


@pytest.mark.parametrize("row", ["7", True, None, 7.0])
def test_row_that_is_not_an_int_is_ignored(row: Any) -> None:
    with pytest.raises(ProblemsError) as caught:
        build_item(single(key="F", _row=row))
    assert [p.row for p in caught.value.problems] == [None]


def test_underscore_fields_are_annotations_not_errors() -> None:
    assert build_item(single(_row=3, _sheet="bank.xlsx")) == build_item(single())


def test_non_dict_item_is_a_problem() -> None:
    with pytest.raises(ProblemsError) as caught:
        build_item(["TIK-001", "single"])
    assert caught.value.problems[0].code == "item.not_object"


def test_builds_an_exam() -> None:
    spec = build_exam(exam(sections=[section("TIK", weight="0.6", pass_min="5.5"), section("TKP", weight=2)]))
    assert [s.code for s in spec.sections] == ["TIK", "TKP"]
    assert spec.section("TIK").weight == Fraction(3, 5)
    assert spec.section("TIK").pass_min_milli == 5500
    assert spec.section("TKP").weight == 2
    assert spec.section("TKP").pass_min_milli is None
    assert [i.code for i in spec.items] == ["TIK-001", "TIK-002", "TIK-003", "TKP-001"]
    assert spec.item("TKP-001").kind == "tkp"
    assert spec.has_item("TIK-001")
    assert not spec.has_item("X")
    with pytest.raises(KeyError):
        spec.item("X")
    assert [i.code for i in spec.section_items("TKP")] == ["TKP-001"]


def test_specs_are_frozen_and_hashable() -> None:
    spec = build_exam(exam())
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.code = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.items[0].key = "A"  # type: ignore[misc]
    assert hash(spec) == hash(build_exam(exam()))
    assert spec == build_exam(exam())


def test_exam_problems_are_all_collected_with_rows_and_fields() -> None:
    raw = exam(
        sections=[section("TIK", weight=0.6, pass_min="1,5"), section("TIK"), section("", weight="-1")],
        pass_total_min="abc",
        items=[
            single("Q1", key="F", _row=2),
            single("Q1", _row=3),
            tkp("Q2", section="TKX", _row=4),
            truefalse("Q3", kind="essay", _row=5),
        ],
        extra="x",
    )
    found = {(p.code, p.row, p.field) for p in exam_problems(raw)}
    assert found == {
        ("field.unknown", None, "extra"),
        ("weight.invalid", None, "weight"),
        ("pass_min.invalid", None, "pass_min"),
        ("section.code.invalid", None, "code"),
        ("weight.invalid", None, "weight"),
        ("section.code.duplicate", None, "code"),
        ("pass_total_min.invalid", None, "pass_total_min"),
        ("key.unknown_option", 2, "key"),
        ("item.code.duplicate", 3, "code"),
        ("item.section.unknown", 4, "section"),
        ("kind.unknown", 5, "kind"),
    }


def test_float_weight_message_says_to_use_a_decimal_string() -> None:
    (problem,) = exam_problems(exam(sections=[section("TIK", weight=0.6), section("TKP")]))
    assert '"0.6"' in problem.en
    assert "float" in problem.en
    assert '"0.6"' in problem.id


def test_decimal_comma_gets_a_hint() -> None:
    (problem,) = exam_problems(exam(sections=[section("TIK", pass_min="2,5"), section("TKP")]))
    assert '"2.5"' in problem.id
    assert "titik" in problem.id


@pytest.mark.parametrize("weight", ["0", 0, "-1", "1e3", "", True, None, "0.6 "])
def test_bad_weights(weight: Any) -> None:
    found = exam_problems(exam(sections=[section("TIK", weight=weight), section("TKP")]))
    assert [p.field for p in found] == ["weight"]


def test_weight_defaults_to_one() -> None:
    raw = exam(sections=[{"code": "TIK", "title": "TIK"}, section("TKP")])
    assert build_exam(raw).section("TIK").weight == 1


def test_pass_min_with_more_than_three_decimals() -> None:
    (problem,) = exam_problems(exam(sections=[section("TIK", pass_min="1.0005"), section("TKP")]))
    assert problem.code == "pass_min.too_precise"


def test_section_rows_locate_section_problems() -> None:
    found = exam_problems(exam(sections=[section("TIK", weight="x", _row=4), section("TKP")]))
    assert [(p.row, p.field) for p in found] == [(4, "weight")]


def test_section_without_items() -> None:
    found = exam_problems(exam(sections=[section("TIK"), section("TKP"), section("BHS")]))
    assert codes(found) == ["section.no_items"]
    assert "BHS" in found[0].id


def test_pass_marks_above_the_maximum_are_refused() -> None:
    # TIK max: single 5 + multi 4 + truefalse 2 = 11 points; TKP max 5; weights 1
    found = exam_problems(
        exam(sections=[section("TIK", pass_min="11.001"), section("TKP", pass_min="5")], pass_total_min="16.5")
    )
    assert codes(found) == ["pass_min.above_max", "pass_total_min.above_max"]
    assert "11.001" in found[0].en
    assert "11" in found[0].en
    assert build_exam(exam(sections=[section("TIK", pass_min="11"), section("TKP")], pass_total_min="16"))


@pytest.mark.parametrize(
    ("field", "value"), [("sections", []), ("items", []), ("sections", "TIK"), ("items", "TIK-001")]
)
def test_exam_needs_sections_and_items(field: str, value: Any) -> None:
    found = exam_problems(exam(**{field: value}))
    assert field in {p.field for p in found}


def test_non_dict_exam() -> None:
    assert codes(exam_problems([])) == ["exam.not_object"]


def test_every_problem_is_bilingual() -> None:
    raw = exam(
        sections=[section("TIK", weight="x"), section("TKP", pass_min=1.5)],
        items=[single(key="F"), multi(key=[]), tkp(key={"A": 9}), truefalse(key="ya"), single("Z", kind="x")],
    )
    for problem in exam_problems(raw):
        assert problem.id.strip()
        assert problem.en.strip()
        assert problem.id != problem.en
        assert problem.field


@given(st.lists(raw_items(), min_size=1, max_size=6), st.sampled_from(["1", "0.6", "2.25", 3]))
def test_exam_to_raw_builds_back_to_an_equal_exam(items: list[dict[str, Any]], weight: Any) -> None:
    for index, item in enumerate(items):
        item["code"] = f"Q-{index}"
    spec = build_exam(exam(items=items, sections=[section("TIK", weight=weight, pass_min="0.5")]))
    raw = exam_to_raw(spec)
    assert decode(encode(raw)) == raw
    assert build_exam(raw) == spec


@given(raw_items())
def test_item_to_raw_round_trips(raw: dict[str, Any]) -> None:
    item = build_item(raw)
    assert build_item(item_to_raw(item)) == item
