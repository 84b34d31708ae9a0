"""Background workers: submit attempts whose time ran out, even when the candidate is offline."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from server import keys
from server.db.queries import candidates as qc
from stream.tasks import cancel_and_wait

log = logging.getLogger(__name__)


async def submit_expired_once(app: web.Application) -> int:
    """One sweep: finalise every working attempt past its deadline; returns how many it submitted."""
    ctx = app[keys.CONTEXT]
    async with ctx.db.read() as s:
        due = await qc.expired_attempt_ids(s, now_ms=ctx.clock.now_ms())
    done = 0
    for candidate_id in due:
        if await app[keys.EXAMS].finalize_if_expired(candidate_id=candidate_id):
            done += 1
    return done


async def _loop(app: web.Application) -> None:
    interval = app[keys.CONFIG].autosubmit_interval_ms / 1000
    while True:
        try:
            await submit_expired_once(app)
        except Exception:
            # A failed sweep (e.g. the database restarting) is retried on the next tick.
            log.exception("auto-submit sweep failed")
        await asyncio.sleep(interval)


async def autosubmit_ctx(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_loop(app), name="autosubmit")
    yield
    await cancel_and_wait(task)
