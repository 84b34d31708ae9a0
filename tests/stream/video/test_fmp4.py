"""The fMP4 box parser on real ffmpeg output: init segment, fragments, keyframes, any chunking."""

from __future__ import annotations

import random

import pytest

from stream.video.fmp4 import Fmp4Error, Fmp4Splitter, Fragment, InitSegment, fragments_in, iter_boxes, parse_init
from tests.stream.video.conftest import FRAMES, SMALL, Recording

pytestmark = pytest.mark.slow


def split(data: bytes, chunk_sizes: list[int] | None = None) -> list[InitSegment | Fragment]:
    splitter = Fmp4Splitter()
    out: list[InitSegment | Fragment] = []
    pos = 0
    sizes = iter(chunk_sizes or [len(data)])
    while pos < len(data):
        n = next(sizes, 4096)
        out += splitter.feed(data[pos : pos + n])
        pos += n
    return out


def test_init_segment_describes_the_encode(recording: Recording) -> None:
    items = split(recording.stdout)
    init = items[0]
    assert isinstance(init, InitSegment)
    assert init.codec.startswith("avc1.")
    assert len(init.codec) == len("avc1.42c01e")
    assert (init.width, init.height) == (SMALL.width, SMALL.height)
    assert init.timescale % SMALL.fps == 0
    assert init.data[4:8] == b"ftyp"


def test_one_fragment_per_frame_with_a_keyframe_every_second(recording: Recording) -> None:
    items = split(recording.stdout)
    init = items[0]
    assert isinstance(init, InitSegment)
    frags = [i for i in items[1:] if isinstance(i, Fragment)]
    assert len(frags) == FRAMES
    assert all(f.samples == 1 for f in frags)
    keys = [n for n, f in enumerate(frags) if f.keyframe]
    assert keys == list(range(0, FRAMES, SMALL.gop))
    frame = init.timescale // SMALL.fps
    assert [f.decode_time for f in frags] == [n * frame for n in range(FRAMES)]
    assert all(f.duration == frame for f in frags)
    assert all(f.data[4:8] == b"moof" for f in frags)


def test_any_chunking_gives_the_same_fragments(recording: Recording) -> None:
    whole = split(recording.stdout)
    rng = random.Random(7)
    sizes = [rng.choice([1, 7, 8, 9, 100, 5000, 70000]) for _ in range(len(recording.stdout))]
    assert split(recording.stdout, sizes) == whole


def test_hls_segments_hold_whole_gops_with_the_same_timeline(recording: Recording) -> None:
    init = parse_init((recording.hls_dir / "init.mp4").read_bytes())
    segs = sorted(recording.hls_dir.glob("seg_*.m4s"))
    assert len(segs) == 4
    frags = [f for seg in segs for f in fragments_in(seg.read_bytes())]
    assert fragments_in(segs[0].read_bytes())[0].keyframe
    total = sum(f.duration for f in frags)
    assert total == FRAMES * init.timescale // SMALL.fps
    live = [i for i in split(recording.stdout) if isinstance(i, Fragment)]
    assert [f.decode_time for f in frags if f.keyframe] == [f.decode_time for f in live if f.keyframe]


def test_truncated_or_corrupt_input_is_refused(recording: Recording) -> None:
    data = recording.stdout
    with pytest.raises(Fmp4Error):
        list(iter_boxes(data[: len(data) - 3]))
    splitter = Fmp4Splitter()
    with pytest.raises(Fmp4Error):
        splitter.feed(b"\x00\x00\x00\x04moof")
    with pytest.raises(Fmp4Error):
        Fmp4Splitter().feed(data[data.index(b"mdat") - 4 :][:200000])
