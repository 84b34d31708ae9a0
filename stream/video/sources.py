"""Camera sources: one frozen dataclass per kind, parsed from plain config dicts."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.problems import Problem, ProblemsError

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium")


@dataclass(frozen=True)
class Encoding:
    """The one H.264 encode every viewer and the archive share."""

    width: int = 640
    height: int = 360
    fps: int = 25
    bitrate_kbps: int = 1500
    preset: str = "veryfast"
    # HLS/archive segment length; the GOP is always one second, so this is a whole number of GOPs.
    segment_s: int = 2

    @property
    def gop(self) -> int:
        return self.fps


@dataclass(frozen=True)
class _Source:
    id: str
    name: str
    encoding: Encoding
    clock: bool


@dataclass(frozen=True)
class TestPattern(_Source):
    """Synthetic pattern with a readable wall clock and a wall-clock barcode in every frame."""

    __test__ = False  # not a pytest class, despite the name
    barcode: bool = True


@dataclass(frozen=True)
class RtspCamera(_Source):
    url: str = ""
    transport: str = "tcp"


@dataclass(frozen=True)
class V4l2Camera(_Source):
    device: str = "/dev/video0"
    input_format: str | None = None


@dataclass(frozen=True)
class RtmpListen(_Source):
    """OBS pushes to us: ffmpeg listens on this rtmp:// address."""

    url: str = ""


@dataclass(frozen=True)
class SrtListen(_Source):
    """OBS pushes to us: ffmpeg listens on this srt:// address (mode=listener is added)."""

    url: str = ""


@dataclass(frozen=True)
class LoopingFile(_Source):
    path: Path = field(default_factory=Path)


SourceConfig = TestPattern | RtspCamera | V4l2Camera | RtmpListen | SrtListen | LoopingFile
KINDS = ("testsrc", "rtsp", "v4l2", "rtmp_listen", "srt_listen", "file")


def slug(name: str) -> str:
    """A URL-safe camera id from its display name: "Meja panitia" -> "meja-panitia"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40] or "kamera"


def _problem(field_name: str, id_text: str, en_text: str, row: int | None) -> Problem:
    return Problem(code=f"video.{field_name}", id=id_text, en=en_text, field=field_name, row=row, source="video")


def _int(
    raw: Mapping[str, Any], key: str, default: int, lo: int, hi: int, problems: list[Problem], row: int | None
) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        problems.append(
            _problem(key, f"{key} harus bilangan bulat {lo}..{hi}", f"{key} must be an integer {lo}..{hi}", row)
        )
        return default
    return value


def _encoding(raw: Mapping[str, Any], problems: list[Problem], row: int | None, base: Encoding) -> Encoding:
    preset = raw.get("preset", base.preset)
    if preset not in PRESETS:
        problems.append(_problem("preset", "preset x264 tidak dikenal", "unknown x264 preset", row))
        preset = base.preset
    enc = Encoding(
        width=_int(raw, "width", base.width, 64, 3840, problems, row),
        height=_int(raw, "height", base.height, 64, 2160, problems, row),
        fps=_int(raw, "fps", base.fps, 1, 60, problems, row),
        bitrate_kbps=_int(raw, "bitrate_kbps", base.bitrate_kbps, 50, 20000, problems, row),
        preset=preset,
        segment_s=_int(raw, "segment_s", base.segment_s, 1, 10, problems, row),
    )
    if enc.width % 2 or enc.height % 2:
        problems.append(_problem("width", "lebar dan tinggi harus genap", "width and height must be even", row))
    return enc


def _text(raw: Mapping[str, Any], key: str, problems: list[Problem], row: int | None, prefix: str | None = None) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(_problem(key, f"{key} wajib diisi", f"{key} is required", row))
        return ""
    if prefix and not value.startswith(prefix):
        problems.append(_problem(key, f"{key} harus diawali {prefix}", f"{key} must start with {prefix}", row))
    return value.strip()


def parse_source(raw: Mapping[str, Any], *, row: int | None = None, encoding: Encoding | None = None) -> SourceConfig:
    """One camera from a config dict; raises ``ProblemsError`` listing every problem at once."""
    problems: list[Problem] = []
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(_problem("name", "nama kamera wajib diisi", "camera name is required", row))
        name = ""
    name = name.strip()
    cam_id = raw.get("id") or slug(name)
    if not isinstance(cam_id, str) or not _ID_RE.match(cam_id):
        problems.append(
            _problem(
                "id",
                "id kamera hanya huruf kecil, angka dan tanda minus",
                "camera id may only hold lowercase letters, digits and '-'",
                row,
            )
        )
        cam_id = "kamera"
    kind = raw.get("kind", "testsrc")
    enc = _encoding(raw, problems, row, encoding or Encoding())
    clock = raw.get("clock", kind == "testsrc")
    if not isinstance(clock, bool):
        problems.append(_problem("clock", "clock harus true/false", "clock must be true/false", row))
        clock = False
    common: dict[str, Any] = {"id": cam_id, "name": name, "encoding": enc, "clock": clock}
    source: SourceConfig
    if kind == "testsrc":
        source = TestPattern(**common, barcode=bool(raw.get("barcode", True)))
    elif kind == "rtsp":
        transport = raw.get("transport", "tcp")
        if transport not in ("tcp", "udp"):
            problems.append(_problem("transport", "transport harus tcp atau udp", "transport must be tcp or udp", row))
        source = RtspCamera(**common, url=_text(raw, "url", problems, row, "rtsp"), transport=str(transport))
    elif kind == "v4l2":
        fmt = raw.get("input_format")
        source = V4l2Camera(
            **common,
            device=_text(raw, "device", problems, row, "/dev/"),
            input_format=fmt if isinstance(fmt, str) else None,
        )
    elif kind == "rtmp_listen":
        source = RtmpListen(**common, url=_text(raw, "url", problems, row, "rtmp://"))
    elif kind == "srt_listen":
        source = SrtListen(**common, url=_text(raw, "url", problems, row, "srt://"))
    elif kind == "file":
        source = LoopingFile(**common, path=Path(_text(raw, "path", problems, row)))
    else:
        problems.append(
            _problem(
                "kind",
                f"jenis sumber tidak dikenal: {kind!r}",
                f"unknown source kind: {kind!r} (one of {', '.join(KINDS)})",
                row,
            )
        )
        source = TestPattern(**common)
    if problems:
        raise ProblemsError(problems)
    return source


def parse_sources(raws: list[Mapping[str, Any]], *, encoding: Encoding | None = None) -> tuple[SourceConfig, ...]:
    """Every camera, all-or-nothing; camera ids must be unique."""
    problems: list[Problem] = []
    out: list[SourceConfig] = []
    seen: set[str] = set()
    for i, raw in enumerate(raws, start=1):
        try:
            src = parse_source(raw, row=i, encoding=encoding)
        except ProblemsError as exc:
            problems.extend(exc.problems)
            continue
        if src.id in seen:
            problems.append(_problem("id", f"id kamera ganda: {src.id}", f"duplicate camera id: {src.id}", i))
        seen.add(src.id)
        out.append(src)
    if problems:
        raise ProblemsError(problems)
    return tuple(out)
