"""Final scores per formation: weights, thresholds, bonus, the legal cap, tie-break cascade, retest flags."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.canonical import encode
from grader.components import CandidateScore, build_rules, default_rules, final_score, rules_to_raw, uses_age
from grader.problems import ProblemsError
from grader.ranking import formation_results, rank_all, rank_formation

RULES: dict[str, Any] = {
    "components": [
        {
            "code": "tertulis",
            "title": "Tes tertulis",
            "source": "exam",
            "sections": ["TIK"],
            "weight": "60",
            "max": "100",
            "pass_min": "50",
        },
        {
            "code": "praktik",
            "title": "Praktik",
            "source": "exam",
            "sections": ["PRAKTIK"],
            "weight": "40",
            "max": "100",
        },
    ],
    "bonus_max": "5",
    "total_cap": "100",
    "tie_breaks": ["component:tertulis", "finish_time", "age:older"],
}


def cand(
    number: str,
    tik: int,
    praktik: int,
    *,
    formation: str = "SUKAMAJU/SEKDES",
    present: bool = True,
    bonus: int = 0,
    finished: int | None = None,
    born: str | None = None,
    entered: dict[str, int] | None = None,
) -> CandidateScore:
    """tik and praktik are percentages (of a 200-point and a 50-point section)."""
    sections = (("TIK", tik * 2000, 200_000), ("PRAKTIK", praktik * 500, 50_000))
    return CandidateScore(
        number, formation, present, sections, tuple(sorted((entered or {}).items())), bonus, finished, born
    )


def test_weights_bonus_and_cap() -> None:
    rules = build_rules(RULES)
    score = final_score(rules, cand("1", 80, 50))
    assert [c.value_milli for c in score.components] == [80_000, 50_000]
    assert score.total_milli == 68_000  # 0.6 × 80 + 0.4 × 50
    bonus = final_score(rules, cand("2", 100, 100, bonus=9_000))
    assert (bonus.before_bonus_milli, bonus.bonus_milli, bonus.total_milli, bonus.capped) == (
        100_000,
        5_000,
        100_000,
        True,
    )


def test_ranking_competition_style_with_cascade() -> None:
    rules = build_rules(RULES)
    rows = rank_formation(
        [
            cand("A", 70, 70, finished=500),
            cand("B", 80, 55, finished=400),  # 70 too, better written part
            cand("C", 70, 70, finished=300),  # same components as A, finished earlier
            cand("D", 90, 90),
            cand("E", 40, 100),  # below the written pass mark
            cand("F", 0, 0, present=False),
        ],
        rules,
    )
    assert [(r.candidate, r.rank, r.status) for r in rows] == [
        ("D", 1, "ranked"),
        ("B", 2, "ranked"),
        ("C", 3, "ranked"),
        ("A", 4, "ranked"),
        ("E", None, "below_threshold"),
        ("F", None, "absent"),
    ]
    decided = {r.candidate: r.decided_by for r in rows}
    assert decided["B"] == "component:tertulis"
    assert decided["C"] == "finish_time"
    assert not any(r.tied for r in rows)


def test_full_ties_share_a_rank_and_retest_is_flagged() -> None:
    raw = {**RULES, "tie_breaks": ["component:tertulis", "retest"]}
    rows = rank_formation([cand("A", 70, 70), cand("B", 70, 70), cand("C", 60, 60)], build_rules(raw))
    assert [(r.candidate, r.rank, r.tied, r.retest) for r in rows] == [
        ("A", 1, True, True),
        ("B", 1, True, True),
        ("C", 3, False, False),
    ]
    no_retest = rank_formation([cand("A", 70, 70), cand("B", 70, 70)], build_rules({**RULES, "tie_breaks": []}))
    assert [(r.rank, r.tied, r.retest) for r in no_retest] == [(1, True, False), (1, True, False)]


def test_age_tie_breaks() -> None:
    older = build_rules({**RULES, "tie_breaks": ["age:older"]})
    younger = build_rules({**RULES, "tie_breaks": ["age:younger"]})
    people = [cand("A", 70, 70, born="1990-05-01"), cand("B", 70, 70, born="1985-01-31"), cand("C", 70, 70)]
    assert [r.candidate for r in rank_formation(people, older)] == ["B", "A", "C"]
    assert [r.candidate for r in rank_formation(people, younger)] == ["A", "B", "C"]


def test_entered_components_and_incomplete_candidates() -> None:
    raw = {
        "components": [
            {"code": "cat", "source": "exam", "weight": "70"},
            {"code": "wawancara", "source": "entered", "weight": "30", "pass_min": "60"},
        ],
        "total_cap": "100",
    }
    rules = build_rules(raw)
    rows = rank_formation(
        [
            cand("A", 80, 80, entered={"wawancara": 90_000}),
            cand("B", 90, 90),
            cand("C", 90, 90, entered={"wawancara": 50_000}),
        ],
        rules,
    )
    assert [(r.candidate, r.status) for r in rows] == [("A", "ranked"), ("C", "below_threshold"), ("B", "incomplete")]
    assert rows[0].total_milli == 83_000  # 0.7 × 80 + 0.3 × 90
    for row in rows:
        encode(row.as_json())


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"components": []}, "components.empty"),
        ({"components": [{**RULES["components"][0], "weight": "50"}, RULES["components"][1]]}, "weights.sum"),
        ({"components": [{**RULES["components"][0], "weight": 0.6}, RULES["components"][1]]}, "weight.invalid"),
        (
            {"components": [{**RULES["components"][0], "source": "wawancara"}, RULES["components"][1]]},
            "component.source.invalid",
        ),
        ({"components": [{**RULES["components"][0], "pass_min": "101"}, RULES["components"][1]]}, "pass_min.above_max"),
        ({"tie_breaks": ["retest", "finish_time"]}, "tie_breaks.retest_last"),
        ({"tie_breaks": ["component:nope"]}, "tie_breaks.unknown"),
        ({"bonus_max": "1.2345"}, "bonus_max.too_precise"),
        ({"extra": 1}, "field.unknown"),
    ],
)
def test_rule_problems(change: dict[str, Any], code: str) -> None:
    with pytest.raises(ProblemsError) as caught:
        build_rules({**RULES, **change})
    assert code in [p.code for p in caught.value.problems]


def test_rules_round_trip() -> None:
    rules = build_rules(RULES)
    assert build_rules(rules_to_raw(rules)) == rules


def test_rank_all_groups_by_formation_and_refuses_duplicates() -> None:
    rules = build_rules(RULES)
    grouped = rank_all([cand("A", 70, 70, formation="X"), cand("B", 80, 80, formation="Y")], rules)
    assert list(grouped) == ["X", "Y"]
    with pytest.raises(ValueError, match="twice"):
        rank_formation([cand("A", 70, 70), cand("A", 60, 60)], rules)


scores = st.lists(
    st.tuples(st.integers(0, 100), st.integers(0, 100), st.integers(0, 3), st.booleans()), min_size=1, max_size=12
)


@given(scores, st.randoms())
def test_ranking_is_deterministic_and_order_free(entries: list[tuple[int, int, int, bool]], rnd: random.Random) -> None:
    rules = build_rules({**RULES, "tie_breaks": ["finish_time", "retest"]})
    people = [cand(f"P{n:02d}", a, b, finished=f, present=p) for n, (a, b, f, p) in enumerate(entries)]
    shuffled = list(people)
    rnd.shuffle(shuffled)
    rows = rank_formation(people, rules)
    assert rows == rank_formation(shuffled, rules)
    ranked = [r for r in rows if r.rank is not None]
    assert all(r.status == "ranked" for r in ranked)
    assert all(r.rank is None for r in rows if r.status == "absent")
    totals = [r.total_milli for r in ranked]
    assert totals == sorted(totals, reverse=True)  # type: ignore[type-var]
    for index, row in enumerate(ranked):
        better = sum(1 for other in ranked if other.rank is not None and row.rank is not None and other.rank < row.rank)
        assert row.rank == better + 1
        assert row.total_milli is not None
        assert 0 <= row.total_milli <= 100_000
        assert index + 1 >= row.rank


# ---- the exam-only default, unscaled components, the exam's own pass marks, published results ---------


def test_the_default_rules_give_the_exam_total_itself() -> None:
    candidate = CandidateScore("A", "F", True, (("TIK", 123_456, 200_000), ("TKP", 7_000, 50_000)))
    final = final_score(default_rules(), candidate)
    assert final.total_milli == 130_456  # unscaled: exactly the exam's weighted total, no rounding to 100
    assert final.passed


def test_an_unscaled_component_needs_the_exam_as_source() -> None:
    raw = {"components": [{"code": "w", "source": "entered", "weight": "100", "max": None}]}
    with pytest.raises(ProblemsError) as err:
        build_rules(raw)
    assert [p.code for p in err.value.problems] == ["max.missing"]
    rules = build_rules({"components": [{"code": "u", "source": "exam", "weight": "100", "max": None}]})
    assert build_rules(rules_to_raw(rules)) == rules


def test_bonus_is_a_reserved_component_code() -> None:
    with pytest.raises(ProblemsError) as err:
        build_rules({"components": [{"code": "bonus", "source": "entered", "weight": "100"}]})
    assert [p.code for p in err.value.problems] == ["component.code.reserved"]


def test_failing_the_exams_own_pass_marks_fails_the_formation() -> None:
    ok = CandidateScore("A", "F", True, (("TIK", 90_000, 100_000),))
    failed = dataclasses.replace(ok, candidate="B", exam_passed=False)
    rows = {r.candidate: r for r in rank_formation([ok, failed], default_rules())}
    assert rows["A"].status == "ranked"
    assert rows["B"].status == "below_threshold"
    assert rows["B"].rank is None


def test_uses_age_only_when_a_tie_break_compares_birth_dates() -> None:
    assert uses_age(build_rules(RULES))
    assert not uses_age(build_rules({**RULES, "tie_breaks": ["finish_time"]}))


def test_published_results_cover_every_roster_row_by_formation() -> None:
    roster = [
        {"number": "1", "village": "Desa A", "position": "Sekdes"},
        {"number": "2", "village": "Desa A", "position": "Sekdes"},
        {"number": "3", "village": "Desa A", "position": "Kaur"},
        {"number": "4", "village": "Desa B", "position": "Sekdes"},
    ]

    def scored(number: str, total: int) -> CandidateScore:
        return CandidateScore(number, "ignored: the roster decides", True, (("TIK", total, 100_000),))

    results = formation_results(roster, {"1": scored("1", 50_000), "2": scored("2", 60_000)}, default_rules())
    assert [(f["village"], f["position"]) for f in results] == [
        ("Desa A", "Kaur"),
        ("Desa A", "Sekdes"),
        ("Desa B", "Sekdes"),
    ]
    sekdes = results[1]["rows"]
    assert isinstance(sekdes, list)
    assert [(r["candidate"], r["rank"], r["formation"]) for r in sekdes] == [  # type: ignore[index,call-overload]
        ("2", 1, "Desa A/Sekdes"),
        ("1", 2, "Desa A/Sekdes"),
    ]
    assert [(r["candidate"], r["status"]) for r in results[2]["rows"]] == [("4", "absent")]  # type: ignore[index,call-overload,union-attr]
