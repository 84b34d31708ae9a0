"""GOP cache and fan-out on real fragments: late joiners start on a keyframe, slow viewers skip, stuck ones go."""

from __future__ import annotations

import json
import struct

import pytest

from stream.video.fmp4 import Fmp4Splitter, Fragment, InitSegment
from stream.video.hub import HEADER, KIND_DELTA, KIND_INIT, KIND_KEY, Hub, Viewer, ViewerLimits
from tests.stream.video.conftest import SMALL, Recording

pytestmark = pytest.mark.slow


class FakeTransport:
    """An asyncio write transport whose buffer only drains when the test says so."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.buffered = 0
        self.aborted = False

    def write(self, data: bytes) -> None:
        self.frames.append(data)
        self.buffered += len(data)

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def is_closing(self) -> bool:
        return self.aborted

    def abort(self) -> None:
        self.aborted = True

    def messages(self) -> list[tuple[str, object]]:
        """Decode our own websocket frames back: ("text", dict) or (kind, payload)."""
        out: list[tuple[str, object]] = []
        for frame in self.frames:
            length = frame[1] & 0x7F
            offset = 2
            if length == 126:
                offset = 4
            elif length == 127:
                offset = 10
            payload = frame[offset:]
            if frame[0] == 0x81:
                out.append(("text", json.loads(payload)))
            else:
                kind, _wall, _media = HEADER.unpack_from(payload)
                out.append(({KIND_INIT: "init", KIND_KEY: "key", KIND_DELTA: "delta"}[kind], payload[HEADER.size :]))
        return out


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def parts(recording: Recording) -> tuple[InitSegment, list[Fragment]]:
    items = Fmp4Splitter().feed(recording.stdout)
    init = items[0]
    assert isinstance(init, InitSegment)
    return init, [i for i in items if isinstance(i, Fragment)]


def test_websocket_frames_carry_their_length() -> None:
    from stream.video.hub import ws_frame

    assert ws_frame(b"x" * 5)[:2] == b"\x82\x05"
    assert ws_frame(b"x" * 300)[:4] == b"\x82\x7e" + struct.pack(">H", 300)
    assert ws_frame(b"x" * 70000)[:10] == b"\x82\x7f" + struct.pack(">Q", 70000)
    assert ws_frame(b"{}", text=True)[:2] == b"\x81\x02"


def test_late_joiner_starts_on_the_cached_keyframe(recording: Recording) -> None:
    init, frags = parts(recording)
    hub = Hub(camera="lab-1", name="Lab 1")
    hub.start_epoch(3, init)
    for frag in frags[:20]:  # one whole GOP, then 5 frames into the next
        hub.publish(frag)
    late = FakeTransport()
    hub.join(Viewer(late))
    msgs = late.messages()
    assert msgs[0][0] == "text"
    hello = msgs[0][1]
    assert isinstance(hello, dict)
    assert hello["type"] == "hello"
    assert hello["epoch"] == 3
    assert hello["codec"] == init.codec
    assert msgs[1] == ("init", init.data)
    assert [k for k, _ in msgs[2:]] == ["key", "delta", "delta", "delta", "delta"]
    assert msgs[2][1] == frags[15].data
    hub.publish(frags[20])
    assert late.messages()[-1] == ("delta", frags[20].data)


def test_viewer_joining_before_the_encoder_hears_offline_then_gets_everything(recording: Recording) -> None:
    init, frags = parts(recording)
    hub = Hub(camera="lab-1", name="Lab 1")
    early = FakeTransport()
    hub.join(Viewer(early))
    hub.start_epoch(1, init)
    for frag in frags[:3]:
        hub.publish(frag)
    kinds = [k for k, _ in early.messages()]
    assert kinds == ["text", "text", "init", "key", "delta", "delta"]
    assert early.messages()[0][1]["type"] == "offline"  # type: ignore[index]


def test_restart_sends_a_new_hello_and_waits_for_a_keyframe(recording: Recording) -> None:
    init, frags = parts(recording)
    hub = Hub(camera="lab-1", name="Lab 1")
    hub.start_epoch(1, init)
    viewer = FakeTransport()
    hub.join(Viewer(viewer))
    for frag in frags[:5]:
        hub.publish(frag)
    hub.stop_epoch()
    hub.start_epoch(2, init)
    hub.publish(frags[1])  # a delta frame first: the new decoder could not use it
    hub.publish(frags[15])
    tail = viewer.messages()[-4:]
    assert tail[0][1] == {"type": "offline", "camera": "lab-1", "epoch": 1}
    assert tail[1][0] == "text"
    assert tail[1][1]["epoch"] == 2  # type: ignore[index]
    assert [k for k, _ in tail[2:]] == ["init", "key"]


def test_slow_viewer_skips_to_the_next_keyframe(recording: Recording) -> None:
    init, frags = parts(recording)
    limits = ViewerLimits(high_water=100_000, low_water=10_000, stuck_s=30)
    hub = Hub(camera="lab-1", name="Lab 1", limits=limits)
    hub.start_epoch(1, init)
    slow, fast = FakeTransport(), FakeTransport()
    slow_viewer = Viewer(slow, limits)
    hub.join(slow_viewer)
    hub.join(Viewer(fast, limits))
    for frag in frags[:20]:
        hub.publish(frag)
        fast.buffered = 0  # the fast viewer's network keeps up
    assert slow_viewer.skipping_since is not None
    assert slow_viewer.stats.skips == 1
    assert len(fast.messages()) == 2 + 20
    sent_while_slow = len(slow.messages())
    slow.buffered = 0  # the slow viewer's network catches up mid-GOP...
    for frag in frags[20:30]:
        hub.publish(frag)
    assert len(slow.messages()) == sent_while_slow  # ...but only a keyframe can restart its decoder
    hub.publish(frags[30])
    assert slow.messages()[-1] == ("key", frags[30].data)
    assert slow_viewer.skipping_since is None
    assert slow_viewer.stats.dropped_fragments > 0
    assert not slow.aborted


def test_stuck_viewer_is_disconnected_and_forgotten(recording: Recording) -> None:
    init, frags = parts(recording)
    clock = Clock()
    limits = ViewerLimits(high_water=50_000, low_water=10_000, stuck_s=1)
    hub = Hub(camera="lab-1", name="Lab 1", limits=limits)
    hub.start_epoch(1, init)
    stuck = FakeTransport()
    hub.join(Viewer(stuck, limits, clock=clock))
    for frag in frags:
        hub.publish(frag)
        clock.now += 1 / SMALL.fps
    assert stuck.aborted
    assert hub.viewers == set()
    assert hub.stats.viewers_disconnected_slow == 1
