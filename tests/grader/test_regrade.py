"""Key corrections make new specs (never edits) and a dry run lists whose score and rank change."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from grader.build import build_exam
from grader.canonical import encode
from grader.components import CandidateScore, build_rules
from grader.problems import ProblemsError
from grader.regrade import Correction, Proposal, apply_corrections, apply_corrections_raw, approved, dry_run, spec_hash
from tests.grader.builders import exam, section, single
from tests.grader.new_builders import document, line
from tests.grader.office_builders import make_docx

RULES = build_rules({"components": [{"code": "cat", "source": "exam", "weight": "100"}], "total_cap": "100"})


def base() -> Any:
    items = [single("Q1", key="A"), single("Q2", key="B"), single("Q3", key="C")]
    return build_exam(exam(items=items, sections=[section("TIK")]))


def fix(kind: str, item: str, value: Any = None, line_id: str | None = None) -> Correction:
    raw: dict[str, Any] = {"kind": kind, "item": item, "value": value}
    if line_id:
        raw["line"] = line_id
    return Correction.from_raw(raw)


ATTEMPTS = {
    "P1": {"Q1": "A", "Q2": "B", "Q3": "D"},  # 10 of 15
    "P2": {"Q1": "A", "Q2": "C", "Q3": "C"},  # 10 of 15
    "P3": {"Q1": "B", "Q2": "B", "Q3": "C"},  # 10 of 15
    "P4": {"Q1": "A", "Q2": "B", "Q3": "C"},  # 15 of 15
}
PEOPLE = [CandidateScore(c, "DESA/SEKDES", True, finished_ms=n) for n, c in enumerate(ATTEMPTS)] + [
    CandidateScore("P5", "DESA/SEKDES", False)
]


def test_corrections_never_mutate_and_rebuild_validly() -> None:
    old = base()
    before = spec_hash(old)
    new = apply_corrections(old, [fix("accept_option", "Q2", "C"), fix("void_item", "Q3", "full_marks")])
    assert spec_hash(old) == before
    assert new.item("Q2").params == (("also_accept", "C"),)
    assert new.item("Q3").kind == "void"
    assert new.item("Q3").param("was") == "single"
    assert spec_hash(new) != before


def test_dry_run_lists_score_and_rank_changes() -> None:
    old = base()
    new = apply_corrections(old, [fix("accept_option", "Q2", "C")])
    diff = dry_run(old, new, ATTEMPTS, PEOPLE, RULES)
    assert diff.items_changed == ("Q2",)
    assert diff.candidates_regraded == 4
    changed = {c.candidate: c for c in diff.changes}
    assert set(changed) == {"P1", "P2", "P3"}
    p2 = changed["P2"]
    assert (p2.exam_before_milli, p2.exam_after_milli) == (10_000, 15_000)
    assert (p2.rank_before, p2.rank_after) == (2, 1)  # tied second with P1, P3; now tied first with P4
    assert (changed["P1"].rank_before, changed["P1"].rank_after) == (2, 3)
    assert diff.formations_affected == ("DESA/SEKDES",)
    encode(diff.as_json())


def test_voiding_modes() -> None:
    old = base()
    full = apply_corrections(old, [fix("void_item", "Q3", "full_marks")])
    removed = apply_corrections(old, [fix("void_item", "Q3", "remove")])
    by = {c.candidate: c for c in dry_run(old, full, ATTEMPTS, PEOPLE, RULES).changes}
    assert by["P1"].exam_after_milli == 15_000
    by_removed = {c.candidate: c for c in dry_run(old, removed, ATTEMPTS, PEOPLE, RULES).changes}
    # out of 10 now: P1 keeps 10 (= 100 on the component scale), P3 has 5
    assert by_removed["P1"].total_after_milli == 100_000
    assert by_removed["P3"].total_after_milli == 50_000


def test_replace_key_is_validated() -> None:
    old = base()
    assert apply_corrections(old, [fix("replace_key", "Q1", "B")]).item("Q1").key == "B"
    with pytest.raises(ProblemsError) as caught:
        apply_corrections(old, [fix("replace_key", "Q1", "Z")])
    assert "key.unknown_option" in [p.code for p in caught.value.problems]
    with pytest.raises(ProblemsError):
        apply_corrections(old, [fix("replace_key", "NOPE", "A")])
    with pytest.raises(ProblemsError):
        apply_corrections(old, [fix("accept_option", "Q1", "A")])  # the key itself


def test_change_rubric_line_regrades_files() -> None:
    rubric = [
        line("L1", "text_format", 2, text="Dana Desa", bold=True),
        line("L2", "orientation", 1, orientation="portrait"),
    ]
    old = build_exam(exam(items=[document(rubric=rubric)], sections=[section("PRAKTIK")]))
    data = make_docx()  # bold, landscape
    digest = hashlib.sha256(data).hexdigest()
    attempts = {"P1": {"PRAK-DOC": {"sha256": digest, "name": "a.docx"}}}
    people = [CandidateScore("P1", "F", True)]
    new = apply_corrections(old, [fix("change_rubric_line", "PRAK-DOC", {"args": {"orientation": "landscape"}}, "L2")])
    diff = dry_run(old, new, attempts, people, RULES, {digest: data})
    assert [(c.exam_before_milli, c.exam_after_milli) for c in diff.changes] == [(2000, 3000)]
    dropped = apply_corrections(old, [fix("change_rubric_line", "PRAK-DOC", {"remove": True}, "L2")])
    assert dropped.item("PRAK-DOC").points == 2
    with pytest.raises(ProblemsError):
        apply_corrections(old, [fix("change_rubric_line", "PRAK-DOC", {"points": 0}, "L1")])


def test_proposal_digest_and_approvals() -> None:
    old = base()
    proposal, new = Proposal.make(old, [fix("accept_option", "Q2", "C")], "Opsi C juga benar menurut Permendagri")
    assert proposal.new_spec_hash == spec_hash(new)
    assert proposal.digest() == Proposal.make(old, [fix("accept_option", "Q2", "C")], proposal.reason)[0].digest()
    assert not approved(["ketua", "ketua"], 2)
    assert approved(["ketua", "sekretaris"], 2)
    with pytest.raises(ProblemsError):
        Proposal.make(old, [], "  ")


def test_malformed_corrections() -> None:
    for raw in (
        {"kind": "edit_in_place", "item": "Q1"},
        {"kind": "change_rubric_line", "item": "Q1", "value": {}},
        {"kind": "replace_key", "item": "Q1", "value": 1.5},
    ):
        with pytest.raises(ProblemsError):
            Correction.from_raw(raw)


def test_raw_corrections_apply_to_the_revealed_spec_as_imported() -> None:
    """The server and the verifier apply logged corrections to the raw spec as it was revealed (items as the
    committee wrote them, without ``params``); both must reach the same spec as the built route."""
    raw: dict[str, Any] = exam(items=[single("Q1", key="A"), single("Q2", key="B")], sections=[section("TIK")])
    for item in raw["items"]:
        item.pop("params", None)
    frozen = encode(raw)
    corrections = [fix("accept_option", "Q1", "C"), fix("void_item", "Q2", "remove")]
    corrected = apply_corrections_raw(raw, corrections)
    assert encode(raw) == frozen  # never an edit
    assert spec_hash(build_exam(corrected)) == spec_hash(apply_corrections(build_exam(raw), corrections))
    with pytest.raises(ProblemsError) as err:
        apply_corrections_raw(raw, [fix("accept_option", "NOPE", "C")])
    assert err.value.problems[0].code == "correction.item_unknown"
