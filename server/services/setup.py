"""Setup: store an imported exam package in one transaction, seal its key, and generate PINs."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from grader import canonical
from grader.commitment import commit, new_salt
from grader.components import rules_to_raw, uses_age
from grader.problems import Problem, ProblemsError
from server import audit, security
from server.db.models import Attempt, Candidate, Exam, ExamManifest, ExamSession, Item, Media
from server.db.queries import exams as qe
from server.events import ExamImported, KeyCommitted
from server.importers import ExamPackage
from server.importers.roster import RosterRow
from server.services.context import ServiceContext, Tx
from server.transparency import keys as log_keys

COMMIT_SCHEME = "sha256(ujian-key-commit/v1 0x00 ‖ salt ‖ canonical scoring spec)"


@dataclass(frozen=True, slots=True)
class Card:
    """What goes on a candidate's exam card."""

    number: str
    name: str
    village: str
    position: str
    session: str
    pin: str


@dataclass(frozen=True, slots=True)
class ImportSummary:
    exam: str
    items: int
    candidates: int
    sessions: tuple[str, ...]
    manifest_hash: str
    key_commitment: str
    cards: tuple[Card, ...]


def scoring_spec(package: ExamPackage) -> dict[str, Any]:
    """The raw exam the grader builds from: sections, thresholds and every item's key and points."""
    d = package.definition
    return {
        "code": d.code,
        "title": d.title,
        "sections": [
            {"code": s.code, "title": s.title, "weight": s.weight, "pass_min": s.pass_min} for s in d.sections
        ],
        "pass_total_min": d.pass_total_min,
        "items": [{k: v for k, v in item.raw.items() if not k.startswith("_")} for item in package.bank.items],
    }


def definition_json(package: ExamPackage) -> dict[str, Any]:
    d = package.definition
    return {
        "code": d.code,
        "title": d.title,
        "instructions_id": d.instructions_id,
        "instructions_en": d.instructions_en,
        "duration_s": d.duration_s,
        "shuffle_items": d.shuffle_items,
        "shuffle_options": d.shuffle_options,
        "sections": [
            {"code": s.code, "title": s.title, "weight": s.weight, "pass_min": s.pass_min} for s in d.sections
        ],
        "pass_total_min": d.pass_total_min,
        "public_fields": list(d.public_fields),
        "scoring": rules_to_raw(package.rules),
        "regrade_approvals": d.regrade_approvals,
    }


def manifest(package: ExamPackage, log: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything public about the exam (no key): what the opening checkpoint pins.

    ``log`` (origin and vkey) pins the log's signing key; each roster row names the candidate's session
    and formation (village × position), which the verifier needs to replay time windows and ranks.
    """
    public: dict[str, Any] = {
        "definition": definition_json(package),
        "items": [
            {
                "code": i.code,
                "section": i.section,
                "kind": i.kind,
                "text_sha256": hashlib.sha256(i.text.encode()).hexdigest(),
                "image": i.image,
                "options": [
                    {"id": o.id, "text_sha256": hashlib.sha256(o.text.encode()).hexdigest(), "image": o.image}
                    for o in i.options
                ],
            }
            for i in package.bank.items
        ],
        "media": sorted(package.bank.media),
        "roster": [roster_row(r, ages=uses_age(package.rules)) for r in package.roster.rows],
    }
    if log is not None:
        public["log"] = dict(log)
    return public


def roster_row(row: RosterRow, *, ages: bool) -> dict[str, Any]:
    """A candidate as the manifest publishes them: session and formation; the birth date only when the
    rules break ties by age (the verifier needs it then, and it is never published otherwise)."""
    out: dict[str, Any] = {
        "number": row.number,
        "session": row.session,
        "village": row.village,
        "position": row.position,
    }
    if ages:
        out["birth_date"] = row.birth_date.isoformat() if row.birth_date else None
    return out


class SetupService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def initialise(self) -> None:
        """Create the log head of a fresh database (idempotent)."""
        async with self.ctx.db.transaction() as s:
            await audit.ensure_head(s)

    async def import_package(self, package: ExamPackage) -> ImportSummary:
        """All or nothing: the exam, items, media, sessions, candidates, attempts and two log events."""
        d = package.definition
        cards: list[Card] = []
        spec_raw = scoring_spec(package)
        salt = new_salt()
        commitment = commit(canonical.encode(spec_raw), salt)

        async def unit(tx: Tx) -> Any:
            if await qe.exam_by_code(tx.s, code=d.code) is not None:
                raise ProblemsError(
                    [
                        Problem(
                            code="exam.exists",
                            id=f"Ujian dengan kode {d.code} sudah ada",
                            en=f"An exam with code {d.code} already exists",
                            field="code",
                        )
                    ]
                )
            identity, new_key = await log_keys.ensure_log_key(tx, self.ctx.config, d.code)
            public = canonical.encode(manifest(package, {"origin": identity.origin, "vkey": identity.vkey}))
            manifest_hash = hashlib.sha256(public).hexdigest()
            exam = Exam(
                code=d.code,
                title=d.title,
                definition_json=json.dumps(definition_json(package)),
                spec_json=json.dumps(spec_raw),
                manifest_hash=manifest_hash,
                key_commitment=commitment,
                key_salt=salt.hex(),
                key_revealed=False,
                created_at_ms=tx.now_ms,
            )
            tx.s.add(exam)
            await tx.s.flush()
            tx.s.add(ExamManifest(exam_id=exam.id, manifest=public))
            for pos, item in enumerate(package.bank.items):
                tx.s.add(
                    Item(
                        exam_id=exam.id,
                        code=item.code,
                        position=pos,
                        section=item.section,
                        kind=item.kind,
                        text=item.text,
                        image=item.image,
                        options_json=json.dumps([{"id": o.id, "text": o.text, "image": o.image} for o in item.options]),
                        extra_json=json.dumps(dict(item.extra)) if item.extra else None,
                    )
                )
            for sha, media in package.bank.media.items():
                if await tx.s.get(Media, sha) is None:
                    tx.s.add(Media(sha256=sha, exam_id=exam.id, content_type=media.content_type, data=media.data))
            sessions: dict[str, ExamSession] = {}
            for row in package.roster.rows:
                if row.session not in sessions:
                    sessions[row.session] = ExamSession(exam_id=exam.id, code=row.session, status="planned")
                    tx.s.add(sessions[row.session])
            await tx.s.flush()
            pending: list[tuple[Candidate, Card]] = []
            for row in package.roster.rows:
                pin = row.pin or security.new_pin()
                candidate = Candidate(
                    exam_id=exam.id,
                    session_id=sessions[row.session].id,
                    number=row.number,
                    name=row.name,
                    village=row.village,
                    position=row.position,
                    birth_date=row.birth_date.isoformat() if row.birth_date else None,
                    pin_hash=security.pin_hash(self.ctx.config.secret_key, d.code, row.number, pin),
                )
                tx.s.add(candidate)
                pending.append((candidate, Card(row.number, row.name, row.village, row.position, row.session, pin)))
            await tx.s.flush()
            for candidate, card in pending:
                tx.s.add(
                    Attempt(
                        candidate_id=candidate.id,
                        status="not_started",
                        seed=secrets.token_hex(16),
                        allowed_ms=d.duration_s * 1000,
                        consumed_ms=0,
                        last_seq=0,
                        answered=0,
                    )
                )
                cards.append(card)
            await tx.record(
                ExamImported(
                    exam=d.code,
                    manifest_hash=manifest_hash,
                    items=len(package.bank.items),
                    candidates=len(package.roster.rows),
                    sessions=sorted(sessions),
                )
            )
            await tx.record(KeyCommitted(exam=d.code, commitment=commitment, scheme=COMMIT_SCHEME))
            if new_key:
                await tx.record(log_keys.key_event(identity))
            return tuple(sorted(sessions)), manifest_hash

        session_codes, manifest_hash = await self.ctx.write(unit)
        return ImportSummary(
            exam=d.code,
            items=len(package.bank.items),
            candidates=len(cards),
            sessions=session_codes,
            manifest_hash=manifest_hash,
            key_commitment=commitment,
            cards=tuple(cards),
        )
