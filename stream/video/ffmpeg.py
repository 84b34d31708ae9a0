"""The one module that knows ffmpeg: finding the binary and building its argument list with ffmpeg-python."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg as ffmpeg_python

from stream.video.sources import (
    Encoding,
    LoopingFile,
    RtmpListen,
    RtspCamera,
    SourceConfig,
    SrtListen,
    TestPattern,
    V4l2Camera,
)

# Names ffmpeg writes inside an epoch directory (ffmpeg runs with that directory as its cwd, so no path
# ever needs escaping inside the tee muxer's option syntax).
HLS_PLAYLIST = "ffmpeg.m3u8"
INIT_NAME = "init.mp4"
SEGMENT_PATTERN = "seg_%05d.m4s"

BARCODE_BITS = 32
CHECKSUM_BITS = 8
BARCODE_COLUMNS = 20
BARCODE_ROWS = (BARCODE_BITS + CHECKSUM_BITS) // BARCODE_COLUMNS

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
    "/usr/share/fonts/TTF/DejaVuSansMono.ttf",
    "/System/Library/Fonts/Menlo.ttc",
)


class FfmpegNotFound(FileNotFoundError):
    """No usable ffmpeg: say where we looked."""


def find_ffmpeg(explicit: str | None = None) -> str:
    """``explicit``, else ``UJIAN_FFMPEG``, else ``ffmpeg`` on PATH, else the imageio-ffmpeg wheel's binary."""
    for candidate in (explicit, os.environ.get("UJIAN_FFMPEG")):
        if candidate:
            found = shutil.which(candidate)
            if found:
                return found
            raise FfmpegNotFound(f"ffmpeg not found or not executable: {candidate}")
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - it is a declared dependency
        raise FfmpegNotFound("no ffmpeg: set UJIAN_FFMPEG, put ffmpeg on PATH or install imageio-ffmpeg") from exc
    exe: str = imageio_ffmpeg.get_ffmpeg_exe()
    return exe


def font_file() -> str | None:
    """A TrueType font for the burned-in clock, or None (then the clock is left out, never a crash loop)."""
    env = os.environ.get("UJIAN_VIDEO_FONT")
    for path in (env, *_FONT_CANDIDATES):
        if path and Path(path).is_file():
            return path
    return None


@dataclass(frozen=True)
class BarcodeLayout:
    """Where the wall-clock bits sit: BARCODE_ROWS x BARCODE_COLUMNS cells at the top-left of the frame.

    Bit ``i`` (0 = least significant) is row ``i // 20``, column ``i % 20``; white = 1. Bits 0..31 hold the
    capture wall clock in ms modulo 2^32, bits 32..39 the sum of its four bytes modulo 256. The player's
    ``measure.js`` decodes the same layout.
    """

    cell_w: int
    cell_h: int

    @classmethod
    def for_size(cls, width: int, height: int) -> BarcodeLayout:
        return cls(cell_w=width // BARCODE_COLUMNS, cell_h=max(6, height // 18))


def encode_barcode(ms: int) -> list[int]:
    """The 40 bits burned into a frame captured at wall clock ``ms`` (used by tests and bench to check)."""
    value = ms % (1 << BARCODE_BITS)
    checksum = sum((value >> (8 * i)) & 0xFF for i in range(4)) % 256
    return [(value >> k) & 1 for k in range(BARCODE_BITS)] + [(checksum >> k) & 1 for k in range(CHECKSUM_BITS)]


def _bit_expr(bit: int) -> str:
    v = "floor(t*1000+0.5)"
    if bit < BARCODE_BITS:
        return f"eq(mod(floor({v}/{2**bit}),2),1)"
    byte_sum = "+".join(f"mod(floor({v}/{2 ** (8 * i)}),256)" for i in range(4))
    return f"eq(mod(floor(mod({byte_sum},256)/{2 ** (bit - BARCODE_BITS)}),2),1)"


def _with_barcode(stream: Any, enc: Encoding) -> Any:
    layout = BarcodeLayout.for_size(enc.width, enc.height)
    stream = stream.filter(
        "drawbox", x=0, y=0, w=layout.cell_w * BARCODE_COLUMNS, h=layout.cell_h * BARCODE_ROWS, color="black", t="fill"
    )
    for bit in range(BARCODE_BITS + CHECKSUM_BITS):
        row, col = divmod(bit, BARCODE_COLUMNS)
        stream = stream.filter(
            "drawbox",
            x=col * layout.cell_w,
            y=row * layout.cell_h,
            w=layout.cell_w,
            h=layout.cell_h,
            color="white",
            t="fill",
            enable=_bit_expr(bit),
        )
    return stream


def _with_text(stream: Any, enc: Encoding, text: str) -> Any:
    font = font_file()
    if font is None:
        return stream
    size = max(10, enc.height // 14)
    return stream.filter(
        "drawtext",
        fontfile=font,
        text=text,
        x=size // 2,
        y=f"h-th-{size // 2}",
        fontsize=size,
        fontcolor="white",
        box=1,
        boxcolor="black@0.6",
        boxborderw=size // 4,
    )


def _test_pattern(source: TestPattern, realtime: bool) -> Any:
    enc = source.encoding
    pace: dict[str, Any] = {"re": None} if realtime else {}
    stream = ffmpeg_python.input(f"testsrc2=size={enc.width}x{enc.height}:rate={enc.fps}", f="lavfi", **pace)
    # Stamp each frame with the wall clock at the moment it leaves the "camera" (ms resolution), draw it,
    # then give the encoder regular timestamps again.
    stream = stream.filter("settb", "1/1000").filter("setpts", "floor(RTCTIME/1000)")
    if source.barcode:
        stream = _with_barcode(stream, enc)
    if source.clock:
        gmtoff = time.localtime().tm_gmtoff
        stream = _with_text(stream, enc, f"%{{pts:localtime:0:%F}} %{{pts:hms24hh:{gmtoff}}}")
    return stream.filter("settb", f"1/{enc.fps}").filter("setpts", "N")


def _camera_input(source: SourceConfig) -> Any:
    if isinstance(source, RtspCamera):
        return ffmpeg_python.input(
            source.url, rtsp_transport=source.transport, timeout=10_000_000, fflags="nobuffer", flags="low_delay"
        )
    if isinstance(source, V4l2Camera):
        kwargs: dict[str, Any] = {"f": "v4l2"}
        if source.input_format:
            kwargs["input_format"] = source.input_format
        return ffmpeg_python.input(source.device, **kwargs)
    if isinstance(source, RtmpListen):
        return ffmpeg_python.input(source.url, f="flv", listen=1, fflags="nobuffer")
    if isinstance(source, SrtListen):
        url = source.url
        if "mode=" not in url:
            url += ("&" if "?" in url else "?") + "mode=listener"
        return ffmpeg_python.input(url, f="mpegts", fflags="nobuffer")
    if isinstance(source, LoopingFile):
        return ffmpeg_python.input(str(source.path), re=None, stream_loop=-1)
    raise TypeError(f"not a camera source: {source!r}")


def _camera(source: SourceConfig) -> Any:
    enc = source.encoding
    stream = _camera_input(source).video
    stream = (
        stream.filter("scale", enc.width, enc.height, force_original_aspect_ratio="decrease")
        .filter("pad", enc.width, enc.height, "(ow-iw)/2", "(oh-ih)/2")
        .filter("fps", enc.fps)
    )
    if source.clock:
        stream = _with_text(stream, enc, "%{localtime:%F %T}")
    return stream


def tee_spec(*, pipe: bool, hls: bool, segment_s: int, frag_every_frame: bool = True) -> str:
    """One encode, two muxers: fragmented MP4 on stdout for the hub, HLS (fMP4) files for CDN and archive."""
    outputs = []
    if pipe:
        movflags = "empty_moov+default_base_moof" + ("+frag_every_frame" if frag_every_frame else "+frag_keyframe")
        outputs.append(f"[f=mp4:movflags={movflags}:flush_packets=1]pipe:1")
    if hls:
        outputs.append(
            f"[f=hls:onfail=ignore:hls_time={segment_s}:hls_list_size=5:hls_segment_type=fmp4"
            f":hls_fmp4_init_filename={INIT_NAME}:hls_segment_filename={SEGMENT_PATTERN}:start_number=1"
            f":hls_flags=temp_file+independent_segments]{HLS_PLAYLIST}"
        )
    return "|".join(outputs)


def build_command(
    ffmpeg_exe: str,
    source: SourceConfig,
    *,
    pipe: bool = True,
    hls: bool = True,
    frag_every_frame: bool = True,
    threads: int | None = None,
    frames: int | None = None,
    realtime: bool = True,
) -> list[str]:
    """The full argv for one camera. Run it with the epoch directory as cwd when ``hls`` is on.

    ``frames`` stops after that many frames and ``realtime=False`` lets the test pattern run as fast as it
    can: both only for tests and tools."""
    if not (pipe or hls):
        raise ValueError("need at least one output")
    enc = source.encoding
    stream = _test_pattern(source, realtime) if isinstance(source, TestPattern) else _camera(source)
    kwargs: dict[str, Any] = {
        "f": "tee",
        "vcodec": "libx264",
        "preset": enc.preset,
        "tune": "zerolatency",
        "bf": 0,
        "g": enc.gop,
        "keyint_min": enc.gop,
        "sc_threshold": 0,
        "b:v": f"{enc.bitrate_kbps}k",
        "maxrate": f"{enc.bitrate_kbps}k",
        "bufsize": f"{enc.bitrate_kbps}k",
        "pix_fmt": "yuv420p",
        # The tee muxer cannot tell the encoder that MP4 wants out-of-band SPS/PPS; say it.
        "flags": "+global_header",
        "an": None,
        "fps_mode": "passthrough",
    }
    if threads:
        kwargs["threads"] = threads
    if frames:
        kwargs["frames:v"] = frames
    out = ffmpeg_python.output(
        stream, tee_spec(pipe=pipe, hls=hls, segment_s=enc.segment_s, frag_every_frame=frag_every_frame), **kwargs
    )
    out = out.global_args("-hide_banner", "-nostdin", "-nostats", "-loglevel", "level+warning")
    args: list[str] = ffmpeg_python.compile(out, cmd=ffmpeg_exe)
    return args
