"""The only module that imports socketio/engineio: a typed Socket.IO server whose broadcasts encode once.

Why this exists: python-socketio's stock manager gives every recipient of a broadcast its own task and
queue, and aiohttp compresses every websocket separately. Here a broadcast is encoded once into a complete
websocket frame and the same bytes are written to every recipient's transport, in order. Compression is
never negotiated (browsers offer it; declining is allowed by RFC 7692). A recipient whose unsent backlog
passes ``max_backlog_bytes`` is dropped (its transport aborted): its client reconnects and resyncs from the
snapshot, and nobody else waits for it.

One path per client: once a websocket is open, *every* frame for it (Engine.IO's own packets, pings,
per-client sends, broadcasts) is written to its transport at the moment it is sent, so a client receives
frames in the order they were sent. (Engine.IO's stock handler queues packets for a writer task per
socket; writing broadcasts around that queue let a broadcast overtake a packet the writer had just taken.)
Polling clients keep Engine.IO's queue, bounded. Pings come from one ping wheel rather than a task per
client, and a broadcast to a large room yields to the event loop every ``chunk`` recipients.

Everything that spans processes still goes through python-socketio's own ``AsyncRedisManager`` (the
exam server publishes with a write-only manager; every edge's manager listens), so Redis remains the
engine that joins processes; only the last, local step of delivery is replaced.

This module leans on internals of python-engineio/python-socketio (the aiohttp websocket driver slot,
``AsyncSocket``'s queue, flags, ``receive``/``close``/``schedule_ping``, the manager's room table), so the
versions are pinned in ``SUPPORTED``; tests/stream/live/test_sio.py and test_fanout_paths.py exercise them.
"""

from __future__ import annotations

import asyncio
import logging
import random
import struct
import time
from collections.abc import Awaitable, Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib import metadata
from typing import Any, Final

import engineio
import socketio
from aiohttp import web
from engineio import packet as eio_packet
from engineio.async_socket import AsyncSocket
from socketio import packet as sio_packet

log = logging.getLogger(__name__)

SUPPORTED: Final = {"python-socketio": ("5.18",), "python-engineio": ("4.15",)}
"""Minor versions whose internals this module was written and tested against."""


def _check_versions() -> None:
    for dist, minors in SUPPORTED.items():
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:  # pragma: no cover - both are hard dependencies
            continue
        if not version.startswith(tuple(m + "." for m in minors)):
            log.warning("stream.live.sio was tested with %s %s, found %s", dist, "/".join(minors), version)


_check_versions()

Environ = Mapping[str, Any]
ConnectHandler = Callable[[str, Environ, Any], Awaitable[bool]]
EventHandler = Callable[[str, Any], Awaitable[None]]
DisconnectHandler = Callable[[str], Awaitable[None]]
EmitHandler = Callable[[str, Sequence[Any], str, str | None], Awaitable[bool]]
"""(event, args, namespace, room) -> handled. Sees every emit that reaches this process (local or via Redis)."""

_OP_TEXT: Final = 0x1
_OP_BINARY: Final = 0x2


def ws_frame(payload: bytes, opcode: int = _OP_TEXT) -> bytes:
    """A complete, unmasked, uncompressed server-to-client websocket frame (RFC 6455 §5.2)."""
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return header + payload


_PING_FRAME: Final = ws_frame(b"2")


@dataclass(frozen=True, slots=True)
class Encoded:
    """One Socket.IO event, encoded once: the websocket frame and the Engine.IO packet for polling clients."""

    frame: bytes
    packet: Any  # engineio.packet.Packet; shared by every polling recipient (it is encoded at send time)

    @property
    def size(self) -> int:
        return len(self.frame)


@dataclass(slots=True)
class FanoutStats:
    """Counters since start; the bench and the committee monitor read them."""

    deliveries: int = 0
    """Frames written to websockets or queued for polling clients."""
    direct: int = 0
    """Of those: written straight to a websocket's transport."""
    queued: int = 0
    """Of those: put on Engine.IO's per-socket queue (polling, upgrading, or packets already waiting)."""
    skipped: int = 0
    """Recipients in a room that got nothing: transport closing, socket gone or closed."""
    broadcasts: int = 0
    dropped: int = 0
    """Viewers cut off because they fell too far behind (they reconnect and resync)."""
    pings: int = 0
    timeouts: int = 0
    """Clients closed because they did not answer a ping within the ping timeout."""
    connects: int = 0
    disconnects: int = 0


class _Conn:
    """One websocket, served by us instead of Engine.IO's stock handler: after the handshake every packet for
    the socket (Engine.IO's own, per-client sends, broadcasts) is written to the transport at once, in call
    order, with no queue and no writer task; the read loop hands incoming packets to Engine.IO."""

    __slots__ = ("owner", "sock", "transport", "ws")

    transport: asyncio.Transport
    ws: web.WebSocketResponse

    def __init__(self, owner: LiveSocketServer, handler: Callable[[Any], Awaitable[None]], server: Any) -> None:
        self.owner = owner
        self.sock = _adopt(handler.__self__, owner)  # type: ignore[attr-defined]  # Engine.IO passes a bound method

    async def __call__(self, environ: Environ) -> web.WebSocketResponse:
        request: web.Request = environ["aiohttp.request"]
        ws = web.WebSocketResponse(max_msg_size=self.owner.max_message_bytes, compress=False, autoping=True)
        await ws.prepare(request)
        assert request.transport is not None  # prepare() succeeded on a live connection
        self.ws, self.transport = ws, request.transport
        sock = self.sock
        if sock.connected and not await self._upgrade():
            return ws  # a failed probe: the client carries on polling
        sock.connected = sock.upgraded = True
        sock.upgrading = False
        try:
            self._go_direct()
            await self._read()
        finally:
            if self.owner._conns.get(sock.sid) is self:
                del self.owner._conns[sock.sid]
            await sock.close(wait=False, abort=True, reason=sock.server.reason.TRANSPORT_CLOSE)
            if not self.transport.is_closing():
                self.transport.close()
        return ws

    async def _recv(self) -> Any:
        """The next Engine.IO packet, or None when the websocket closed or sent something unreadable."""
        msg = await self.ws.receive()
        if not isinstance(msg.data, (bytes, str)) or not msg.data:
            return None
        try:
            return eio_packet.Packet(encoded_packet=msg.data)
        except Exception:
            return None

    async def _upgrade(self) -> bool:
        """The polling-to-websocket probe (Engine.IO v4), as Engine.IO's own handler does it."""
        sock = self.sock
        sock.upgrading = True
        pkt = await self._recv()
        if pkt is None or pkt.packet_type != eio_packet.PING or pkt.data != "probe":
            sock.upgrading = False
            return False
        self.send_packet(eio_packet.Packet(eio_packet.PONG, data="probe").encode())
        sock.queue.put_nowait(eio_packet.Packet(eio_packet.NOOP))  # ends the pending poll
        pkt = await self._recv()
        if pkt is None or pkt.packet_type != eio_packet.UPGRADE:
            sock.upgrading = False
            return False
        return True

    def _go_direct(self) -> None:
        """Write what Engine.IO queued so far (its OPEN packet, or what arrived mid-upgrade), then switch the
        socket to direct writes, all without yielding: nothing can be sent in between or overtake it."""
        queue = self.sock.queue
        while not queue.empty():
            pkt = queue.get_nowait()
            queue.task_done()
            if pkt is not None:
                self.send_packet(pkt.encode())
        self.sock.conn = self
        self.owner._conns[self.sock.sid] = self

    async def _read(self) -> None:
        sock = self.sock
        while not sock.closed:
            pkt = await self._recv()
            if pkt is None:
                return
            try:
                await sock.receive(pkt)
            except engineio.exceptions.UnknownPacketError:
                continue
            except engineio.exceptions.SocketIsClosedError:
                return

    def send_packet(self, message: str | bytes) -> bool:
        if isinstance(message, str):
            return self.write(ws_frame(message.encode("utf-8"), _OP_TEXT))
        return self.write(ws_frame(message, _OP_BINARY))

    def write(self, frame: bytes) -> bool:
        transport = self.transport
        if transport.is_closing():
            return False
        if transport.get_write_buffer_size() > self.owner.max_backlog_bytes:
            self.owner._drop_ws(self)
            return False
        transport.write(frame)
        return True


class _LiveSocket(AsyncSocket):  # type: ignore[misc]
    """Engine.IO's socket with two changes. Once its websocket is up (``conn`` set), a packet is written at
    once instead of queued for a writer task. Pings come from the server's one ping wheel instead of a
    sleeping task per client (the first one jittered, so a connect storm does not become a ping storm)."""

    conn: _Conn | None = None
    owner: LiveSocketServer | None = None
    pinged: bool = False
    last_ping: float | None

    async def send(self, pkt: Any) -> None:
        conn = self.conn
        if conn is None:
            await super().send(pkt)
        elif not self.closed:
            conn.send_packet(pkt.encode())
            if pkt.packet_type == eio_packet.CLOSE:
                conn.transport.close()  # after the bytes already written

    async def close(self, wait: bool = True, abort: bool = False, reason: Any = None) -> None:
        was_open = not self.closed and not self.closing
        await super().close(wait=wait, abort=abort, reason=reason)
        if was_open and self.conn is None:
            self.queue.put_nowait(None)  # a pending long-poll returns now, not at its timeout

    def schedule_ping(self) -> None:
        if self.owner is None:
            super().schedule_ping()
        elif self.last_ping:
            self.last_ping = None
            self.owner._pings.schedule(self)


def _adopt(sock: Any, owner: LiveSocketServer) -> _LiveSocket:
    """Make Engine.IO's socket one of ours (same object, subclass with the changes above)."""
    if type(sock) is AsyncSocket:
        sock.__class__ = _LiveSocket
        sock.owner = owner
    return sock  # type: ignore[no-any-return]


class _PingWheel:
    """Every client's Engine.IO pings and ping timeouts, from one task ticking a few times a second."""

    def __init__(self, owner: LiveSocketServer, interval_s: float, timeout_s: float, jitter: float) -> None:
        self.owner = owner
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.jitter = jitter
        self.tick_s = min(0.25, interval_s / 4)
        self._due: dict[int, list[tuple[_LiveSocket, float]]] = {}
        """tick number -> (socket, 0.0 to ping it | the ping's time to check it answered)"""
        self._task: asyncio.Task[None] | None = None

    def _at(self, delay_s: float, sock: _LiveSocket, stamp: float) -> None:
        slot = int((time.monotonic() + delay_s) / self.tick_s) + 1
        self._due.setdefault(slot, []).append((sock, stamp))

    def schedule(self, sock: _LiveSocket) -> None:
        delay = self.interval_s
        if not sock.pinged:
            sock.pinged = True
            delay *= 1.0 - random.random() * self.jitter
        self._at(delay, sock, 0.0)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while self._due:
            await asyncio.sleep(self.tick_s)
            now = int(time.monotonic() / self.tick_s)
            for slot in sorted(k for k in self._due if k <= now):
                for sock, stamp in self._due.pop(slot):
                    if sock.closing or sock.closed:
                        continue
                    if stamp:
                        self._check(sock, stamp)
                    else:
                        self._ping(sock)

    def _ping(self, sock: _LiveSocket) -> None:
        self.owner.stats.pings += 1
        sock.last_ping = stamp = time.time()
        if sock.conn is not None:
            sock.conn.write(_PING_FRAME)
        elif sock.queue.qsize() < self.owner.max_queued_packets:
            sock.queue.put_nowait(eio_packet.Packet(eio_packet.PING))
        self._at(self.timeout_s, sock, stamp)

    def _check(self, sock: _LiveSocket, stamp: float) -> None:
        if sock.last_ping == stamp:  # no pong since that ping
            self.owner.stats.timeouts += 1
            self.owner._background_task(self.owner._expire(sock))

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._due.clear()


def _args(data: Any) -> list[Any]:
    """python-socketio's convention: a tuple is several arguments, None none, anything else one."""
    if isinstance(data, tuple):
        return list(data)
    return [] if data is None else [data]


def _fast_eligible(room: Any, skip_sid: Any, callback: Any) -> bool:
    return callback is None and not skip_sid and (room is None or isinstance(room, str))


class _LocalManager(socketio.AsyncManager):  # type: ignore[misc]
    """Single-process manager whose broadcasts take the encode-once path."""

    fanout: LiveSocketServer | None = None

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        room = to or room
        if self.fanout is None or not _fast_eligible(room, skip_sid, callback):
            await super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, **kwargs)
            return
        await self.fanout._dispatch(event, _args(data), namespace or "/", room)


class _RedisManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    """Redis pub/sub manager (the stock one) whose local delivery takes the encode-once path."""

    fanout: LiveSocketServer | None = None

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        room = message.get("room")
        if (
            self.fanout is None
            or message.get("binary")
            or message.get("callback") is not None
            or not _fast_eligible(room, message.get("skip_sid"), None)
        ):
            await super()._handle_emit(message)
            return
        data = message.get("data")
        args = data if isinstance(data, list) else _args(data)
        await self.fanout._dispatch(message["event"], args, message.get("namespace") or "/", room)


@dataclass
class _Namespace:
    connect: ConnectHandler | None
    events: dict[str, EventHandler] = field(default_factory=dict)
    disconnect: DisconnectHandler | None = None


class LiveSocketServer:
    """A Socket.IO server (python-socketio on aiohttp) with encode-once, bounded, ordered broadcasts."""

    def __init__(
        self,
        *,
        redis_url: str | None = None,
        channel: str = "ujian-live",
        ping_interval_s: float = 30.0,
        ping_timeout_s: float = 20.0,
        ping_jitter: float = 0.5,
        max_backlog_bytes: int = 256 * 1024,
        max_queued_packets: int = 512,
        max_message_bytes: int = 64 * 1024,
        chunk: int = 1000,
        cors_allowed_origins: str | list[str] | None = None,
    ) -> None:
        self.max_backlog_bytes = max_backlog_bytes
        self.max_queued_packets = max_queued_packets
        self.max_message_bytes = max_message_bytes
        self.chunk = max(1, chunk)
        """Recipients written per event-loop turn in a broadcast."""
        self.stats = FanoutStats()
        self._conns: dict[str, _Conn] = {}
        """Open websockets by Engine.IO sid: these are written directly."""
        self._busy: dict[tuple[str, str | None], tuple[int, asyncio.Lock]] = {}
        """Rooms with a chunked broadcast under way: (broadcasts using the lock, the lock)."""
        self._emit_handlers: list[EmitHandler] = []
        self._background: set[asyncio.Future[Any]] = set()
        self._pings = _PingWheel(self, ping_interval_s, ping_timeout_s, ping_jitter)
        manager: _LocalManager | _RedisManager
        if redis_url:
            manager = _RedisManager(
                redis_url, channel=channel, redis_options={"socket_connect_timeout": 2, "health_check_interval": 10}
            )
        else:
            manager = _LocalManager()
        manager.fanout = self
        self._manager = manager
        self._sio = socketio.AsyncServer(
            async_mode="aiohttp",
            client_manager=manager,
            logger=False,
            engineio_logger=False,
            ping_interval=ping_interval_s,
            ping_timeout=ping_timeout_s,
            max_http_buffer_size=max_message_bytes,
            cors_allowed_origins=cors_allowed_origins,
            monitor_clients=False,  # the ping wheel checks ping timeouts
        )
        eio = self._sio.eio
        # Our websocket driver in this server's copy of the driver table (the module's table stays stock).
        eio._async = {**eio._async, "websocket": partial(_Conn, self)}
        stock_connect = eio.handlers["connect"]

        async def on_eio_connect(eio_sid: str, environ: Environ) -> Any:
            _adopt(eio.sockets.get(eio_sid), self)  # before Engine.IO schedules a ping or opens a websocket
            self.stats.connects += 1
            return await stock_connect(eio_sid, environ)

        stock_disconnect = eio.handlers["disconnect"]

        async def on_eio_disconnect(eio_sid: str, reason: Any = None) -> Any:
            self.stats.disconnects += 1
            return await stock_disconnect(eio_sid, reason)

        eio.on("connect", on_eio_connect)
        eio.on("disconnect", on_eio_disconnect)
        self._namespaces: dict[str, _Namespace] = {}

    # -- wiring -----------------------------------------------------------------------------------------

    def attach(self, app: web.Application, path: str = "/socket.io") -> None:
        """Serve Engine.IO at ``path`` (GET/POST/OPTIONS ``path/``) and start/stop with the app."""
        self._sio.attach(app, socketio_path=path.strip("/"))
        app.on_startup.append(self._on_startup)
        app.on_shutdown.append(self._on_shutdown)

    async def _on_startup(self, app: web.Application) -> None:
        await self.start()

    async def _on_shutdown(self, app: web.Application) -> None:
        await self.close()

    async def start(self) -> None:
        """Start the Redis listener now rather than at the first client (edges must track deltas at once)."""
        if not self._sio.manager_initialized:
            self._sio.manager_initialized = True
            self._manager.initialize()

    async def close(self) -> None:
        self._pings.close()
        thread = getattr(self._manager, "thread", None)
        if isinstance(thread, asyncio.Task):
            thread.cancel()
        for conn in list(self._conns.values()):
            if conn.transport is not None:
                conn.transport.close()
        await self._sio.shutdown()

    def namespace(
        self,
        name: str,
        *,
        connect: ConnectHandler | None = None,
        events: Mapping[str, EventHandler] | None = None,
        disconnect: DisconnectHandler | None = None,
    ) -> None:
        """Register a namespace; ``connect(sid, environ, auth)`` returning False refuses the client."""
        ns = _Namespace(connect, dict(events or {}), disconnect)
        self._namespaces[name] = ns

        async def on_connect(sid: str, environ: Environ, auth: Any = None) -> bool:
            if ns.connect is None:
                return True
            try:
                return bool(await ns.connect(sid, environ, auth))
            except Exception:
                log.exception("connect handler failed; refusing the client")
                return False

        self._sio.on("connect", on_connect, namespace=name)
        for event, handler in ns.events.items():
            self._sio.on(event, handler, namespace=name)
        if disconnect is not None:

            async def on_disconnect(sid: str, reason: Any = None) -> None:
                await disconnect(sid)

            self._sio.on("disconnect", on_disconnect, namespace=name)

    def on_emit(self, handler: EmitHandler) -> None:
        """See every emit reaching this process before delivery; return True to take over its delivery."""
        self._emit_handlers.append(handler)

    # -- sending ----------------------------------------------------------------------------------------

    def encode(self, namespace: str, event: str, *args: Any) -> Encoded:
        pkt = self._sio.packet_class(sio_packet.EVENT, namespace=namespace, data=[event, *args])
        text = pkt.encode()
        if not isinstance(text, str):
            raise TypeError("binary payloads do not take the fast path; send JSON-able data")
        return Encoded(ws_frame(("4" + text).encode("utf-8")), eio_packet.Packet(eio_packet.MESSAGE, text))

    async def broadcast(self, namespace: str, room: str | None, enc: Encoded) -> int:
        """Write ``enc`` to everyone in ``room`` of ``namespace`` on this process; returns the recipients.

        A room larger than ``chunk`` is written ``chunk`` recipients at a time, yielding to the event loop in
        between (pongs, joins and the next message are served meanwhile); a later broadcast to the same room
        waits for it, so every client still gets the room's messages in order. A client that leaves the
        room mid-broadcast gets no more of it; one that joins gets its snapshot instead.
        """
        participants = self._manager.rooms.get(namespace, {}).get(room)
        if not participants:
            return 0
        key = (namespace, room)
        if key not in self._busy and len(participants) <= self.chunk:
            sent = self._write(list(participants.values()), None, enc)
        else:
            waiting, lock = self._busy.get(key, (0, asyncio.Lock()))
            self._busy[key] = (waiting + 1, lock)
            try:
                async with lock:
                    eio_sids = list(participants.values())
                    members = participants.inverse.keys()  # a live view: who is in the room now
                    sent = self._write(eio_sids[: self.chunk], None, enc)
                    for i in range(self.chunk, len(eio_sids), self.chunk):
                        await asyncio.sleep(0)
                        sent += self._write(eio_sids[i : i + self.chunk], members, enc)
            finally:
                waiting, _ = self._busy[key]
                if waiting == 1:
                    del self._busy[key]
                else:
                    self._busy[key] = (waiting - 1, lock)
        self.stats.broadcasts += 1
        return sent

    def _write(self, eio_sids: list[str], members: Container[str] | None, enc: Encoded) -> int:
        frame = enc.frame
        conns = self._conns
        limit = self.max_backlog_bytes
        direct = queued = skipped = 0
        for eio_sid in eio_sids:
            if members is not None and eio_sid not in members:
                continue  # left the room since the broadcast began
            conn = conns.get(eio_sid)
            if conn is None:  # polling, or its websocket is still opening or upgrading
                if self._queue(eio_sid, enc):
                    queued += 1
                else:
                    skipped += 1
                continue
            transport = conn.transport
            if transport.is_closing():
                skipped += 1
            elif transport.get_write_buffer_size() > limit:
                self._drop_ws(conn)
            else:
                transport.write(frame)
                direct += 1
        stats = self.stats
        stats.deliveries += direct + queued
        stats.direct += direct
        stats.queued += queued
        stats.skipped += skipped
        return direct + queued

    def send(self, sid: str, namespace: str, enc: Encoded) -> bool:
        """Send to one client, in order with broadcasts (call it without awaiting in between)."""
        eio_sid = self._manager.eio_sid_from_sid(sid, namespace)
        if eio_sid is None:
            return False
        conn = self._conns.get(eio_sid)
        if conn is not None:
            ok = conn.write(enc.frame)
            self.stats.direct += ok
        else:
            ok = self._queue(eio_sid, enc)
            self.stats.queued += ok
        if ok:
            self.stats.deliveries += 1
        else:
            self.stats.skipped += 1
        return ok

    def _queue(self, eio_sid: str, enc: Encoded) -> bool:
        """Polling clients and websockets not yet open: Engine.IO's own queue, bounded."""
        sock = self._sio.eio.sockets.get(eio_sid)
        if sock is None or sock.closing or sock.closed:
            return False
        if sock.queue.qsize() >= self.max_queued_packets:
            self.stats.dropped += 1
            self._background_task(self._sio.eio.disconnect(eio_sid))
            return False
        sock.queue.put_nowait(enc.packet)
        return True

    def _drop_ws(self, conn: _Conn) -> None:
        self.stats.dropped += 1
        log.info("dropping a viewer %d bytes behind; it will resync", conn.transport.get_write_buffer_size())
        conn.transport.abort()

    async def _expire(self, sock: _LiveSocket) -> None:
        """A client that did not answer a ping: close it (its websocket too) and forget it."""
        conn = sock.conn
        await sock.close(wait=False, abort=True, reason=sock.server.reason.PING_TIMEOUT)
        if conn is not None:
            conn.transport.abort()
        if self._sio.eio.sockets.get(sock.sid) is sock:
            del self._sio.eio.sockets[sock.sid]

    def _background_task(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def emit(self, namespace: str, room: str | None, event: str, *args: Any) -> None:
        """Emit through the manager: with Redis, to every process; locally, straight to the fast path."""
        data: Any = tuple(args) if len(args) != 1 else args[0]
        await self._sio.emit(event, data, room=room, namespace=namespace)

    async def _dispatch(self, event: str, args: Sequence[Any], namespace: str, room: str | None) -> None:
        for handler in self._emit_handlers:
            try:
                if await handler(event, args, namespace, room):
                    return
            except Exception:
                log.exception("emit handler failed for %s; delivering as is", event)
        await self.broadcast(namespace, room, self.encode(namespace, event, *args))

    # -- rooms ------------------------------------------------------------------------------------------

    def enter_room(self, sid: str, namespace: str, room: str) -> None:
        """Local and synchronous, so a snapshot sent right after it cannot be overtaken by a broadcast."""
        self._manager.basic_enter_room(sid, namespace, room)

    def leave_room(self, sid: str, namespace: str, room: str) -> None:
        self._manager.basic_leave_room(sid, namespace, room)

    def rooms(self, sid: str, namespace: str) -> list[str]:
        return [r for r in self._manager.get_rooms(sid, namespace) if r != sid]

    def room_size(self, namespace: str, room: str | None) -> int:
        return len(self._manager.rooms.get(namespace, {}).get(room) or ())

    def environ(self, sid: str, namespace: str) -> Environ | None:
        eio_sid = self._manager.eio_sid_from_sid(sid, namespace)
        return self._sio.environ.get(eio_sid) if eio_sid else None

    async def disconnect(self, sid: str, namespace: str) -> None:
        await self._sio.disconnect(sid, namespace=namespace, ignore_queue=True)

    @property
    def connected(self) -> int:
        return len(self._sio.eio.sockets)

    @property
    def websockets(self) -> int:
        return len(self._conns)


class RedisPublisher:
    """Write-only: the exam server's side of python-socketio's Redis manager. Never raises; logs and drops."""

    def __init__(self, redis_url: str, *, channel: str = "ujian-live") -> None:
        self._manager = socketio.AsyncRedisManager(
            redis_url,
            channel=channel,
            write_only=True,
            redis_options={"socket_connect_timeout": 1, "socket_timeout": 1},
        )

    async def publish(self, namespace: str, room: str | None, event: str, data: Any) -> None:
        try:
            await self._manager.emit(event, data, namespace=namespace, room=room)
        except Exception:
            log.warning("live publish to Redis failed; dropped (edges will resync)", exc_info=True)

    async def close(self) -> None:
        redis = getattr(self._manager, "redis", None)
        if redis is not None:
            try:
                await redis.aclose()
            except Exception:  # pragma: no cover - closing a dead connection
                log.debug("closing the Redis publisher failed", exc_info=True)


__all__ = [
    "ConnectHandler",
    "EmitHandler",
    "Encoded",
    "EventHandler",
    "FanoutStats",
    "LiveSocketServer",
    "RedisPublisher",
    "engineio",
    "ws_frame",
]
