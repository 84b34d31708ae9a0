"""The viewers' side: replicas of formation snapshots, join/resync over Socket.IO, and the committee feed.

A replica is loaded from the snapshot store on first use and kept current by deltas (from the local feed
or from Redis). A delta that does not follow the replica's sequence number means something was missed:
the replica reloads from the store and the room gets the whole snapshot instead. A periodic check of the
store's versions catches formations whose deltas were lost while Redis was away.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stream.live.feed import COMMITTEE_NS, PUBLIC_NS, CommitteeUpdate, dumps, room_of, wall_ms
from stream.live.model import JsonObj, sort_rows
from stream.live.sio import Encoded, LiveSocketServer
from stream.live.store import SnapshotStore
from stream.tasks import cancel_and_wait

log = logging.getLogger(__name__)

_FID = re.compile(r"^[0-9a-f]{16}$")
_SESSION = re.compile(r"^[\w.\-]{1,64}$")


def valid_fid(value: Any) -> str | None:
    return value if isinstance(value, str) and _FID.match(value) else None


@dataclass
class Replica:
    """One formation as this process last knew it."""

    fid: str
    epoch: str = ""
    seq: int = 0
    head: JsonObj = field(default_factory=dict)  # everything in the snapshot except rows
    rows: dict[str, JsonObj] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ahead: str | None = None
    """The store's version when a check last found it ahead of this replica (maybe just a delta in flight)."""
    _json: bytes | None = None
    _frame: Encoded | None = None

    @property
    def version(self) -> str:
        return f"{self.epoch}.{self.seq}"

    def reached(self, version: str) -> bool:
        """Has this replica got at least as far as ``version`` (same epoch, same or later seq)?"""
        epoch, _, seq = version.rpartition(".")
        return epoch == self.epoch and seq.isdigit() and self.seq >= int(seq)

    def load(self, raw: bytes) -> None:
        snap = json.loads(raw)
        self.epoch = snap["epoch"]
        self.seq = int(snap["seq"])
        self.rows = {r["k"]: r for r in snap["rows"]}
        self.head = {k: v for k, v in snap.items() if k != "rows"}
        self._json = raw
        self._frame = None

    def apply(self, delta: Mapping[str, Any], snapshot: bytes | None = None) -> None:
        for row in delta.get("rows", ()):
            self.rows[row["k"]] = row
        for key in delta.get("gone", ()):
            self.rows.pop(key, None)
        self.seq = int(delta["seq"])
        self.head = {**self.head, "seq": self.seq, "t": delta.get("t", self.head.get("t"))}
        if "session" in delta:
            self.head["session"] = delta["session"]
        self._json = snapshot
        self._frame = None

    def as_json(self) -> JsonObj:
        return {**self.head, "rows": sort_rows(self.rows.values())}

    def json_bytes(self) -> bytes:
        if self._json is None:
            self._json = dumps(self.as_json())
        return self._json

    def frame(self, sio: LiveSocketServer) -> Encoded:
        if self._frame is None:
            self._frame = sio.encode(PUBLIC_NS, "snapshot", self.as_json())
        return self._frame

    def etag(self) -> str:
        return f'"{self.version}"'


class LiveHub:
    """Serves the public namespace from replicas; read-only with respect to the store."""

    def __init__(
        self,
        sio: LiveSocketServer,
        store: SnapshotStore,
        *,
        revalidate_s: float = 5.0,
        clock_ms: Callable[[], int] = wall_ms,
    ) -> None:
        self.sio = sio
        self.store = store
        self.revalidate_s = revalidate_s
        self.clock_ms = clock_ms
        self._replicas: dict[str, Replica] = {}
        self._loading: dict[str, asyncio.Future[Replica | None]] = {}
        self._index: bytes | None = None
        self._index_obj: JsonObj | None = None
        self._task: asyncio.Task[None] | None = None
        self._store_ok = True
        self.resyncs = 0
        sio.namespace(
            PUBLIC_NS,
            connect=self._connect,
            disconnect=self._disconnect,
            events={
                "join": self._on_join,
                "resync": self._on_resync,
                "leave": self._on_leave,
            },
        )
        sio.on_emit(self._on_emit)

    # -- lifecycle ---------------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._revalidate_forever())

    async def close(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    # -- reads ---------------------------------------------------------------------------------------

    async def replica(self, fid: str) -> Replica | None:
        rep = self._replicas.get(fid)
        if rep is not None:
            return rep
        pending = self._loading.get(fid)
        if pending is not None:
            return await asyncio.shield(pending)
        fut: asyncio.Future[Replica | None] = asyncio.get_running_loop().create_future()
        self._loading[fid] = fut
        try:
            raw = await self.store.get(fid)
            rep = None
            if raw is not None:
                rep = Replica(fid)
                rep.load(raw)
                self._replicas[fid] = rep
            fut.set_result(rep)
            return rep
        except Exception as exc:
            self._note_store_error(exc)
            fut.set_result(None)
            return None
        finally:
            del self._loading[fid]

    async def index(self) -> tuple[bytes | None, JsonObj | None]:
        if self._index is None:
            await self._load_index()
        return self._index, self._index_obj

    async def _load_index(self) -> None:
        try:
            raw = await self.store.get_index()
        except Exception as exc:
            self._note_store_error(exc)
            return
        if raw is not None and raw != self._index:
            self._index, self._index_obj = raw, json.loads(raw)

    def sessions(self) -> list[JsonObj]:
        return [dict(s) for s in (self._index_obj or {}).get("sessions", ())]

    def session(self, code: str) -> JsonObj | None:
        for s in (self._index_obj or {}).get("sessions", ()):
            if s.get("code") == code:
                return dict(s)
        return None

    def viewers(self, fid: str | None = None) -> int:
        if fid is None:
            return sum(self.sio.room_size(PUBLIC_NS, room_of(f)) for f in self._replicas)
        return self.sio.room_size(PUBLIC_NS, room_of(fid))

    # -- writes from the feed (local) or Redis ------------------------------------------------------

    async def on_index(self, index: bytes) -> None:
        self._index, self._index_obj = index, json.loads(index)

    async def on_delta(self, delta: Mapping[str, Any], snapshot: bytes | None = None) -> None:
        fid = valid_fid(delta.get("f"))
        if fid is None:
            return
        rep = self._replicas.get(fid)
        if rep is None:
            return  # nobody here has asked for it yet; it loads from the store on first use
        async with rep.lock:
            seq = int(delta.get("seq", 0))
            if delta.get("epoch") == rep.epoch and seq <= rep.seq:
                return  # already have it
            if delta.get("epoch") == rep.epoch and seq == rep.seq + 1:
                rep.apply(delta, snapshot)
                if self.sio.room_size(PUBLIC_NS, room_of(fid)):
                    await self.sio.broadcast(PUBLIC_NS, room_of(fid), self.sio.encode(PUBLIC_NS, "delta", delta))
                return
            await self._reload(rep)

    async def _reload(self, rep: Replica) -> None:
        """Missed something: take the store's snapshot and give the whole room the snapshot."""
        try:
            raw = await self.store.get(rep.fid)
        except Exception as exc:
            self._note_store_error(exc)
            return
        if raw is None:
            return
        before = rep.version
        rep.load(raw)
        if rep.version != before:
            self.resyncs += 1
            await self.sio.broadcast(PUBLIC_NS, room_of(rep.fid), rep.frame(self.sio))

    async def _on_emit(self, event: str, args: Sequence[Any], namespace: str, room: str | None) -> bool:
        if namespace != PUBLIC_NS or event != "delta" or not args or not isinstance(args[0], dict):
            return False
        await self.on_delta(args[0])
        return True

    async def _revalidate_forever(self) -> None:
        while True:
            await asyncio.sleep(self.revalidate_s)
            try:
                await self.revalidate()
            except Exception as exc:
                self._note_store_error(exc)

    async def revalidate(self) -> None:
        """Compare every replica with the store's version; reload those that moved without us.

        The feed writes the store before it publishes the delta, so a store found ahead may only mean a
        delta is on its way: a replica is reloaded when it has still not reached, by the next check, the
        version the store had at this one. (Reloading at once replaced that delta by a snapshot for the
        whole room, about once a minute at four deltas a second.)
        """
        fids = list(self._replicas)
        versions = await self.store.versions(fids)
        if not self._store_ok:
            log.warning("live: snapshot store reachable again")
            self._store_ok = True
        for fid, version in zip(fids, versions, strict=True):
            rep = self._replicas.get(fid)
            if rep is None or version is None or version == rep.version:
                if rep is not None:
                    rep.ahead = None
                continue
            behind, rep.ahead = rep.ahead, version
            if behind is not None and not rep.reached(behind):
                async with rep.lock:
                    if not rep.reached(behind):  # (a delta may have come while we waited for the lock)
                        rep.ahead = None
                        await self._reload(rep)
        await self._load_index()

    def _note_store_error(self, exc: Exception) -> None:
        if self._store_ok:
            log.warning("live: snapshot store unavailable (%s); serving what this edge already has", exc)
        self._store_ok = False

    # -- the public namespace ------------------------------------------------------------------------

    async def _connect(self, sid: str, environ: Mapping[str, Any], auth: Any) -> bool:
        return True

    async def _disconnect(self, sid: str) -> None:
        return None

    async def _on_join(self, sid: str, data: Any) -> None:
        fid = valid_fid(data.get("f")) if isinstance(data, dict) else None
        rep = await self.replica(fid) if fid else None
        if rep is None:
            self.sio.send(sid, PUBLIC_NS, self.sio.encode(PUBLIC_NS, "missing", {"f": fid}))
            return
        # From here to the snapshot write there is no await: no delta can slip in between.
        for room in self.sio.rooms(sid, PUBLIC_NS):
            self.sio.leave_room(sid, PUBLIC_NS, room)
        self.sio.enter_room(sid, PUBLIC_NS, room_of(rep.fid))
        self.sio.send(sid, PUBLIC_NS, self.sio.encode(PUBLIC_NS, "clock", {"now": self.clock_ms()}))
        self.sio.send(sid, PUBLIC_NS, rep.frame(self.sio))

    async def _on_resync(self, sid: str, data: Any) -> None:
        fid = valid_fid(data.get("f")) if isinstance(data, dict) else None
        if fid is None or room_of(fid) not in self.sio.rooms(sid, PUBLIC_NS):
            return
        rep = await self.replica(fid)
        if rep is not None:
            self.resyncs += 1
            self.sio.send(sid, PUBLIC_NS, rep.frame(self.sio))

    async def _on_leave(self, sid: str, data: Any) -> None:
        for room in self.sio.rooms(sid, PUBLIC_NS):
            self.sio.leave_room(sid, PUBLIC_NS, room)


class LocalSink:
    """The feed's sink inside one process: write the memory store, then tell the hub."""

    def __init__(self, store: SnapshotStore, hub: LiveHub) -> None:
        self.store = store
        self.hub = hub

    async def deliver(self, update: Any) -> None:
        await self.store.put(update.fid, update.snapshot, update.version)
        await self.hub.on_delta(update.delta, update.snapshot)

    async def index(self, index: bytes) -> None:
        await self.store.put_index(index)
        await self.hub.on_index(index)

    async def close(self) -> None:
        return None


Authorize = Callable[[Mapping[str, Any]], bool]


class CommitteeHub:
    """``/panitia`` namespace: the same feed with identity, presence and fan-out health, for the committee.

    Only ever local to the exam server: its updates never go to Redis or a public edge. ``authorize``
    (the lead's hook) sees the Socket.IO connect environ (cookies in ``HTTP_COOKIE``) and must say yes.
    """

    def __init__(
        self,
        sio: LiveSocketServer,
        rows: Callable[[str], list[JsonObj]],
        authorize: Authorize | None,
        *,
        public: LiveHub | None = None,
    ) -> None:
        self.sio = sio
        self._rows = rows
        self._authorize = authorize
        self._public = public
        self._seq: dict[str, int] = {}
        sio.namespace(COMMITTEE_NS, connect=self._connect, events={"watch": self._on_watch})

    async def _connect(self, sid: str, environ: Mapping[str, Any], auth: Any) -> bool:
        if self._authorize is None:
            return False  # no hook plugged in: nobody gets committee data
        return bool(self._authorize(environ))

    async def _on_watch(self, sid: str, data: Any) -> None:
        session = data.get("session") if isinstance(data, dict) else None
        if not isinstance(session, str) or not _SESSION.match(session):
            return
        for room in self.sio.rooms(sid, COMMITTEE_NS):
            self.sio.leave_room(sid, COMMITTEE_NS, room)
        self.sio.enter_room(sid, COMMITTEE_NS, f"c:{session}")
        snap = {
            "session": session,
            "seq": self._seq.get(session, 0),
            "rows": self._rows(session),
            "fanout": self.fanout(),
        }
        self.sio.send(sid, COMMITTEE_NS, self.sio.encode(COMMITTEE_NS, "snapshot", snap))

    def fanout(self) -> JsonObj:
        s = self.sio.stats
        return {
            "connected": self.sio.connected,
            "dropped": s.dropped,
            "deliveries": s.deliveries,
            "viewers": self._public.viewers() if self._public else None,
        }

    async def committee(self, update: CommitteeUpdate) -> None:
        seq = self._seq[update.session] = self._seq.get(update.session, 0) + 1
        room = f"c:{update.session}"
        if self.sio.room_size(COMMITTEE_NS, room):
            payload = {"session": update.session, "seq": seq, "rows": list(update.rows), "gone": list(update.gone)}
            await self.sio.broadcast(COMMITTEE_NS, room, self.sio.encode(COMMITTEE_NS, "delta", payload))


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
