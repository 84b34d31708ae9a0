"""aiohttp AppKeys for what stream/ puts on an application (append new keys; never rewrite others')."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from stream.live.feed import LiveFeed
    from stream.live.routes import Live

LIVE: web.AppKey[Live] = web.AppKey("ujian_live")
"""The live scoreboard runtime: settings, Socket.IO server, hub, feed (exam role) and committee hub."""
LIVE_FEED: web.AppKey[LiveFeed | None] = web.AppKey("ujian_live_feed")
"""The publisher API for the exam server (None on a public edge)."""

if TYPE_CHECKING:
    from stream.video.service import VideoService

VIDEO: web.AppKey[VideoService] = web.AppKey("ujian_video")
"""The venue video runtime: a hub per camera, its ffmpeg supervisors or the edge relay, and the archives."""
