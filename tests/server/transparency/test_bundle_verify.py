"""A real bundle from a simulated exam day verifies; each kind of tampering fails its specific check."""

from __future__ import annotations

from grader.verify import verify_bundle
from tests.server.transparency.conftest import ExamDay


async def test_the_exam_days_bundle_passes_every_check(exam_day: ExamDay) -> None:
    report = verify_bundle(
        exam_day.bundle,
        checkpoints=[exam_day.opening, exam_day.witness_late],
        receipts=[exam_day.receipt],
        witness_keys=[exam_day.witness_vkey],
    )
    print(report.text())
    assert report.ok, report.failed()


# -- tampering ----------------------------------------------------------------------------------------

import json  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from grader.verify import Report  # noqa: E402
from tests.server.transparency import mutate  # noqa: E402


def check(bundle: Path, day: ExamDay, *, external: bool = True, receipts: bool = False) -> Report:
    return verify_bundle(
        bundle,
        checkpoints=[day.opening, day.witness_late] if external else [],
        receipts=[day.receipt] if receipts else [],
        witness_keys=[day.witness_vkey],
    )


def failed(report: Report) -> set[str]:
    return set(report.failed())


async def test_one_byte_of_an_answer_breaks_the_roots(bundle_dir: Path, exam_day: ExamDay) -> None:
    lines = mutate.read_lines(bundle_dir)
    n = next(i for i, line in enumerate(lines) if b'"answer.saved"' in line and b'"value":"B"' in line)
    lines[n] = lines[n].replace(b'"value":"B"', b'"value":"C"')
    mutate.write_lines(bundle_dir, lines)
    report = check(bundle_dir, exam_day, external=False)
    assert "checkpoints.roots" in failed(report)
    assert "log.sequence" not in failed(report)
    assert "log.canonical" not in failed(report)


async def test_two_swapped_events_break_the_sequence(bundle_dir: Path, exam_day: ExamDay) -> None:
    lines = mutate.read_lines(bundle_dir)
    lines[20], lines[21] = lines[21], lines[20]
    mutate.write_lines(bundle_dir, lines)
    report = check(bundle_dir, exam_day, external=False)
    assert {"log.sequence", "checkpoints.roots"} <= failed(report)


async def test_swapped_and_renumbered_events_break_the_roots(bundle_dir: Path, exam_day: ExamDay) -> None:
    def swap(events: list[dict[str, Any]]) -> None:
        events[20], events[21] = events[21], events[20]

    mutate.edit(bundle_dir, swap, renumber=True)
    report = check(bundle_dir, exam_day, external=False)
    assert "log.sequence" not in failed(report)
    assert "checkpoints.roots" in failed(report)


async def test_a_dropped_event_leaves_a_gap(bundle_dir: Path, exam_day: ExamDay) -> None:
    lines = mutate.read_lines(bundle_dir)
    del lines[30]
    mutate.write_lines(bundle_dir, lines)
    report = check(bundle_dir, exam_day, external=False)
    assert {"log.sequence", "checkpoints.roots"} <= failed(report)
    assert any("gap" in m for m in report.check("log.sequence").failures)


async def test_a_truncated_tail_is_shorter_than_its_checkpoint(bundle_dir: Path, exam_day: ExamDay) -> None:
    mutate.write_lines(bundle_dir, mutate.read_lines(bundle_dir)[:-3])
    report = check(bundle_dir, exam_day, external=False)
    assert "checkpoints.roots" in failed(report)
    assert any("removed from the end" in m for m in report.check("checkpoints.roots").failures)


async def test_an_inserted_or_duplicated_event_breaks_the_sequence(bundle_dir: Path, exam_day: ExamDay) -> None:
    lines = mutate.read_lines(bundle_dir)
    mutate.write_lines(bundle_dir, [*lines[:25], lines[24], *lines[25:]])
    report = check(bundle_dir, exam_day, external=False)
    assert {"log.sequence", "checkpoints.roots"} <= failed(report)
    assert any("duplicate" in m for m in report.check("log.sequence").failures)


async def test_events_after_the_last_checkpoint_are_not_covered(bundle_dir: Path, exam_day: ExamDay) -> None:
    events = mutate.leaves(bundle_dir)
    extra = {**events[-1], "seq": len(events) + 1, "kind": "login.committee", "data": {"user": "x", "role": "admin"}}
    mutate.write_leaves(bundle_dir, [*events, extra])
    report = check(bundle_dir, exam_day, external=False)
    assert failed(report) == {"checkpoints.coverage"}


async def test_non_canonical_json_is_refused_even_when_signed(bundle_dir: Path, exam_day: ExamDay) -> None:
    lines = mutate.read_lines(bundle_dir)
    lines[10] = json.dumps(json.loads(lines[10])).encode()  # spaces after separators
    mutate.write_lines(bundle_dir, lines)
    mutate.resign(bundle_dir, exam_day.log_signer)
    report = check(bundle_dir, exam_day, external=False)
    assert failed(report) == {"log.canonical"}


async def test_a_fork_resigned_with_the_log_key_is_caught_by_a_witness_checkpoint(
    bundle_dir: Path, exam_day: ExamDay
) -> None:
    # The operator rewrites the reason logged for the pause and re-signs every checkpoint (and every
    # receipt's) with the log's own key: on its own, the forked bundle is perfectly consistent.
    def rewrite(events: list[dict[str, Any]]) -> None:
        events[mutate.find(events, "session.paused")]["data"]["reason"] = "istirahat makan siang"

    mutate.edit(bundle_dir, rewrite)
    mutate.resign(bundle_dir, exam_day.log_signer)
    alone = check(bundle_dir, exam_day, external=False)
    assert alone.ok, alone.failed()
    # The opening minutes' checkpoint predates the pause: it still matches.
    assert verify_bundle(bundle_dir, checkpoints=[exam_day.opening], witness_keys=[exam_day.witness_vkey]).ok
    # The copy a witness countersigned after session 1 shows the fork, with the evidence.
    report = verify_bundle(bundle_dir, checkpoints=[exam_day.witness_late], witness_keys=[exam_day.witness_vkey])
    assert failed(report) == {"checkpoints.external"}
    assert any("FORK" in m for m in report.check("checkpoints.external").failures)
    text = report.text()
    assert "EVIDENCE" in text
    assert "consistency proof" in text
    assert exam_day.witness_late.read_text().strip().splitlines()[2] in text  # the witness's root is shown


async def test_a_bad_signature_is_refused(bundle_dir: Path, exam_day: ExamDay) -> None:
    path = sorted((bundle_dir / "checkpoints").iterdir())[1]
    text = path.read_text()
    head, _, sig = text.rpartition(" ")
    flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
    path.write_text(head + " " + flipped)
    report = check(bundle_dir, exam_day, external=False)
    assert "checkpoints.signatures" in failed(report)
    assert any("does not verify" in m for m in report.check("checkpoints.signatures").failures)


async def test_a_checkpoint_signed_by_an_unknown_key_is_refused(bundle_dir: Path, exam_day: ExamDay) -> None:
    from grader.checkpoint import parse_checkpoint, sign_checkpoint
    from grader.note import Signer, generate_signer, parse_note

    path = sorted((bundle_dir / "checkpoints").iterdir())[-1]
    cp = parse_checkpoint(parse_note(path.read_bytes()).text)
    impostor = generate_signer(exam_day.log_signer.name)  # same name, another key
    assert isinstance(impostor, Signer)
    path.write_bytes(sign_checkpoint(cp, impostor))
    report = check(bundle_dir, exam_day, external=False)
    assert "checkpoints.signatures" in failed(report)
    assert any(
        "no signature by a known key" in m or "not signed by the log key" in m
        for m in report.check("checkpoints.signatures").failures
    )


async def test_a_key_changed_after_the_commitment_does_not_open_it(bundle_dir: Path, exam_day: ExamDay) -> None:
    def change_key(events: list[dict[str, Any]]) -> None:
        spec = events[mutate.find(events, "key.revealed")]["data"]["spec"]
        next(i for i in spec["items"] if i["code"] == "TIK-01")["key"] = "A"

    mutate.edit(bundle_dir, change_key)
    mutate.resign(bundle_dir, exam_day.log_signer)
    report = check(bundle_dir, exam_day, external=False)
    assert "key.reveal" in failed(report)
    assert any("changed after it was sealed" in m for m in report.check("key.reveal").failures)


async def test_key_and_commitment_swapped_together_are_caught_by_the_opening_checkpoint(
    bundle_dir: Path, exam_day: ExamDay
) -> None:
    from grader import canonical
    from grader.commitment import commit

    def swap(events: list[dict[str, Any]]) -> None:
        reveal = events[mutate.find(events, "key.revealed")]["data"]
        next(i for i in reveal["spec"]["items"] if i["code"] == "TIK-01")["key"] = "A"
        new = commit(canonical.encode(reveal["spec"]), bytes.fromhex(reveal["salt"]))
        reveal["commitment"] = new
        events[mutate.find(events, "key.committed")]["data"]["commitment"] = new

    mutate.edit(bundle_dir, swap)
    (bundle_dir / "key-reveal.json").write_text(
        json.dumps(mutate.leaves(bundle_dir)[mutate.find(mutate.leaves(bundle_dir), "key.revealed")]["data"])
    )
    mutate.resign(bundle_dir, exam_day.log_signer)
    report = verify_bundle(bundle_dir, checkpoints=[exam_day.opening], witness_keys=[exam_day.witness_vkey])
    assert "key.reveal" not in failed(report)  # the new commitment opens with the new key …
    assert "checkpoints.external" in failed(report)  # … but the opening minutes' checkpoint shows the fork
    assert report.evidence


async def test_a_published_rank_or_score_that_differs_is_caught(bundle_dir: Path, exam_day: ExamDay) -> None:
    results = json.loads((bundle_dir / "results.json").read_text())
    entry = next(r for f in results["formations"] for r in f["rows"] if r["rank"] is not None)
    entry["rank"] += 1
    (bundle_dir / "results.json").write_text(json.dumps(results))
    report = check(bundle_dir, exam_day)
    assert failed(report) == {"results"}
    assert any("published rank" in m for m in report.check("results").failures)


async def test_a_logged_score_that_differs_from_the_grader_is_caught(bundle_dir: Path, exam_day: ExamDay) -> None:
    def inflate(events: list[dict[str, Any]]) -> None:
        events[mutate.find(events, "attempt.scored", candidate="P-007")]["data"]["total_milli"] += 5000
        published = events[mutate.find(events, "results.published")]["data"]
        for formation in published["formations"]:
            for c in formation["rows"]:
                if c["candidate"] == "P-007":
                    c["total_milli"] += 5000

    mutate.edit(bundle_dir, inflate)
    mutate.resign(bundle_dir, exam_day.log_signer)
    report = check(bundle_dir, exam_day, external=False)
    assert {"scores", "results"} <= failed(report)
    assert any("P-007" in m and "recomputed" in m for m in report.check("scores").failures)


async def test_an_answer_from_an_absent_candidate_is_caught(bundle_dir: Path, exam_day: ExamDay) -> None:
    def ghost(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        i = mutate.find(events, "answer.saved", candidate="P-003")
        fake = json.loads(json.dumps(events[i]))
        fake["data"]["candidate"] = "P-004"
        return [*events[: i + 1], fake, *events[i + 1 :]]

    mutate.edit(bundle_dir, ghost, renumber=True)
    mutate.resign(bundle_dir, exam_day.log_signer)
    report = check(bundle_dir, exam_day, external=False)
    assert "attendance" in failed(report)
    assert any("P-004, who never checked in" in m for m in report.check("attendance").failures)


async def test_a_time_extension_that_was_not_logged_is_caught(bundle_dir: Path, exam_day: ExamDay) -> None:
    def hide(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        i = mutate.find(events, "attempt.extended", candidate="P-002")
        return events[:i] + events[i + 1 :]

    mutate.edit(bundle_dir, hide, renumber=True)
    mutate.resign(bundle_dir, exam_day.log_signer)
    report = check(bundle_dir, exam_day, external=False)
    assert "answers.window" in failed(report)
    assert any("P-002 answered" in m and "after the time ran out" in m for m in report.check("answers.window").failures)


async def test_a_candidates_own_receipt_shows_their_answers_were_changed(bundle_dir: Path, exam_day: ExamDay) -> None:
    def rewrite(events: list[dict[str, Any]]) -> None:
        i = mutate.find(events, "answer.saved", candidate="P-001", item="TKP-01")
        events[i]["data"]["value"] = "D"

    mutate.edit(bundle_dir, rewrite)
    mutate.resign(bundle_dir, exam_day.log_signer)
    report = check(bundle_dir, exam_day, external=False, receipts=True)
    assert "receipts" in failed(report) or "checkpoints.external" in failed(report)
    assert any("P-001" in m for m in report.check("receipts").failures)


# -- witnessed regrades and committee marks -------------------------------------------------------------


async def test_a_correction_with_too_few_approvals_is_caught(bundle_dir: Path, exam_day: ExamDay) -> None:
    def drop_one(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        i = mutate.find(events, "regrade.approved")
        who = events[i]["data"]["by"]
        corrected = events[mutate.find(events, "key.corrected")]["data"]
        corrected["approvals"] = [a for a in corrected["approvals"] if a != who]
        return events[:i] + events[i + 1 :]

    mutate.edit(bundle_dir, drop_one, renumber=True)
    mutate.resign(bundle_dir, exam_day.log_signer)
    report = check(bundle_dir, exam_day, external=False)
    assert "key.corrections" in failed(report)
    assert any("the exam requires 2" in m for m in report.check("key.corrections").failures)


async def test_a_correction_that_differs_from_its_proposal_is_caught(bundle_dir: Path, exam_day: ExamDay) -> None:
    def swap(events: list[dict[str, Any]]) -> None:
        events[mutate.find(events, "key.corrected")]["data"]["corrections"][0]["value"] = "D"

    mutate.edit(bundle_dir, swap)
    mutate.resign(bundle_dir, exam_day.log_signer)
    report = check(bundle_dir, exam_day, external=False)
    assert "key.corrections" in failed(report)
    assert any("as proposed" in m for m in report.check("key.corrections").failures)


async def test_a_proposers_own_approval_does_not_count(bundle_dir: Path, exam_day: ExamDay) -> None:
    def self_approve(events: list[dict[str, Any]]) -> None:
        proposer = events[mutate.find(events, "regrade.proposed")]["data"]["by"]
        i = mutate.find(events, "regrade.approved")
        old = events[i]["data"]["by"]
        events[i]["data"]["by"] = proposer
        corrected = events[mutate.find(events, "key.corrected")]["data"]
        corrected["approvals"] = sorted(proposer if a == old else a for a in corrected["approvals"])

    mutate.edit(bundle_dir, self_approve)
    mutate.resign(bundle_dir, exam_day.log_signer)
    report = check(bundle_dir, exam_day, external=False)
    assert any("its own proposer" in m for m in report.check("key.corrections").failures)


async def test_a_changed_committee_mark_changes_the_recomputed_ranking(bundle_dir: Path, exam_day: ExamDay) -> None:
    def raise_mark(events: list[dict[str, Any]]) -> None:
        i = mutate.find(events, "score.entered", candidate="P-007")
        events[i]["data"]["value_milli"] = 20_000  # P-007's interview now fails its pass mark

    mutate.edit(bundle_dir, raise_mark)
    mutate.resign(bundle_dir, exam_day.log_signer)
    report = check(bundle_dir, exam_day, external=False)
    assert failed(report) == {"results"}
    assert any("P-007" in m and "published status ranked" in m for m in report.check("results").failures)


async def test_scoring_json_must_state_the_manifests_rules(bundle_dir: Path, exam_day: ExamDay) -> None:
    scoring = json.loads((bundle_dir / "scoring.json").read_text())
    scoring["rules"]["components"][0]["weight"] = "70"
    (bundle_dir / "scoring.json").write_text(json.dumps(scoring))
    report = check(bundle_dir, exam_day)
    assert failed(report) == {"scoring.json"}
