"""Practical-task files: checked before they are stored, stored by hash, graded from what was stored."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from grader.office import ACCEPTS
from grader.office.package import check_upload
from server.db.models import Upload
from server.db.queries import candidates as qc
from server.errors import ApiError, bad_request
from server.events import UploadAccepted
from server.services.context import ServiceContext, Tx
from server.services.exam import TIME_UP, ExamService, require_working, timer_of
from server.services.item_view import PRACTICAL_FORMATS

MB = 1024 * 1024
HARD_LIMIT = 50 * MB
"""No practical file may be larger than this, whatever the item allows."""


def clean_name(name: str) -> str:
    """A file name fit to show back: no path, no control characters, bounded."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "berkas"


class UploadService:
    def __init__(self, ctx: ServiceContext, exams: ExamService) -> None:
        self.ctx = ctx
        self.exams = exams

    async def limit_for(self, *, candidate_id: int, item: str) -> tuple[tuple[str, ...], int]:
        """The accepted formats (e.g. ``("docx", "odt")``) and size limit of a practical item of this
        candidate's exam."""
        async with self.ctx.db.read() as s:
            candidate = await qc.candidate_by_id(s, candidate_id=candidate_id)
            assert candidate is not None
            exam = await self.ctx.exam(s, candidate.exam_id)
        spec = self.ctx.spec(exam)
        if not spec.has_item(item) or spec.item(item).kind not in PRACTICAL_FORMATS:
            raise bad_request(
                "upload.item",
                "Soal ini tidak menerima unggahan berkas",
                "This question does not take a file upload",
                field="item",
            )
        item_spec = spec.item(item)
        max_mb = item_spec.param("max_mb")
        limit = min(HARD_LIMIT, int(max_mb if isinstance(max_mb, int) else 10) * MB)
        return ACCEPTS[PRACTICAL_FORMATS[item_spec.kind]], limit

    async def accept(self, *, candidate_id: int, item: str, name: str, data: bytes) -> dict[str, Any]:
        """Check the file (type, macros, zip bombs, size), then store it and log its hash in one unit."""
        expected, max_bytes = await self.limit_for(candidate_id=candidate_id, item=item)
        problem = check_upload(data, expected, max_bytes)
        if problem is not None:
            raise ApiError(400, problem.code, problem.id, problem.en, field="file", problems=(problem,))
        sha = hashlib.sha256(data).hexdigest()
        shown = clean_name(name)

        async def unit(tx: Tx) -> dict[str, Any]:
            attempt, candidate, session, _exam = await self.exams._load(tx, candidate_id)
            require_working(attempt, session)
            if timer_of(attempt).expired(tx.now_ms):
                raise TIME_UP
            known = await tx.s.execute(select(Upload.id).where(Upload.attempt_id == attempt.id, Upload.sha256 == sha))
            if known.first() is None:
                await tx.s.execute(
                    insert(Upload).values(
                        attempt_id=attempt.id,
                        item_code=item,
                        sha256=sha,
                        name=shown,
                        size=len(data),
                        data=data,
                        created_at_ms=tx.now_ms,
                    )
                )
                await tx.record(
                    UploadAccepted(
                        candidate=candidate.number,
                        item=item,
                        sha256=sha,
                        name=shown,
                        size=len(data),
                        attempt_id=attempt.id,
                    )
                )
            return {"ok": True, "sha256": sha, "name": shown, "size": len(data)}

        return await self.ctx.write(unit)


async def uploaded(s: AsyncSession, *, attempt_id: int, item: str | None = None) -> dict[str, bytes]:
    """The stored files of an attempt (optionally one item's) by SHA-256: what the grader reads."""
    stmt = select(Upload.sha256, Upload.data).where(Upload.attempt_id == attempt_id)
    if item is not None:
        stmt = stmt.where(Upload.item_code == item)
    return dict((await s.execute(stmt)).all())
