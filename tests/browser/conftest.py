"""Browser test helpers: a real `ujian demo` server per module and headless Debian Chromium via Playwright."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHROMIUM
from tests.processes import ServerProcess, free_port

# Flags that keep Debian's Chromium quiet and self-contained in CI (no sandbox as root, no phoning home).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}


@dataclass(frozen=True)
class Card:
    """One exam card printed by the demo: what a candidate types at the login page."""

    number: str
    pin: str
    name: str


@dataclass
class DemoServer:
    """A running demo exam day: its base URL and the logins its banner printed."""

    url: str
    token: str
    cards: list[Card]
    admin: tuple[str, str]
    proctor: tuple[str, str]
    process: ServerProcess
    _next: int = field(default=0)

    def take_card(self) -> Card:
        """A candidate nobody else in this module has used (a login binds the candidate to one browser)."""
        if self._next >= len(self.cards):
            raise AssertionError("the demo has no unused candidate left for this test module")
        card = self.cards[self._next]
        self._next += 1
        return card


BANNER_TOKEN = re.compile(r"Token sesi:\s*(\S+)")
BANNER_LOGIN = re.compile(r"^\s*(Admin|Proctor) login:\s*(\S+)\s*/\s*(\S+)\s*$", re.MULTILINE)
BANNER_CARD = re.compile(r"^ {4}(\S+) {2}(\S+) {3}(.+?) —", re.MULTILINE)


def parse_banner(text: str) -> tuple[str, list[Card], dict[str, tuple[str, str]]]:
    """Pull the session token, the candidate cards and the committee logins out of the demo banner."""
    token = BANNER_TOKEN.search(text)
    if token is None:
        raise ValueError("no session token in the demo banner")
    logins = {m.group(1).lower(): (m.group(2), m.group(3)) for m in BANNER_LOGIN.finditer(text)}
    cards = [Card(m.group(1), m.group(2), m.group(3).strip()) for m in BANNER_CARD.finditer(text)]
    return token.group(1), cards, logins


def _wait_for_banner(log: Path, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if "Token sesi" in text and "PIN" in text:
            return text
        time.sleep(0.1)
    raise AssertionError(f"the demo banner never appeared:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """`ujian demo --simulate 0` on a free port with its own SQLite file; stopped after the module."""
    work = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("UJIAN_DATABASE_URL", None)
    port = free_port()
    server = ServerProcess(["demo", "--simulate", "0", "--db", str(work / "demo.db")], env, work, port)
    server.start(timeout=60)
    try:
        token, cards, logins = parse_banner(_wait_for_banner(server.log))
        yield DemoServer(
            url=server.url,
            token=token,
            cards=cards,
            admin=logins.get("admin", ("", "")),
            proctor=logins.get("proctor", ("", "")),
            process=server,
        )
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium per module (Playwright's own browser download is unreachable).

    Module scope, not session: the sync API keeps an event loop running while it is open, which
    would break every asyncio test that pytest runs after this module."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh profile (cookies, localStorage) at the lab PCs' usual 1366×768."""
    ctx = browser.new_context(viewport=DESKTOP, locale="id-ID")
    ctx.set_default_timeout(15_000)
    try:
        yield ctx
    finally:
        ctx.close()


@dataclass
class PageProblems:
    """Console errors, CSP violations and uncaught exceptions seen by a page."""

    csp: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def unexpected(self, allowed: tuple[str, ...] = ()) -> list[str]:
        """Errors other than failed requests the test caused on purpose (offline, 409 …)."""
        return [e for e in self.errors if not any(a in e for a in allowed)]


def watch(page: Any) -> PageProblems:
    """Record what a page complains about, so tests can assert a clean run (no CSP violation above all)."""
    problems = PageProblems()

    def on_console(message: Any) -> None:
        if message.type != "error":
            return
        text = message.text
        (problems.csp if "Content Security Policy" in text else problems.errors).append(text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.errors.append(f"uncaught: {exc}"))
    return problems


@pytest.fixture
def page(context: Any) -> Any:
    """A page of the fresh context; ``page.problems`` collects its console errors and CSP violations."""
    page = context.new_page()
    page.problems = watch(page)
    return page


def candidate_login(page: Any, server: DemoServer, card: Card) -> None:
    """Log in through the real form the way a candidate does and land on the exam page."""
    page.goto(f"{server.url}/ujian")
    page.fill("#login-number", card.number)
    page.fill("#login-pin", card.pin)
    page.fill("#login-token", server.token)
    page.click("#login-submit")
    page.wait_for_url("**/ujian/exam*")
