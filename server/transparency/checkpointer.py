"""The checkpointer: mirrors the committed log in a proof-serving Merkle tree and signs checkpoints.

The tree is rebuilt from the events table at startup and then follows it (reading only committed rows,
in sequence order), so it always equals what the database holds. A checkpoint is signed every few seconds
while the log grows and at once after a milestone (key committed, session opened or closed, key revealed
or corrected, results published).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grader.bundle import LogTree
from grader.checkpoint import Checkpoint, sign_checkpoint
from grader.note import Signer, Verifier, parse_vkey
from server.db.models import Checkpoint as CheckpointRow
from server.db.models import Event
from server.services.context import Committed, ServiceContext
from server.transparency import keys as log_keys
from stream.tasks import cancel_and_wait

log = logging.getLogger(__name__)

MILESTONES = frozenset(
    {"key.committed", "session.opened", "session.closed", "key.revealed", "key.corrected", "results.published"}
)
CHUNK = 5000


@dataclass(frozen=True, slots=True)
class Signed:
    size: int
    root: bytes
    note: str
    milestone: str | None
    created_at_ms: int


class Checkpointer:
    def __init__(self, ctx: ServiceContext, *, interval_s: float = 2.0) -> None:
        self.ctx = ctx
        self.interval_s = interval_s
        self.tree = LogTree()
        self.identity: log_keys.LogIdentity | None = None
        self.verifier: Verifier | None = None
        self._signer: Signer | None = None
        self.latest: Signed | None = None
        self._pending: list[str] = []
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.mismatch: str | None = None
        """Set when the database's events do not match its own latest checkpoint (tampering)."""

    # -- lifecycle --

    async def load(self) -> None:
        """Rebuild the tree from the events table and check it against the latest stored checkpoint."""
        async with self._lock:
            await self._load_identity()
            await self._sync()
            self._pending.clear()
            async with self.ctx.db.read() as s:
                row = (
                    await s.execute(select(CheckpointRow).order_by(CheckpointRow.size.desc()).limit(1))
                ).scalar_one_or_none()
            if row is not None:
                self.latest = Signed(row.size, row.root, row.note, row.milestone, row.created_at_ms)
                if row.size > self.tree.size or self.tree.root(row.size) != row.root:
                    self.mismatch = (
                        f"the events table does not match the signed checkpoint at size {row.size}: "
                        "the database was altered after it was signed"
                    )
                    log.critical(self.mismatch)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="checkpointer")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def listener(self, committed: list[Committed]) -> None:
        """After-commit hook: a milestone wakes the loop to sign at once."""
        if any(c.event.kind in MILESTONES for c in committed):
            self._wake.set()

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval_s)
            self._wake.clear()
            try:
                await self.checkpoint_now()
            except Exception:
                # A failed round (database restarting) is retried on the next tick; the exam goes on.
                log.exception("checkpoint round failed")

    # -- the tree --

    async def _load_identity(self) -> None:
        if self.identity is not None:
            return
        async with self.ctx.db.read() as s:
            identity = await log_keys.current(s)
        if identity is not None:
            self.identity = identity
            self.verifier = parse_vkey(identity.vkey)
            self._signer = log_keys.load_signer(self.ctx.config, identity)

    async def _sync(self) -> None:
        """Append every committed event after the tree's size, in order, stopping at any gap."""
        while True:
            async with self.ctx.db.read() as s:
                rows = (
                    await s.execute(
                        select(Event.seq, Event.kind, Event.leaf)
                        .where(Event.seq > self.tree.size)
                        .order_by(Event.seq)
                        .limit(CHUNK)
                    )
                ).all()
            for seq, kind, leaf in rows:
                if seq != self.tree.size + 1:
                    log.warning("event %d is not committed yet; the tree waits at %d", self.tree.size + 1, seq)
                    return
                self.tree.append_data(bytes(leaf))
                if kind in MILESTONES:
                    self._pending.append(f"{kind}@{seq}")
            if len(rows) < CHUNK:
                return

    async def sync(self) -> int:
        async with self._lock:
            await self._sync()
            return self.tree.size

    # -- signing --

    async def checkpoint_now(self) -> Signed | None:
        """Bring the tree up to date and sign a checkpoint if the log grew (None: nothing to sign)."""
        async with self._lock:
            await self._load_identity()
            await self._sync()
            size = self.tree.size
            if self._signer is None or self.identity is None or size == 0:
                return self.latest
            if self.latest is not None and self.latest.size >= size:
                return self.latest
            milestone = ",".join(self._pending)[:200] or None
            root = self.tree.root(size)
            note = sign_checkpoint(Checkpoint(self.identity.origin, size, root), self._signer).decode("utf-8")
            signed = Signed(size, root, note, milestone, self.ctx.clock.now_ms())
            try:
                async with self.ctx.db.transaction() as s:
                    s.add(
                        CheckpointRow(
                            size=size, root=root, note=note, milestone=milestone, created_at_ms=signed.created_at_ms
                        )
                    )
            except IntegrityError:
                # Another process signed the same size (Ed25519 is deterministic: the same note).
                log.info("checkpoint %d was already stored", size)
            self.latest = signed
            self._pending.clear()
            return signed
