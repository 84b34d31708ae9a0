"""The offline verifier: re-derive and check a whole exam bundle (``python -m grader.verify BUNDLE``).

Only grader/ and ``cryptography`` are needed. Every check is numbered and reported PASS or FAIL; any
failure makes the exit status non-zero. A log that disagrees with a checkpoint held elsewhere is shown
to be a fork, with the two checkpoints and the proof as evidence.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from grader import canonical
from grader.build import build_exam
from grader.bundle import (
    BUNDLE_FORMAT,
    BUNDLE_JSON,
    EVENTS,
    KEY_REVEAL,
    MANIFEST,
    RECEIPTS,
    RESULTS,
    SCORING,
    WITNESSES,
    BundleFormatError,
    BundleReader,
    LogTree,
    parse_json,
)
from grader.checkpoint import Checkpoint, open_checkpoint
from grader.commitment import verify_commitment
from grader.components import (
    CandidateScore,
    FormationRules,
    build_rules,
    default_rules,
    marks_in_force,
    rules_to_raw,
)
from grader.errors import KeyFormatError, VerificationError
from grader.files import CachedFiles
from grader.merkle import leaf_hash, verify_consistency, verify_inclusion
from grader.model import AttemptResult, ExamSpec
from grader.note import Verifier, decode_base64, parse_vkey
from grader.problems import ProblemsError
from grader.ranking import formation_code, formation_results
from grader.regrade import Correction, apply_corrections_raw, spec_hash
from grader.scoring import grade
from grader.version import GRADER_VERSION

MAX_MESSAGES = 25
"""Failure messages kept per check (the count of all of them is reported)."""

LEAF_KEYS = frozenset({"v", "seq", "at", "kind", "data"})


@dataclass(frozen=True, slots=True)
class CheckInfo:
    id: str
    en: str
    ind: str


CHECKS: tuple[CheckInfo, ...] = (
    CheckInfo("bundle.files", "Bundle files present and readable", "Berkas bundel lengkap dan terbaca"),
    CheckInfo("log.key", "Log origin and verifier key pinned in the manifest", "Kunci log tersemat di manifes"),
    CheckInfo("log.canonical", "Every event is canonical JSON", "Setiap kejadian berupa JSON kanonik"),
    CheckInfo("log.sequence", "Sequence numbers gap-free and in order", "Nomor urut tanpa celah dan berurutan"),
    CheckInfo("checkpoints.signatures", "Checkpoint signatures (log key, witnesses)", "Tanda tangan checkpoint"),
    CheckInfo("checkpoints.roots", "Checkpoint roots match the log", "Akar checkpoint cocok dengan log"),
    CheckInfo("checkpoints.consistency", "Checkpoints consistent with each other", "Checkpoint saling konsisten"),
    CheckInfo(
        "checkpoints.external",
        "Checkpoints given on the command line (witnesses, minutes, receipts) match the log",
        "Checkpoint dari saksi/berita acara cocok dengan log",
    ),
    CheckInfo("checkpoints.coverage", "The last checkpoint covers every event", "Checkpoint terakhir mencakup semua"),
    CheckInfo("manifest.hash", "Manifest matches the logged import", "Manifes cocok dengan catatan impor"),
    CheckInfo("key.commitment", "Key committed before any session opened", "Kunci disegel sebelum sesi dibuka"),
    CheckInfo("key.reveal", "Revealed key and salt open the commitment", "Kunci yang dibuka cocok dengan segel"),
    CheckInfo(
        "key.corrections",
        "Key corrections proposed, approved by the required committee members, logged with reason",
        "Koreksi kunci diusulkan, disetujui panitia sejumlah yang diwajibkan, dan tercatat beralasan",
    ),
    CheckInfo("attendance", "Only checked-in candidates started and answered", "Hanya peserta hadir yang menjawab"),
    CheckInfo(
        "answers.window",
        "Every answer inside the candidate's open time window",
        "Setiap jawaban di dalam waktu ujian peserta",
    ),
    CheckInfo("answers.hash", "Submitted answers match the logged answers", "Jawaban terkirim cocok dengan log"),
    CheckInfo("scores", "Every logged score recomputed by the grader", "Setiap nilai dihitung ulang"),
    CheckInfo("results", "Published scores and ranks recomputed", "Nilai dan peringkat terbit dihitung ulang"),
    CheckInfo("receipts", "Candidate receipts match the log", "Tanda terima peserta cocok dengan log"),
    CheckInfo("scoring.json", "Scoring rules and grader version", "Aturan penilaian dan versi penilai"),
)
_INDEX = {c.id: n for n, c in enumerate(CHECKS)}


@dataclass
class CheckResult:
    no: int
    info: CheckInfo
    failures: list[str] = field(default_factory=list)
    count: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.count == 0

    def as_json(self) -> dict[str, Any]:
        return {
            "no": self.no,
            "id": self.info.id,
            "title": {"en": self.info.en, "id": self.info.ind},
            "status": "PASS" if self.ok else "FAIL",
            "failures": self.failures,
            "failure_count": self.count,
            "notes": self.notes,
        }


@dataclass
class Report:
    checks: list[CheckResult]
    evidence: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def check(self, check_id: str) -> CheckResult:
        return self.checks[_INDEX[check_id]]

    def failed(self) -> list[str]:
        return [c.info.id for c in self.checks if not c.ok]

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "grader_version": GRADER_VERSION,
            "checks": [c.as_json() for c in self.checks],
            "evidence": self.evidence,
            "summary": self.summary,
        }

    def text(self) -> str:
        lines = []
        for c in self.checks:
            status = "PASS" if c.ok else "FAIL"
            lines.append(f"{c.no:2d}. {status}  {c.info.en} / {c.info.ind}")
            lines.extend(f"        - {m}" for m in c.failures)
            if c.count > len(c.failures):
                lines.append(f"        … and {c.count - len(c.failures)} more")
            lines.extend(f"        · {m}" for m in c.notes)
        for ev in self.evidence:
            lines.append("")
            lines.append(f"EVIDENCE / BUKTI: {ev['title']}")
            for key in ("checkpoint_a", "checkpoint_b"):
                if ev.get(key):
                    lines.append(f"--- {ev[key]['label']}")
                    lines.append(ev[key]["note"].rstrip("\n"))
            if ev.get("proof") is not None:
                lines.append(f"--- {ev['proof_label']}")
                lines.extend(f"    {p}" for p in ev["proof"])
            if ev.get("explanation"):
                lines.append(ev["explanation"])
        lines.append("")
        s = self.summary
        lines.append(
            f"{'OK' if self.ok else 'FAILED / GAGAL'}: {sum(c.ok for c in self.checks)}/{len(self.checks)} checks "
            f"passed; {s.get('events', 0)} events, {s.get('checkpoints', 0)} checkpoints, "
            f"{s.get('scores', 0)} scores recomputed in {s.get('seconds', 0)} s"
        )
        return "\n".join(lines)


# -- per-candidate replay state -----------------------------------------------------------------------


@dataclass
class Candidate:
    number: str
    session: str
    village: str
    position: str
    logged_in: bool = False
    status: str = "not_started"
    allowed: int = 0
    consumed: int = 0
    running_since: int | None = None
    pending_extra: int = 0
    first_seq: int | None = None
    answers: dict[str, tuple[int, Any]] = field(default_factory=dict)
    submit_seq: int | None = None
    submitted: dict[str, Any] | None = None
    submitted_hash: str | None = None
    scored_seq: int | None = None
    birth_date: str | None = None
    submitted_at: int | None = None

    def used(self, now: int) -> int:
        live = max(0, now - self.running_since) if self.running_since is not None else 0
        return self.consumed + live

    def remaining(self, now: int) -> int:
        return max(0, self.allowed - self.used(now))

    def pause(self, now: int) -> None:
        if self.running_since is not None:
            self.consumed = min(self.allowed, self.used(now))
            self.running_since = None

    def deadline(self) -> int | None:
        if self.running_since is None:
            return None
        return self.running_since + self.allowed - self.consumed


@dataclass(frozen=True, slots=True)
class LoggedScore:
    seq: int
    kind: str
    candidate: str
    data: Mapping[str, Any]
    corrections: int
    """How many key corrections were logged before this score (0: the committed key)."""


def _hex(b: bytes) -> str:
    return b.hex()


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def answers_digest(answers: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical.encode(dict(answers))).hexdigest()


def inputs_hash(answers_hash: str, exam: str, commitment: str, corrections: Sequence[int] = ()) -> str:
    """What a logged score says it was computed from (the server logs the same)."""
    value: dict[str, Any] = {"answers": answers_hash, "exam": exam, "key_commitment": commitment}
    if corrections:
        value["corrections"] = list(corrections)
    return hashlib.sha256(canonical.encode(value)).hexdigest()


def apply_correction(spec: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, Any]:
    """The raw scoring spec with one item replaced by its corrected raw form."""
    items = [dict(item) if i.get("code") == item.get("code") else i for i in spec["items"]]
    return {**spec, "items": items}


# -- the verifier ------------------------------------------------------------------------------------


class BundleVerifier:
    """One run over one bundle: a single streaming pass over the events, then the cross-checks."""

    def __init__(
        self,
        reader: BundleReader,
        *,
        external: Sequence[tuple[str, bytes]] = (),
        receipts: Sequence[tuple[str, bytes]] = (),
        log_key: str | None = None,
        witness_keys: Sequence[str] = (),
    ) -> None:
        self.reader = reader
        self.external = list(external)
        self.external_receipts = list(receipts)
        self.log_key_arg = log_key
        self.witness_key_args = list(witness_keys)
        self.report = Report([CheckResult(n + 1, info) for n, info in enumerate(CHECKS)])
        self.tree = LogTree()
        self.size = 0
        self.manifest: dict[str, Any] = {}
        self.log_verifier: Verifier | None = None
        self.origin = ""
        self.witnesses: list[Verifier] = []
        self.candidates: dict[str, Candidate] = {}
        self.sessions: dict[str, str] = {}
        self.items: set[str] = set()
        self.duration_ms = 0
        self.exam_code = ""
        self.first: dict[str, int] = {}
        self.imported: dict[str, Any] | None = None
        self.log_key_event: dict[str, Any] | None = None
        self.commitment: dict[str, Any] | None = None
        self.reveal: dict[str, Any] | None = None
        self.reveal_seq = 0
        self.corrections: list[tuple[int, dict[str, Any]]] = []
        self.proposals: dict[int, dict[str, Any]] = {}
        self.approvals: list[tuple[int, dict[str, Any]]] = []
        self.rejections: list[tuple[int, dict[str, Any]]] = []
        self.marks: list[tuple[int, dict[str, Any]]] = []
        self.rules: FormationRules | None = None
        self.required_approvals = 2
        self.scores: list[LoggedScore] = []
        self.published: list[tuple[int, dict[str, Any]]] = []
        self.leaves_by_seq: dict[int, bytes] = {}
        self.last_answer_seq = 0
        self.all_closed_seq: int | None = None
        self.checkpoints: list[tuple[str, Checkpoint, bytes]] = []
        self.spec_versions: list[tuple[dict[str, Any], ExamSpec | None]] | None = None
        self._receipts_cache: list[tuple[str, dict[str, Any]]] | None = None
        self.files = CachedFiles(reader)
        self._graded: dict[tuple[int, str], AttemptResult] = {}

    def fail(self, check_id: str, message: str) -> None:
        check = self.report.check(check_id)
        check.count += 1
        if len(check.failures) < MAX_MESSAGES:
            check.failures.append(message)

    def note(self, check_id: str, message: str) -> None:
        self.report.check(check_id).notes.append(message)

    # -- orchestration --

    def run(self) -> Report:
        started = time.perf_counter()
        if self._load_static():
            self._load_checkpoints()
            self._scan_events()
            self._check_checkpoints()
            self._check_external()
            self._check_manifest()
            self._check_key()
            self._check_scores()
            self._check_results()
            self._check_receipts()
            self._check_scoring_json()
        else:
            for c in self.report.checks[1:]:
                if c.ok:
                    self.fail(c.info.id, "not checked: the bundle could not be read")
        self.report.summary.update(
            events=self.size,
            checkpoints=len(self.checkpoints),
            scores=len(self.scores),
            candidates=len(self.candidates),
            seconds=round(time.perf_counter() - started, 2),
        )
        return self.report

    # -- 1, 2: files and the pinned key --

    def _load_static(self) -> bool:
        names = set(self.reader.names())
        for required in (BUNDLE_JSON, MANIFEST, EVENTS, KEY_REVEAL, SCORING, RESULTS, RECEIPTS):
            if required not in names:
                self.fail("bundle.files", f"missing {required}")
        if not any(n.startswith("checkpoints/") for n in names):
            self.fail("bundle.files", "no checkpoints/ in the bundle")
        try:
            info = self.reader.json(BUNDLE_JSON) if BUNDLE_JSON in names else {}
            if isinstance(info, dict) and info.get("format") != BUNDLE_FORMAT:
                self.fail("bundle.files", f"bundle.json format is {info.get('format')!r}, not {BUNDLE_FORMAT}")
            manifest = self.reader.json(MANIFEST)
        except (BundleFormatError, ValueError, TypeError) as exc:
            self.fail("bundle.files", str(exc))
            return False
        if not isinstance(manifest, dict):
            self.fail("bundle.files", "manifest.json is not an object")
            return False
        self.manifest = manifest
        m: Any = manifest  # shapes are checked by the KeyError/TypeError handler below
        try:
            definition = m["definition"]
            self.exam_code = str(definition["code"])
            self.duration_ms = int(definition["duration_s"]) * 1000
            self.items = {str(i["code"]) for i in m["items"]}
            for row in m["roster"]:
                number = str(row["number"])
                self.candidates[number] = Candidate(
                    number, str(row["session"]), str(row.get("village", "")), str(row.get("position", ""))
                )
                born = row.get("birth_date")
                self.candidates[number].birth_date = born if isinstance(born, str) else None
                self.sessions.setdefault(str(row["session"]), "planned")
        except (KeyError, TypeError, ValueError) as exc:
            self.fail("bundle.files", f"manifest.json lacks definition, items or roster: {exc!r}")
            return False
        self._load_rules(definition)
        log = manifest.get("log")
        try:
            if not isinstance(log, dict):
                raise KeyFormatError("manifest.json has no log {origin, vkey}")
            self.origin = str(log["origin"])
            self.log_verifier = parse_vkey(str(log["vkey"]))
            if self.log_verifier.name != self.origin:
                self.fail("log.key", f"key name {self.log_verifier.name!r} is not the origin {self.origin!r}")
        except (KeyError, KeyFormatError) as exc:
            self.fail("log.key", f"no usable log key in the manifest: {exc}")
            return False
        if self.log_key_arg is not None and self.log_key_arg.strip() != self.log_verifier.vkey:
            self.fail(
                "log.key",
                f"the manifest pins {self.log_verifier.vkey}, not the key given with --log-key "
                f"({self.log_key_arg.strip()})",
            )
        self._load_witnesses(names)
        return self.log_verifier is not None

    def _load_rules(self, definition: Mapping[str, Any]) -> None:
        """The scoring rules and the approvals a correction needs, as the opening manifest pinned them."""
        raw = definition.get("scoring")
        try:
            self.rules = default_rules() if raw is None else build_rules(raw)
        except ProblemsError as exc:
            self.fail("results", f"the manifest's scoring rules do not build: {exc.problems[0].en}")
        required = definition.get("regrade_approvals", 2)
        self.required_approvals = required if isinstance(required, int) and required >= 1 else 2

    def _load_witnesses(self, names: set[str]) -> None:
        vkeys: list[str] = list(self.witness_key_args)
        if WITNESSES in names:
            try:
                listed = self.reader.json(WITNESSES)
                if isinstance(listed, list):
                    vkeys += [str(w["vkey"]) for w in listed if isinstance(w, dict)]
            except (ValueError, KeyError, TypeError) as exc:
                self.fail("checkpoints.signatures", f"witnesses.json unreadable: {exc}")
        seen: dict[tuple[str, int], Verifier] = {}
        for vkey in vkeys:
            try:
                v = parse_vkey(vkey)
            except KeyFormatError as exc:
                self.fail("checkpoints.signatures", f"witness key {vkey!r} is unusable: {exc}")
                continue
            if self.log_verifier is not None and (v.name, v.key_id) == (
                self.log_verifier.name,
                self.log_verifier.key_id,
            ):
                continue
            seen.setdefault((v.name, v.key_id), v)
        self.witnesses = list(seen.values())

    def _known(self) -> list[Verifier]:
        assert self.log_verifier is not None
        return [self.log_verifier, *self.witnesses]

    def _open(self, note: bytes, label: str, check_id: str) -> Checkpoint | None:
        """A checkpoint signed by the pinned log key for the pinned origin, or None (with a failure)."""
        assert self.log_verifier is not None
        try:
            opened = open_checkpoint(note, self._known(), origin=self.origin)
        except VerificationError as exc:
            self.fail(check_id, f"{label}: {exc}")
            return None
        except KeyFormatError as exc:
            self.fail(check_id, f"{label}: {exc}")
            return None
        if not opened.signed_by(self.log_verifier):
            self.fail(check_id, f"{label}: not signed by the log key {self.log_verifier.vkey}")
            return None
        for sig in opened.unverified:
            self.note(check_id, f"{label}: signature by unknown key {sig.name}+{sig.key_id:08x} ignored")
        return opened.checkpoint

    def _load_checkpoints(self) -> None:
        for name, note in self.reader.checkpoint_files():
            cp = self._open(note, name, "checkpoints.signatures")
            if cp is not None:
                self.checkpoints.append((name, cp, note))
        self.checkpoints.sort(key=lambda x: x[1].size)
        if not self.checkpoints:
            self.fail("checkpoints.signatures", "no valid checkpoint signed by the log key")

    # -- 3, 4 and the replay: one pass over the events --

    def _scan_events(self) -> None:
        handlers = self._handlers()
        expected = 1
        decode = canonical.decode
        append = self.tree.append_data
        keep = self._receipt_seqs()
        try:
            for line in self.reader.event_lines():
                append(line)
                self.size += 1
                try:
                    ev = decode(line)
                except ValueError as exc:
                    self.fail("log.canonical", f"line {self.size}: {exc}")
                    try:
                        ev = json.loads(line)
                    except ValueError:
                        continue
                if not isinstance(ev, dict) or set(ev) != LEAF_KEYS or ev["v"] != 1:
                    self.fail("log.canonical", f"line {self.size}: not a v1 leaf {{v, seq, at, kind, data}}")
                    continue
                seq, at, kind, data = ev["seq"], ev["at"], ev["kind"], ev["data"]
                if not isinstance(seq, int) or not isinstance(at, int) or not isinstance(kind, str):
                    self.fail("log.canonical", f"line {self.size}: seq/at must be integers, kind text")
                    continue
                if not isinstance(data, dict):
                    self.fail("log.canonical", f"line {self.size}: data must be an object")
                    continue
                if seq != expected:
                    self.fail(
                        "log.sequence",
                        f"line {self.size} has seq {seq}, expected {expected}"
                        + (" (duplicate or out of order)" if seq < expected else " (gap)"),
                    )
                expected = max(expected, seq) + 1
                if self.size in keep:
                    self.leaves_by_seq[self.size] = line
                handler = handlers.get(kind)
                if handler is not None:
                    try:
                        handler(seq, at, data)
                    except (KeyError, TypeError, ValueError, AttributeError) as exc:
                        self.fail("log.canonical", f"seq {seq} ({kind}): malformed data: {exc!r}")
        except (BundleFormatError, OSError) as exc:
            self.fail("bundle.files", str(exc))

    def _receipt_seqs(self) -> set[int]:
        """Submit events whose leaves receipts prove (kept in memory for the inclusion proofs)."""
        seqs: set[int] = set()
        for _name, receipt in self._all_receipts():
            if isinstance(receipt.get("submit_seq"), int):
                seqs.add(receipt["submit_seq"])
        return seqs

    def _all_receipts(self) -> list[tuple[str, dict[str, Any]]]:
        if self._receipts_cache is None:
            out: list[tuple[str, dict[str, Any]]] = []
            try:
                data = self.reader.read(RECEIPTS)
            except BundleFormatError:
                data = b""
            for n, line in enumerate(data.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    value = parse_json(line, f"{RECEIPTS} line {n}")
                except ValueError as exc:
                    self.fail("receipts", str(exc))
                    continue
                if isinstance(value, dict):
                    out.append((f"{RECEIPTS} line {n}", value))
            for name, raw in self.external_receipts:
                try:
                    value = parse_json(raw, name)
                except ValueError as exc:
                    self.fail("receipts", str(exc))
                    continue
                if isinstance(value, dict):
                    out.append((name, value))
            self._receipts_cache = out
        return self._receipts_cache

    def _handlers(self) -> dict[str, Callable[[int, int, dict[str, Any]], None]]:
        return {
            "log.key": self._on_log_key,
            "exam.imported": self._on_imported,
            "key.committed": self._on_committed,
            "session.opened": self._on_session("open", ("planned",)),
            "session.paused": self._on_paused,
            "session.resumed": self._on_resumed,
            "session.closed": self._on_closed,
            "login.candidate": self._on_login,
            "login.reset": self._on_candidate_event,
            "attempt.extended": self._on_extended,
            "attempt.started": self._on_started,
            "answer.saved": self._on_answer,
            "attempt.submitted": self._on_submitted,
            "attempt.scored": self._on_scored,
            "attempt.regraded": self._on_regraded,
            "key.revealed": self._on_revealed,
            "key.corrected": self._on_corrected,
            "regrade.proposed": self._collect(lambda seq, data: self.proposals.__setitem__(seq, data)),
            "regrade.approved": self._collect(lambda seq, data: self.approvals.append((seq, data))),
            "regrade.rejected": self._collect(lambda seq, data: self.rejections.append((seq, data))),
            "score.entered": self._collect(lambda seq, data: self.marks.append((seq, data))),
            "results.published": self._on_published,
        }

    def _collect(self, keep: Callable[[int, dict[str, Any]], None]) -> Callable[[int, int, dict[str, Any]], None]:
        """A handler that keeps this exam's events of one kind for the checks after the scan."""

        def handler(seq: int, at: int, data: dict[str, Any]) -> None:
            if data.get("exam") == self.exam_code:
                keep(seq, data)

        return handler

    def _first(self, kind: str, seq: int) -> None:
        self.first.setdefault(kind, seq)

    def _candidate(self, seq: int, kind: str, data: Mapping[str, Any]) -> Candidate | None:
        number = data["candidate"]
        c = self.candidates.get(number)
        if c is None:
            self.fail("attendance", f"seq {seq} ({kind}): {number!r} is not on the roster")
            return None
        if c.first_seq is None:
            c.first_seq = seq
        return c

    def _on_log_key(self, seq: int, at: int, data: dict[str, Any]) -> None:
        if self.log_key_event is None:
            self.log_key_event = {"seq": seq, **data}
        else:
            self.fail("log.key", f"seq {seq}: a second log key event (the log key never changes)")

    def _on_imported(self, seq: int, at: int, data: dict[str, Any]) -> None:
        if data.get("exam") != self.exam_code:
            return
        if self.imported is not None:
            self.fail("manifest.hash", f"seq {seq}: the exam was imported twice")
        self.imported = {"seq": seq, **data}

    def _on_committed(self, seq: int, at: int, data: dict[str, Any]) -> None:
        if data.get("exam") != self.exam_code:
            return
        if self.commitment is not None:
            self.fail("key.commitment", f"seq {seq}: a second key commitment for the same exam")
            return
        self.commitment = {"seq": seq, **data}

    def _on_session(self, to: str, allowed_from: tuple[str, ...]) -> Callable[[int, int, dict[str, Any]], None]:
        def handler(seq: int, at: int, data: dict[str, Any]) -> None:
            code = data["session"]
            self._first("session.opened", seq)
            if code not in self.sessions:
                self.fail("attendance", f"seq {seq}: session {code!r} is not in the manifest")
                return
            if self.sessions[code] not in allowed_from:
                self.fail("attendance", f"seq {seq}: session {code} opened while {self.sessions[code]}")
            self.sessions[code] = to

        return handler

    def _in_session(self, code: str) -> Iterable[Candidate]:
        return (c for c in self.candidates.values() if c.session == code)

    def _on_paused(self, seq: int, at: int, data: dict[str, Any]) -> None:
        code = data["session"]
        if self.sessions.get(code) != "open":
            self.fail("answers.window", f"seq {seq}: session {code} paused while {self.sessions.get(code)}")
        self.sessions[code] = "paused"
        for c in self._in_session(code):
            if c.status == "working":
                c.pause(at)

    def _on_resumed(self, seq: int, at: int, data: dict[str, Any]) -> None:
        code = data["session"]
        if self.sessions.get(code) != "paused":
            self.fail("answers.window", f"seq {seq}: session {code} resumed while {self.sessions.get(code)}")
        self.sessions[code] = "open"
        for c in self._in_session(code):
            if c.status == "working" and c.running_since is None:
                c.running_since = at

    def _on_closed(self, seq: int, at: int, data: dict[str, Any]) -> None:
        code = data["session"]
        if self.sessions.get(code) not in ("open", "paused"):
            self.fail("attendance", f"seq {seq}: session {code} closed while {self.sessions.get(code)}")
        self.sessions[code] = "closed"
        absent = set(data.get("absent", []))
        for c in self._in_session(code):
            if c.status == "working":
                self.fail("answers.window", f"seq {seq}: {c.number} still working when {code} closed")
            elif c.status == "not_started":
                c.status = "absent"
                if c.number not in absent:
                    self.fail("attendance", f"seq {seq}: {c.number} never started but is not listed absent")
            if c.number in absent and c.status != "absent":
                self.fail("attendance", f"seq {seq}: {c.number} is listed absent but took the exam")
        if all(s == "closed" for s in self.sessions.values()):
            self.all_closed_seq = seq

    def _on_login(self, seq: int, at: int, data: dict[str, Any]) -> None:
        c = self._candidate(seq, "login.candidate", data)
        if c is None:
            return
        if data["session"] != c.session:
            self.fail("attendance", f"seq {seq}: {c.number} logged in to {data['session']}, not {c.session}")
        if self.sessions.get(c.session) not in ("open", "paused"):
            self.fail("attendance", f"seq {seq}: {c.number} logged in while the session was not open")
        c.logged_in = True

    def _on_candidate_event(self, seq: int, at: int, data: dict[str, Any]) -> None:
        self._candidate(seq, "login.reset", data)

    def _on_extended(self, seq: int, at: int, data: dict[str, Any]) -> None:
        c = self._candidate(seq, "attempt.extended", data)
        if c is None:
            return
        extra = data["extra_ms"]
        if not isinstance(extra, int) or extra <= 0:
            self.fail("answers.window", f"seq {seq}: extension of {extra!r} ms")
            return
        if c.status in ("submitted", "absent"):
            self.fail("answers.window", f"seq {seq}: {c.number} extended after finishing")
        elif c.status == "working":
            c.allowed += extra
        else:
            c.pending_extra += extra

    def _on_started(self, seq: int, at: int, data: dict[str, Any]) -> None:
        c = self._candidate(seq, "attempt.started", data)
        if c is None:
            return
        self._first("attempt.started", seq)
        if not c.logged_in:
            self.fail("attendance", f"seq {seq}: {c.number} started without checking in (no login)")
        if c.status != "not_started":
            self.fail("attendance", f"seq {seq}: {c.number} started while {c.status}")
            return
        if self.sessions.get(c.session) != "open":
            self.fail("attendance", f"seq {seq}: {c.number} started while session {c.session} was not open")
        expected = self.duration_ms + c.pending_extra
        if data["allowed_ms"] != expected:
            self.fail(
                "answers.window",
                f"seq {seq}: {c.number} started with {data['allowed_ms']} ms allowed; the exam lasts "
                f"{self.duration_ms} ms plus {c.pending_extra} ms of logged extensions = {expected} ms",
            )
        c.status, c.allowed, c.consumed, c.running_since = "working", expected, 0, at

    def _on_answer(self, seq: int, at: int, data: dict[str, Any]) -> None:
        c = self._candidate(seq, "answer.saved", data)
        if c is None:
            return
        self.last_answer_seq = seq
        if not c.logged_in:
            self.fail("attendance", f"seq {seq}: answer from {c.number}, who never checked in")
            return
        if c.status == "absent":
            self.fail("attendance", f"seq {seq}: answer from {c.number}, who was absent")
            return
        item = data["item"]
        if item not in self.items:
            self.fail("answers.window", f"seq {seq}: {c.number} answered unknown item {item!r}")
        if c.status != "working":
            self.fail("answers.window", f"seq {seq}: {c.number} answered while {c.status}")
        elif self.sessions.get(c.session) != "open":
            self.fail(
                "answers.window", f"seq {seq}: {c.number} answered while {c.session} was {self.sessions.get(c.session)}"
            )
        else:
            remaining = c.remaining(at)
            if remaining <= 0:
                self.fail(
                    "answers.window",
                    f"seq {seq}: {c.number} answered {item} {c.used(at) - c.allowed} ms after the time ran out "
                    f"(allowed {c.allowed} ms incl. logged extensions)",
                )
            elif data["remaining_ms"] != remaining:
                self.fail(
                    "answers.window",
                    f"seq {seq}: {c.number}'s answer says {data['remaining_ms']} ms remained; the logged "
                    f"clock gives {remaining} ms",
                )
        client_seq = data["seq"]
        previous = c.answers.get(item)
        if previous is not None and client_seq <= previous[0]:
            self.fail("answers.hash", f"seq {seq}: {c.number}'s answer to {item} does not supersede the last one")
        c.answers[item] = (client_seq, data["value"])

    def _on_submitted(self, seq: int, at: int, data: dict[str, Any]) -> None:
        c = self._candidate(seq, "attempt.submitted", data)
        if c is None:
            return
        if c.status != "working":
            self.fail("answers.hash", f"seq {seq}: {c.number} submitted while {c.status}")
            return
        deadline = c.deadline()
        c.pause(min(at, deadline) if deadline is not None else at)
        c.status = "submitted"
        c.submit_seq = seq
        c.submitted_at = at
        c.submitted = {k: v for k, (_s, v) in c.answers.items() if v is not None}
        c.submitted_hash = data["answers_hash"]
        if answers_digest(c.submitted) != c.submitted_hash:
            self.fail(
                "answers.hash",
                f"seq {seq}: {c.number}'s submitted answers hash {c.submitted_hash} is not the hash of the "
                f"logged answers ({answers_digest(c.submitted)})",
            )

    def _on_scored(self, seq: int, at: int, data: dict[str, Any]) -> None:
        self._score(seq, "attempt.scored", data)

    def _on_regraded(self, seq: int, at: int, data: dict[str, Any]) -> None:
        self._score(seq, "attempt.regraded", data)

    def _score(self, seq: int, kind: str, data: dict[str, Any]) -> None:
        c = self._candidate(seq, kind, data)
        if c is None:
            return
        if c.status != "submitted":
            self.fail("scores", f"seq {seq}: {c.number} scored while {c.status} (absent candidates are never scored)")
        if kind == "attempt.scored":
            if c.scored_seq is not None:
                self.fail("scores", f"seq {seq}: {c.number} scored twice (regrades are logged as attempt.regraded)")
            c.scored_seq = seq
        self.scores.append(LoggedScore(seq, kind, c.number, data, len(self.corrections)))

    def _on_revealed(self, seq: int, at: int, data: dict[str, Any]) -> None:
        if data.get("exam") != self.exam_code:
            return
        if self.reveal is not None:
            self.fail("key.reveal", f"seq {seq}: the key was revealed twice")
            return
        self.reveal, self.reveal_seq = data, seq

    def _on_corrected(self, seq: int, at: int, data: dict[str, Any]) -> None:
        if data.get("exam") != self.exam_code:
            return
        self.corrections.append((seq, data))

    def _on_published(self, seq: int, at: int, data: dict[str, Any]) -> None:
        if data.get("exam") == self.exam_code:
            self.published.append((seq, data))

    # -- 5–9: checkpoints --

    def _check_checkpoints(self) -> None:
        by_size: dict[int, tuple[str, Checkpoint, bytes]] = {}
        for name, cp, note in self.checkpoints:
            other = by_size.get(cp.size)
            if other is not None and other[1].root != cp.root:
                self.fail("checkpoints.consistency", f"{name} and {other[0]}: same size {cp.size}, different roots")
                self._fork_evidence(other, (name, cp, note), "two checkpoints in the bundle disagree")
            by_size.setdefault(cp.size, (name, cp, note))
            if cp.size > self.size:
                self.fail(
                    "checkpoints.roots",
                    f"{name}: checkpoint of size {cp.size} but the log has only {self.size} events "
                    "(events were removed from the end)",
                )
            elif self.tree.root(cp.size) != cp.root:
                self.fail(
                    "checkpoints.roots",
                    f"{name}: root {_b64(cp.root)} at size {cp.size} is not the root of the log's first "
                    f"{cp.size} events ({_b64(self.tree.root(cp.size))})",
                )
        valid = [x for x in self.checkpoints if x[1].size <= self.size]
        for (name1, a, _n1), (name2, b, _n2) in pairwise(valid):
            try:
                proof = self.tree.consistency_proof(a.size, b.size)
                verify_consistency(a.size, b.size, proof, a.root, b.root)
            except (VerificationError, ValueError) as exc:
                self.fail("checkpoints.consistency", f"{name1} → {name2}: {exc}")
        if self.checkpoints:
            latest = self.checkpoints[-1][1]
            if latest.size < self.size:
                self.fail(
                    "checkpoints.coverage",
                    f"{self.size - latest.size} events after the last checkpoint (size {latest.size}) are "
                    "covered by no signature",
                )
        self.report.check("checkpoints.roots").notes.append(
            f"{len(self.checkpoints)} checkpoints, log size {self.size}, root {_b64(self.tree.root())}"
        )

    def _check_external(self) -> None:
        if not self.external and not any(r.get("checkpoint") for _n, r in self._all_receipts()):
            self.note(
                "checkpoints.external", "no checkpoint given with --checkpoint (witness copies make forks visible)"
            )
        for name, note in self.external:
            cp = self._open(note, name, "checkpoints.external")
            if cp is not None:
                self._compare_external(name, cp, note)

    def _compare_external(self, name: str, cp: Checkpoint, note: bytes) -> bool:
        bundle_cp = next((x for x in self.checkpoints if x[1].size >= cp.size), None)
        if cp.size > self.size:
            self.fail(
                "checkpoints.external",
                f"{name}: signed for {cp.size} events but the bundle's log has only {self.size}: the log was "
                "truncated or rewritten (fork)",
            )
            self._fork_evidence((name, cp, note), self.checkpoints[-1] if self.checkpoints else None, "truncated log")
            return False
        if self.tree.root(cp.size) != cp.root:
            self.fail(
                "checkpoints.external",
                f"{name}: FORK — the log key signed root {_b64(cp.root)} at size {cp.size}, but the bundle's "
                f"log has root {_b64(self.tree.root(cp.size))} there",
            )
            self._fork_evidence((name, cp, note), bundle_cp, "fork")
            return False
        self.note("checkpoints.external", f"{name}: size {cp.size} matches the log")
        return True

    def _fork_evidence(
        self,
        a: tuple[str, Checkpoint, bytes],
        b: tuple[str, Checkpoint, bytes] | None,
        what: str,
    ) -> None:
        ev: dict[str, Any] = {
            "title": f"{what}: two checkpoints signed by {self.origin} that no append-only log can both satisfy",
            "checkpoint_a": {"label": f"{a[0]} (size {a[1].size})", "note": a[2].decode("utf-8", "replace")},
            "checkpoint_b": None,
            "proof": None,
        }
        if b is not None:
            ev["checkpoint_b"] = {"label": f"{b[0]} (size {b[1].size})", "note": b[2].decode("utf-8", "replace")}
            if a[1].size <= b[1].size <= self.size:
                proof = self.tree.consistency_proof(a[1].size, b[1].size)
                ev["proof"] = [_b64(p) for p in proof]
                ev["proof_label"] = (
                    f"consistency proof {a[1].size} → {b[1].size} from the bundle's log (RFC 9162 §2.1.4)"
                )
                try:
                    verify_consistency(a[1].size, b[1].size, proof, a[1].root, b[1].root)
                    ev["explanation"] = "the proof verifies (no fork between these two)"
                except VerificationError as exc:
                    if a[1].size == b[1].size:
                        ev["proof_label"] += ": empty, the sizes are equal"
                        ev["explanation"] = (
                            f"both are signed by the log key for the same size {a[1].size} with different roots: "
                            "the log has been forked (rewritten) — no proof can reconcile them"
                        )
                        self.report.evidence.append(ev)
                        return
                    ev["explanation"] = (
                        f"the proof leads to root {_b64(self.tree.root(a[1].size))} at size {a[1].size}, not to "
                        f"the signed {_b64(a[1].root)}: {exc.code}"
                    )
            else:
                ev["explanation"] = f"checkpoint a claims {a[1].size} events; the log shown has {self.size}"
        self.report.evidence.append(ev)

    # -- 10: manifest --

    def _check_manifest(self) -> None:
        digest = hashlib.sha256(canonical.encode(self.manifest)).hexdigest()
        if self.imported is None:
            self.fail("manifest.hash", f"no exam.imported event for {self.exam_code}")
        elif self.imported["manifest_hash"] != digest:
            self.fail(
                "manifest.hash",
                f"manifest.json hashes to {digest}; the import at seq {self.imported['seq']} logged "
                f"{self.imported['manifest_hash']}",
            )
        assert self.log_verifier is not None
        ev = self.log_key_event
        if ev is None:
            self.fail("log.key", "the log never recorded its key (log.key event)")
        elif ev.get("vkey") != self.log_verifier.vkey or ev.get("origin") != self.origin:
            self.fail("log.key", f"seq {ev['seq']}: the logged key {ev.get('vkey')} is not the manifest's")

    # -- 11–13: the key --

    def _check_key(self) -> None:
        com = self.commitment
        if com is None:
            self.fail("key.commitment", "no key.committed event for this exam")
            return
        for kind in ("session.opened", "attempt.started"):
            if kind in self.first and self.first[kind] < com["seq"]:
                self.fail(
                    "key.commitment", f"{kind} at seq {self.first[kind]} before the commitment at seq {com['seq']}"
                )
        started = self.first.get("attempt.started")
        sealed = [cp.size for _n, cp, _b in self.checkpoints if com["seq"] <= cp.size < (started or cp.size + 1)]
        if sealed:
            self.note("key.commitment", f"checkpoint of size {sealed[0]} covers the commitment before the first start")
        else:
            self.note("key.commitment", "no checkpoint in the bundle covers the commitment before the first start")
        reveal = self.reveal
        if reveal is None:
            self.fail("key.reveal", "the key was never revealed")
            return
        salt = bytes.fromhex(reveal["salt"]) if isinstance(reveal.get("salt"), str) else b""
        try:
            spec_bytes = canonical.encode(reveal["spec"])
        except (KeyError, TypeError, ValueError) as exc:
            self.fail("key.reveal", f"the revealed spec is unusable: {exc}")
            return
        if reveal.get("commitment") != com["commitment"]:
            self.fail("key.reveal", "the reveal names another commitment than the one logged")
        if not verify_commitment(com["commitment"], salt, spec_bytes):
            self.fail(
                "key.reveal",
                f"SHA-256(prefix ‖ salt ‖ revealed spec) is not the commitment {com['commitment']} logged at "
                f"seq {com['seq']}: the key was changed after it was sealed",
            )
        if self.last_answer_seq > self.reveal_seq:
            self.fail("key.reveal", f"answers were logged after the key was revealed (seq {self.last_answer_seq})")
        if self.all_closed_seq is None or self.all_closed_seq > self.reveal_seq:
            self.fail("key.reveal", "the key was revealed before every session closed")
        try:
            file_reveal = self.reader.json(KEY_REVEAL)
        except (BundleFormatError, ValueError) as exc:
            self.fail("key.reveal", str(exc))
            file_reveal = None
        if isinstance(file_reveal, dict) and (
            file_reveal.get("salt") != reveal.get("salt") or file_reveal.get("spec") != reveal.get("spec")
        ):
            self.fail("key.reveal", "key-reveal.json differs from the reveal in the log")
        self.spec_versions = self._spec_versions(reveal["spec"])

    def _spec_versions(self, revealed: Mapping[str, Any]) -> list[tuple[dict[str, Any], ExamSpec | None]]:
        """The raw spec and built exam after 0, 1, 2 … logged corrections."""
        versions: list[tuple[dict[str, Any], ExamSpec | None]] = []
        raw = dict(revealed)
        versions.append((raw, self._build(raw, "key.reveal", "the revealed spec")))
        for seq, data in self.corrections:
            for p in self._correction_problems(seq, data, versions[-1][1]):
                self.fail("key.corrections", f"seq {seq}: key correction {p}")
            try:
                raw = apply_corrections_raw(raw, [Correction.from_raw(c) for c in data.get("corrections", [])])
            except ProblemsError as exc:
                self.fail("key.corrections", f"seq {seq}: the correction does not apply: {exc.problems[0].en}")
                versions.append((raw, versions[-1][1]))
                continue
            built = self._build(raw, "key.corrections", f"the spec after seq {seq}")
            if built is not None and data.get("new_spec_hash") != spec_hash(built):
                self.fail("key.corrections", f"seq {seq}: new_spec_hash is not the hash of the corrected spec")
            versions.append((raw, built))
        return versions

    def _correction_problems(self, seq: int, data: Mapping[str, Any], current: ExamSpec | None) -> list[str]:
        """What is wrong with a ``key.corrected``: it must carry out a logged, unrejected proposal, word for
        word, against the spec then in force, approved by enough committee members other than the proposer."""
        problems = []
        if seq < self.reveal_seq:
            problems.append("logged before the key was revealed")
        if not str(data.get("reason", "")).strip():
            problems.append("without a reason")
        number = data.get("proposal")
        proposal = self.proposals.get(number) if isinstance(number, int) else None
        if proposal is None or not isinstance(number, int) or number > seq:
            return [*problems, f"names no earlier proposal (proposal {number!r})"]
        if data.get("corrections") != proposal.get("corrections") or not data.get("corrections"):
            problems.append(f"does not carry out proposal {number} as proposed")
        if data.get("reason") != proposal.get("reason"):
            problems.append(f"gives another reason than proposal {number}")
        if current is not None and proposal.get("old_spec_hash") != spec_hash(current):
            problems.append(f"proposal {number} was made against another key than the one in force")
        if data.get("old_spec_hash") != proposal.get("old_spec_hash"):
            problems.append("old_spec_hash differs from its proposal's")
        if any(int(r.get("proposal", -1)) == number and q < seq for q, r in self.rejections):
            problems.append(f"proposal {number} had been rejected")
        if any(int(d.get("proposal", -1)) == number and q < seq for q, d in self.corrections):
            problems.append(f"proposal {number} was already carried out")
        approvers = sorted(
            {
                str(d.get("by"))
                for q, d in self.approvals
                if number < q < seq and d.get("proposal") == number and d.get("digest") == proposal.get("digest")
            }
        )
        proposer = proposal.get("by")
        if proposer in approvers:
            problems.append(f"approved by its own proposer {proposer}")
        if data.get("approvals") != approvers:
            problems.append(f"lists approvals {data.get('approvals')} but the log has {approvers}")
        needed = self.required_approvals
        if proposal.get("required") != needed:
            problems.append(f"proposal {number} asks {proposal.get('required')} approvals, the exam requires {needed}")
        if len([a for a in approvers if a != proposer]) < needed:
            problems.append(f"has {len(approvers)} approvals, the exam requires {needed}")
        return problems

    def _build(self, raw: Mapping[str, Any], check_id: str, what: str) -> ExamSpec | None:
        try:
            return build_exam(dict(raw))
        except ProblemsError as exc:
            self.fail(check_id, f"{what} does not build: {exc.problems[0].en}")
            return None

    # -- 17: scores --

    def _check_scores(self) -> None:
        versions = self.spec_versions
        if versions is None or self.commitment is None:
            if self.scores:
                self.fail("scores", "scores cannot be recomputed without an opened key")
            return
        commitment = self.commitment["commitment"]
        correction_seqs = [s for s, _d in self.corrections]
        for score in self.scores:
            c = self.candidates[score.candidate]
            data = score.data
            if score.kind == "attempt.regraded":
                applied = [s for s in correction_seqs if s <= int(data["correction"])]
                if int(data["correction"]) not in correction_seqs or int(data["correction"]) > score.seq:
                    self.fail("scores", f"seq {score.seq}: regrade names no earlier key correction")
                    continue
            else:
                applied = correction_seqs[: score.corrections]
            exam = versions[len(applied)][1]
            if exam is None or c.submitted is None or c.submitted_hash is None:
                self.fail("scores", f"seq {score.seq}: {c.number} has no submitted answers to grade")
                continue
            result = self._grade(len(applied), exam, c)
            expected = inputs_hash(c.submitted_hash, self.exam_code, commitment, applied)
            problems = []
            if data.get("total_milli") != result.total_milli:
                problems.append(f"total {data.get('total_milli')} ≠ recomputed {result.total_milli}")
            if data.get("passed") != result.passed:
                problems.append(f"passed {data.get('passed')} ≠ recomputed {result.passed}")
            if data.get("sections") != [s.as_json() for s in result.sections]:
                problems.append("section scores differ from the recomputation")
            if data.get("grader_version") != result.grader_version:
                problems.append(f"grader {data.get('grader_version')} ≠ {result.grader_version}")
            if data.get("inputs_hash") != expected:
                problems.append("inputs hash does not name these answers, this exam and this key")
            for p in problems:
                self.fail("scores", f"seq {score.seq}: {c.number}: {p}")
        for c in self.candidates.values():
            if c.status == "submitted" and c.scored_seq is None:
                self.fail("scores", f"{c.number} submitted but was never scored")

    def _grade(self, version: int, exam: ExamSpec, c: Candidate) -> AttemptResult:
        """A candidate's submitted answers graded under key version ``version`` (0 = as committed), once:
        the scores and every publication of the results reuse it."""
        key = (version, c.number)
        found = self._graded.get(key)
        if found is None:
            assert c.submitted is not None
            found = self._graded[key] = grade(exam, c.submitted, files=self.files)
        return found

    def _expected_results(self, before: int) -> list[Any]:
        """Results recomputed from the grader's own scores (not the logged ones) with the key in force, the
        manifest's rules and the committee marks logged before ``before``."""
        versions = self.spec_versions
        if versions is None or self.rules is None:
            return []
        applied = len([s for s, _d in self.corrections if s < before])
        exam = versions[applied][1]
        if exam is None:
            return []
        marks = marks_in_force(data for seq, data in self.marks if seq < before)
        scores: dict[str, CandidateScore] = {}
        for c in self.candidates.values():
            submitted = c.status == "submitted" and c.submit_seq is not None and c.submit_seq < before
            result = self._grade(applied, exam, c) if submitted and c.submitted is not None else None
            scores[c.number] = CandidateScore.from_sections(
                c.number,
                formation_code(c.village, c.position),
                exam,
                result.sections if result is not None else None,
                passed=result.passed if result is not None else True,
                present=submitted,
                marks=marks.get(c.number),
                finished_ms=c.submitted_at if submitted else None,
                birth_date=c.birth_date,
            )
        roster = [{"number": c.number, "village": c.village, "position": c.position} for c in self.candidates.values()]
        return formation_results(roster, scores, self.rules)

    def _check_marks(self) -> None:
        """Committee marks: a reason, a known candidate, a component the committee enters, within its maximum."""
        if self.rules is None:
            return
        entered = self.rules.markable()
        for seq, data in self.marks:
            component, value = data.get("component"), data.get("value_milli")
            if not str(data.get("reason", "")).strip():
                self.fail("results", f"seq {seq}: a committee mark without a reason")
            if data.get("candidate") not in self.candidates:
                self.fail("results", f"seq {seq}: a committee mark for {data.get('candidate')!r}, not on the roster")
            if component not in entered:
                self.fail("results", f"seq {seq}: {component!r} is not a component the committee enters")
            elif value is not None and (not isinstance(value, int) or value < 0 or value > (entered[component] or 0)):
                self.fail("results", f"seq {seq}: mark {value} for {component} is outside 0..{entered[component]}")

    # -- 18: results --

    def _check_results(self) -> None:
        self._check_marks()
        if not self.published:
            self.fail("results", "no results.published event in the log")
            return
        for seq, data in self.published:
            expected = self._expected_results(seq)
            self._compare_results(f"seq {seq} (results.published)", data.get("formations"), expected)
        last_seq = self.published[-1][0]
        try:
            file_results = self.reader.json(RESULTS)
        except (BundleFormatError, ValueError) as exc:
            self.fail("results", str(exc))
            return
        if not isinstance(file_results, dict):
            self.fail("results", "results.json is not an object")
            return
        self._compare_results("results.json", file_results.get("formations"), self._expected_results(last_seq))
        if file_results.get("seq") != last_seq:
            self.fail(
                "results", f"results.json names seq {file_results.get('seq')}, the last publication is {last_seq}"
            )

    def _compare_results(self, where: str, published: Any, expected: list[Any]) -> None:
        if not isinstance(published, list):
            self.fail("results", f"{where}: no formations")
            return
        want = {(f["village"], f["position"]): f for f in expected}
        got: dict[tuple[str, str], Any] = {}
        for f in published:
            if isinstance(f, dict):
                got[(str(f.get("village")), str(f.get("position")))] = f
        for key in sorted(set(want) | set(got), key=str):
            w, g = want.get(key), got.get(key)
            if w is None or g is None:
                self.fail(
                    "results", f"{where}: formation {key[0]} / {key[1]} {'not expected' if w is None else 'missing'}"
                )
                continue
            wc = {x["candidate"]: x for x in w["rows"]}
            rows = g.get("rows")
            gc = {x.get("candidate"): x for x in rows if isinstance(x, dict)} if isinstance(rows, list) else {}
            for number in sorted(set(wc) | set(gc), key=str):
                a, b = wc.get(number), gc.get(number)
                if a is None or b is None:
                    what = "is not in this formation" if a is None else "is missing"
                    self.fail("results", f"{where}: {number} {what} in {key[0]} / {key[1]}")
                    continue
                for fld in sorted(set(a) | set(b)):
                    if a.get(fld) != b.get(fld):
                        self.fail(
                            "results",
                            f"{where}: {number} in {key[0]} / {key[1]}: "
                            f"published {fld} {b.get(fld)} ≠ recomputed {a.get(fld)}",
                        )
            if [x.get("candidate") for x in rows or [] if isinstance(x, dict)] != [x["candidate"] for x in w["rows"]]:
                self.fail("results", f"{where}: the order of {key[0]} / {key[1]} differs from the recomputed ranking")

    # -- 19: receipts --

    def _check_receipts(self) -> None:
        receipts = self._all_receipts()
        seen: set[str] = set()
        for name, r in receipts:
            number = r.get("candidate")
            c = self.candidates.get(number) if isinstance(number, str) else None
            if c is None:
                self.fail("receipts", f"{name}: candidate {number!r} is not on the roster")
                continue
            seen.add(c.number)
            problems = []
            if r.get("exam") != self.exam_code:
                problems.append(f"exam {r.get('exam')!r}")
            if r.get("submit_seq") != c.submit_seq:
                problems.append(f"submit at seq {r.get('submit_seq')}, the log has {c.submit_seq}")
            if r.get("answers_hash") != c.submitted_hash:
                problems.append("answers hash differs from the logged submit")
            answers = r.get("answers")
            if isinstance(answers, dict) and answers_digest(answers) != r.get("answers_hash"):
                problems.append("the answers printed on it do not hash to its answers hash")
            if isinstance(answers, dict) and c.submitted is not None and answers != c.submitted:
                changed = sorted(k for k in set(answers) | set(c.submitted) if answers.get(k) != c.submitted.get(k))
                problems.append(f"answers differ from the log for {', '.join(changed)}")
            if r.get("first_seq") != c.first_seq:
                problems.append(f"first event {r.get('first_seq')}, the log has {c.first_seq}")
            if r.get("last_seq") != c.scored_seq:
                problems.append(f"last event {r.get('last_seq')}, the log scored at {c.scored_seq}")
            for p in problems:
                self.fail("receipts", f"{name} ({c.number}): {p}")
            self._check_receipt_proof(name, r)
        for c in self.candidates.values():
            if c.status == "submitted" and c.number not in seen:
                self.fail("receipts", f"{c.number} submitted but the bundle has no receipt for them")

    def _check_receipt_proof(self, name: str, r: Mapping[str, Any]) -> None:
        note = r.get("checkpoint")
        if not note:
            return
        cp = self._open(str(note).encode("utf-8"), f"{name} checkpoint", "receipts")
        if cp is None:
            return
        if not self._compare_external(f"{name} checkpoint", cp, str(note).encode("utf-8")):
            return
        submit = r.get("submit_seq")
        leaf = r.get("leaf")
        proof = r.get("proof")
        if not isinstance(submit, int) or not isinstance(leaf, str) or not isinstance(proof, list):
            self.fail("receipts", f"{name}: checkpoint without leaf and inclusion proof")
            return
        nodes = [decode_base64(str(p)) for p in proof]
        if any(n is None for n in nodes):
            self.fail("receipts", f"{name}: inclusion proof is not base64")
            return
        try:
            verify_inclusion(leaf_hash(leaf.encode("utf-8")), submit - 1, cp.size, [n for n in nodes if n], cp.root)
        except VerificationError as exc:
            self.fail("receipts", f"{name}: inclusion proof of the submit fails: {exc}")
            return
        kept = self.leaves_by_seq.get(submit)
        if kept is not None and kept != leaf.encode("utf-8"):
            self.fail("receipts", f"{name}: its submit leaf is not the log's leaf {submit}")

    # -- 20: scoring.json --

    def _check_scoring_json(self) -> None:
        try:
            scoring = self.reader.json(SCORING)
        except (BundleFormatError, ValueError) as exc:
            self.fail("scoring.json", str(exc))
            return
        if not isinstance(scoring, dict):
            self.fail("scoring.json", "scoring.json is not an object")
            return
        if scoring.get("grader_version") != GRADER_VERSION:
            self.fail(
                "scoring.json",
                f"the exam was graded by {scoring.get('grader_version')}; this verifier is {GRADER_VERSION}",
            )
        versions = self.spec_versions
        if versions is not None and scoring.get("spec") != versions[-1][0]:
            self.fail("scoring.json", "the spec in scoring.json is not the revealed key plus the logged corrections")
        if self.rules is not None and "rules" in scoring and scoring["rules"] != rules_to_raw(self.rules):
            self.fail("scoring.json", "the rules in scoring.json are not the manifest's scoring rules")


# -- entry points ----------------------------------------------------------------------------------


def verify_bundle(
    path: Path | str,
    *,
    checkpoints: Sequence[Path | str] = (),
    receipts: Sequence[Path | str] = (),
    log_key: str | None = None,
    witness_keys: Sequence[str] = (),
) -> Report:
    """Verify a bundle (zip or folder) with optional outside checkpoints and receipts."""
    external = [(str(p), Path(p).read_bytes()) for p in checkpoints]
    extra = [(str(p), Path(p).read_bytes()) for p in receipts]
    try:
        reader = BundleReader(path)
    except BundleFormatError as exc:
        report = Report([CheckResult(n + 1, info) for n, info in enumerate(CHECKS)])
        report.check("bundle.files").count = 1
        report.check("bundle.files").failures.append(str(exc))
        return report
    with reader:
        return BundleVerifier(
            reader, external=external, receipts=extra, log_key=log_key, witness_keys=witness_keys
        ).run()


def build_parser(prog: str = "python -m grader.verify") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Verify an Ujian Terbuka exam bundle offline.")
    add_arguments(p)
    return p


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("bundle", type=Path, help="the bundle (.zip or unpacked folder)")
    p.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        type=Path,
        help="a checkpoint you kept (opening minutes, a witness's copy); repeatable",
    )
    p.add_argument("--receipt", action="append", default=[], type=Path, help="a candidate's receipt (JSON)")
    p.add_argument("--log-key", default=None, help="the log's vkey as printed in the opening minutes")
    p.add_argument("--witness-key", action="append", default=[], help="a witness's vkey; repeatable")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    for path in [*args.checkpoint, *args.receipt]:
        if not path.is_file():
            print(f"cannot read {path}", file=sys.stderr)
            return 2
    if not args.bundle.exists():
        print(f"cannot read {args.bundle}", file=sys.stderr)
        return 2
    report = verify_bundle(
        args.bundle,
        checkpoints=args.checkpoint,
        receipts=args.receipt,
        log_key=args.log_key,
        witness_keys=args.witness_key,
    )
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print(report.text())
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
