"""The only module that imports socketio/engineio: a typed Socket.IO server whose broadcasts encode once.

Why this exists: python-socketio's stock manager gives every recipient of a broadcast its own task and
queue, and aiohttp compresses every websocket separately. Here a broadcast is encoded once into a complete
websocket frame and the same bytes are written to every recipient's transport, synchronously and in order.
Compression is never negotiated (browsers offer it; declining is allowed by RFC 7692). A recipient whose
unsent backlog passes ``max_backlog_bytes`` is dropped (its transport aborted): its client reconnects and
resyncs from the snapshot, and nobody else waits for it.

Everything that spans processes still goes through python-socketio's own ``AsyncRedisManager`` (the
exam server publishes with a write-only manager; every edge's manager listens), so Redis remains the
engine that joins processes; only the last, local step of delivery is replaced.

This module leans on a few internals of python-engineio/python-socketio (the aiohttp websocket driver
slot, ``AsyncSocket``'s queue and upgrade flags, the manager's room table), so the versions are pinned in
``SUPPORTED``; tests/stream/live/test_sio.py exercises every one of them.
"""

from __future__ import annotations

import asyncio
import logging
import random
import struct
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
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
    broadcasts: int = 0
    dropped: int = 0
    """Viewers cut off because they fell too far behind (they reconnect and resync)."""
    connects: int = 0
    disconnects: int = 0


class _Conn:
    """Engine.IO's websocket driver for aiohttp, with no compression and a synchronous, bounded write."""

    __slots__ = ("eio_sid", "handler", "owner", "sock", "transport", "ws")

    def __init__(self, owner: LiveSocketServer, handler: Callable[[Any], Awaitable[None]], server: Any) -> None:
        self.owner = owner
        self.handler = handler
        self.sock: AsyncSocket = handler.__self__  # type: ignore[attr-defined]  # Engine.IO passes a bound method
        self.eio_sid: str = self.sock.sid
        self.transport: asyncio.Transport | None = None
        self.ws: web.WebSocketResponse | None = None

    async def __call__(self, environ: Environ) -> web.WebSocketResponse:
        request: web.Request = environ["aiohttp.request"]
        ws = web.WebSocketResponse(max_msg_size=self.owner.max_message_bytes, compress=False, autoping=True)
        await ws.prepare(request)
        self.ws = ws
        self.transport = request.transport
        self.owner._conns[self.eio_sid] = self
        try:
            await self.handler(self)
        finally:
            if self.owner._conns.get(self.eio_sid) is self:
                del self.owner._conns[self.eio_sid]
        return ws

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def send(self, message: str | bytes) -> None:
        """Engine.IO's writer task sends pings and per-client packets through here, in the same byte stream."""
        if isinstance(message, str):
            frame = ws_frame(message.encode("utf-8"), _OP_TEXT)
        else:
            frame = ws_frame(message, _OP_BINARY)
        if not self.write(frame):
            raise ConnectionResetError("websocket closed or dropped")

    async def wait(self) -> str | bytes:
        assert self.ws is not None
        msg = await self.ws.receive()
        if not isinstance(msg.data, (bytes, str)):
            raise OSError("websocket closed")
        return msg.data

    def write(self, frame: bytes) -> bool:
        transport = self.transport
        if transport is None or transport.is_closing():
            return False
        if transport.get_write_buffer_size() > self.owner.max_backlog_bytes:
            self.owner._drop_ws(self)
            return False
        transport.write(frame)
        return True


class _JitterSocket(AsyncSocket):  # type: ignore[misc]
    """Spreads the first ping of each client over the interval, so a connect storm does not become a
    ping storm every interval after it (the clients' pongs keep the phases apart from then on)."""

    jitter: float = 0.5

    async def _send_ping(self) -> None:
        delay = self.server.ping_interval
        if not self.__dict__.get("_first_ping_sent"):
            self._first_ping_sent = True
            delay *= 1.0 - random.random() * self.jitter
        await asyncio.sleep(delay)
        if not self.closing and not self.closed:
            self.last_ping = time.time()
            await self.send(eio_packet.Packet(eio_packet.PING))


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
        cors_allowed_origins: str | list[str] | None = None,
    ) -> None:
        self.max_backlog_bytes = max_backlog_bytes
        self.max_queued_packets = max_queued_packets
        self.max_message_bytes = max_message_bytes
        self.stats = FanoutStats()
        self._conns: dict[str, _Conn] = {}
        self._emit_handlers: list[EmitHandler] = []
        self._background: set[asyncio.Future[Any]] = set()
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
        )
        eio = self._sio.eio
        # Our websocket driver in this server's copy of the driver table (the module's table stays stock).
        eio._async = {**eio._async, "websocket": partial(_Conn, self)}
        stock_connect = eio.handlers["connect"]
        jitter = ping_jitter

        async def on_eio_connect(eio_sid: str, environ: Environ) -> Any:
            sock = eio.sockets.get(eio_sid)
            if type(sock) is AsyncSocket and jitter > 0:
                sock.__class__ = _JitterSocket
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

    def broadcast(self, namespace: str, room: str | None, enc: Encoded) -> int:
        """Write ``enc`` to everyone in ``room`` of ``namespace`` on this process; returns the recipients."""
        participants = self._manager.rooms.get(namespace, {}).get(room)
        if not participants:
            return 0
        frame = enc.frame
        conns = self._conns
        limit = self.max_backlog_bytes
        sent = 0
        for eio_sid in list(participants.values()):
            conn = conns.get(eio_sid)
            if conn is not None:
                sock = conn.sock
                transport = conn.transport
                if transport is not None and sock.upgraded and not sock.upgrading and sock.queue.empty():
                    if transport.is_closing():
                        continue
                    if transport.get_write_buffer_size() > limit:
                        self._drop_ws(conn)
                        continue
                    transport.write(frame)
                    sent += 1
                    continue
            if self._queue(eio_sid, enc):
                sent += 1
        self.stats.broadcasts += 1
        self.stats.deliveries += sent
        return sent

    def send(self, sid: str, namespace: str, enc: Encoded) -> bool:
        """Send to one client, in order with broadcasts (call it without awaiting in between)."""
        eio_sid = self._manager.eio_sid_from_sid(sid, namespace)
        if eio_sid is None:
            return False
        conn = self._conns.get(eio_sid)
        ok = False
        if conn is not None and conn.sock.upgraded and not conn.sock.upgrading and conn.sock.queue.empty():
            ok = conn.write(enc.frame)
        else:
            ok = self._queue(eio_sid, enc)
        if ok:
            self.stats.deliveries += 1
        return ok

    def _queue(self, eio_sid: str, enc: Encoded) -> bool:
        """Polling clients and websockets mid-upgrade: Engine.IO's own queue, bounded."""
        sock = self._sio.eio.sockets.get(eio_sid)
        if sock is None or sock.closing or sock.closed:
            return False
        if sock.queue.qsize() >= self.max_queued_packets:
            self.stats.dropped += 1
            task = asyncio.ensure_future(self._sio.eio.disconnect(eio_sid))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            return False
        sock.queue.put_nowait(enc.packet)
        return True

    def _drop_ws(self, conn: _Conn) -> None:
        self.stats.dropped += 1
        log.info(
            "dropping a viewer that fell %d bytes behind; it will resync",
            conn.transport.get_write_buffer_size() if conn.transport else -1,
        )
        if conn.transport is not None:
            conn.transport.abort()

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
        self.broadcast(namespace, room, self.encode(namespace, event, *args))

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
