"""Group commit: units of work from many requests share one transaction.

One fsync then acknowledges a whole batch, so thousands of state changes per second fit through the
single, serialised log writer without gaps or reordering.

For throughput a batch runs optimistically: the head row is locked and read once, sequence numbers are
counted in memory, leaves are inserted together, and no savepoints are taken. If a unit fails, that
transaction is rolled back and the batch runs again without it (its error is its answer: it changed
nothing); after a few failures in one batch the rest runs with one savepoint per unit. Units are database
work only, so running one again is safe.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from server.clock import Clock
from server.db.engine import Database
from stream.tasks import cancel_and_wait

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Committed:
    """An event as it was committed: what after-commit listeners (live feed, monitor) receive."""

    seq: int
    at_ms: int
    event: Any


class _Head:
    """The batch's log size: read once under the head-row lock, counted in memory, written at the end."""

    def __init__(self, size: int) -> None:
        self.size = size


class _Retry(Exception):
    """The unit at ``index`` failed in an optimistic pass: roll the batch back and run it without that unit."""

    def __init__(self, index: int, error: Exception) -> None:
        super().__init__(index)
        self.index = index
        self.error = error


OPTIMISTIC_TRIES = 3


class Tx:
    """One unit's view of the batch transaction, plus the events it recorded."""

    def __init__(self, session: Any, now_ms: int, head: _Head) -> None:
        self.s = session
        self.now_ms = now_ms
        self.recorded: list[Committed] = []
        self._head = head

    async def record(self, event: Any) -> int:
        from server import audit

        self._head.size += 1
        seq = self._head.size
        audit.add(self.s, seq, event, at_ms=self.now_ms)
        self.recorded.append(Committed(seq=seq, at_ms=self.now_ms, event=event))
        return seq


Unit = Callable[[Tx], Awaitable[T]]


@dataclass
class _Job(Generic[T]):
    unit: Unit[T]
    future: asyncio.Future[T]


class Writer:
    """The one writer task: drains queued units into batches, commits, then resolves every caller."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        on_commit: Callable[[list[Committed]], Awaitable[None]],
        *,
        max_batch: int = 200,
    ) -> None:
        self.db = db
        self.clock = clock
        self.on_commit = on_commit
        self.max_batch = max_batch
        self._queue: asyncio.Queue[_Job[Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.units = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="log-writer")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        while not self._queue.empty():
            job = self._queue.get_nowait()
            if not job.future.done():
                job.future.set_exception(RuntimeError("the server is shutting down"))

    async def run(self, unit: Unit[T]) -> T:
        """Queue a unit and wait until its transaction has committed (or it failed alone)."""
        if self._task is None or self._task.done():
            raise RuntimeError("the log writer is not running")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Job(unit, future))
        return await future

    async def _loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._commit(batch)

    async def _commit(self, batch: list[_Job[Any]]) -> None:
        outcomes: list[tuple[_Job[Any], Any, BaseException | None, list[Committed]]] = []
        failed: dict[int, BaseException] = {}
        try:
            for _ in range(OPTIMISTIC_TRIES):
                try:
                    outcomes = await self._run(batch, failed, isolate=False)
                    break
                except _Retry as retry:
                    failed[retry.index] = retry.error
            else:
                outcomes = await self._run(batch, failed, isolate=True)
        except Exception as exc:
            log.exception("batch commit failed; %d units not applied", len(batch))
            for job in batch:
                if not job.future.done():
                    job.future.set_exception(exc)
            return
        self.batches += 1
        committed: list[Committed] = []
        for job, result, error, recorded in outcomes:
            self.units += 1
            committed.extend(recorded)
            if job.future.done():
                continue
            if error is not None:
                job.future.set_exception(error)
            else:
                job.future.set_result(result)
        if committed:
            try:
                await self.on_commit(committed)
            except Exception:
                log.exception("after-commit publishing failed; the exam continues")

    async def _run(
        self, batch: list[_Job[Any]], failed: dict[int, BaseException], *, isolate: bool
    ) -> list[tuple[_Job[Any], Any, BaseException | None, list[Committed]]]:
        """One transaction for the batch without the units that already ``failed``; ``isolate`` puts each
        unit in a savepoint of its own, otherwise a failing unit raises ``_Retry``."""
        from server import audit

        outcomes: list[tuple[_Job[Any], Any, BaseException | None, list[Committed]]] = []
        async with self.db.transaction() as session:
            head = _Head(await audit.lock_head(session))
            start = head.size
            for index, job in enumerate(batch):
                if index in failed:
                    outcomes.append((job, None, failed[index], []))
                    continue
                if job.future.cancelled():
                    continue  # the caller went away before we started: do nothing for it
                tx = Tx(session, self.clock.now_ms(), head)
                before = head.size
                if not isolate:
                    try:
                        result = await job.unit(tx)
                    except Exception as exc:
                        raise _Retry(index, exc) from exc
                    outcomes.append((job, result, None, tx.recorded))
                    continue
                try:
                    async with session.begin_nested():
                        result = await job.unit(tx)
                    outcomes.append((job, result, None, tx.recorded))
                except Exception as exc:  # this unit alone is rolled back to its savepoint
                    head.size = before
                    outcomes.append((job, None, exc, []))
            if head.size != start:
                await audit.set_head(session, head.size)
        return outcomes
