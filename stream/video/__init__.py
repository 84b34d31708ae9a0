"""Venue video: one ffmpeg encode per camera, a websocket fMP4 hub, HLS fallback and the hashed archive."""

from stream.video.hls import SegmentClosed
from stream.video.hub import ViewerLimits
from stream.video.service import VideoService, VideoSettings
from stream.video.sources import Encoding, SourceConfig, parse_source, parse_sources

__all__ = [
    "Encoding",
    "SegmentClosed",
    "SourceConfig",
    "VideoService",
    "VideoSettings",
    "ViewerLimits",
    "parse_source",
    "parse_sources",
]
