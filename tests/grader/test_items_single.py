"""The ``single`` rule: one right option."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.build import build_item
from grader.items import rule_for
from grader.problems import ProblemsError
from tests.grader.builders import ABCDE, single

RULE = rule_for("single")


def problems(raw: dict[str, Any]) -> list[tuple[str, str | None]]:
    with pytest.raises(ProblemsError) as caught:
        build_item(raw)
    return [(p.code, p.field) for p in caught.value.problems]


def test_parses_into_a_frozen_spec() -> None:
    item = build_item(single(key="C"))
    assert (item.code, item.section, item.kind, item.points) == ("TIK-001", "TIK", "single", 5)
    assert item.options == ("A", "B", "C", "D", "E")
    assert item.key == "C"
    assert item.params == ()
    assert hash(item) == hash(build_item(single(key="C")))


@pytest.mark.parametrize(("value", "expected"), [("C", 5000), ("A", 0), ("E", 0), (None, 0)])
def test_scores_full_points_only_for_the_key(value: Any, expected: int) -> None:
    item = build_item(single(key="C"))
    assert RULE.score_milli(item, value) == expected
    assert RULE.max_milli(item) == 5000


def test_key_outside_options_is_reported_bilingually() -> None:
    with pytest.raises(ProblemsError) as caught:
        build_item(single(key="F"))
    (problem,) = caught.value.problems
    assert (problem.code, problem.field) == ("key.unknown_option", "key")
    assert "Kunci 'F' bukan salah satu opsi (A–E)" in problem.id
    assert "Key 'F' is not one of the options (A–E)" in problem.en
    assert "TIK-001" in problem.en


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"key": None}, ("key.missing", "key")),
        ({"key": ["A", "C"]}, ("key.invalid", "key")),
        ({"key": 3}, ("key.invalid", "key")),
        ({"options": []}, ("options.too_few", "options")),
        ({"options": "ABCDE"}, ("options.invalid", "options")),
        ({"options": ["A", "B", "B", "C"]}, ("options.duplicate", "options")),
        ({"options": ["A", " B", "C"]}, ("options.invalid_id", "options")),
        ({"points": 0}, ("points.invalid", "points")),
        ({"points": "5"}, ("points.invalid", "points")),
        ({"points": 2.5}, ("points.invalid", "points")),
        ({"points": True}, ("points.invalid", "points")),
        ({"params": {"partial": "per_option"}}, ("params.unknown", "params")),
        ({"code": ""}, ("code.invalid", "code")),
        ({"section": None}, ("section.invalid", "section")),
        ({"stem": "Apa itu TIK?"}, ("item.unknown_field", "stem")),
    ],
)
def test_each_bad_field_is_located(overrides: dict[str, Any], expected: tuple[str, str]) -> None:
    raw = single(**{k: v for k, v in overrides.items() if k != "key"})
    if "key" in overrides:
        raw["key"] = overrides["key"]
    assert expected in problems(raw)


def test_all_problems_are_collected_at_once() -> None:
    found = problems(single(key="F", points=-1, params=[1]))
    assert [field for _, field in found] == ["points", "params", "key"]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("F", "response.unknown_option"),
        ("c", "response.unknown_option"),
        (["C"], "response.invalid"),
        (3, "response.invalid"),
    ],
)
def test_check_response_flags_malformed_answers(value: Any, code: str) -> None:
    item = build_item(single())
    problem = RULE.check_response(item, value)
    assert problem is not None
    assert problem.code == code
    assert problem.id
    assert problem.en
    assert problem.id != problem.en
    assert RULE.score_milli(item, value) == 0
    assert not RULE.answered(item, value)


@pytest.mark.parametrize("value", [*ABCDE, None])
def test_check_response_accepts_options_and_null(value: Any) -> None:
    assert RULE.check_response(build_item(single()), value) is None


@given(st.permutations(ABCDE), st.sampled_from(ABCDE), st.sampled_from([*ABCDE, None]))
def test_option_order_does_not_change_the_score(order: list[str], key: str, value: str | None) -> None:
    base = build_item(single(key=key))
    permuted = build_item(single(key=key, options=order))
    assert RULE.score_milli(permuted, value) == RULE.score_milli(base, value)


def test_messages_list_options_that_are_not_a_letter_run() -> None:
    item = build_item(single(key="11", options=["1", "11", "B"]))
    problem = RULE.check_response(item, "Z")
    assert problem is not None
    assert "(1, 11, B)" in problem.en
    assert "(A–E)" in RULE.check_response(build_item(single()), "Z").en  # type: ignore[union-attr]
