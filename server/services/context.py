"""What every service needs: the database, the clock, the config, the log writer and exam specs."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from grader.build import build_exam
from grader.model import ExamSpec
from server.clock import Clock
from server.config import Config
from server.db.engine import Database
from server.db.models import Exam
from server.services.writer import Committed, Tx, Unit, Writer
from stream.tasks import cancel_and_wait

log = logging.getLogger(__name__)
T = TypeVar("T")
Listener = Callable[[list[Committed]], Awaitable[None]]

__all__ = ["Committed", "Listener", "ServiceContext", "Tx"]


@dataclass
class ServiceContext:
    db: Database
    clock: Clock
    config: Config
    listeners: list[Listener] = field(default_factory=list)
    last_seen: dict[int, int] = field(default_factory=dict)
    """Candidate id → wall ms of their browser's latest request: kept in memory, never a write per request."""
    _specs: dict[int, ExamSpec] = field(default_factory=dict)
    _exams: dict[int, Exam] = field(default_factory=dict)
    writer: Writer = field(init=False)

    _outbox: asyncio.Queue[list[Committed]] = field(default_factory=asyncio.Queue)
    _publisher: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self.writer = Writer(self.db, self.clock, self._enqueue)

    def start(self) -> None:
        """Start the log writer and the after-commit publisher (inside the running loop)."""
        self.writer.start()
        self._publisher = asyncio.create_task(self._publish_loop(), name="after-commit")

    async def stop(self) -> None:
        await self.writer.stop()
        await cancel_and_wait(self._publisher)

    async def _enqueue(self, committed: list[Committed]) -> None:
        # Publishing runs in its own task, in commit order, so the writer never waits for viewers.
        self._outbox.put_nowait(committed)

    async def _publish_loop(self) -> None:
        while True:
            await self._publish(await self._outbox.get())

    async def write(self, unit: Unit[T]) -> T:
        """Run ``unit`` as one atomic change with its log events; returns after commit."""
        return await self.writer.run(unit)

    async def _publish(self, committed: list[Committed]) -> None:
        for listener in self.listeners:
            try:
                # A slow or broken public feed must never hold up or fail the exam path. (Not wait_for:
                # on Python 3.11 it swallows a cancellation that arrives as the listener finishes, and
                # stop() would then wait for this task forever.)
                async with asyncio.timeout(2.0):
                    await listener(committed)
            except Exception:
                log.exception("after-commit listener failed; the exam continues")

    async def exam(self, session: Any, exam_id: int) -> Exam:
        """An exam row, read once: what requests need of it (code, definition, spec, commitment) never changes."""
        exam = self._exams.get(exam_id)
        if exam is None:
            exam = await session.get(Exam, exam_id)
            assert exam is not None
            session.expunge(exam)
            self._exams[exam_id] = exam
        return exam

    def spec(self, exam: Exam) -> ExamSpec:
        """The graded form of an exam, built once from the stored (committed) raw spec."""
        spec = self._specs.get(exam.id)
        if spec is None:
            spec = build_exam(json.loads(exam.spec_json))
            self._specs[exam.id] = spec
        return spec
