"""Runs one ffmpeg per camera: feeds the hub from its stdout, logs its stderr, restarts it with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from stream.tasks import cancel_and_wait
from stream.video.ffmpeg import build_command
from stream.video.fmp4 import Fmp4Error, Fmp4Splitter, Fragment, InitSegment
from stream.video.hls import CameraArchive, OnSegment, SegmentWatcher
from stream.video.hub import Hub, now_ms
from stream.video.sources import SourceConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    first_s: float = 0.5
    max_s: float = 30.0
    # A run this long counts as healthy: the next failure starts the backoff again from first_s.
    healthy_s: float = 30.0

    def delays(self) -> Callable[[float], float]:
        current = [self.first_s]

        def next_delay(ran_s: float) -> float:
            if ran_s >= self.healthy_s:
                current[0] = self.first_s
            delay = current[0]
            current[0] = min(self.max_s, current[0] * 2)
            return delay

        return next_delay


class WallClockMap:
    """Keyframe decode time -> wall clock when the hub got it; dates archived segments."""

    def __init__(self, size: int = 4096) -> None:
        self._map: OrderedDict[int, int] = OrderedDict()
        self._size = size

    def add(self, fragment: Fragment, wall_ms: int) -> None:
        if fragment.keyframe:
            self._map[fragment.decode_time] = wall_ms
            while len(self._map) > self._size:
                self._map.popitem(last=False)

    def get(self, decode_time: int) -> int | None:
        return self._map.get(decode_time)

    def clear(self) -> None:
        self._map.clear()


class CameraSupervisor:
    """One camera: ffmpeg -> (fMP4 pipe -> hub) + (HLS files -> archive -> on_segment)."""

    def __init__(
        self,
        source: SourceConfig,
        hub: Hub,
        archive: CameraArchive,
        ffmpeg_exe: str,
        *,
        on_segment: OnSegment | None = None,
        backoff: Backoff | None = None,
        stop_grace_s: float = 5.0,
        frag_every_frame: bool = True,
    ) -> None:
        self.source = source
        self.hub = hub
        self.archive = archive
        self.ffmpeg_exe = ffmpeg_exe
        self.on_segment = on_segment
        self.backoff = backoff or Backoff()
        self.stop_grace_s = stop_grace_s
        self.frag_every_frame = frag_every_frame
        self.process: asyncio.subprocess.Process | None = None
        self.epoch = 0
        self.restarts = 0
        self.last_error: list[str] = []
        self._stopping = False
        self._stop_event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._walls = WallClockMap()
        hub.on_fragment.append(self._walls.add)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"video-{self.source.id}")

    async def stop(self) -> None:
        """Stop ffmpeg gracefully (it closes the last segment), then reap it. Idempotent."""
        self._stopping = True
        self._stop_event.set()
        if self.process is not None:
            await self._reap(self.process)
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), self.stop_grace_s + 5)
            except TimeoutError:
                await cancel_and_wait(self._task)
            self._task = None

    async def _reap(self, proc: asyncio.subprocess.Process) -> None:
        """SIGINT first (ffmpeg closes the current segment), SIGKILL after the grace period; always waited for."""
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(asyncio.shield(proc.wait()), self.stop_grace_s)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
        await proc.wait()

    async def _run(self) -> None:
        next_delay = self.backoff.delays()
        while not self._stopping:
            started = time.monotonic()
            try:
                await self._run_once()
            except Exception:
                log.exception("camera %s: pipeline failed", self.source.id)
            finally:
                self.hub.stop_epoch()
            if self._stopping:
                break
            delay = next_delay(time.monotonic() - started)
            self.restarts += 1
            log.warning(
                "camera %s: ffmpeg stopped (epoch %d); restarting in %.1f s; last stderr: %s",
                self.source.id,
                self.epoch,
                delay,
                " | ".join(self.last_error[-3:]),
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop_event.wait(), delay)

    async def _run_once(self) -> None:
        self.epoch = self.archive.new_epoch()
        cwd = self.archive.epoch_dir(self.epoch)
        argv = build_command(self.ffmpeg_exe, self.source, frag_every_frame=self.frag_every_frame)
        self._walls.clear()
        epoch_start = now_ms()
        log.info("camera %s: starting ffmpeg epoch %d", self.source.id, self.epoch)
        self.process = proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            # Its own session: a Ctrl-C meant for the server must not kill ffmpeg mid-segment; we stop it
            # gracefully ourselves. If we die, its next write to the closed pipe ends it.
            start_new_session=True,
        )
        watcher = SegmentWatcher(
            self.archive, self.epoch, wall_of=self._walls.get, on_segment=self.on_segment, epoch_start_ms=epoch_start
        )
        assert proc.stdout is not None
        assert proc.stderr is not None
        stderr_task = asyncio.create_task(self._drain_stderr(proc.stderr))
        watch_task = asyncio.create_task(watcher.run())
        try:
            if not self._stopping:
                await self._pump(proc.stdout)
        finally:
            if proc.returncode is None:
                if self._stopping:
                    await self._reap(proc)
                else:
                    # stdout closed or unparseable while ffmpeg lives on: kill it, a restart will follow.
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
            await proc.wait()
            await stderr_task
            watch_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch_task
            await watcher.finish()
        log.info("camera %s: ffmpeg epoch %d exited with %s", self.source.id, self.epoch, proc.returncode)

    async def _pump(self, stdout: asyncio.StreamReader) -> None:
        splitter = Fmp4Splitter()
        while True:
            chunk = await stdout.read(256 * 1024)
            if not chunk:
                return
            try:
                items = splitter.feed(chunk)
            except Fmp4Error:
                log.exception("camera %s: bad fMP4 from ffmpeg", self.source.id)
                return
            wall = now_ms()
            for item in items:
                if isinstance(item, InitSegment):
                    self.hub.start_epoch(self.epoch, item)
                else:
                    self.hub.publish(
                        Fragment(item.data, item.keyframe, item.decode_time, item.duration, item.samples, wall)
                    )

    async def _drain_stderr(self, stderr: asyncio.StreamReader) -> None:
        """Always read it (a full pipe would stall ffmpeg), and keep the last lines for the restart log."""
        while True:
            line = await stderr.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip()
            if not text:
                continue
            self.last_error = [*self.last_error[-19:], text]
            level = logging.ERROR if "[error]" in text or "[fatal]" in text else logging.INFO
            log.log(level, "ffmpeg %s: %s", self.source.id, text)

    def status(self) -> dict[str, object]:
        proc = self.process
        return {
            "camera": self.source.id,
            "epoch": self.epoch,
            "restarts": self.restarts,
            "pid": proc.pid if proc and proc.returncode is None else None,
        }
