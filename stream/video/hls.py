"""HLS and the archive: closed segments are hashed and indexed as they appear; playlists are built from the index."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from stream.video.ffmpeg import INIT_NAME
from stream.video.fmp4 import Fmp4Error, fragments_in, parse_init

log = logging.getLogger(__name__)

SEGMENT_RE = re.compile(r"^seg_(\d{5,9})\.m4s$")
INDEX_NAME = "index.jsonl"
LIVE_WINDOW = 6

# Cache policy: a segment URL names one immutable file; playlists change every segment.
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
CACHE_LIVE_PLAYLIST = "public, max-age=1"
CACHE_NONE = "no-cache"
TYPE_PLAYLIST = "application/vnd.apple.mpegurl"
TYPE_SEGMENT = "video/iso.segment"
TYPE_INIT = "video/mp4"


@dataclass(frozen=True)
class SegmentClosed:
    """One archived file, ready for the exam's event log. ``seq`` 0 is the epoch's init segment (duration 0);
    media segments are numbered from 1 within their epoch. Times are integer ms since the Unix epoch."""

    camera: str
    epoch: int
    seq: int
    path: Path
    sha256: str
    bytes: int
    start_ms: int
    duration_ms: int

    @property
    def name(self) -> str:
        return INIT_NAME if self.seq == 0 else f"seg_{self.seq:05d}.m4s"

    def as_json(self) -> dict[str, object]:
        """Integers and strings only (the event log takes no floats); the path is relative to the archive."""
        data = asdict(self)
        data["path"] = f"{self.camera}/{self.epoch:06d}/{self.name}"
        return data


OnSegment = Callable[[SegmentClosed], Awaitable[None]]


def _iso(ms: int) -> str:
    stamp = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


class CameraArchive:
    """One camera's directory: ``<epoch>/init.mp4``, ``<epoch>/seg_NNNNN.m4s`` and ``index.jsonl``."""

    def __init__(self, root: Path, camera: str) -> None:
        self.camera = camera
        self.dir = root / camera
        self.dir.mkdir(parents=True, exist_ok=True)
        self.inits: dict[int, SegmentClosed] = {}
        self.segments: list[SegmentClosed] = []
        self._load()

    def _load(self) -> None:
        index = self.dir / INDEX_NAME
        if not index.exists():
            return
        for line in index.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                raw["path"] = self.dir.parent / raw["path"]
                self._add(SegmentClosed(**raw))
            except (ValueError, TypeError, KeyError):
                log.warning("archive %s: skipping unreadable index line", self.camera)

    def _add(self, seg: SegmentClosed) -> None:
        if seg.seq == 0:
            self.inits[seg.epoch] = seg
        else:
            self.segments.append(seg)

    def epoch_dir(self, epoch: int) -> Path:
        return self.dir / f"{epoch:06d}"

    def new_epoch(self) -> int:
        """Never reuse an epoch: its files are evidence."""
        used = [int(p.name) for p in self.dir.iterdir() if p.is_dir() and p.name.isdigit()]
        used += list(self.inits)
        epoch = max(used, default=0) + 1
        self.epoch_dir(epoch).mkdir(parents=True)
        return epoch

    def record(self, seg: SegmentClosed) -> None:
        self._add(seg)
        with (self.dir / INDEX_NAME).open("a", encoding="utf-8") as f:
            f.write(json.dumps(seg.as_json(), sort_keys=True, separators=(",", ":")) + "\n")

    def file(self, epoch: int, name: str) -> SegmentClosed | None:
        """Only files that were closed and indexed are served."""
        if name == INIT_NAME:
            return self.inits.get(epoch)
        match = SEGMENT_RE.match(name)
        if not match:
            return None
        seq = int(match.group(1))
        for seg in reversed(self.segments):
            if seg.epoch == epoch and seg.seq == seq:
                return seg
        return None

    def at(self, t_ms: int) -> tuple[int, SegmentClosed, bool] | None:
        """(index, segment, exact) for wall clock ``t_ms``; in a gap, the next segment (exact False)."""
        for i, seg in enumerate(self.segments):
            if seg.start_ms <= t_ms < seg.start_ms + seg.duration_ms:
                return i, seg, True
            if seg.start_ms > t_ms:
                return i, seg, False
        return None

    def playlist(self, *, live: bool, start_ms: int | None = None, ended: bool = False) -> str:
        """Live: the last few segments. Archive: every segment (an EVENT playlist, ENDLIST once ended)."""
        segs = self.segments[-LIVE_WINDOW:] if live else self.segments
        first_index = len(self.segments) - len(segs)
        target = max((math.ceil(s.duration_ms / 1000) for s in segs), default=1)
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:7",
            f"#EXT-X-TARGETDURATION:{target}",
            f"#EXT-X-MEDIA-SEQUENCE:{first_index + 1}",
        ]
        discontinuities = sum(
            1
            for a, b in zip(self.segments[:first_index], self.segments[1 : first_index + 1], strict=False)
            if a.epoch != b.epoch
        )
        if live:
            lines.append(f"#EXT-X-DISCONTINUITY-SEQUENCE:{discontinuities}")
        else:
            lines.append("#EXT-X-PLAYLIST-TYPE:EVENT")
            if start_ms is not None:
                found = self.at(start_ms)
                if found:
                    i, seg, exact = found
                    offset = sum(s.duration_ms for s in self.segments[:i]) + (start_ms - seg.start_ms if exact else 0)
                    lines.append(f"#EXT-X-START:TIME-OFFSET={offset // 1000}.{offset % 1000:03d},PRECISE=YES")
        lines.append("#EXT-X-INDEPENDENT-SEGMENTS")
        epoch = None
        for seg in segs:
            if seg.epoch != epoch:
                if epoch is not None:
                    lines.append("#EXT-X-DISCONTINUITY")
                epoch = seg.epoch
                lines.append(f'#EXT-X-MAP:URI="{seg.epoch}/{INIT_NAME}"')
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_iso(seg.start_ms)}")
            lines.append(f"#EXTINF:{seg.duration_ms // 1000}.{seg.duration_ms % 1000:03d},")
            lines.append(f"{seg.epoch}/{seg.name}")
        if ended:
            lines.append("#EXT-X-ENDLIST")
        return "\n".join(lines) + "\n"

    def index_json(self) -> dict[str, object]:
        return {
            "camera": self.camera,
            "epochs": [
                {"epoch": e, "init": f"{e}/{INIT_NAME}", "sha256": s.sha256, "start_ms": s.start_ms}
                for e, s in sorted(self.inits.items())
            ],
            "segments": [
                {
                    "epoch": s.epoch,
                    "seq": s.seq,
                    "url": f"{s.epoch}/{s.name}",
                    "start_ms": s.start_ms,
                    "duration_ms": s.duration_ms,
                    "bytes": s.bytes,
                    "sha256": s.sha256,
                }
                for s in self.segments
            ],
        }


class SegmentWatcher:
    """Watches one epoch directory; each segment that ffmpeg closes (renames from ``.tmp``) is hashed,
    indexed and handed to ``on_segment``, in order."""

    def __init__(
        self,
        archive: CameraArchive,
        epoch: int,
        *,
        wall_of: Callable[[int], int | None],
        on_segment: OnSegment | None,
        epoch_start_ms: int,
        interval_s: float = 0.25,
    ) -> None:
        self.archive = archive
        self.epoch = epoch
        self.dir = archive.epoch_dir(epoch)
        self.wall_of = wall_of
        self.on_segment = on_segment
        self.epoch_start_ms = epoch_start_ms
        self.interval_s = interval_s
        self.next_seq = 1
        self.timescale: int | None = None
        self._next_start_ms = epoch_start_ms

    async def run(self) -> None:
        while True:
            await self.scan()
            await asyncio.sleep(self.interval_s)

    async def scan(self) -> int:
        """Record every newly closed segment; returns how many."""
        count = 0
        while True:
            path = self.dir / f"seg_{self.next_seq:05d}.m4s"
            if not path.exists():
                return count
            await self._init()
            await self._record(path, self.next_seq)
            self.next_seq += 1
            count += 1

    async def finish(self) -> int:
        """After ffmpeg exited: pick up the last closed segments. A segment still open when ffmpeg died (its
        ``.tmp`` file: one moof for the whole segment, so unplayable when cut) is left on disk, not archived."""
        count = await self.scan()
        tmp = self.dir / f"seg_{self.next_seq:05d}.m4s.tmp"
        if tmp.exists():
            log.warning(
                "camera %s epoch %d: segment %d was cut short by an abrupt stop and is not archived",
                self.archive.camera,
                self.epoch,
                self.next_seq,
            )
        return count

    async def _init(self) -> None:
        if self.timescale is not None:
            return
        path = self.dir / INIT_NAME
        data = await asyncio.to_thread(path.read_bytes)
        self.timescale = parse_init(data).timescale
        seg = SegmentClosed(
            camera=self.archive.camera,
            epoch=self.epoch,
            seq=0,
            path=path,
            sha256=hashlib.sha256(data).hexdigest(),
            bytes=len(data),
            start_ms=self.epoch_start_ms,
            duration_ms=0,
        )
        await self._publish(seg)

    async def _record(self, path: Path, seq: int) -> None:
        data = await asyncio.to_thread(path.read_bytes)
        timescale = self.timescale or 1000
        try:
            frags = fragments_in(data)
        except Fmp4Error:
            frags = []
        duration = sum(f.duration for f in frags)
        start = self.wall_of(frags[0].decode_time) if frags else None
        if start is None:
            start = self._next_start_ms
        duration_ms = duration * 1000 // timescale
        self._next_start_ms = start + duration_ms
        seg = SegmentClosed(
            camera=self.archive.camera,
            epoch=self.epoch,
            seq=seq,
            path=path,
            sha256=hashlib.sha256(data).hexdigest(),
            bytes=len(data),
            start_ms=start,
            duration_ms=duration_ms,
        )
        await self._publish(seg)

    async def _publish(self, seg: SegmentClosed) -> None:
        self.archive.record(seg)
        if self.on_segment is not None:
            try:
                await self.on_segment(seg)
            except Exception:
                # The recording goes on; the log hook's owner must see the failure.
                log.exception("on_segment hook failed for %s epoch %d seq %d", seg.camera, seg.epoch, seg.seq)
