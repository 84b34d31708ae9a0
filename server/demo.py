"""The demo exam day: seed the sample exam, an admin and an open session; keep a few candidates busy."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

from server import keys
from server.importers import ExamPackage, load_dir
from server.services.committee import Member
from server.services.setup import Card, ImportSummary
from server.simulate import Pace, SimulatedCandidate

log = logging.getLogger(__name__)
DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_ADMIN = ("admin", "panitia-demo-2026")  # demo only: printed at start, refused outside demo mode
DEMO_PROCTOR = ("pengawas", "pengawas-demo-2026")
DEMO_AUDITOR = ("auditor", "auditor-demo-2026")
DEMO_WITNESS = ("saksi", "saksi-demo-2026")
"""Two more committee members, so a key correction can be proposed by the admin and approved by two others."""


@dataclass
class DemoState:
    summary: ImportSummary
    token: str
    simulated: tuple[Card, ...]
    human: tuple[Card, ...]


DEMO: web.AppKey[DemoState] = web.AppKey("demo")


def demo_package() -> ExamPackage:
    return load_dir(DEMO_DIR)


async def seed(app: web.Application, package: ExamPackage, *, simulate: int) -> DemoState:
    """Import the sample exam, add the committee logins and open the first session."""
    summary = await app[keys.SETUP].import_package(package)
    committee = app[keys.COMMITTEE]
    await committee.add_user(username=DEMO_ADMIN[0], password=DEMO_ADMIN[1], role="admin", display_name="Admin Demo")
    await committee.add_user(
        username=DEMO_PROCTOR[0], password=DEMO_PROCTOR[1], role="proctor", display_name="Pengawas Demo"
    )
    await committee.add_user(
        username=DEMO_AUDITOR[0], password=DEMO_AUDITOR[1], role="auditor", display_name="Auditor Demo"
    )
    await committee.add_user(
        username=DEMO_WITNESS[0], password=DEMO_WITNESS[1], role="witness", display_name="Saksi Demo"
    )
    first = summary.sessions[0]
    token = await committee.open_session(
        Member(0, DEMO_ADMIN[0], "admin"),
        code=first,
        reason="Demo: sesi dibuka otomatis / opened automatically",
    )
    in_first = tuple(c for c in summary.cards if c.session == first)
    return DemoState(summary, token, in_first[:simulate], in_first[simulate:])


def demo_ctx(package: ExamPackage, simulate: int, pace: Pace) -> Callable[[web.Application], AsyncIterator[None]]:
    """Seed before the server listens; the simulated candidates start once it does (they wait and retry)."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        state = await seed(app, package, simulate=simulate)
        app[DEMO] = state
        config = app[keys.CONFIG]
        base = f"http://{config.host}:{config.port}"
        tasks = [
            asyncio.create_task(
                _run_bot(
                    SimulatedCandidate(base, card.number, card.pin, state.token, pace=pace, seed=n),
                    delay=1.0 + 3.0 * n,
                )
            )
            for n, card in enumerate(state.simulated)
        ]
        yield
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    return ctx


async def _run_bot(bot: SimulatedCandidate, *, delay: float) -> None:
    await asyncio.sleep(delay)
    for _try in range(30):
        try:
            await bot.run()
            return
        except (OSError, aiohttp.ClientConnectionError):
            await asyncio.sleep(1)  # the server is not listening yet
        except Exception as exc:
            log.warning("simulated candidate %s stopped: %s", bot.number, exc)
            return


def banner(state: DemoState, base: str) -> str:
    lines = [
        "",
        "Ujian Terbuka — demo exam day (SQLite)",
        f"  Candidates / Peserta:   {base}/ujian",
        f"  Committee / Panitia:    {base}/panitia",
        f"  Home:                   {base}/",
        "",
        f"  Admin login:    {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}",
        f"  Proctor login:  {DEMO_PROCTOR[0]} / {DEMO_PROCTOR[1]}",
        f"  Auditor login:  {DEMO_AUDITOR[0]} / {DEMO_AUDITOR[1]}",
        f"  Witness login:  {DEMO_WITNESS[0]} / {DEMO_WITNESS[1]}",
        f"  Session token / Token sesi: {state.token}",
        "",
        "  Candidates you can log in as (number  PIN):",
        *[f"    {c.number}  {c.pin}   {c.name} — {c.position}, {c.village}" for c in state.human],
        "",
        f"  Simulated candidates taking the exam now: {', '.join(c.number for c in state.simulated) or 'none'}",
        "",
    ]
    return "\n".join(lines)
