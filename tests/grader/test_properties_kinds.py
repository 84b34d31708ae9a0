"""Properties over every item kind: deterministic, 0 ≤ score ≤ max, never raises, round-trips, and the
compiled (memoised) grader agrees with scoring each item afresh."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from grader.build import build_exam, build_item, item_to_raw
from grader.canonical import encode
from grader.items import rule_for
from grader.scoring import CompiledExam, grade
from tests.grader.builders import exam, json_values, raw_items, responses_for, section
from tests.grader.new_builders import TYPING_TEXT, matching, numeric, ordering, short_text, typed, typing


@st.composite
def new_raw_items(draw: st.DrawFn, code: str = "N-1") -> dict[str, Any]:
    kind = draw(st.sampled_from(["short_text", "numeric", "ordering", "matching", "typing"]))
    points = draw(st.integers(1, 1000))
    if kind == "short_text":
        answers = draw(
            st.lists(
                st.text(alphabet="ab C.", min_size=1, max_size=5).filter(lambda s: any(c.isalpha() for c in s)),
                min_size=1,
                max_size=3,
            )
        )
        return short_text(code, key=answers, points=points, params={"strip_punctuation": draw(st.booleans())})
    if kind == "numeric":
        value = draw(st.decimals(-1000, 1000, places=2, allow_nan=False, allow_infinity=False))
        mode = draw(st.sampled_from(["absolute", "percent"]))
        return numeric(code, key=str(value), points=points, params={"tolerance": "0.5", "tolerance_mode": mode})
    if kind == "ordering":
        options = ["A", "B", "C", "D"]
        key = draw(st.permutations(options))
        partial = draw(st.sampled_from(["all_or_nothing", "adjacent_pairs", "kendall"]))
        return ordering(code, key=list(key), partial=partial, points=points)
    if kind == "matching":
        options = ["P", "Q", "R"]
        pairs = {left: draw(st.sampled_from(options)) for left in ("1", "2", "3")}
        return matching(
            code,
            key=pairs,
            options=options,
            points=points,
            params={"partial": draw(st.sampled_from(["per_pair", "all_or_nothing"]))},
        )
    raw = typing(code)
    raw["points"] = points
    return raw


def new_responses(raw: dict[str, Any]) -> st.SearchStrategy[Any]:
    kind = raw["kind"]
    if kind == "short_text":
        good: st.SearchStrategy[Any] = st.text(alphabet="ab C.,", max_size=8)
    elif kind == "numeric":
        good = st.from_regex(r"-?[0-9]{1,4}([.,][0-9]{1,3})?", fullmatch=True)
    elif kind == "ordering":
        good = st.permutations(raw["options"]).map(list)
    elif kind == "matching":
        good = st.dictionaries(st.sampled_from(["1", "2", "3"]), st.sampled_from([*raw["options"], None]))
    else:
        good = st.builds(typed, st.text(alphabet=TYPING_TEXT[:20], max_size=40), st.integers(0, 90_000), st.booleans())
    return st.none() | good | json_values | st.floats(allow_nan=True)


@settings(max_examples=150)
@given(data=st.data())
def test_every_new_kind_is_bounded_deterministic_and_round_trips(data: st.DataObject) -> None:
    raw = data.draw(new_raw_items())
    item = build_item(raw)
    rule = rule_for(item.kind)
    value = data.draw(new_responses(raw))
    first = rule.outcome(item, value)
    assert first == rule.outcome(item, value)
    assert 0 <= first.score_milli <= rule.max_milli(item)
    assert first.score_milli == rule.score_milli(item, value)
    if first.answered:
        assert rule.check_response(item, value) is None
    assert build_item(item_to_raw(item)) == item
    encode(item_to_raw(item))


@settings(max_examples=60)
@given(data=st.data())
def test_compiled_grading_equals_fresh_scoring(data: st.DataObject) -> None:
    raws = [data.draw(raw_items(code=f"O-{n}")) for n in range(3)]
    raws += [data.draw(new_raw_items(code=f"N-{n}")) for n in range(3)]
    spec = build_exam(exam(items=raws, sections=[section("TIK")]))
    compiled = CompiledExam(spec)
    for _ in range(3):  # the same compiled exam grades several attempts (memo shared between them)
        responses = {
            raw["code"]: data.draw(new_responses(raw) if raw["code"].startswith("N") else responses_for(raw))
            for raw in raws
        }
        result = compiled.grade(responses)
        assert result == grade(spec, responses)
        for item_result in result.items:
            item = spec.item(item_result.code)
            outcome = rule_for(item.kind).outcome(item, responses.get(item.code))
            assert (item_result.score_milli, item_result.answered) == (outcome.score_milli, outcome.answered)
        encode(result.as_json())


def test_memo_never_confuses_true_with_one() -> None:
    spec = build_exam(exam(items=[numeric("N", key="1"), *[]], sections=[section("TIK")]))
    compiled = CompiledExam(spec)
    assert compiled.grade({"N": 1}).total_milli == 4000
    assert compiled.grade({"N": True}).total_milli == 0
    assert compiled.grade({"N": "1"}).total_milli == 4000
