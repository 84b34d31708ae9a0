"""The read-only public edge: /live (and the video relay slot), static files, nothing that writes.

It imports nothing of the exam server, holds no database connection, and is fed only through Redis.
Run it with ``ujian public`` or ``python -m stream.public --host 127.0.0.1 --port 8081``.
"""

from __future__ import annotations

import argparse
import gc
import logging
import resource
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from stream.live.routes import setup_live
from stream.live.settings import LiveSettings
from web import STATIC

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PublicSettings:
    live: LiveSettings
    video: Any | None = field(default=None)
    """A ``stream.video`` VideoSettings; when given, ``setup_video(app, video)`` adds the relay."""
    upstream: str | None = None
    """The exam server's URL; when given, ``/transparansi`` (checkpoints, proofs, bundle) is relayed."""


def create_public_app(settings: LiveSettings | PublicSettings) -> web.Application:
    """The edge application: GET/HEAD only, apart from Socket.IO's own polling transport."""
    public = settings if isinstance(settings, PublicSettings) else PublicSettings(settings)
    if public.live.role != "edge":
        public = PublicSettings(_as_edge(public.live), public.video, public.upstream)
    app = web.Application(client_max_size=64 * 1024)
    setup_live(app, public.live)
    app.router.add_static("/static", STATIC, append_version=False)
    app.router.add_get("/", _root)
    if public.video is not None:
        from stream.video.routes import setup_video

        setup_video(app, public.video)
    if public.upstream:
        from stream.record_relay import RecordRelay

        RecordRelay(public.upstream).install(app)
    return app


def _as_edge(live: LiveSettings) -> LiveSettings:
    from dataclasses import replace

    return replace(live, role="edge")


async def _root(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/live")


def raise_nofile_limit() -> int:
    """Raise the open-files soft limit to the hard limit: each viewer is a socket. Returns the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            log.warning("could not raise RLIMIT_NOFILE from %d", soft)
    return soft


def watch_gc(threshold_ms: float = 50.0) -> None:
    """Log garbage-collector pauses long enough to show up as viewer latency."""
    started: list[float] = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        pause = (time.perf_counter() - started[0]) * 1000
        if pause >= threshold_ms:
            log.warning(
                "gc generation %d paused the event loop %.0f ms (%d collected)",
                info.get("generation", -1),
                pause,
                info.get("collected", 0),
            )

    gc.callbacks.append(callback)


async def _tame_gc(app: web.Application) -> None:
    """Keep full collections from scanning every viewer's objects on the event loop's time.

    Tens of thousands of long-lived connection objects make a generation-2 collection take seconds (seen
    in the bench: 0.6-2 s pauses at 3,000 viewers). Every ``freeze_s`` the young generations are
    collected and everything alive is frozen (moved out of the collector's sight); every ``full_s`` the
    heap is unfrozen and collected once, so cyclic garbage of departed viewers is still reclaimed.
    Freezing every second (not every 5 s) matters in a connect storm: at 2,000 joins/s the objects of
    5 s of joins made each automatic generation-2 pass grow to 220 ms; 1 s of them stays far smaller.
    """
    import asyncio

    async def loop(freeze_s: float = 1.0, full_s: float = 900.0) -> None:
        last_full = time.monotonic()
        while True:
            await asyncio.sleep(freeze_s)
            if time.monotonic() - last_full >= full_s:
                gc.unfreeze()
                gc.collect()
                last_full = time.monotonic()
            else:
                gc.collect(1)
            gc.freeze()

    gc.collect()
    gc.freeze()
    task = asyncio.ensure_future(loop())

    async def stop(app: web.Application) -> None:
        task.cancel()

    app.on_cleanup.append(stop)


def run_public(settings: LiveSettings | PublicSettings, *, host: str = "127.0.0.1", port: int = 8080) -> None:
    """What ``ujian public`` runs: raise the file limit, print the URL, serve until interrupted."""
    limit = raise_nofile_limit()
    watch_gc()
    app = create_public_app(settings)
    app.on_startup.append(_tame_gc)
    print(f"Ujian Terbuka public edge: http://{host}:{port}/live  (open files limit {limit})", flush=True)
    web.run_app(app, host=host, port=port, access_log=None, print=None, backlog=4096)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m stream.public", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_public(LiveSettings.from_env(role="edge"), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
