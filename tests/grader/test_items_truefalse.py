"""The ``truefalse`` rule."""

from __future__ import annotations

from typing import Any

import pytest

from grader.build import build_item
from grader.items import rule_for
from grader.problems import ProblemsError
from tests.grader.builders import truefalse

RULE = rule_for("truefalse")


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [(True, True, 2000), (True, False, 0), (False, False, 2000), (False, True, 0), (True, None, 0)],
)
def test_scores_points_when_the_answer_matches(key: bool, value: bool | None, expected: int) -> None:
    item = build_item(truefalse(key=key))
    assert item.options == ()
    assert RULE.score_milli(item, value) == expected
    assert RULE.max_milli(item) == 2000


def test_options_may_be_omitted() -> None:
    raw = truefalse()
    del raw["options"]
    assert build_item(raw) == build_item(truefalse())


@pytest.mark.parametrize("key", ["true", "B", 1, 0, None])
def test_key_must_be_a_bool(key: Any) -> None:
    with pytest.raises(ProblemsError) as caught:
        build_item(truefalse(key=key))
    (problem,) = caught.value.problems
    assert problem.field == "key"
    assert problem.code in {"key.invalid", "key.missing"}


def test_options_must_be_empty() -> None:
    with pytest.raises(ProblemsError) as caught:
        build_item(truefalse(options=["B", "S"]))
    assert [(p.code, p.field) for p in caught.value.problems] == [("options.not_empty", "options")]
    assert "benar/salah" in caught.value.problems[0].id


@pytest.mark.parametrize("value", [1, 0, "true", "B", [True]])
def test_non_bool_answers_are_malformed_and_score_zero(value: Any) -> None:
    item = build_item(truefalse(key=True))
    problem = RULE.check_response(item, value)
    assert problem is not None
    assert problem.code == "response.invalid"
    assert RULE.score_milli(item, value) == 0
