"""Camera config parsing and the ffmpeg argument lists built for each kind of source."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.problems import ProblemsError
from stream.video.ffmpeg import build_command as build
from stream.video.ffmpeg import encode_barcode, find_ffmpeg, tee_spec
from stream.video.sources import (
    LoopingFile,
    RtmpListen,
    RtspCamera,
    SrtListen,
    TestPattern,
    V4l2Camera,
    parse_source,
    parse_sources,
    slug,
)


def test_each_kind_parses_to_its_dataclass() -> None:
    assert isinstance(parse_source({"name": "Lab 1"}), TestPattern)
    rtsp = parse_source({"name": "Lab 2", "kind": "rtsp", "url": "rtsp://10.0.0.5/stream1"})
    assert isinstance(rtsp, RtspCamera)
    assert rtsp.transport == "tcp"
    assert isinstance(parse_source({"name": "Meja", "kind": "v4l2", "device": "/dev/video0"}), V4l2Camera)
    assert isinstance(
        parse_source({"name": "OBS", "kind": "rtmp_listen", "url": "rtmp://0.0.0.0:1935/live/a"}), RtmpListen
    )
    assert isinstance(parse_source({"name": "OBS", "kind": "srt_listen", "url": "srt://0.0.0.0:9000"}), SrtListen)
    looped = parse_source({"name": "Rekaman", "kind": "file", "path": "/srv/a.mp4"})
    assert isinstance(looped, LoopingFile)
    assert looped.path == Path("/srv/a.mp4")


def test_camera_ids_come_from_names() -> None:
    assert slug("Meja panitia") == "meja-panitia"
    assert slug("Lab 1 (Utara)") == "lab-1-utara"
    assert parse_source({"name": "Meja panitia"}).id == "meja-panitia"
    assert parse_source({"name": "Meja panitia", "id": "meja"}).id == "meja"


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ProblemsError) as caught:
        parse_sources(
            [
                {"name": "", "kind": "rtsp", "url": "http://x", "fps": 0},
                {"name": "A", "kind": "webcam"},
                {"name": "B"},
                {"name": "b"},
            ]
        )
    fields = {(p.row, p.field) for p in caught.value.problems}
    assert {(1, "name"), (1, "url"), (1, "fps"), (2, "kind"), (4, "id")} <= fields
    assert all(p.id and p.en for p in caught.value.problems)


def test_one_encode_feeds_the_pipe_and_hls() -> None:
    argv = build("ffmpeg", parse_source({"name": "Lab 1"}))
    assert argv[argv.index("-f", argv.index("-map")) + 1] == "tee"
    assert argv.count("-vcodec") == 1
    for flag, value in (
        ("-tune", "zerolatency"),
        ("-bf", "0"),
        ("-g", "25"),
        ("-keyint_min", "25"),
        ("-sc_threshold", "0"),
        ("-flags", "+global_header"),
    ):
        assert argv[argv.index(flag) + 1] == value
    assert argv[-6] == tee_spec(pipe=True, hls=True, segment_s=2)
    assert "pipe:1" in argv[-6]
    assert "hls_segment_type=fmp4" in argv[-6]
    assert "RTCTIME" in argv[argv.index("-filter_complex") + 1]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"kind": "rtsp", "url": "rtsp://cam/1"},
            ["-rtsp_transport", "tcp", "-timeout", "10000000", "-i", "rtsp://cam/1"],
        ),
        (
            {"kind": "v4l2", "device": "/dev/video2", "input_format": "mjpeg"},
            ["-f", "v4l2", "-input_format", "mjpeg", "-i", "/dev/video2"],
        ),
        ({"kind": "rtmp_listen", "url": "rtmp://0.0.0.0:1935/live/lab"}, ["-listen", "1", "-i"]),
        ({"kind": "srt_listen", "url": "srt://0.0.0.0:9000"}, ["-i", "srt://0.0.0.0:9000?mode=listener"]),
        ({"kind": "file", "path": "/srv/a.mp4"}, ["-stream_loop", "-1", "-i", "/srv/a.mp4"]),
    ],
)
def test_camera_inputs(raw: dict[str, str], expected: list[str]) -> None:
    argv = build("ffmpeg", parse_source({"name": "Cam", **raw}))
    text = " ".join(argv)
    assert " ".join(expected) in text
    assert "scale=640:360" in text
    assert "RTCTIME" not in text


def test_barcode_bits_carry_a_checksum() -> None:
    bits = encode_barcode(0x01020304)
    assert len(bits) == 40
    value = sum(b << i for i, b in enumerate(bits[:32]))
    check = sum(b << i for i, b in enumerate(bits[32:]))
    assert value == 0x01020304
    assert check == 1 + 2 + 3 + 4


def test_ffmpeg_discovery_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "my-ffmpeg"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("UJIAN_FFMPEG", str(fake))
    assert find_ffmpeg() == str(fake)
    assert find_ffmpeg(str(fake)) == str(fake)
    monkeypatch.setenv("UJIAN_FFMPEG", str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError):
        find_ffmpeg()
    monkeypatch.delenv("UJIAN_FFMPEG")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert "imageio_ffmpeg" in find_ffmpeg()
