"""Venue video on the exam server: cameras from config, every archived segment hashed into the log."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server import keys
from server.events import VideoSegmentClosed
from server.services.writer import Tx
from stream.video.hls import SegmentClosed
from stream.video.routes import setup_video
from stream.video.service import VideoSettings
from stream.video.sources import parse_sources

DEMO_CAMERAS: tuple[dict[str, Any], ...] = ({"name": "Lab 1", "kind": "testsrc"},)


def install_video(app: web.Application) -> None:
    """Register /video when cameras are configured; segment hashes go through the log writer."""
    config = app[keys.CONFIG]
    if not config.cameras:
        return
    sources = parse_sources([dict(c) for c in config.cameras])

    async def on_segment(segment: SegmentClosed) -> None:
        data = segment.as_json()

        async def unit(tx: Tx) -> None:
            await tx.record(VideoSegmentClosed(**data))  # type: ignore[arg-type]

        await app[keys.CONTEXT].write(unit)

    setup_video(app, VideoSettings(sources=sources, archive_dir=config.data_dir / "video", on_segment=on_segment))
