"""What the transparency routes and committee actions call: proofs, checkpoints, cosigning, receipts, bundle."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import select

from grader.bundle import (
    BUNDLE_FORMAT,
    BUNDLE_JSON,
    FILES_DIR,
    KEY_REVEAL,
    MANIFEST,
    RANKING_RULE,
    README,
    README_TEXT,
    RECEIPTS,
    RESULTS,
    SCORING,
    WITNESSES,
    BundleWriter,
    json_bytes,
)
from grader.checkpoint import open_checkpoint
from grader.components import rules_to_raw
from grader.errors import KeyFormatError, VerificationError
from grader.note import parse_vkey
from grader.version import GRADER_VERSION
from server.db.models import Checkpoint as CheckpointRow
from server.db.models import Cosignature, Event, Exam, ExamManifest, Receipt, Upload
from server.db.queries import candidates as qc
from server.db.queries import exams as qe
from server.errors import ApiError, bad_request, conflict
from server.events import WitnessCosigned
from server.services.committee import Member, _reason
from server.services.context import ServiceContext, Tx
from server.transparency import actions, standing
from server.transparency.checkpointer import Checkpointer, Signed

log = logging.getLogger(__name__)
MAX_EVENTS_PAGE = 10_000


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


NO_BUNDLE = ApiError(
    404,
    "bundle.not_yet",
    "Bundel ujian baru tersedia setelah ujian ditutup dan kunci jawaban dibuka.",
    "The exam bundle is available only after the exam has closed and the answer key is revealed.",
)


class TransparencyService:
    def __init__(self, ctx: ServiceContext, *, interval_s: float = 2.0) -> None:
        self.ctx = ctx
        self.checkpointer = Checkpointer(ctx, interval_s=interval_s)
        self._export_lock = asyncio.Lock()

    # -- committee actions --

    async def _exam(self, tx: Tx, code: str | None) -> Exam:
        return await standing.find_exam(tx.s, code)

    async def reveal(self, who: Member, *, exam: str | None, reason: object) -> int:
        who.require("admin")
        why = _reason(reason)

        async def unit(tx: Tx) -> int:
            return await actions.reveal_key(tx, await self._exam(tx, exam), by=who.username, reason=why)

        return await self.ctx.write(unit)

    async def publish(self, who: Member, *, exam: str | None, reason: object) -> dict[str, Any]:
        who.require("admin")
        why = _reason(reason)

        async def unit(tx: Tx) -> dict[str, Any]:
            seq, formations = await actions.publish_results(tx, await self._exam(tx, exam), by=who.username, reason=why)
            return {"seq": seq, "formations": formations}

        return await self.ctx.write(unit)

    async def cosign(self, who: Member, *, note: object, vkey: object) -> dict[str, Any]:
        """Store a witness's cosignature of one of our checkpoints (any committee member may witness)."""
        if not isinstance(note, str) or not note or len(note) > 20_000:
            raise bad_request(
                "cosign.note",
                "Checkpoint bertanda tangan wajib diisi",
                "The signed checkpoint is required",
                field="note",
            )
        try:
            witness = parse_vkey(vkey if isinstance(vkey, str) else "")
        except KeyFormatError as exc:
            raise bad_request(
                "cosign.vkey", f"Kunci saksi tidak valid: {exc}", f"Invalid witness key: {exc}", field="vkey"
            ) from None
        cp = self.checkpointer
        await cp.checkpoint_now()
        if cp.verifier is None or cp.identity is None:
            raise conflict("cosign.no_log", "Log belum memiliki kunci", "The log has no key yet")
        if (witness.name, witness.key_id) == (cp.verifier.name, cp.verifier.key_id):
            raise bad_request(
                "cosign.vkey", "Kunci saksi sama dengan kunci log", "The witness key is the log's own key", field="vkey"
            )
        try:
            opened = open_checkpoint(note, [cp.verifier, witness], origin=cp.identity.origin)
        except VerificationError as exc:
            raise bad_request(
                "cosign.invalid", f"Checkpoint tidak sah: {exc}", f"The checkpoint does not verify: {exc}", field="note"
            ) from None
        if not opened.signed_by(cp.verifier) or not opened.signed_by(witness):
            raise bad_request(
                "cosign.signatures",
                "Checkpoint harus ditandatangani oleh log dan oleh kunci saksi",
                "The checkpoint must carry the log's signature and the witness key's signature",
                field="note",
            )
        size = opened.checkpoint.size
        async with self.ctx.db.read() as s:
            row = await s.get(CheckpointRow, size)
        if row is None or row.root != opened.checkpoint.root:
            log.critical("a witness presented a log-signed checkpoint of size %d that this server did not store", size)
            raise conflict(
                "cosign.unknown",
                "Checkpoint ini tidak tersimpan di server (bila tanda tangan log sah, ini bukti percabangan log)",
                "This checkpoint is not stored here (if the log signature is valid, this is evidence of a fork)",
            )
        signature = next(s for s in opened.verified if s.name == witness.name and s.key_id == witness.key_id)

        async def unit(tx: Tx) -> None:
            existing = (
                await tx.s.execute(
                    select(Cosignature).where(Cosignature.size == size, Cosignature.vkey == witness.vkey)
                )
            ).scalar_one_or_none()
            if existing is not None:
                return
            tx.s.add(
                Cosignature(
                    size=size,
                    witness=witness.name,
                    vkey=witness.vkey,
                    line=signature.line,
                    by=who.username,
                    created_at_ms=tx.now_ms,
                )
            )
            await tx.record(WitnessCosigned(by=who.username, witness=witness.name, vkey=witness.vkey, size=size))

        await self.ctx.write(unit)
        return {"size": size, "witness": witness.name, "vkey": witness.vkey}

    # -- checkpoints and proofs --

    async def _cosigned(self, size: int, note: str) -> str:
        async with self.ctx.db.read() as s:
            lines = (
                await s.execute(select(Cosignature.line).where(Cosignature.size == size).order_by(Cosignature.id))
            ).scalars()
            return note + "".join(lines)

    async def latest_note(self) -> str | None:
        latest = self.checkpointer.latest
        return await self._cosigned(latest.size, latest.note) if latest is not None else None

    async def note_at(self, size: int) -> str | None:
        async with self.ctx.db.read() as s:
            row = await s.get(CheckpointRow, size)
        return await self._cosigned(row.size, row.note) if row is not None else None

    async def checkpoints(self) -> list[dict[str, Any]]:
        async with self.ctx.db.read() as s:
            rows = (await s.execute(select(CheckpointRow).order_by(CheckpointRow.size))).scalars().all()
            cosigs = (await s.execute(select(Cosignature).order_by(Cosignature.id))).scalars().all()
        by_size: dict[int, list[dict[str, str]]] = {}
        for c in cosigs:
            by_size.setdefault(c.size, []).append({"witness": c.witness, "vkey": c.vkey, "by": c.by})
        return [
            {
                "size": r.size,
                "root": b64(r.root),
                "milestone": r.milestone,
                "created_at_ms": r.created_at_ms,
                "url": f"/transparansi/checkpoint/{r.size}",
                "witnesses": by_size.get(r.size, []),
            }
            for r in rows
        ]

    async def inclusion(self, *, seq: int, size: int | None) -> dict[str, Any]:
        cp = self.checkpointer
        current = await cp.sync()
        size = size if size is not None else (cp.latest.size if cp.latest is not None else current)
        if not 1 <= seq <= size <= current:
            raise bad_request(
                "proof.range",
                f"Perlu 1 ≤ seq ≤ size ≤ {current}",
                f"Need 1 ≤ seq ≤ size ≤ {current}",
                field="seq",
            )
        async with self.ctx.db.read() as s:
            leaf = (await s.execute(select(Event.leaf).where(Event.seq == seq))).scalar_one()
        return {
            "seq": seq,
            "index": seq - 1,
            "size": size,
            "leaf": bytes(leaf).decode("utf-8"),
            "leaf_hash": b64(cp.tree.leaf_hash(seq - 1)),
            "root": b64(cp.tree.root(size)),
            "proof": [b64(p) for p in cp.tree.inclusion_proof(seq - 1, size)],
            "checkpoint": await self.note_at(size),
        }

    async def consistency(self, *, first: int, second: int) -> dict[str, Any]:
        cp = self.checkpointer
        current = await cp.sync()
        if not 0 <= first <= second <= current:
            raise bad_request(
                "proof.range", f"Perlu 0 ≤ from ≤ to ≤ {current}", f"Need 0 ≤ from ≤ to ≤ {current}", field="from"
            )
        return {
            "from": first,
            "to": second,
            "root_from": b64(cp.tree.root(first)),
            "root_to": b64(cp.tree.root(second)),
            "proof": [b64(p) for p in cp.tree.consistency_proof(first, second)],
        }

    async def leaves(self, *, after: int, limit: int) -> bytes:
        """Committed leaves after ``after`` as JSON lines (the exact bytes that were hashed)."""
        limit = max(1, min(limit, MAX_EVENTS_PAGE))
        async with self.ctx.db.read() as s:
            rows = (
                await s.execute(select(Event.leaf).where(Event.seq > after).order_by(Event.seq).limit(limit))
            ).scalars()
            return b"".join(bytes(r) + b"\n" for r in rows)

    async def public_state(self) -> dict[str, Any]:
        """What /transparansi shows: the log's key, the commitment, the opening and latest checkpoints."""
        cp = self.checkpointer
        if cp.latest is None:
            await cp.checkpoint_now()
        async with self.ctx.db.read() as s:
            exams = await qe.all_exams(s)
            rows = (await s.execute(select(CheckpointRow).order_by(CheckpointRow.size))).scalars().all()
            committed = await standing.logged(s, "key.committed")
            opened = await standing.logged(s, "session.opened")
        commit_seq = committed[0][0] if committed else None
        first_open = opened[0][0] if opened else None
        opening = next(
            (
                r
                for r in rows
                if commit_seq is not None and r.size >= commit_seq and (first_open is None or r.size >= first_open)
            ),
            None,
        )
        return {
            "origin": cp.identity.origin if cp.identity else None,
            "vkey": cp.identity.vkey if cp.identity else None,
            "exams": [
                {"code": e.code, "title": e.title, "commitment": e.key_commitment, "revealed": e.key_revealed}
                for e in exams
            ],
            "latest": await self.latest_note(),
            "latest_size": cp.latest.size if cp.latest else 0,
            "opening": await self._cosigned(opening.size, opening.note) if opening is not None else None,
            "opening_size": opening.size if opening is not None else None,
            "count": len(rows),
            "bundle_ready": any(e.key_revealed for e in exams),
            "mismatch": cp.mismatch,
        }

    # -- receipts --

    async def receipt(self, *, candidate_id: int) -> dict[str, Any] | None:
        """The candidate's receipt (after submit): range, answers hash, and once signed the checkpoint + proof."""
        async with self.ctx.db.read() as s:
            attempt = await qc.attempt_of(s, candidate_id=candidate_id)
            row = await s.get(Receipt, attempt.id) if attempt is not None else None
        return await self._receipt_view(row) if row is not None else None

    async def _receipt_view(self, row: Receipt) -> dict[str, Any]:
        cp = self.checkpointer
        out: dict[str, Any] = {
            "v": 1,
            "exam": row.exam,
            "candidate": row.candidate,
            "first_seq": row.first_seq,
            "submit_seq": row.submit_seq,
            "last_seq": row.last_seq,
            "answers_hash": row.answers_hash,
            "answers": json.loads(row.answers_json),
            "origin": cp.identity.origin if cp.identity else None,
            "vkey": cp.identity.vkey if cp.identity else None,
            "checkpoint": None,
            "leaf": None,
            "proof": None,
        }
        async with self.ctx.db.read() as s:
            signed = (
                await s.execute(
                    select(CheckpointRow)
                    .where(CheckpointRow.size >= row.last_seq)
                    .order_by(CheckpointRow.size)
                    .limit(1)
                )
            ).scalar_one_or_none()
            leaf = (await s.execute(select(Event.leaf).where(Event.seq == row.submit_seq))).scalar_one()
        if signed is not None and signed.size <= await cp.sync():
            out["checkpoint"] = signed.note
            out["leaf"] = bytes(leaf).decode("utf-8")
            out["proof"] = [b64(p) for p in cp.tree.inclusion_proof(row.submit_seq - 1, signed.size)]
        return out

    # -- the bundle --

    async def bundle_ready(self) -> bool:
        async with self.ctx.db.read() as s:
            return any(e.key_revealed for e in await qe.all_exams(s))

    async def bundle_path(self) -> Path:
        """The bundle of the current log (cached per checkpoint size in data_dir/bundles)."""
        if not await self.bundle_ready():
            raise NO_BUNDLE
        async with self._export_lock:
            signed = await self.checkpointer.checkpoint_now()
            if signed is None:
                raise NO_BUNDLE
            folder = self.ctx.config.data_dir / "bundles"
            path = folder / f"bundle-{signed.size:012d}.zip"
            if not path.exists():
                folder.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                await self.export(tmp, signed=signed)
                tmp.replace(path)
            return path

    async def export(self, out: Path, *, signed: Signed | None = None) -> dict[str, Any]:
        """Write the bundle for the log up to the latest checkpoint (exactly what it signs)."""
        signed = signed or await self.checkpointer.checkpoint_now()
        if signed is None:
            raise NO_BUNDLE
        size = signed.size
        async with self.ctx.db.read() as s:
            exams = await qe.all_exams(s)
            exam = next((e for e in exams if e.key_revealed), exams[0] if exams else None)
            if exam is None:
                raise NO_BUNDLE
            manifest = await s.get(ExamManifest, exam.id)
            rows = (
                (await s.execute(select(CheckpointRow).where(CheckpointRow.size <= size).order_by(CheckpointRow.size)))
                .scalars()
                .all()
            )
            cosigs = (await s.execute(select(Cosignature).order_by(Cosignature.id))).scalars().all()
            reveal = [
                (q, d) for q, d in await standing.logged(s, "key.revealed") if q <= size and d.get("exam") == exam.code
            ]
            published = [
                (q, d)
                for q, d in await standing.logged(s, "results.published")
                if q <= size and d.get("exam") == exam.code
            ]
            spec, corrections = await standing.spec_in_force(s, exam)
            receipts = (
                (await s.execute(select(Receipt).where(Receipt.exam == exam.code, Receipt.last_seq <= size)))
                .scalars()
                .all()
            )
            receipt_views = [await self._receipt_view(r) for r in receipts]
        if manifest is None:
            raise NO_BUNDLE
        lines: dict[int, list[str]] = {}
        witnesses: dict[str, dict[str, str]] = {}
        for c in cosigs:
            lines.setdefault(c.size, []).append(c.line)
            witnesses.setdefault(c.vkey, {"name": c.witness, "vkey": c.vkey, "by": c.by})
        writer = await asyncio.to_thread(BundleWriter, out)
        try:
            await self._write_events(writer, size)
            for r in rows:
                await asyncio.to_thread(
                    writer.add_checkpoint, r.size, (r.note + "".join(lines.get(r.size, []))).encode()
                )
            files: dict[str, Any] = {
                BUNDLE_JSON: {
                    "format": BUNDLE_FORMAT,
                    "exam": exam.code,
                    "size": size,
                    "root": b64(signed.root),
                    "exported_at_ms": self.ctx.clock.now_ms(),
                },
                WITNESSES: sorted(witnesses.values(), key=lambda w: w["vkey"]),
                KEY_REVEAL: {"seq": reveal[-1][0], **reveal[-1][1]} if reveal else {},
                SCORING: {
                    "grader_version": GRADER_VERSION,
                    "ranking": RANKING_RULE,
                    "spec": spec,
                    "corrections": corrections,
                    "rules": rules_to_raw(standing.rules_of(exam)),
                },
                RESULTS: {"seq": published[-1][0], **published[-1][1]} if published else {},
            }
            for name, value in files.items():
                await asyncio.to_thread(writer.add_json, name, value)
            await asyncio.to_thread(writer.add_bytes, MANIFEST, bytes(manifest.manifest) + b"\n")
            await asyncio.to_thread(
                writer.add_bytes,
                RECEIPTS,
                b"".join(json_bytes(v) for v in sorted(receipt_views, key=lambda v: v["candidate"])),
            )
            await asyncio.to_thread(writer.add_bytes, README, README_TEXT.encode())
            await self._write_files(writer)
        finally:
            await asyncio.to_thread(writer.close)
        return {"path": str(out), "size": size, "exam": exam.code, "checkpoints": len(rows)}

    async def _write_files(self, writer: BundleWriter) -> None:
        """Every uploaded file once, by hash: the verifier regrades practical tasks from these bytes."""
        async with self.ctx.db.read() as s:
            hashes = (await s.execute(select(Upload.sha256).distinct().order_by(Upload.sha256))).scalars().all()
        for sha in hashes:
            async with self.ctx.db.read() as s:
                data = (await s.execute(select(Upload.data).where(Upload.sha256 == sha).limit(1))).scalar_one()
            await asyncio.to_thread(writer.add_bytes, FILES_DIR + sha, bytes(data))

    async def _write_events(self, writer: BundleWriter, size: int) -> None:
        stream = await asyncio.to_thread(writer.open_events)
        try:
            after = 0
            while after < size:
                async with self.ctx.db.read() as s:
                    leaves = (
                        await s.execute(
                            select(Event.seq, Event.leaf)
                            .where(Event.seq > after, Event.seq <= size)
                            .order_by(Event.seq)
                            .limit(20_000)
                        )
                    ).all()
                if not leaves:
                    break
                chunk = b"".join(bytes(leaf) + b"\n" for _seq, leaf in leaves)
                after = leaves[-1][0]
                await asyncio.to_thread(stream.write, chunk)
        finally:
            await asyncio.to_thread(stream.close)
