"""What every service needs: the database, the clock, the config, the exam specs and after-commit hooks."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from grader.build import build_exam
from grader.model import ExamSpec
from server import audit
from server.clock import Clock
from server.config import Config
from server.db.engine import Database
from server.db.models import Exam
from server.events import DomainEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Committed:
    """An event as it was committed: what after-commit listeners (live feed, monitor) receive."""

    seq: int
    at_ms: int
    event: DomainEvent


Listener = Callable[[list[Committed]], Awaitable[None]]


class Tx:
    """A unit of work: the session plus the events it recorded, published only after commit."""

    def __init__(self, session: AsyncSession, now_ms: int) -> None:
        self.s = session
        self.now_ms = now_ms
        self.recorded: list[Committed] = []

    async def record(self, event: DomainEvent) -> int:
        seq = await audit.append(self.s, event, at_ms=self.now_ms)
        self.recorded.append(Committed(seq=seq, at_ms=self.now_ms, event=event))
        return seq


@dataclass
class ServiceContext:
    db: Database
    clock: Clock
    config: Config
    listeners: list[Listener] = field(default_factory=list)
    _specs: dict[int, ExamSpec] = field(default_factory=dict)

    @contextlib.asynccontextmanager
    async def tx(self) -> AsyncIterator[Tx]:
        """Open a write transaction; after a successful commit, hand its events to the listeners."""
        async with self.db.transaction() as session:
            tx = Tx(session, self.clock.now_ms())
            yield tx
        if tx.recorded:
            await self._publish(tx.recorded)

    async def _publish(self, committed: list[Committed]) -> None:
        for listener in self.listeners:
            try:
                # A slow or broken public feed must never hold up or fail the exam path.
                await asyncio.wait_for(listener(committed), timeout=2.0)
            except Exception:
                log.exception("after-commit listener failed; the exam continues")

    def spec(self, exam: Exam) -> ExamSpec:
        """The graded form of an exam, built once from the stored (committed) raw spec."""
        spec = self._specs.get(exam.id)
        if spec is None:
            spec = build_exam(json.loads(exam.spec_json))
            self._specs[exam.id] = spec
        return spec
