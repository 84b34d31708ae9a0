"""The application factory: one ``create_app(config)``; every resource lives in a cleanup context."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from server import keys
from server.clock import Clock, SystemClock
from server.config import Config
from server.db.engine import Database
from server.http import candidate, committee, pages
from server.http import results as results_routes
from server.http import transparency as transparency_routes
from server.http.common import errors_middleware, headers_middleware
from server.live import install_live
from server.security import RateLimiter
from server.services.committee import CommitteeService
from server.services.context import ServiceContext
from server.services.exam import ExamService
from server.services.setup import SetupService
from server.services.uploads import UploadService
from server.transparency.results import ResultsService
from server.transparency.service import TransparencyService
from server.video import install_video
from server.workers import autosubmit_ctx
from web import STATIC


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the database and build the services on it; dispose of it at shutdown."""
    config = app[keys.CONFIG]
    db = Database(config.database_url)
    ctx = ServiceContext(db=db, clock=app[keys.CLOCK], config=config)
    exams = ExamService(ctx)
    app[keys.DB] = db
    app[keys.CONTEXT] = ctx
    app[keys.EXAMS] = exams
    app[keys.COMMITTEE] = CommitteeService(ctx, exams)
    app[keys.SETUP] = SetupService(ctx)
    app[keys.UPLOADS] = UploadService(ctx, exams)
    await app[keys.SETUP].initialise()
    app[keys.TRANSPARENCY] = TransparencyService(ctx)
    app[keys.RESULTS] = ResultsService(ctx)
    ctx.start()
    yield
    await ctx.stop()
    await db.dispose()


def transparency_ctx(*, loop: bool) -> Callable[[web.Application], AsyncIterator[None]]:
    """The checkpointer: rebuild the log tree at startup; with ``loop``, sign every few seconds and at milestones."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        checkpointer = app[keys.TRANSPARENCY].checkpointer
        await checkpointer.load()
        app[keys.CONTEXT].listeners.append(checkpointer.listener)
        if loop:
            checkpointer.start()
        yield
        app[keys.CONTEXT].listeners.remove(checkpointer.listener)
        await checkpointer.stop()

    return ctx


async def healthz(request: web.Request) -> web.StreamResponse:
    return web.json_response({"ok": True})


def create_app(config: Config, *, clock: Clock | None = None, workers: bool = True) -> web.Application:
    """Build the exam server; ``workers=False`` leaves out background sweeps (tests drive them)."""
    app = web.Application(middlewares=[headers_middleware, errors_middleware], client_max_size=2 * 1024**2)
    app[keys.CONFIG] = config
    app[keys.CLOCK] = clock or SystemClock()
    app[keys.LOGIN_LIMIT] = RateLimiter(limit=config.login_rate_per_minute)
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(transparency_ctx(loop=workers))
    if workers:
        app.cleanup_ctx.append(autosubmit_ctx)
    app.router.add_get("/healthz", healthz)
    app.add_routes(pages.routes)
    app.add_routes(candidate.routes)
    app.add_routes(committee.routes)
    app.add_routes(transparency_routes.routes)
    app.add_routes(results_routes.routes)
    app.router.add_static("/static", STATIC, append_version=False)
    install_live(app)  # after the database context: the bridge listens to the log writer
    install_video(app)  # after the database context: segment hashes are written through the log writer
    return app
