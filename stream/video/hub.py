"""The live hub: one per camera; keeps the init segment and current GOP, fans fragments out to websocket viewers.

Wire format (server -> browser), in order on one websocket:

- text ``{"type": "hello", "camera", "name", "epoch", "codec", "width", "height", "server_ms"}`` when a viewer
  joins and whenever the encoder restarts (new epoch: the player must re-initialise its MediaSource);
- binary init segment, then binary fragments, each prefixed by a 17-byte header:
  ``kind:u8`` (0 init, 1 keyframe fragment, 2 other fragment), ``wall_ms:u64`` (when the hub received it from
  the encoder, ms since the Unix epoch), ``media_us:u64`` (the fragment's decode time in microseconds);
- text ``{"type": "offline", "camera", "epoch"}`` when the encoder stops.

Each fragment is framed once and the same bytes are written to every viewer's transport. A viewer's queue is
its transport write buffer, bounded by ``high_water`` bytes: a viewer above it skips to the next keyframe once
its buffer has drained below ``low_water``; one that has not recovered within ``stuck_s`` is disconnected.
"""

from __future__ import annotations

import json
import logging
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from stream.video.fmp4 import Fragment, InitSegment

log = logging.getLogger(__name__)

HEADER = struct.Struct(">BQQ")
KIND_INIT, KIND_KEY, KIND_DELTA = 0, 1, 2
MAX_GOP_FRAGMENTS = 600  # a source without keyframes must not grow the cache forever


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def ws_frame(payload: bytes, *, text: bool = False) -> bytes:
    """A complete unmasked server-to-client websocket frame (RFC 6455), FIN set."""
    first = 0x81 if text else 0x82
    n = len(payload)
    if n < 126:
        head = bytes((first, n))
    elif n < 65536:
        head = struct.pack(">BBH", first, 126, n)
    else:
        head = struct.pack(">BBQ", first, 127, n)
    return head + payload


def pack_message(kind: int, wall_ms: int, media_us: int, data: bytes) -> bytes:
    return HEADER.pack(kind, wall_ms, media_us) + data


class Transport(Protocol):
    """What a viewer needs of its connection (an ``asyncio.WriteTransport`` satisfies it)."""

    def write(self, data: bytes) -> None: ...

    def get_write_buffer_size(self) -> int: ...

    def is_closing(self) -> bool: ...

    def abort(self) -> None: ...


@dataclass(frozen=True)
class ViewerLimits:
    high_water: int = 512 * 1024
    low_water: int = 64 * 1024
    stuck_s: float = 15.0


@dataclass
class ViewerStats:
    sent_fragments: int = 0
    sent_bytes: int = 0
    dropped_fragments: int = 0
    skips: int = 0


class Viewer:
    """One websocket viewer. ``offer`` never blocks: it writes now, drops, or disconnects."""

    __slots__ = ("_clock", "closed", "kicked", "limits", "skipping_since", "stats", "transport", "waiting_key")

    def __init__(
        self, transport: Transport, limits: ViewerLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.transport = transport
        self.limits = limits or ViewerLimits()
        self.stats = ViewerStats()
        self.waiting_key = True  # start (and restart) only on a keyframe
        self.skipping_since: float | None = None
        self.closed = False
        self.kicked = False
        self._clock = clock

    def send_now(self, frame: bytes) -> None:
        """Control messages and the join burst: always written."""
        if not self.closed and not self.transport.is_closing():
            self.transport.write(frame)

    def offer(self, frame: bytes, keyframe: bool) -> None:
        if self.closed:
            return
        if self.transport.is_closing():
            self.closed = True
            return
        buffered = self.transport.get_write_buffer_size()
        if self.skipping_since is not None:
            if keyframe and buffered <= self.limits.low_water:
                self.skipping_since = None
                self.waiting_key = False
            elif self._clock() - self.skipping_since > self.limits.stuck_s:
                self.disconnect()
                return
            else:
                self.stats.dropped_fragments += 1
                return
        elif buffered > self.limits.high_water:
            self.skipping_since = self._clock()
            self.stats.skips += 1
            self.stats.dropped_fragments += 1
            return
        if self.waiting_key:
            if not keyframe:
                self.stats.dropped_fragments += 1
                return
            self.waiting_key = False
        self.transport.write(frame)
        self.stats.sent_fragments += 1
        self.stats.sent_bytes += len(frame)

    def disconnect(self) -> None:
        if not self.closed:
            self.closed = True
            self.kicked = True
            log.info("video viewer stuck for %.0f s: disconnected", self.limits.stuck_s)
            self.transport.abort()


@dataclass
class HubStats:
    fragments: int = 0
    bytes: int = 0
    viewers_joined: int = 0
    viewers_disconnected_slow: int = 0
    epochs: int = 0


@dataclass
class Hub:
    """One camera's live state and viewers."""

    camera: str
    name: str
    limits: ViewerLimits = field(default_factory=ViewerLimits)
    epoch: int = 0
    init: InitSegment | None = None
    live: bool = False
    stats: HubStats = field(default_factory=HubStats)
    on_fragment: list[Callable[[Fragment, int], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.viewers: set[Viewer] = set()
        self._hello: bytes = b""
        self._init_frame: bytes = b""
        self._gop: list[bytes] = []
        self.last_wall_ms = 0

    # --- producer side -------------------------------------------------------------------------------------
    def start_epoch(self, epoch: int, init: InitSegment) -> None:
        """A (re)started encoder: every viewer gets the new hello and init, then waits for a keyframe."""
        self.epoch, self.init, self.live = epoch, init, True
        self.stats.epochs += 1
        self._gop = []
        self._hello = ws_frame(json.dumps(self.hello()).encode(), text=True)
        self._init_frame = ws_frame(pack_message(KIND_INIT, now_ms(), 0, init.data))
        for viewer in list(self.viewers):
            viewer.waiting_key = True
            viewer.send_now(self._hello)
            viewer.send_now(self._init_frame)
        self._prune()

    def publish(self, fragment: Fragment) -> None:
        if self.init is None:
            return
        wall = fragment.wall_ms or now_ms()
        self.last_wall_ms = wall
        kind = KIND_KEY if fragment.keyframe else KIND_DELTA
        frame = ws_frame(pack_message(kind, wall, fragment.media_us(self.init.timescale), fragment.data))
        if fragment.keyframe:
            self._gop = [frame]
        elif self._gop and len(self._gop) < MAX_GOP_FRAGMENTS:
            self._gop.append(frame)
        else:
            self._gop = []
        self.stats.fragments += 1
        self.stats.bytes += len(fragment.data)
        for viewer in self.viewers:
            viewer.offer(frame, fragment.keyframe)
        if any(v.closed for v in self.viewers):
            self._prune()
        for callback in self.on_fragment:
            callback(fragment, wall)

    def stop_epoch(self) -> None:
        """The encoder stopped: tell viewers, forget the cache (the next epoch starts from its own init)."""
        if not self.live:
            return
        self.live = False
        message = ws_frame(
            json.dumps({"type": "offline", "camera": self.camera, "epoch": self.epoch}).encode(), text=True
        )
        for viewer in self.viewers:
            viewer.send_now(message)
        self._gop = []

    # --- viewer side ---------------------------------------------------------------------------------------
    def hello(self) -> dict[str, object]:
        init = self.init
        return {
            "type": "hello",
            "camera": self.camera,
            "name": self.name,
            "epoch": self.epoch,
            "codec": init.codec if init else None,
            "width": init.width if init else 0,
            "height": init.height if init else 0,
            "server_ms": now_ms(),
        }

    def join(self, viewer: Viewer) -> None:
        """Start a new viewer on the cached GOP: its first frame is decodable at once."""
        self.viewers.add(viewer)
        self.stats.viewers_joined += 1
        if self.init is None or not self.live:
            viewer.send_now(
                ws_frame(
                    json.dumps({"type": "offline", "camera": self.camera, "epoch": self.epoch}).encode(), text=True
                )
            )
            return
        viewer.send_now(ws_frame(json.dumps(self.hello()).encode(), text=True))
        viewer.send_now(self._init_frame)
        if self._gop:
            viewer.waiting_key = False
            for frame in self._gop:
                viewer.send_now(frame)

    def leave(self, viewer: Viewer) -> None:
        self.viewers.discard(viewer)

    def _prune(self) -> None:
        for viewer in [v for v in self.viewers if v.closed]:
            if viewer.kicked:
                self.stats.viewers_disconnected_slow += 1
            self.viewers.discard(viewer)

    def snapshot(self) -> dict[str, object]:
        return {
            "camera": self.camera,
            "name": self.name,
            "epoch": self.epoch,
            "live": self.live,
            "viewers": len(self.viewers),
            "fragments": self.stats.fragments,
            "bytes": self.stats.bytes,
            "gop_fragments": len(self._gop),
            "viewers_joined": self.stats.viewers_joined,
            "viewers_disconnected_slow": self.stats.viewers_disconnected_slow,
            "epochs": self.stats.epochs,
            "codec": self.init.codec if self.init else None,
        }
