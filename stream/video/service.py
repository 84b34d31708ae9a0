"""The video runtime of one process: a hub per camera, fed by its own ffmpeg (exam server) or by a relay (edge)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from stream.video.ffmpeg import find_ffmpeg
from stream.video.hls import CameraArchive, OnSegment
from stream.video.hub import Hub, ViewerLimits
from stream.video.relay import Relay
from stream.video.sources import SourceConfig
from stream.video.supervisor import Backoff, CameraSupervisor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoSettings:
    """What the exam server or a public edge decides about video.

    ``sources``: cameras this process encodes (ignored when ``upstream`` is set).
    ``archive_dir``: where HLS segments of the whole session are kept (one directory per camera).
    ``on_segment``: awaited once per archived file, in order; the exam server appends it to the event log.
    ``upstream``: base URL of an upstream hub (``http://exam-server:8080``): relay it instead of running ffmpeg.
    ``ffmpeg``: explicit binary; else ``UJIAN_FFMPEG``, PATH, then the imageio-ffmpeg wheel.
    """

    sources: tuple[SourceConfig, ...]
    archive_dir: Path
    on_segment: OnSegment | None = None
    upstream: str | None = None
    ffmpeg: str | None = None
    limits: ViewerLimits = field(default_factory=ViewerLimits)
    backoff: Backoff = field(default_factory=Backoff)
    frag_every_frame: bool = True


class VideoService:
    """Starts and stops everything; handlers look cameras up here."""

    def __init__(self, settings: VideoSettings) -> None:
        self.settings = settings
        self.hubs: dict[str, Hub] = {}
        self.archives: dict[str, CameraArchive] = {}
        self.supervisors: dict[str, CameraSupervisor] = {}
        self.relay: Relay | None = None
        self.running = False

    @property
    def relaying(self) -> bool:
        return self.settings.upstream is not None

    def _hub(self, camera: str, name: str) -> Hub:
        hub = Hub(camera=camera, name=name, limits=self.settings.limits)
        self.hubs[camera] = hub
        return hub

    async def start(self) -> None:
        settings = self.settings
        if settings.upstream:
            self.relay = Relay(settings.upstream, self._hub)
            await self.relay.start()
        else:
            exe = find_ffmpeg(settings.ffmpeg)
            log.info("video: ffmpeg %s, %d camera(s), archive %s", exe, len(settings.sources), settings.archive_dir)
            for source in settings.sources:
                hub = self._hub(source.id, source.name)
                archive = CameraArchive(settings.archive_dir, source.id)
                self.archives[source.id] = archive
                sup = CameraSupervisor(
                    source,
                    hub,
                    archive,
                    exe,
                    on_segment=settings.on_segment,
                    backoff=settings.backoff,
                    frag_every_frame=settings.frag_every_frame,
                )
                self.supervisors[source.id] = sup
                sup.start()
        self.running = True

    async def stop(self) -> None:
        self.running = False
        for sup in self.supervisors.values():
            await sup.stop()
        if self.relay is not None:
            await self.relay.stop()

    def cameras(self) -> list[dict[str, object]]:
        return [
            {"id": hub.camera, "name": hub.name, "epoch": hub.epoch, "live": hub.live} for hub in self.hubs.values()
        ]
