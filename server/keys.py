"""Every piece of shared application state, as typed aiohttp AppKeys, declared in this one module."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from server.clock import Clock
    from server.config import Config
    from server.db.engine import Database
    from server.security import RateLimiter
    from server.services.committee import CommitteeService
    from server.services.context import ServiceContext
    from server.services.exam import ExamService
    from server.services.setup import SetupService
    from server.services.uploads import UploadService
    from server.transparency.results import ResultsService
    from server.transparency.service import TransparencyService

CONFIG: web.AppKey[Config] = web.AppKey("config")
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
DB: web.AppKey[Database] = web.AppKey("db")
CONTEXT: web.AppKey[ServiceContext] = web.AppKey("context")
EXAMS: web.AppKey[ExamService] = web.AppKey("exams")
COMMITTEE: web.AppKey[CommitteeService] = web.AppKey("committee")
SETUP: web.AppKey[SetupService] = web.AppKey("setup")
LOGIN_LIMIT: web.AppKey[RateLimiter] = web.AppKey("login_limit")
TRANSPARENCY: web.AppKey[TransparencyService] = web.AppKey("transparency")
RESULTS: web.AppKey[ResultsService] = web.AppKey("results")
UPLOADS: web.AppKey[UploadService] = web.AppKey("uploads")
