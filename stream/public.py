"""The read-only public edge: /live (and the video relay slot), static files, nothing that writes.

It imports nothing of the exam server, holds no database connection, and is fed only through Redis.
Run it with ``ujian public`` or ``python -m stream.public --host 127.0.0.1 --port 8081``.
"""

from __future__ import annotations

import argparse
import logging
import resource
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


def create_public_app(settings: LiveSettings | PublicSettings) -> web.Application:
    """The edge application: GET/HEAD only, apart from Socket.IO's own polling transport."""
    public = settings if isinstance(settings, PublicSettings) else PublicSettings(settings)
    if public.live.role != "edge":
        public = PublicSettings(_as_edge(public.live), public.video)
    app = web.Application(client_max_size=64 * 1024)
    setup_live(app, public.live)
    app.router.add_static("/static", STATIC, append_version=False)
    app.router.add_get("/", _root)
    if public.video is not None:
        from stream.video import setup_video  # type: ignore[attr-defined]  # optional, built alongside

        setup_video(app, public.video)
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


def run_public(settings: LiveSettings | PublicSettings, *, host: str = "127.0.0.1", port: int = 8080) -> None:
    """What ``ujian public`` runs: raise the file limit, print the URL, serve until interrupted."""
    limit = raise_nofile_limit()
    app = create_public_app(settings)
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
