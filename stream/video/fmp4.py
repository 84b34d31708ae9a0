"""Fragmented MP4 (ISO BMFF) parsing: split a byte stream into the init segment and moof+mdat fragments."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"moof", b"traf", b"mvex", b"edts", b"dinf"}
_MAX_BOX = 64 * 1024 * 1024  # a fragment bigger than this is a broken stream, not video


class Fmp4Error(ValueError):
    """The byte stream is not the fragmented MP4 we expect."""


@dataclass(frozen=True, slots=True)
class Box:
    type: bytes
    start: int
    size: int
    header: int

    @property
    def body(self) -> int:
        return self.start + self.header

    @property
    def end(self) -> int:
        return self.start + self.size


def iter_boxes(data: bytes | memoryview, start: int = 0, end: int | None = None) -> Iterator[Box]:
    """Boxes laid end to end in ``data[start:end]``; raises on a truncated or impossible box."""
    end = len(data) if end is None else end
    pos = start
    while pos < end:
        if end - pos < 8:
            raise Fmp4Error(f"truncated box header at {pos}")
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if end - pos < 16:
                raise Fmp4Error(f"truncated large box header at {pos}")
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise Fmp4Error(f"box {kind!r} at {pos} has impossible size {size}")
        yield Box(kind, pos, size, header)
        pos += size


def find_box(data: bytes | memoryview, path: list[bytes], start: int = 0, end: int | None = None) -> Box | None:
    """The first box along ``path`` (e.g. ``[b"moov", b"trak", b"mdia", b"mdhd"]``)."""
    for box in iter_boxes(data, start, end):
        if box.type == path[0]:
            if len(path) == 1:
                return box
            if box.type in _CONTAINERS:
                found = find_box(data, path[1:], box.body, box.end)
                if found:
                    return found
    return None


@dataclass(frozen=True, slots=True)
class InitSegment:
    """``ftyp`` + ``moov``: what a decoder needs before any fragment."""

    data: bytes
    timescale: int
    codec: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Fragment:
    """One ``moof`` + ``mdat`` (with any ``styp``/``prft`` before it), self-contained for MSE."""

    data: bytes
    keyframe: bool
    decode_time: int
    duration: int
    samples: int
    wall_ms: int = 0

    def media_us(self, timescale: int) -> int:
        return self.decode_time * 1_000_000 // timescale


def parse_init(data: bytes) -> InitSegment:
    """Timescale, RFC 6381 codec string and size of the (first, video) track."""
    mdhd = find_box(data, [b"moov", b"trak", b"mdia", b"mdhd"])
    if mdhd is None:
        raise Fmp4Error("init segment has no mdhd")
    version = data[mdhd.body]
    timescale_at = mdhd.body + (20 if version == 1 else 12)
    (timescale,) = struct.unpack_from(">I", data, timescale_at)
    stsd = find_box(data, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd"])
    if stsd is None:
        raise Fmp4Error("init segment has no stsd")
    entry = next(iter_boxes(data, stsd.body + 8, stsd.end))
    codec, width, height = entry.type.decode("ascii", "replace"), 0, 0
    if entry.type in (b"avc1", b"avc3"):
        width, height = struct.unpack_from(">HH", data, entry.body + 24)
        avcc = find_box(data, [b"avcC"], entry.body + 78, entry.end)
        if avcc is None:
            raise Fmp4Error("avc1 sample entry without avcC")
        profile, compat, level = data[avcc.body + 1], data[avcc.body + 2], data[avcc.body + 3]
        codec = f"{entry.type.decode()}.{profile:02x}{compat:02x}{level:02x}"
    return InitSegment(data=bytes(data), timescale=timescale, codec=codec, width=width, height=height)


@dataclass(frozen=True, slots=True)
class MoofInfo:
    keyframe: bool
    decode_time: int
    duration: int
    samples: int


def parse_moof(data: bytes | memoryview, moof: Box) -> MoofInfo:
    """Keyframe flag, base decode time and duration of the first track fragment in ``moof``."""
    traf = find_box(data, [b"traf"], moof.body, moof.end)
    if traf is None:
        raise Fmp4Error("moof without traf")
    default_duration = 0
    default_flags = 0
    decode_time = 0
    duration = 0
    samples = 0
    first_flags: int | None = None
    for box in iter_boxes(data, traf.body, traf.end):
        if box.type == b"tfhd":
            (flags,) = struct.unpack_from(">I", data, box.body)
            flags &= 0xFFFFFF
            pos = box.body + 8  # version/flags + track_ID
            if flags & 0x01:
                pos += 8
            if flags & 0x02:
                pos += 4
            if flags & 0x08:
                (default_duration,) = struct.unpack_from(">I", data, pos)
                pos += 4
            if flags & 0x10:
                pos += 4
            if flags & 0x20:
                (default_flags,) = struct.unpack_from(">I", data, pos)
        elif box.type == b"tfdt":
            version = data[box.body]
            fmt = ">Q" if version == 1 else ">I"
            (decode_time,) = struct.unpack_from(fmt, data, box.body + 4)
        elif box.type == b"trun":
            d, n, ff = _parse_trun(data, box, default_duration, default_flags)
            duration += d
            samples += n
            if first_flags is None:
                first_flags = ff
    flags = default_flags if first_flags is None else first_flags
    # sample_is_non_sync_sample is bit 16; sample_depends_on == 2 also means "depends on nothing" (an I frame).
    keyframe = samples > 0 and (not flags & 0x10000 or (flags >> 24) & 0x3 == 2)
    return MoofInfo(keyframe=keyframe, decode_time=decode_time, duration=duration, samples=samples)


def _parse_trun(
    data: bytes | memoryview, box: Box, default_duration: int, default_flags: int
) -> tuple[int, int, int | None]:
    (vflags, count) = struct.unpack_from(">II", data, box.body)
    flags = vflags & 0xFFFFFF
    pos = box.body + 8
    if flags & 0x001:
        pos += 4
    first: int | None = None
    if flags & 0x004:
        (first,) = struct.unpack_from(">I", data, pos)
        pos += 4
    per_sample = sum(4 for bit in (0x100, 0x200, 0x400, 0x800) if flags & bit)
    total = 0
    for i in range(count):
        at = pos + i * per_sample
        if flags & 0x100:
            (dur,) = struct.unpack_from(">I", data, at)
            total += dur
        else:
            total += default_duration
        if i == 0 and first is None and flags & 0x400:
            off = at + (4 if flags & 0x100 else 0) + (4 if flags & 0x200 else 0)
            (first,) = struct.unpack_from(">I", data, off)
    if first is None and count:
        first = default_flags
    return total, count, first


def fragments_in(data: bytes) -> list[MoofInfo]:
    """Every fragment of a whole file (an HLS segment), in order."""
    return [parse_moof(data, box) for box in iter_boxes(data) if box.type == b"moof"]


class Fmp4Splitter:
    """Incremental: feed stdout chunks, get the init segment once, then one ``Fragment`` per moof+mdat."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pending = bytearray()  # ftyp/styp/prft/... waiting for the box that completes them
        self.init: InitSegment | None = None

    def feed(self, chunk: bytes) -> list[InitSegment | Fragment]:
        self._buf += chunk
        out: list[InitSegment | Fragment] = []
        pos = 0
        buf = self._buf
        while len(buf) - pos >= 8:
            size, kind = struct.unpack_from(">I4s", buf, pos)
            header = 8
            if size == 1:
                if len(buf) - pos < 16:
                    break
                (size,) = struct.unpack_from(">Q", buf, pos + 8)
                header = 16
            if size < header or size > _MAX_BOX:
                raise Fmp4Error(f"box {kind!r} with impossible size {size}")
            if len(buf) - pos < size:
                break
            box_bytes = bytes(buf[pos : pos + size])
            pos += size
            item = self._box(kind, box_bytes)
            if item is not None:
                out.append(item)
        del buf[:pos]
        return out

    def _box(self, kind: bytes, data: bytes) -> InitSegment | Fragment | None:
        if kind == b"moov":
            self.init = parse_init(bytes(self._pending) + data)
            self._pending.clear()
            return self.init
        if kind == b"moof":
            self._pending += data
            return None
        if kind == b"mdat":
            if not self._pending:
                raise Fmp4Error("mdat without moof")
            whole = bytes(self._pending) + data
            self._pending.clear()
            moof = next(b for b in iter_boxes(whole) if b.type == b"moof")
            info = parse_moof(whole, moof)
            return Fragment(
                data=whole,
                keyframe=info.keyframe,
                decode_time=info.decode_time,
                duration=info.duration,
                samples=info.samples,
            )
        if kind in (b"ftyp", b"styp", b"prft", b"sidx", b"emsg"):
            self._pending += data
            return None
        return None  # free, skip, uuid...: not needed by players
