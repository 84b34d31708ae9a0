"""The publisher the exam server calls after commit: holds the standings, coalesces, and never blocks.

``seat_changed`` and friends only update memory and arm a timer; a flush (at most one per formation per
``coalesce_ms``, leading edge, so a lone change goes out at once) ranks the formation, projects it to the
public view, diffs it against what was last published and hands one update, a delta plus the full snapshot,
to each sink. Sinks are the local hub (same process) and Redis (store + python-socketio's write-only
manager). A Redis failure is logged and the update dropped; the store is rewritten when Redis is back and
edges notice the gap in sequence numbers and reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from stream.live.model import (
    FormationKey,
    JsonObj,
    SeatPresence,
    SeatRow,
    SessionInfo,
    committee_row,
    formation_of,
    public_row,
    sort_rows,
)
from stream.live.ranking import DEFAULT_CASCADE, Cascade, cascade_of, rank

log = logging.getLogger(__name__)

PUBLIC_NS = "/live"
COMMITTEE_NS = "/panitia"


def room_of(fid: str) -> str:
    return f"f:{fid}"


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class FormationUpdate:
    """One flush of one formation: the delta for subscribers and the snapshot for the store."""

    fid: str
    version: str
    delta: JsonObj
    snapshot: bytes


@dataclass(frozen=True, slots=True)
class CommitteeUpdate:
    """The committee's view of the same flush: full identity, presence; local to the exam server only."""

    session: str
    rows: tuple[JsonObj, ...]
    gone: tuple[str, ...]


class FeedSink(Protocol):
    async def deliver(self, update: FormationUpdate) -> None: ...
    async def index(self, index: bytes) -> None: ...
    async def close(self) -> None: ...


class CommitteeSink(Protocol):
    async def committee(self, update: CommitteeUpdate) -> None: ...


@dataclass
class _Formation:
    key: FormationKey
    rows: dict[str, SeatRow] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    published: dict[str, JsonObj] = field(default_factory=dict)
    published_session: JsonObj | None = None
    committee_dirty: set[str] = field(default_factory=set)
    committee_gone: set[str] = field(default_factory=set)
    seq: int = 0
    last_flush: float = float("-inf")
    first_change_ms: int | None = None
    timer: asyncio.TimerHandle | None = None
    snapshot: bytes = b""
    version: str = ""


class LiveFeed:
    """Standings of every session the exam server runs; the only writer of live state."""

    def __init__(
        self,
        *,
        sinks: Sequence[FeedSink] = (),
        committee: CommitteeSink | None = None,
        cascade: Cascade = DEFAULT_CASCADE,
        coalesce_ms: int = 200,
        clock_ms: Callable[[], int] = wall_ms,
    ) -> None:
        self.epoch = secrets.token_hex(4)
        self.sinks = list(sinks)
        self.committee = committee
        self.cascade = cascade
        self.coalesce_s = coalesce_ms / 1000
        self.clock_ms = clock_ms
        self._sessions: dict[str, SessionInfo] = {}
        self._forms: dict[str, _Formation] = {}
        self._home: dict[tuple[str, str], str] = {}  # (session, number) -> fid
        self._presence: dict[tuple[str, str], SeatPresence] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._index_dirty = False
        self._index_timer: asyncio.TimerHandle | None = None
        self._closed = False
        self._key_counter = 0

    # -- the publisher API (call after commit; each returns at once and never raises) -----------------

    async def session_changed(self, info: SessionInfo) -> None:
        """A session's title/status/sections/public fields changed (opened, paused, closed...)."""
        self._guard(self._session_changed, info)

    async def seat_changed(self, session: str, row: SeatRow) -> None:
        """One seat's state after a commit (started, answered, paused, submitted and graded, absent)."""
        self._guard(self._seat_changed, session, row)

    async def replace_all(self, session: SessionInfo | str, rows: Iterable[SeatRow]) -> None:
        """The whole roster of a session (at startup, after an import or a regrade); seats not listed go."""
        self._guard(self._replace_all, session, list(rows))

    async def presence_changed(self, session: str, number: str, presence: SeatPresence) -> None:
        """Committee-only: a seat's PC went online/offline. Never reaches the public."""
        self._guard(self._presence_changed, session, number, presence)

    def _guard(self, fn: Callable[..., None], *args: Any) -> None:
        if self._closed:
            return
        try:
            fn(*args)
        except Exception:
            log.exception("live feed update rejected; the exam continues")

    # -- state changes -----------------------------------------------------------------------------------

    def _info(self, session: str) -> SessionInfo:
        info = self._sessions.get(session)
        if info is None:
            info = self._sessions[session] = SessionInfo(code=session)
            self._index_dirty = True
        return info

    def _session_changed(self, info: SessionInfo) -> None:
        self._sessions[info.code] = info
        self._index_dirty = True
        for form in self._forms.values():
            if form.key.session == info.code:
                self._touch(form)
        self._arm_index()

    def _seat_changed(self, session: str, row: SeatRow) -> None:
        self._info(session)
        fid = formation_of(session, row).id
        home = self._home.get((session, row.number))
        if home is not None and home != fid:
            self._remove_seat(session, row.number, home)
        form = self._forms.get(fid)
        if form is None:
            form = self._forms[fid] = _Formation(formation_of(session, row))
            self._index_dirty = True
        form.rows[row.number] = row
        form.committee_dirty.add(row.number)
        self._home[(session, row.number)] = fid
        self._touch(form)
        self._arm_index()

    def _remove_seat(self, session: str, number: str, fid: str) -> None:
        form = self._forms.get(fid)
        self._home.pop((session, number), None)
        if form is not None and form.rows.pop(number, None) is not None:
            form.committee_gone.add(number)
            self._index_dirty = True
            self._touch(form)

    def _replace_all(self, session: SessionInfo | str, rows: list[SeatRow]) -> None:
        if isinstance(session, SessionInfo):
            self._sessions[session.code] = session
            self._index_dirty = True
            code = session.code
        else:
            code = session
            self._info(code)
        keep = {r.number for r in rows}
        for (s, number), fid in list(self._home.items()):
            if s == code and number not in keep:
                self._remove_seat(s, number, fid)
        for row in rows:
            self._seat_changed(code, row)
        for form in self._forms.values():
            if form.key.session == code:
                self._touch(form)
        self._arm_index()

    def _presence_changed(self, session: str, number: str, presence: SeatPresence) -> None:
        self._presence[(session, number)] = presence
        fid = self._home.get((session, number))
        if fid is not None and fid in self._forms:
            form = self._forms[fid]
            form.committee_dirty.add(number)
            self._touch(form)

    # -- coalescing --------------------------------------------------------------------------------------

    def _touch(self, form: _Formation) -> None:
        if form.first_change_ms is None:
            form.first_change_ms = self.clock_ms()
        if form.timer is not None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, form.last_flush + self.coalesce_s - loop.time())
        form.timer = loop.call_later(delay, self._spawn, self._flush_formation, form)

    def _arm_index(self) -> None:
        if self._index_dirty and self._index_timer is None:
            self._index_timer = asyncio.get_running_loop().call_later(0, self._spawn, self._flush_index)

    def _spawn(self, fn: Callable[..., Any], *args: Any) -> None:
        task = asyncio.ensure_future(fn(*args))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _flush_formation(self, form: _Formation) -> None:
        form.timer = None
        form.last_flush = asyncio.get_running_loop().time()
        try:
            update, committee = self._compute(form)
        except Exception:
            log.exception("live feed: could not compute formation %s", form.key)
            return
        if update is not None:
            for sink in self.sinks:
                try:
                    await sink.deliver(update)
                except Exception:
                    log.exception("live sink %s failed; update dropped", type(sink).__name__)
        if committee is not None and self.committee is not None:
            try:
                await self.committee.committee(committee)
            except Exception:
                log.exception("committee sink failed; update dropped")

    async def _flush_index(self) -> None:
        self._index_timer = None
        if not self._index_dirty:
            return
        self._index_dirty = False
        index = dumps(self.index())
        for sink in self.sinks:
            try:
                await sink.index(index)
            except Exception:
                log.exception("live sink %s failed to take the index", type(sink).__name__)

    def _cascade(self, info: SessionInfo) -> Cascade:
        """The exam's own ranking criteria when the session names them, else the feed's default."""
        return cascade_of(info.cascade) if info.cascade else self.cascade

    def _compute(self, form: _Formation) -> tuple[FormationUpdate | None, CommitteeUpdate | None]:
        info = self._info(form.key.session)
        ranks = rank(form.rows.values(), self._cascade(info))
        fields = info.public_fields
        new: dict[str, JsonObj] = {}
        by_number: dict[str, JsonObj] = {}
        for number, row in form.rows.items():
            key = form.keys.get(number)
            if key is None:
                self._key_counter += 1
                key = form.keys[number] = f"r{self._key_counter}"
            new[key] = public_row(row, key=key, rank=ranks.get(number), fields=fields)
            by_number[number] = new[key]
        changed = [r for k, r in new.items() if form.published.get(k) != r]
        gone = [k for k in form.published if k not in new]
        session_json = info.as_json()
        committee = self._committee_update(form, ranks, {n for n, r in by_number.items() if r in changed})
        first = form.first_change_ms
        form.first_change_ms = None
        if not changed and not gone and session_json == form.published_session:
            return None, committee
        form.seq += 1
        form.version = f"{self.epoch}.{form.seq}"
        now = self.clock_ms()
        delta: JsonObj = {
            "f": form.key.id,
            "epoch": self.epoch,
            "seq": form.seq,
            "t": first or now,
            "rows": changed,
            "gone": gone,
        }
        if session_json != form.published_session:
            delta["session"] = session_json
        snapshot = {
            "v": 1,
            "f": form.key.as_json(),
            "epoch": self.epoch,
            "seq": form.seq,
            "t": now,
            "session": session_json,
            "rows": sort_rows(new.values()),
        }
        form.published = new
        form.published_session = session_json
        form.snapshot = dumps(snapshot)
        return FormationUpdate(form.key.id, form.version, delta, form.snapshot), committee

    def _committee_update(
        self, form: _Formation, ranks: dict[str, int], public_changed: set[str]
    ) -> CommitteeUpdate | None:
        if self.committee is None:
            form.committee_dirty.clear()
            form.committee_gone.clear()
            return None
        numbers = (form.committee_dirty | public_changed) & form.rows.keys()
        gone = tuple(sorted(form.committee_gone - form.rows.keys()))
        form.committee_dirty.clear()
        form.committee_gone.clear()
        if not numbers and not gone:
            return None
        session = form.key.session
        rows = tuple(
            {
                **committee_row(
                    form.rows[n], key=form.keys[n], rank=ranks.get(n), presence=self._presence.get((session, n))
                ),
                "f": form.key.id,
            }
            for n in sorted(numbers)
        )
        return CommitteeUpdate(session, rows, gone)

    # -- reads (for sinks that heal, the committee snapshot and tests) ------------------------------------

    def index(self) -> JsonObj:
        sessions = []
        for code in sorted(self._sessions):
            forms = sorted(
                (f for f in self._forms.values() if f.key.session == code and f.rows),
                key=lambda f: (f.key.village, f.key.position),
            )
            sessions.append(
                {
                    **self._sessions[code].as_json(),
                    "formations": [
                        {"id": f.key.id, "village": f.key.village, "position": f.key.position, "count": len(f.rows)}
                        for f in forms
                    ],
                }
            )
        return {"v": 1, "epoch": self.epoch, "sessions": sessions}

    def snapshots(self) -> list[tuple[str, bytes, str]]:
        """Every formation's last published snapshot: (fid, bytes, version)."""
        return [(fid, f.snapshot, f.version) for fid, f in self._forms.items() if f.snapshot]

    def committee_rows(self, session: str) -> list[JsonObj]:
        out: list[JsonObj] = []
        for form in self._forms.values():
            if form.key.session != session:
                continue
            ranks = rank(form.rows.values(), self._cascade(self._info(session)))
            for n, row in form.rows.items():
                key = form.keys.get(n)
                if key is None:
                    continue
                out.append(
                    {
                        **committee_row(row, key=key, rank=ranks.get(n), presence=self._presence.get((session, n))),
                        "f": form.key.id,
                    }
                )
        return out

    async def flush(self) -> None:
        """Flush everything pending now (shutdown, tests); normal operation never needs it."""
        for form in list(self._forms.values()):
            if form.timer is not None:
                form.timer.cancel()
                await self._flush_formation(form)
        if self._index_timer is not None:
            self._index_timer.cancel()
            await self._flush_index()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.flush()
        self._closed = True
        for sink in self.sinks:
            try:
                await sink.close()
            except Exception:
                log.exception("closing live sink failed")


class RedisSink:
    """Store the snapshot, then publish the delta through python-socketio's Redis manager; off the exam path.

    A bounded pending map (latest update per formation) feeds one worker, so a slow or dead Redis costs
    memory proportional to the number of formations, not to the number of answers.
    """

    def __init__(
        self, store: Any, publisher: Any, feed: Callable[[], LiveFeed | None], *, retry_s: float = 2.0
    ) -> None:
        self.store = store
        self.publisher = publisher
        self._feed = feed
        self._pending: OrderedDict[str, FormationUpdate] = OrderedDict()
        self._index: bytes | None = None
        self._wake = asyncio.Event()
        self._broken = False
        self._retry_s = retry_s
        self._worker: asyncio.Task[None] | None = None

    @property
    def healthy(self) -> bool:
        return not self._broken

    async def deliver(self, update: FormationUpdate) -> None:
        self._pending.pop(update.fid, None)
        self._pending[update.fid] = update
        self._kick()

    async def index(self, index: bytes) -> None:
        self._index = index
        self._kick()

    def _kick(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.ensure_future(self._run())
        self._wake.set()

    async def _run(self) -> None:
        while True:
            timeout = self._retry_s if self._broken else None
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            try:
                if self._broken:
                    await self._heal()
                await self._drain()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not self._broken:
                    log.warning("live: Redis unavailable (%s); the exam continues, public updates dropped", exc)
                self._broken = True

    async def _heal(self) -> None:
        """Redis is back (or we are checking): rewrite every snapshot so edges can reload the truth."""
        feed = self._feed()
        if feed is not None:
            for fid, snapshot, version in feed.snapshots():
                await self.store.put(fid, snapshot, version)
            self._index = dumps(feed.index())
        if self._index is not None:
            await self.store.put_index(self._index)
        self._index = None
        self._pending.clear()  # every one of them was just superseded by its formation's snapshot
        self._broken = False
        log.warning("live: Redis is back; snapshots rewritten")

    async def _drain(self) -> None:
        if self._index is not None:
            index, self._index = self._index, None
            await self.store.put_index(index)
        while self._pending:
            fid, update = self._pending.popitem(last=False)
            await self.store.put(fid, update.snapshot, update.version)
            await self.publisher.publish(PUBLIC_NS, room_of(fid), "delta", update.delta)

    async def close(self) -> None:
        if self._worker is not None:
            if not self._broken and (self._pending or self._index):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._drain(), 2.0)
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._worker
        for closer in (getattr(self.publisher, "close", None), getattr(self.store, "close", None)):
            if closer is not None:
                with contextlib.suppress(Exception):
                    await closer()
