"""A whole simulated exam day on a real server, ending in an exported bundle (built once per database)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from grader.note import Signer, generate_signer, parse_skey
from server import keys
from server.app import create_app
from server.config import DEMO_SECRET, load_config
from server.importers import load_dir
from server.services.committee import Member
from server.services.setup import ImportSummary
from tests.conftest import POSTGRES_URL
from tests.databases import fresh_database
from tests.fakes import FakeClock
from tests.server.builders import SCORING_TOML, ExamFolder
from tests.server.conftest import ADMIN, PROCTOR, db_kinds

ADMIN_MEMBER = Member(0, "admin", "admin")
AUDITOR = ("auditor", "kata-sandi-auditor")
WITNESS = ("saksi", "kata-sandi-saksi")

CORRECT = {"TIK-01": "B", "TIK-02": "C", "TIK-03": ["A", "C"], "TIK-04": False, "TKP-01": "A"}


def roster() -> list[tuple[str, str, str, str, str, str]]:
    """Seven candidates: S1 has P-001..P-004 (P-004 never comes), S2 has P-005..P-007."""
    rows = []
    for n in range(1, 8):
        village = "Desa A" if n in (1, 2, 5, 6) else "Desa B"
        rows.append(
            (f"P-{n:03d}", f"Peserta {n}", village, "Sekretaris Desa", "S1" if n <= 4 else "S2", f"{100000 + n}")
        )
    return rows


@dataclass
class Server:
    """A running exam server whose data_dir (with the log key) lives in the test's tmp folder."""

    app: Any
    server: TestServer
    clock: FakeClock
    summary: ImportSummary
    data_dir: Path
    clients: list[TestClient]

    async def client(self) -> TestClient:
        client = TestClient(self.server)
        await client.start_server()
        self.clients.append(client)
        return client

    async def login(self, number: str, pin: str, token: str, *, start: bool = True) -> TestClient:
        c = await self.client()
        r = await c.post("/ujian/api/login", json={"number": number, "pin": pin, "token": token})
        assert r.status == 200, await r.text()
        if start:
            r = await c.post("/ujian/api/start", json={})
            assert r.status == 200, await r.text()
        return c

    async def committee(self, who: tuple[str, str] = ADMIN) -> TestClient:
        c = await self.client()
        r = await c.post("/panitia/api/login", json={"username": who[0], "password": who[1]})
        assert r.status == 200, await r.text()
        return c

    @property
    def transparency(self) -> Any:
        return self.app[keys.TRANSPARENCY]

    def signer(self) -> Signer:
        key_file = next(self.data_dir.glob("log-*.key"))
        return parse_skey(key_file.read_text().strip())

    def pin(self, number: str) -> str:
        return next(c.pin for c in self.summary.cards if c.number == number)


async def start_server(tmp_path: Path, db_kind: str, folder: ExamFolder) -> AsyncIterator[Server]:
    async with fresh_database(db_kind, tmp_path, POSTGRES_URL) as url:
        clock = FakeClock()
        data_dir = tmp_path / "data"
        config = load_config(env={}, demo=True, database_url=url, secret_key=DEMO_SECRET, data_dir=data_dir)
        app = create_app(config, clock=clock, workers=False)
        server = TestServer(app)
        await server.start_server()
        s = Server(app, server, clock, None, data_dir, [])  # type: ignore[arg-type]
        try:
            s.summary = await app[keys.SETUP].import_package(load_dir(folder.write(tmp_path / "exam")))
            committee = app[keys.COMMITTEE]
            await committee.add_user(username=ADMIN[0], password=ADMIN[1], role="admin")
            await committee.add_user(username=PROCTOR[0], password=PROCTOR[1], role="proctor")
            await committee.add_user(username="saksi", password="kata-sandi-saksi", role="witness")
            await committee.add_user(username=AUDITOR[0], password=AUDITOR[1], role="auditor")
            yield s
        finally:
            for c in s.clients:
                await c.close()
            await server.close()


async def answer(client: TestClient, item: str, value: Any, seq: int) -> None:
    r = await client.post(
        "/ujian/api/answer", json={"item": item, "value": value, "flag": False, "seq": seq, "key": f"k{seq}"}
    )
    assert r.status == 200, await r.text()


@dataclass
class ExamDay:
    """What the simulated day leaves behind for the verifier tests."""

    bundle: Path
    opening: Path
    """The opening checkpoint (berita acara), countersigned by a witness."""
    witness_vkey: str
    witness_late: Path
    """A witness-cosigned checkpoint taken after S1 closed."""
    log_signer: Signer
    receipt: Path
    """P-001's receipt as they printed it."""


async def simulate_exam_day(s: Server, out: Path) -> ExamDay:
    """Two sessions, an absent candidate, a pause, a time extension, a time-out, a key correction."""
    t = s.transparency
    admin = await s.committee()
    witness_signer = generate_signer("saksi-budi")
    witness = await s.committee(("saksi", "kata-sandi-saksi"))

    r = await admin.post("/panitia/api/sessions/S1/open", json={"reason": "Pembukaan sesi 1"})
    token1 = (await r.json())["token"]
    opening = await t.checkpointer.checkpoint_now()
    opening_note = await witness_cosign(witness, opening.note, witness_signer, s)
    (out / "opening.txt").write_text(opening_note)

    c1 = await s.login("P-001", s.pin("P-001"), token1)
    c2 = await s.login("P-002", s.pin("P-002"), token1)
    c3 = await s.login("P-003", s.pin("P-003"), token1)
    for n, (item, value) in enumerate(CORRECT.items(), start=1):
        await answer(c1, item, value, n)
        s.clock.advance(7_000)
    await answer(c2, "TIK-01", "A", 1)
    await answer(c1, "TIK-02", "B", 6)  # P-001 changes their mind
    s.clock.advance(60_000)
    assert (await admin.post("/panitia/api/sessions/S1/pause", json={"reason": "listrik padam"})).status == 200
    s.clock.advance(300_000)
    assert (await admin.post("/panitia/api/sessions/S1/resume", json={"reason": "listrik menyala"})).status == 200
    await answer(c2, "TIK-01", "B", 2)
    await answer(c3, "TKP-01", "C", 1)
    await answer(c3, "TIK-04", False, 2)
    r = await c1.post("/ujian/api/submit", json={"confirm": True})
    assert r.status == 200
    # P-002 gets ten extra minutes and answers after their original hour would have run out.
    s.clock.advance(58 * 60_000)
    r = await admin.post("/panitia/api/candidates/P-002/extend", json={"seconds": 600, "reason": "komputer macet"})
    assert r.status == 200
    s.clock.advance(3 * 60_000)
    await answer(c2, "TIK-02", "C", 3)
    await answer(c2, "TKP-01", "A", 4)
    # P-003's hour has run out: the sweep submits them at their deadline.
    from server.workers import submit_expired_once

    assert await submit_expired_once(s.app) == 1
    r = await c2.post("/ujian/api/submit", json={"confirm": True})
    assert r.status == 200
    assert (await admin.post("/panitia/api/sessions/S1/close", json={"reason": "Sesi 1 selesai"})).status == 200
    late = await t.checkpointer.checkpoint_now()
    (out / "late.txt").write_text(await witness_cosign(witness, late.note, witness_signer, s))

    r = await admin.post("/panitia/api/sessions/S2/open", json={"reason": "Pembukaan sesi 2"})
    token2 = (await r.json())["token"]
    c5 = await s.login("P-005", s.pin("P-005"), token2)
    c6 = await s.login("P-006", s.pin("P-006"), token2)
    c7 = await s.login("P-007", s.pin("P-007"), token2)
    for n, (item, value) in enumerate(CORRECT.items(), start=1):
        await answer(c5, item, value, n)
        await answer(c6, item, value, n)  # a tie with P-005: both rank 1
    await answer(c7, "TIK-01", "B", 1)
    await answer(c7, "TIK-02", "A", 2)
    s.clock.advance(120_000)
    for c in (c5, c6, c7):
        assert (await c.post("/ujian/api/submit", json={"confirm": True})).status == 200
    assert (await admin.post("/panitia/api/sessions/S2/close", json={"reason": "Sesi 2 selesai"})).status == 200

    # The committee finds TIK-02's key wrong: a proposal with its dry run, approved by a witness and an
    # auditor (the exam requires two besides the proposer) — logged, never an edit; every attempt regraded.
    fix = {"kind": "replace_key", "item": "TIK-02", "value": "A"}
    r = await admin.post("/panitia/api/regrade/propose", json={"corrections": [fix], "reason": "Kunci TIK-02 salah"})
    assert r.status == 200, await r.text()
    proposal = (await r.json())["seq"]
    for who in (WITNESS, AUDITOR):
        member = await s.committee(who)
        r = await member.post(f"/panitia/api/regrade/{proposal}/approve", json={"reason": "Sudah diperiksa"})
        assert r.status == 200, await r.text()
    assert (await r.json())["applied"] is True
    # Interview marks, one corrected later (a new entry, never an edit), and a bonus for service.
    marks = [{"candidate": n, "value": v} for n, v in (("P-001", "80"), ("P-002", "45"), ("P-005", "70"))]
    marks += [{"candidate": "P-006", "value": "70"}, {"candidate": "P-007", "value": "90.5"}]
    r = await admin.post("/panitia/api/marks", json={"component": "wawancara", "entries": marks, "reason": "Wawancara"})
    assert r.status == 200, await r.text()
    r = await admin.post(
        "/panitia/api/marks",
        json={"component": "wawancara", "entries": [{"candidate": "P-002", "value": "55"}], "reason": "Salah tulis"},
    )
    assert r.status == 200, await r.text()
    r = await admin.post(
        "/panitia/api/marks",
        json={"component": "bonus", "entries": [{"candidate": "P-005", "value": "2.5"}], "reason": "Masa bakti"},
    )
    assert r.status == 200, await r.text()
    r = await admin.post("/panitia/api/transparency/publish", json={"reason": "Pengumuman hasil"})
    assert r.status == 200, await r.text()
    await t.checkpointer.checkpoint_now()
    receipt = await (await c1.get("/ujian/api/receipt")).json()
    (out / "receipt.json").write_text(__import__("json").dumps(receipt))
    bundle = out / "bundle.zip"
    await t.export(bundle)
    return ExamDay(
        bundle, out / "opening.txt", witness_signer.verifier.vkey, out / "late.txt", s.signer(), out / "receipt.json"
    )


async def witness_cosign(witness: TestClient, note: str, signer: Signer, s: Server) -> str:
    from grader.note import cosign_note, parse_vkey

    log_key = parse_vkey(s.transparency.checkpointer.identity.vkey)
    cosigned = cosign_note(note.encode(), signer, [log_key]).decode()
    r = await witness.post("/panitia/api/witness/cosign", json={"note": cosigned, "vkey": signer.verifier.vkey})
    assert r.status == 200, await r.text()
    return cosigned


def exam_folder() -> ExamFolder:
    return ExamFolder(candidates=roster(), extra_toml=SCORING_TOML)


_DAYS: dict[str, tuple[ExamDay, Path]] = {}


@pytest.fixture(params=db_kinds())
async def exam_day(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ExamDay:
    """The day's bundle and keepsakes, simulated once per database kind and shared (read-only)."""
    kind = str(request.param)
    if kind not in _DAYS:
        base = tmp_path_factory.mktemp(f"examday-{kind}")
        async for s in start_server(base, kind, exam_folder()):
            _DAYS[kind] = (await simulate_exam_day(s, base), base)
    return _DAYS[kind][0]


@pytest.fixture
def bundle_dir(exam_day: ExamDay, tmp_path: Path) -> Path:
    """A private unpacked copy of the bundle to mutate."""
    import zipfile

    target = tmp_path / "bundle"
    with zipfile.ZipFile(exam_day.bundle) as z:
        z.extractall(target)
    return target


__all__ = ["ExamDay", "Server", "shutil", "start_server"]
