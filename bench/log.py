#!/usr/bin/env python
"""Transparency log figures: appends/s through the real writer, proof latency, and verifying 1M events.

    python bench/log.py [--db sqlite|postgres|both] [--events 60000] [--writers 400]
                        [--verify-events 1000000] [--candidates 2000] [--skip-appends] [--skip-verify]

1. Appends: a fresh database (SQLite file in a temp dir, or ``ujian_bench_<hex>`` on PostgreSQL, dropped at
   the end) is migrated; the server's own ServiceContext (one writer, group commit, head-row lock, an
   optimistic batch with savepoints only when a unit fails) takes ``--events`` units from ``--writers``
   concurrent callers, each unit logging one answer event (``--fail-every N``: every Nth unit raises after
   logging, forcing its batch onto the savepoint path); the checkpointer runs alongside, signing every 2 s
   as in production. Printed: events per second from the first call to the last acknowledgement (each
   acknowledged only after its commit).
2. Proofs: inclusion and consistency proofs on a 1M-leaf LogTree (the structure the server keeps).
3. Verify: a synthetic but complete exam bundle (``--candidates`` candidates answering until the log holds
   ``--verify-events`` events, a checkpoint every 10,000 events, key commitment and reveal, scores,
   results, receipts) is written and then checked by ``grader.verify`` exactly as ``ujian verify`` does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import os
import random
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import canonical  # noqa: E402
from grader.build import build_exam  # noqa: E402
from grader.bundle import (  # noqa: E402
    BUNDLE_FORMAT,
    RANKING_RULE,
    BundleWriter,
    LogTree,
    json_bytes,
    leaf_bytes,
)
from grader.checkpoint import Checkpoint, sign_checkpoint  # noqa: E402
from grader.commitment import commit, new_salt  # noqa: E402
from grader.components import CandidateScore, default_rules  # noqa: E402
from grader.note import encode_base64, generate_signer  # noqa: E402
from grader.ranking import formation_code, formation_results  # noqa: E402
from grader.scoring import grade  # noqa: E402
from grader.verify import answers_digest, inputs_hash, verify_bundle  # noqa: E402
from grader.version import GRADER_VERSION  # noqa: E402
from tests.databases import fresh_database  # noqa: E402 (after the path setup)

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


# -- 1. appends -------------------------------------------------------------------------------------


async def bench_appends(kind: str, events: int, writers: int, pg_dsn: str, fail_every: int = 0) -> float:
    from server.clock import SystemClock
    from server.config import DEMO_SECRET, load_config
    from server.db.engine import Database
    from server.events import AnswerSaved
    from server.services.context import ServiceContext, Tx
    from server.transparency.checkpointer import Checkpointer

    tmp = Path(tempfile.mkdtemp(prefix="ujian-bench-log-"))
    async with fresh_database(kind, tmp, pg_dsn, prefix="ujian_bench_") as url:
        config = load_config(env={}, demo=True, database_url=url, secret_key=DEMO_SECRET, data_dir=tmp)
        db = Database(url)
        ctx = ServiceContext(db=db, clock=SystemClock(), config=config)
        checkpointer = Checkpointer(ctx, interval_s=2.0)
        ctx.start()
        checkpointer.start()
        todo = iter(range(events))

        async def one_writer(w: int) -> None:
            for n in todo:

                async def unit(tx: Tx, n: int = n) -> int:
                    seq = await tx.record(
                        AnswerSaved(
                            candidate=f"P-{w:04d}",
                            item=f"TIK-{n % 40:02d}",
                            value="ABCD"[n % 4],
                            flag=False,
                            seq=n + 1,
                            remaining_ms=3_600_000,
                            attempt_id=None,
                        )
                    )
                    if fail_every and n % fail_every == fail_every - 1:
                        raise RuntimeError("refused")  # like a unit refusing after it logged
                    return seq

                with contextlib.suppress(RuntimeError):
                    await ctx.write(unit)

        started = time.perf_counter()
        await asyncio.gather(*(one_writer(w) for w in range(writers)))
        elapsed = time.perf_counter() - started
        await checkpointer.stop()
        size = await checkpointer.sync()
        await ctx.stop()
        await db.dispose()
        failed = events // fail_every if fail_every else 0
        assert size == events - failed, (size, events, failed)
        rate = events / elapsed
        note = f", 1 in {fail_every} units failing" if fail_every else ""
        print(
            f"  {kind:8s} {events} appends{note} from {writers} writers in {elapsed:.2f} s = {rate:,.0f} units/s "
            f"({ctx.writer.batches} group commits, {events / max(1, ctx.writer.batches):.0f} events per commit)",
            flush=True,
        )
        return rate


# -- 2. proofs --------------------------------------------------------------------------------------


def bench_proofs(n: int = 1_000_000) -> None:
    tree = LogTree()
    started = time.perf_counter()
    for i in range(n):
        tree.append_data(i.to_bytes(8, "big"))
    built = time.perf_counter() - started
    rng = random.Random(7)
    rounds = 1000
    started = time.perf_counter()
    for _ in range(rounds):
        size = rng.randint(n // 2, n)
        tree.inclusion_proof(rng.randrange(size), size)
    inclusion = (time.perf_counter() - started) / rounds
    started = time.perf_counter()
    for _ in range(rounds):
        a = rng.randint(1, n)
        tree.consistency_proof(rng.randint(0, a), a)
    consistency = (time.perf_counter() - started) / rounds
    print(
        f"  tree of {n:,} leaves built in {built:.2f} s; inclusion proof {inclusion * 1e6:.0f} µs, "
        f"consistency proof {consistency * 1e6:.0f} µs (mean of {rounds}, random sizes)",
        flush=True,
    )


# -- 3. a synthetic 1M-event bundle ------------------------------------------------------------------


def synthetic_exam(items: int = 40) -> dict[str, Any]:
    return {
        "code": "BENCH-1M",
        "title": "Bench",
        "sections": [{"code": "TIK", "title": "TIK", "weight": "1", "pass_min": None}],
        "pass_total_min": None,
        "items": [
            {
                "code": f"TIK-{i:02d}",
                "section": "TIK",
                "kind": "single",
                "points": 5,
                "options": ["A", "B", "C", "D"],
                "key": "ABCD"[i % 4],
            }
            for i in range(items)
        ],
    }


def write_synthetic_bundle(path: Path, *, target: int, candidates: int) -> int:
    """A complete, valid bundle of about ``target`` events; returns the exact count."""
    rng = random.Random(11)
    spec = synthetic_exam()
    exam = build_exam(spec)
    salt = new_salt()
    commitment = commit(canonical.encode(spec), salt)
    origin = "ujian-terbuka/BENCH-1M/bench"
    signer = generate_signer(origin)
    duration_ms = 2 * 3_600_000
    numbers = [f"P-{k:05d}" for k in range(candidates)]
    roster = [
        {"number": n, "session": "S1", "village": f"Desa {k % 50:02d}", "position": "Sekretaris Desa"}
        for k, n in enumerate(numbers)
    ]
    manifest = {
        "definition": {"code": spec["code"], "title": "Bench", "duration_s": duration_ms // 1000, "sections": []},
        "items": [{"code": i["code"], "section": "TIK", "kind": "single"} for i in spec["items"]],
        "roster": roster,
        "log": {"origin": origin, "vkey": signer.verifier.vkey},
    }
    manifest_bytes = canonical.encode(manifest)
    tree = LogTree()
    writer = BundleWriter(path)
    stream = writer.open_events()
    seq = 0
    t0 = 1_800_000_000_000
    checkpoints: list[int] = []

    def emit(at: int, kind: str, data: dict[str, Any]) -> int:
        nonlocal seq
        seq += 1
        leaf = leaf_bytes(seq, at, kind, data)
        stream.write(leaf + b"\n")
        tree.append_data(leaf)
        if seq % 10_000 == 0:
            checkpoints.append(seq)
        return seq

    emit(
        t0,
        "exam.imported",
        {
            "exam": spec["code"],
            "manifest_hash": hashlib.sha256(manifest_bytes).hexdigest(),
            "items": len(spec["items"]),
            "candidates": candidates,
            "sessions": ["S1"],
        },
    )
    emit(t0, "key.committed", {"exam": spec["code"], "commitment": commitment, "scheme": "bench"})
    emit(t0, "log.key", {"origin": origin, "vkey": signer.verifier.vkey})
    emit(t0 + 1000, "session.opened", {"by": "admin", "reason": "mulai", "session": "S1", "token_hash": "x"})
    first: dict[str, int] = {}
    start_at = t0 + 60_000
    for k, n in enumerate(numbers):
        first[n] = emit(t0 + 2000 + k, "login.candidate", {"candidate": n, "session": "S1", "device": "d"})
        emit(start_at + k, "attempt.started", {"candidate": n, "seed": "00", "allowed_ms": duration_ms})
    rounds = max(1, (target - seq - 5 * candidates - 4) // candidates)
    answers: dict[str, dict[str, Any]] = {n: {} for n in numbers}
    for j in range(rounds):
        for k, n in enumerate(numbers):
            at = start_at + k + 1000 + j * (duration_ms - 10_000) // rounds
            item = f"TIK-{rng.randrange(40):02d}"
            value = "ABCD"[rng.randrange(4)]
            answers[n][item] = value
            emit(
                at,
                "answer.saved",
                {
                    "candidate": n,
                    "item": item,
                    "value": value,
                    "flag": False,
                    "seq": j + 1,
                    "remaining_ms": duration_ms - (at - (start_at + k)),
                },
            )
    end = start_at + duration_ms - 5000
    receipts = []
    scores: dict[str, CandidateScore] = {}
    villages = {str(r["number"]): (str(r["village"]), str(r["position"])) for r in roster}
    for k, n in enumerate(numbers):
        digest = answers_digest(answers[n])
        submit = emit(end + k, "attempt.submitted", {"candidate": n, "reason": "candidate", "answers_hash": digest})
        result = grade(exam, answers[n])
        scored = emit(
            end + k,
            "attempt.scored",
            {
                "candidate": n,
                "grader_version": GRADER_VERSION,
                "inputs_hash": inputs_hash(digest, spec["code"], commitment),
                "total_milli": result.total_milli,
                "passed": result.passed,
                "sections": [s.as_json() for s in result.sections],
            },
        )
        formation = formation_code(*villages[n])
        scores[n] = CandidateScore.from_attempt(n, formation, exam, result, finished_ms=end + k)
        receipts.append(
            {
                "v": 1,
                "exam": spec["code"],
                "candidate": n,
                "first_seq": first[n],
                "submit_seq": submit,
                "last_seq": scored,
                "answers_hash": digest,
                "answers": answers[n],
            }
        )
    close = end + duration_ms
    emit(close, "session.closed", {"by": "admin", "reason": "selesai", "session": "S1", "absent": []})
    emit(
        close,
        "key.revealed",
        {
            "by": "admin",
            "reason": "otomatis",
            "exam": spec["code"],
            "commitment": commitment,
            "salt": salt.hex(),
            "spec": spec,
        },
    )
    formations = formation_results(roster, scores, default_rules())
    published = emit(
        close + 1,
        "results.published",
        {
            "by": "admin",
            "reason": "hasil",
            "exam": spec["code"],
            "grader_version": GRADER_VERSION,
            "ranking": RANKING_RULE,
            "formations": formations,
        },
    )
    stream.close()
    if checkpoints[-1:] != [seq]:
        checkpoints.append(seq)
    for size in checkpoints:
        writer.add_checkpoint(size, sign_checkpoint(Checkpoint(origin, size, tree.root(size)), signer))
    final_note = sign_checkpoint(Checkpoint(origin, seq, tree.root()), signer).decode()
    # The first receipt carries the final checkpoint and the inclusion proof of its submit, as printed.
    r = receipts[0]
    r["checkpoint"] = final_note
    r["leaf"] = leaf_bytes(
        r["submit_seq"],
        end,
        "attempt.submitted",
        {"candidate": r["candidate"], "reason": "candidate", "answers_hash": r["answers_hash"]},
    ).decode()
    r["proof"] = [encode_base64(p) for p in tree.inclusion_proof(r["submit_seq"] - 1, seq)]
    lines = [json_bytes(r) for r in receipts]
    writer.add_bytes("receipts.jsonl", b"".join(lines))
    writer.add_bytes("manifest.json", manifest_bytes + b"\n")
    writer.add_json("bundle.json", {"format": BUNDLE_FORMAT, "exam": spec["code"], "size": seq})
    writer.add_json("key-reveal.json", {"seq": seq - 1, "salt": salt.hex(), "spec": spec, "commitment": commitment})
    writer.add_json(
        "scoring.json", {"grader_version": GRADER_VERSION, "ranking": RANKING_RULE, "spec": spec, "corrections": []}
    )
    writer.add_json("results.json", {"seq": published, "exam": spec["code"], "formations": formations})
    writer.add_json("witnesses.json", [])
    writer.close()
    return seq


def bench_verify(target: int, candidates: int) -> float:
    with tempfile.TemporaryDirectory(prefix="ujian-bench-bundle-") as tmp:
        path = Path(tmp) / "bundle.zip"
        started = time.perf_counter()
        count = write_synthetic_bundle(path, target=target, candidates=candidates)
        made = time.perf_counter() - started
        print(f"  wrote {count:,} events ({path.stat().st_size / 1e6:.0f} MB zip) in {made:.1f} s", flush=True)
        started = time.perf_counter()
        report = verify_bundle(path)
        elapsed = time.perf_counter() - started
        status = "all 20 checks PASS" if report.ok else f"FAILED {report.failed()}"
        print(f"  verified {count:,} events, {candidates} candidates in {elapsed:.1f} s: {status}", flush=True)
        if not report.ok:
            print(report.text())
        return elapsed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--events", type=int, default=60_000)
    p.add_argument("--writers", type=int, default=400)
    p.add_argument("--fail-every", type=int, default=0, help="every Nth unit raises (savepoint fallback)")
    p.add_argument("--verify-events", type=int, default=1_000_000)
    p.add_argument("--candidates", type=int, default=2000)
    p.add_argument("--pg", default=os.environ.get("UJIAN_BENCH_PG", DEFAULT_PG), help="PostgreSQL admin DSN")
    p.add_argument("--skip-appends", action="store_true")
    p.add_argument("--skip-verify", action="store_true")
    args = p.parse_args()
    print(f"$ python {shlex.join(['bench/log.py', *sys.argv[1:]])}")
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}")
    if not args.skip_appends:
        print("appends (real writer: group commit, head-row lock, optimistic batches; checkpointer running):")
        kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
        for kind in kinds:
            asyncio.run(bench_appends(kind, args.events, args.writers, args.pg, args.fail_every))
    print("proofs:")
    bench_proofs()
    if not args.skip_verify:
        print("verification (grader.verify, single process):")
        bench_verify(args.verify_events, args.candidates)


if __name__ == "__main__":
    main()
