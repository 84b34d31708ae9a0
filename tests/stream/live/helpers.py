"""Builders and a recording Socket.IO client for the live tests (real servers, real clients; no mocks)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import socketio
from aiohttp import web
from aiohttp.test_utils import TestServer

from stream.live.model import FormationKey, SeatRow, SessionInfo

VILLAGE = "Sukorejo"
POSITION = "Kepala Dusun"
SESSION = "S1"
FID = FormationKey(SESSION, VILLAGE, POSITION).id


def seat(
    n: int,
    *,
    status: str = "working",
    answered: int = 0,
    total: int = 40,
    score: int | None = None,
    submitted_at: int | None = None,
    village: str = VILLAGE,
    position: str = POSITION,
    deadline_ms: int | None = 4_000_000_000_000,
) -> SeatRow:
    submitted = status == "submitted"
    return SeatRow(
        number=f"P-{n:03d}",
        name=f"Nama Peserta {n}",
        village=village,
        position=position,
        status=status,  # type: ignore[arg-type]
        answered=answered if not submitted else total,
        total=total,
        deadline_ms=deadline_ms if status == "working" else None,
        sections=(("TWK", (score or 0) // 2), ("TIU", (score or 0) - (score or 0) // 2)) if submitted else (),
        total_milli=score if submitted else None,
        passed=(score or 0) >= 60_000 if submitted else None,
        submitted_at_ms=submitted_at if submitted else None,
    )


def info(**kw: Any) -> SessionInfo:
    return SessionInfo(
        SESSION, kw.pop("title", "Sesi Pagi"), sections=(("TWK", "Wawasan"), ("TIU", "Intelegensia")), **kw
    )


async def until(cond: Callable[[], bool], limit_s: float = 10.0) -> None:
    """Wait for a condition (bounded); asserting on the condition, never on how long it took."""
    async with asyncio.timeout(limit_s):
        while not cond():  # noqa: ASYNC110 - the conditions are plain state of other objects
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


class Viewer:
    """A python-socketio client that records every /live event it gets and applies them like the page."""

    def __init__(self, transports: list[str] | None = None) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.transports = transports or ["websocket"]
        self.events: list[tuple[str, Any]] = []
        self.seq = 0
        self.epoch: str | None = None
        self.rows: dict[str, dict[str, Any]] = {}
        self.gaps = 0
        self.client.on("*", self._on, namespace="/live")

    async def _on(self, event: str, data: Any) -> None:
        self.events.append((event, data))
        if event == "snapshot":
            self.epoch, self.seq = data["epoch"], data["seq"]
            self.rows = {r["k"]: r for r in data["rows"]}
        elif event == "delta":
            if data["epoch"] != self.epoch or data["seq"] != self.seq + 1:
                self.gaps += 1
                await self.client.emit("resync", {"f": data["f"]}, namespace="/live")
                return
            self.seq = data["seq"]
            for r in data["rows"]:
                self.rows[r["k"]] = r
            for k in data["gone"]:
                self.rows.pop(k, None)

    async def connect(self, url: str, fid: str = FID) -> Viewer:
        await self.client.connect(url, namespaces=["/live"], transports=self.transports, wait_timeout=10)
        await self.client.emit("join", {"f": fid}, namespace="/live")
        await until(lambda: any(e == "snapshot" for e, _ in self.events))
        return self

    def named(self, event: str) -> list[Any]:
        return [d for e, d in self.events if e == event]

    def by_number(self, number: str) -> dict[str, Any] | None:
        return next((r for r in self.rows.values() if r.get("number") == number), None)

    async def close(self) -> None:
        await self.client.shutdown()
