"""Real ffmpeg output for the video tests: a short, small test-pattern encode made once per session."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from stream.video.ffmpeg import build_command, find_ffmpeg
from stream.video.sources import Encoding, TestPattern, parse_source

SMALL = Encoding(width=320, height=180, fps=15, bitrate_kbps=600, preset="ultrafast", segment_s=1)
FRAMES = 46  # three whole GOPs and one frame: the muxer's last fragment is a lone delta frame


def small_source(name: str = "Lab 1", **extra: object) -> TestPattern:
    source = parse_source({"name": name, "kind": "testsrc", **extra}, encoding=SMALL)
    assert isinstance(source, TestPattern)
    return source


async def until(predicate: Callable[[], bool], limit_s: float = 30) -> None:
    """Poll state that another process (ffmpeg) changes; fail after ``limit_s``."""
    async with asyncio.timeout(limit_s):
        for _ in itertools.count():
            if predicate():
                return
            await asyncio.sleep(0.05)


@dataclass(frozen=True)
class Recording:
    stdout: bytes
    hls_dir: Path


@pytest.fixture(scope="session")
def ffmpeg_exe() -> str:
    return find_ffmpeg()


@pytest.fixture(scope="session")
def recording(ffmpeg_exe: str, tmp_path_factory: pytest.TempPathFactory) -> Recording:
    """One encode, both outputs (fMP4 on stdout, HLS files), as fast as ffmpeg goes (no -re)."""
    out = tmp_path_factory.mktemp("recording")
    argv = build_command(ffmpeg_exe, small_source(), frames=FRAMES, realtime=False)
    done = subprocess.run(argv, cwd=out, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return Recording(stdout=done.stdout, hls_dir=out)
