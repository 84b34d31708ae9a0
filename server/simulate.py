"""Simulated candidates: real HTTP clients that log in and answer at a human pace (demo and benchmarks)."""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

log = logging.getLogger(__name__)


@dataclass
class Timings:
    """Latencies (seconds) a run collected, for the benchmark's report."""

    logins: list[float] = field(default_factory=list)
    saves: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    starts: list[float] = field(default_factory=list)
    polls: list[float] = field(default_factory=list)
    """GET /ujian/api/attempt and /ujian/api/ping, the browser's background traffic."""

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


class ApiFailure(RuntimeError):
    """A non-200 answer from the API, with its status and error code."""

    def __init__(self, path: str, status: int, code: str, message: str | None) -> None:
        super().__init__(f"{path} {status}: {message}")
        self.status, self.code = status, code


@dataclass(frozen=True)
class Pace:
    """Seconds between answers: a person reads, thinks and clicks."""

    min_s: float = 3.0
    max_s: float = 12.0
    flag_rate: float = 0.1
    change_rate: float = 0.1


def choose(item: dict[str, Any], rng: random.Random) -> Any:
    """A plausible answer for any item kind."""
    ids = [o["id"] for o in item["options"]]
    if item["kind"] == "truefalse":
        return rng.choice([True, False])
    if item["kind"] == "multi":
        return sorted(rng.sample(ids, rng.randint(1, max(1, len(ids) // 2))))
    if item["kind"] == "ordering":
        return rng.sample(ids, len(ids))
    if item["kind"] == "matching":
        return {left["id"]: rng.choice(ids) for left in item.get("left", [])}
    if item["kind"] == "short_text":
        return rng.choice(["PDF", "pdf", "Word", "tidak tahu"])
    if item["kind"] == "numeric":
        return rng.choice(["0,625", "0.6", "1"])
    if item["kind"] == "typing":
        text = item["typing"]["text"][: rng.randint(10, 120)]
        keys, t = [], 0
        for ch in text:
            t += rng.randint(120, 300)
            keys.append([t, ch])
        return {"typed": text, "elapsed_ms": t + 200, "keystrokes": keys, "pasted": False}
    if item["kind"] in ("document", "spreadsheet"):
        return None  # simulated candidates upload nothing
    return rng.choice(ids)


class SimulatedCandidate:
    """One candidate at one lab PC, talking to the server exactly as the browser does."""

    def __init__(
        self,
        base_url: str,
        number: str,
        pin: str,
        token: str,
        *,
        pace: Pace = Pace(),
        seed: int | None = None,
        timings: Timings | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.base = base_url.rstrip("/")
        self.number, self.pin, self.token = number, pin, token
        self.pace = pace
        self.rng = random.Random(seed if seed is not None else number)
        self.timings = timings or Timings()
        self._session = session
        self.seq = 0

    async def _post(self, http: aiohttp.ClientSession, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with http.post(self.base + path, json=body) as response:
            if response.status >= 500:
                raise ApiFailure(path, response.status, f"http.{response.status}", await response.text())
            data: dict[str, Any] = await response.json()
            if response.status != 200:
                error = data.get("error", {})
                raise ApiFailure(path, response.status, error.get("code", str(response.status)), error.get("en"))
            return data

    async def login(self, http: aiohttp.ClientSession) -> None:
        if not any(c.key == "ujian_dev" for c in http.cookie_jar):
            # Like the browser: the login page first, which gives this PC its device id, so a login
            # retried after a lost answer is recognised as the same PC.
            async with http.get(self.base + "/ujian") as page:
                await page.read()
        began = time.perf_counter()
        await self._post(http, "/ujian/api/login", {"number": self.number, "pin": self.pin, "token": self.token})
        self.timings.logins.append(time.perf_counter() - began)

    async def start(self, http: aiohttp.ClientSession) -> dict[str, Any]:
        """Press "Mulai": start the attempt (harmless if already started); returns the state."""
        began = time.perf_counter()
        state = await self._post(http, "/ujian/api/start", {})
        self.timings.starts.append(time.perf_counter() - began)
        self.seq = state["last_seq"]
        return state

    async def poll(self, http: aiohttp.ClientSession, path: str = "/ujian/api/ping") -> dict[str, Any] | None:
        """One background GET the browser makes (``/ujian/api/ping`` or ``/ujian/api/attempt``)."""
        began = time.perf_counter()
        try:
            async with http.get(self.base + path) as response:
                if response.status >= 500:
                    self.timings.error(f"http.{response.status}")
                    return None
                data: dict[str, Any] = await response.json()
                if response.status == 200:
                    self.timings.polls.append(time.perf_counter() - began)
                    return data
                self.timings.error(data.get("error", {}).get("code", str(response.status)))
        except (TimeoutError, aiohttp.ClientError):
            self.timings.error("network")
        return None

    async def run(
        self, *, answer_all: bool = True, submit: bool = True, stop: Callable[[], bool] = lambda: False
    ) -> dict[str, Any]:
        """Log in, start, answer every item at the configured pace, then submit; returns the final state."""
        own = self._session is None
        http = self._session or aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        try:
            await self.login(http)
            state = await self.start(http)
            items = list(state["items"])
            for item in items if answer_all else items[: len(items) // 2]:
                if stop():
                    break
                await asyncio.sleep(self.rng.uniform(self.pace.min_s, self.pace.max_s))
                if not await self.answer(http, item):
                    break
            if submit and not stop():
                return await self._post(http, "/ujian/api/submit", {"confirm": True})
            async with http.get(self.base + "/ujian/api/attempt") as response:
                final: dict[str, Any] = await response.json()
                return final
        finally:
            if own:
                await http.close()

    async def answer(self, http: aiohttp.ClientSession, item: dict[str, Any]) -> bool:
        """Save one answer; False once the exam is over for this candidate."""
        self.seq += 1
        body = {
            "item": item["id"],
            "value": choose(item, self.rng),
            "flag": self.rng.random() < self.pace.flag_rate,
            "seq": self.seq,
            "key": uuid.uuid4().hex,
        }
        for _attempt in range(20):
            began = time.perf_counter()
            try:
                async with http.post(self.base + "/ujian/api/answer", json=body) as response:
                    if response.status >= 500:  # the browser journal keeps the answer and retries
                        self.timings.error(f"http.{response.status}")
                        await asyncio.sleep(1)
                        continue
                    data = await response.json()
                    if response.status == 200:
                        self.timings.saves.append(time.perf_counter() - began)
                        return True
                    code = data.get("error", {}).get("code", str(response.status))
                    self.timings.error(code)
                    if code == "exam.paused":
                        await asyncio.sleep(2)
                        continue
                    return code not in ("exam.time_up", "exam.submitted")
            except (TimeoutError, aiohttp.ClientError):
                self.timings.error("network")
                await asyncio.sleep(1)  # the browser journal retries the same way, same key
        return False
