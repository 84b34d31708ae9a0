"""``typing``: the alignment, the WPM/accuracy formula, the point mapping, paste refusal, evidence checks."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.build import build_exam, build_item, item_to_raw
from grader.canonical import encode
from grader.items import rule_for
from grader.items.typing_speed import measure, prefix_edit_distance
from grader.model import ExamSpec
from grader.problems import ProblemsError
from grader.scoring import grade
from tests.grader.builders import exam, section
from tests.grader.new_builders import TYPING_TEXT, typed, typing

RULE = rule_for("typing")


def table_distance(typed_text: str, target: str) -> tuple[int, int]:
    """The textbook O(n·m) table: least D[n][j] over j, smallest such j."""
    previous = list(range(len(typed_text) + 1))
    best = (previous[-1], 0)
    for j, ch in enumerate(target, start=1):
        current = [j] + [0] * len(typed_text)
        for i in range(1, len(typed_text) + 1):
            current[i] = min(previous[i] + 1, current[i - 1] + 1, previous[i - 1] + (typed_text[i - 1] != ch))
        if current[-1] < best[0]:
            best = (current[-1], j)
        previous = current
    return best


@given(st.text(alphabet="ab c", max_size=25), st.text(alphabet="ab cd", max_size=25))
def test_bit_parallel_alignment_equals_the_table(target: str, typed_text: str) -> None:
    assert prefix_edit_distance(typed_text, target) == table_distance(typed_text, target)


def test_long_texts_align_quickly_and_exactly() -> None:
    target = (TYPING_TEXT + " ") * 24  # ~2,000 characters
    typed_text = target[:1500].replace("a", "e", 20)
    assert prefix_edit_distance(typed_text, target) == (20, 1500)


def test_formula_worked_example() -> None:
    # 300 characters in 1 minute with 6 errors: gross 60, net (60 − 6) = 54, accuracy 294/300 = 98 %.
    text = ("x" * 10 + " ") * 40
    item = build_item(typing(text=text, full_wpm=30))
    answer = text[:294] + "yyyyyy"
    m = measure(item, answer, 60_000)
    assert (m.typed_chars, m.errors) == (300, 6)
    assert (m.gross_wpm, m.net_wpm, m.accuracy) == (Fraction(60), Fraction(54), Fraction(98, 100))
    outcome = RULE.outcome(item, typed(answer, 60_000))
    assert outcome.score_milli == 10_000  # ≥ 30 net WPM and ≥ 95 % accuracy
    detail = dict(outcome.detail)
    assert detail["net_wpm"] == "54.0"
    assert detail["accuracy_pct"] == "98.0"
    assert detail["gross_wpm"] == "60.0"
    encode(dict(outcome.detail))  # strings only: canonical, no floats


def test_speed_and_accuracy_shares() -> None:
    text = "a" * 200
    item = build_item(typing(text=text, full_wpm=30, full_accuracy="95", min_accuracy="80"))
    # 75 chars in 1 minute, no errors: 15 WPM → half the points.
    assert RULE.score_milli(item, typed("a" * 75, 60_000)) == 5000
    # 150 chars, 15 errors in a minute: gross 30, net 30 − 15 = 15 WPM (half speed); accuracy 90 %,
    # two thirds of the way from 80 to 95 → 10 points × 1/2 × 2/3 = 3.333.
    answer = "a" * 135 + "b" * 15
    assert RULE.score_milli(item, typed(answer, 60_000)) == 3333
    # accuracy at or below the minimum → 0
    assert RULE.score_milli(item, typed("a" * 80 + "b" * 20, 60_000)) == 0


def test_time_is_capped_at_the_limit_and_at_least_a_second() -> None:
    item = build_item(typing(text="a" * 100))
    slow = measure(item, "a" * 50, 600_000)  # the limit is 60 s
    assert slow.minutes == 1
    instant = measure(item, "a" * 5, 0)
    assert instant.minutes == Fraction(1, 60)


def test_pasting_scores_zero_with_a_reason() -> None:
    item = build_item(typing())
    outcome = RULE.outcome(item, typed(TYPING_TEXT, 20_000, pasted=True))
    assert outcome.score_milli == 0
    assert outcome.answered
    assert dict(outcome.detail)["reason"] == "pasted"


@pytest.mark.parametrize(
    "value",
    [
        {"typed": "a", "elapsed_ms": 10, "keystrokes": [], "pasted": "no"},
        {"typed": "a", "elapsed_ms": -1, "keystrokes": [], "pasted": False},
        {"typed": "a", "elapsed_ms": 10, "keystrokes": [[5, "a"], [3, "b"]], "pasted": False},
        {"typed": "a", "elapsed_ms": 10, "keystrokes": [[5.5, "a"]], "pasted": False},
        {"typed": "a", "elapsed_ms": 10, "keystrokes": [], "pasted": False, "extra": 1},
        "just text",
    ],
)
def test_malformed_responses_are_refused_and_score_zero(value: object) -> None:
    item = build_item(typing())
    assert RULE.check_response(item, value) is not None
    assert RULE.score_milli(item, value) == 0


def test_params_are_checked() -> None:
    with pytest.raises(ProblemsError) as caught:
        build_item(
            {
                "code": "K",
                "section": "TIK",
                "kind": "typing",
                "points": 5,
                "params": {"time_limit_s": 5, "full_accuracy": "90", "min_accuracy": "95"},
            }
        )
    found = sorted(p.code for p in caught.value.problems)
    assert found == ["params.invalid_value", "params.invalid_value", "params.missing"]


def test_round_trip_and_grade_carries_detail() -> None:
    item = build_item(typing())
    assert build_item(item_to_raw(item)) == item
    spec = _exam()
    result = grade(spec, {"KETIK-1": typed(TYPING_TEXT[:40], 20_000)})
    assert result.items[0].detail
    encode(result.as_json())


def _exam() -> ExamSpec:

    return build_exam(exam(items=[typing()], sections=[section("TIK")]))


@settings(max_examples=60)
@given(
    length=st.integers(5, len(TYPING_TEXT)),
    positions=st.lists(st.integers(0, len(TYPING_TEXT) - 1), max_size=20),
    elapsed=st.integers(1000, 60_000),
)
def test_more_errors_never_score_more(length: int, positions: list[int], elapsed: int) -> None:
    item = build_item(typing(full_wpm=20))
    text = list(TYPING_TEXT[:length])
    previous = RULE.score_milli(item, typed("".join(text), elapsed))
    for position in positions:
        if position < len(text):
            text[position] = "#"  # a character the target never has: an error that cannot help
        score = RULE.score_milli(item, typed("".join(text), elapsed))
        assert 0 <= score <= previous <= 10_000
        previous = score
