"""The archive: closed segments hashed and indexed in order, playlists built from the index, crash salvage."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from stream.video.hls import CameraArchive, SegmentClosed, SegmentWatcher
from tests.stream.video.conftest import Recording

pytestmark = pytest.mark.slow


def seg(epoch: int, seq: int, start: int, dur: int = 2000) -> SegmentClosed:
    return SegmentClosed(
        camera="lab-1",
        epoch=epoch,
        seq=seq,
        path=Path(f"/x/{epoch}/{seq}"),
        sha256="ab" * 32,
        bytes=10,
        start_ms=start,
        duration_ms=dur,
    )


def test_playlists_cross_epochs_with_discontinuities(tmp_path: Path) -> None:
    archive = CameraArchive(tmp_path, "lab-1")
    for s in [
        seg(1, 0, 1000, 0),
        seg(1, 1, 1000),
        seg(1, 2, 3000),
        seg(2, 0, 9000, 0),
        seg(2, 1, 9000),
        seg(2, 2, 11000, 1500),
    ]:
        archive.record(s)
    text = archive.playlist(live=False, start_ms=10_500)
    lines = text.splitlines()
    assert lines[0] == "#EXTM3U"
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in lines
    assert "#EXT-X-START:TIME-OFFSET=5.500,PRECISE=YES" in lines
    assert lines.count("#EXT-X-DISCONTINUITY") == 1
    assert '#EXT-X-MAP:URI="2/init.mp4"' in lines
    assert "#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:09.000Z" in lines
    assert "#EXTINF:1.500," in lines
    assert "#EXT-X-ENDLIST" not in lines
    assert "#EXT-X-ENDLIST" in archive.playlist(live=False, ended=True)
    # Reloading the index from disk gives the same archive.
    again = CameraArchive(tmp_path, "lab-1")
    assert again.playlist(live=False) == archive.playlist(live=False)
    assert again.new_epoch() == 3


def test_live_playlist_is_a_sliding_window(tmp_path: Path) -> None:
    archive = CameraArchive(tmp_path, "lab-1")
    archive.record(seg(1, 0, 0, 0))
    for i in range(1, 9):
        archive.record(seg(1, i, (i - 1) * 2000))
    archive.record(seg(2, 0, 40_000, 0))
    archive.record(seg(2, 1, 40_000))
    lines = archive.playlist(live=True).splitlines()
    assert "#EXT-X-MEDIA-SEQUENCE:4" in lines
    assert "#EXT-X-DISCONTINUITY-SEQUENCE:0" in lines
    assert [ln for ln in lines if ln.endswith(".m4s")] == [f"1/seg_{i:05d}.m4s" for i in range(4, 9)] + [
        "2/seg_00001.m4s"
    ]


def test_wall_clock_lookup(tmp_path: Path) -> None:
    archive = CameraArchive(tmp_path, "lab-1")
    for s in [seg(1, 1, 1000), seg(1, 2, 3000), seg(2, 1, 9000)]:
        archive.record(s)
    assert archive.at(3500) == (1, archive.segments[1], True)
    assert archive.at(6000) == (2, archive.segments[2], False)  # camera was off: next recording
    assert archive.at(99_000) is None


async def test_watcher_hashes_each_closed_segment_in_order(recording: Recording, tmp_path: Path) -> None:
    archive = CameraArchive(tmp_path, "lab-1")
    epoch = archive.new_epoch()
    got: list[SegmentClosed] = []

    async def hook(s: SegmentClosed) -> None:
        got.append(s)

    watcher = SegmentWatcher(archive, epoch, wall_of=lambda _t: None, on_segment=hook, epoch_start_ms=1_000_000)
    epoch_dir = archive.epoch_dir(epoch)
    shutil.copy(recording.hls_dir / "init.mp4", epoch_dir)
    assert await watcher.scan() == 0
    shutil.copy(recording.hls_dir / "seg_00001.m4s", epoch_dir)
    (epoch_dir / "seg_00002.m4s.tmp").write_bytes(b"being written")
    assert await watcher.scan() == 1
    for name in ("seg_00002.m4s", "seg_00003.m4s", "seg_00004.m4s"):
        shutil.copy(recording.hls_dir / name, epoch_dir)
    (epoch_dir / "seg_00002.m4s.tmp").unlink()
    assert await watcher.finish() == 3
    assert [(s.seq, s.epoch) for s in got] == [(0, epoch), (1, epoch), (2, epoch), (3, epoch), (4, epoch)]
    for s in got:
        data = s.path.read_bytes()
        assert s.sha256 == hashlib.sha256(data).hexdigest()
        assert s.bytes == len(data)
    assert got[1].start_ms == 1_000_000
    assert got[1].duration_ms == 1000
    assert got[2].start_ms == got[1].start_ms + got[1].duration_ms
    assert sum(s.duration_ms for s in got) == 3066  # 46 frames at 15 fps, in whole ms per segment
    assert got[0].as_json()["path"] == f"lab-1/{epoch:06d}/init.mp4"
    assert archive.file(epoch, "seg_00003.m4s") == got[3]
    assert archive.file(epoch, "seg_00009.m4s") is None
    assert archive.file(epoch, "../index.jsonl") is None


async def test_a_segment_cut_short_by_a_crash_is_not_archived(recording: Recording, tmp_path: Path) -> None:
    archive = CameraArchive(tmp_path, "lab-1")
    epoch = archive.new_epoch()
    epoch_dir = archive.epoch_dir(epoch)
    shutil.copy(recording.hls_dir / "init.mp4", epoch_dir)
    shutil.copy(recording.hls_dir / "seg_00001.m4s", epoch_dir)
    whole = (recording.hls_dir / "seg_00002.m4s").read_bytes()
    (epoch_dir / "seg_00002.m4s.tmp").write_bytes(whole[: len(whole) * 2 // 3])
    watcher = SegmentWatcher(archive, epoch, wall_of=lambda _t: None, on_segment=None, epoch_start_ms=0)
    assert await watcher.finish() == 1  # the one closed segment
    assert [s.seq for s in archive.segments] == [1]
    assert (epoch_dir / "seg_00002.m4s.tmp").exists()  # left for forensics
