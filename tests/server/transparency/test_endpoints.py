"""The transparency edge and committee actions on a real server: checkpoints, proofs, bundle, witnesses."""

from __future__ import annotations

import base64
import json
import stat
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from grader.bundle import LogTree
from grader.checkpoint import open_checkpoint
from grader.merkle import leaf_hash, verify_consistency, verify_inclusion
from grader.note import cosign_note, generate_signer, parse_vkey
from grader.verify import verify_bundle
from server import keys
from tests.server.conftest import PROCTOR
from tests.server.transparency.conftest import CORRECT, Server, answer, exam_folder, start_server


@pytest.fixture
async def srv(tmp_path: Path, db_kind: str) -> AsyncIterator[Server]:
    async for s in start_server(tmp_path, db_kind, exam_folder()):
        yield s


def b64d(text: str) -> bytes:
    return base64.b64decode(text)


async def opened(s: Server) -> tuple[Any, str]:
    admin = await s.committee()
    r = await admin.post("/panitia/api/sessions/S1/open", json={"reason": "mulai"})
    assert r.status == 200
    return admin, (await r.json())["token"]


async def test_the_key_is_private_pinned_and_logged(srv: Server) -> None:
    key_files = list(srv.data_dir.glob("log-*.key"))
    assert len(key_files) == 1
    assert stat.S_IMODE(key_files[0].stat().st_mode) == 0o600
    secret = key_files[0].read_text().strip()
    await srv.transparency.checkpointer.checkpoint_now()
    identity = srv.transparency.checkpointer.identity
    events = [json.loads(line) for line in (await srv.transparency.leaves(after=0, limit=100)).splitlines()]
    assert [e["kind"] for e in events][:3] == ["exam.imported", "key.committed", "log.key"]
    assert events[2]["data"] == {"origin": identity.origin, "vkey": identity.vkey}
    page = await (await (await srv.client()).get("/transparansi")).text()
    assert identity.vkey in page
    assert secret not in page
    assert secret.split("+", 4)[-1] not in page  # the key material itself (base64 may contain "+")


async def test_checkpoints_proofs_and_leaves_verify_with_the_grader(srv: Server) -> None:
    admin, token = await opened(srv)
    first = await srv.transparency.checkpointer.checkpoint_now()
    c = await srv.login("P-001", srv.pin("P-001"), token)
    for n, (item, value) in enumerate(CORRECT.items(), start=1):
        await answer(c, item, value, n)
    await srv.transparency.checkpointer.checkpoint_now()
    public = await srv.client()
    note = await (await public.get("/transparansi/checkpoint")).text()
    log_key = parse_vkey(srv.transparency.checkpointer.identity.vkey)
    cp = open_checkpoint(note, [log_key]).checkpoint
    leaves = (await (await public.get("/transparansi/events?after=0&limit=5000")).read()).splitlines()
    assert len(leaves) == cp.size
    tree = LogTree()
    for leaf in leaves:
        tree.append_data(leaf)
    assert tree.root() == cp.root
    for seq in (1, cp.size // 2, cp.size):
        proof = await (await public.get(f"/transparansi/proof/inclusion?seq={seq}&size={cp.size}")).json()
        assert proof["leaf"].encode() == leaves[seq - 1]
        verify_inclusion(leaf_hash(leaves[seq - 1]), seq - 1, cp.size, [b64d(p) for p in proof["proof"]], cp.root)
    r = await public.get(f"/transparansi/proof/consistency?from={first.size}&to={cp.size}")
    consistency = await r.json()
    verify_consistency(first.size, cp.size, [b64d(p) for p in consistency["proof"]], first.root, cp.root)
    listed = await (await public.get("/transparansi/checkpoints")).json()
    assert [x["size"] for x in listed["checkpoints"]] == [first.size, cp.size]
    assert "session.opened" in (listed["checkpoints"][0]["milestone"] or "")
    for bad in ("seq=0", f"seq={cp.size + 5}", "seq=x", f"seq=1&size={cp.size + 100}"):
        r = await public.get(f"/transparansi/proof/inclusion?{bad}")
        assert r.status == 400, bad
        body = await r.json()
        assert body["error"]["id"]
        assert body["error"]["en"]
    assert (await public.get("/transparansi/proof/consistency?from=5&to=2")).status == 400
    _ = admin


async def test_the_bundle_is_refused_before_the_close_and_verifies_after(srv: Server) -> None:
    admin, token = await opened(srv)
    public = await srv.client()
    r = await public.get("/transparansi/bundle.zip")
    assert r.status == 404
    text = await r.text()
    assert "setelah ujian ditutup" in text
    assert "after the exam has closed" in text
    c = await srv.login("P-002", srv.pin("P-002"), token)
    await answer(c, "TIK-01", "B", 1)
    assert (await c.post("/ujian/api/submit", json={"confirm": True})).status == 200
    for code in ("S1", "S2"):
        if code == "S2":
            assert (await admin.post("/panitia/api/sessions/S2/open", json={"reason": "mulai"})).status == 200
        assert (await admin.post(f"/panitia/api/sessions/{code}/close", json={"reason": "selesai"})).status == 200
    # The last close revealed the key on its own; no session may open any more.
    kinds = [json.loads(line)["kind"] for line in (await srv.transparency.leaves(after=0, limit=1000)).splitlines()]
    assert kinds[-2:] == ["session.closed", "key.revealed"]
    assert (await admin.post("/panitia/api/transparency/publish", json={"reason": "hasil"})).status == 200
    r = await public.get("/transparansi/bundle.zip")
    assert r.status == 200
    assert r.headers["Content-Type"] == "application/zip"
    path = srv.data_dir / "downloaded.zip"
    path.write_bytes(await r.read())
    report = verify_bundle(path)
    assert report.ok, report.text()
    with zipfile.ZipFile(path) as z:
        everything = b"".join(z.read(n) for n in z.namelist())
    secret = next(srv.data_dir.glob("log-*.key")).read_text().strip().split("+", 4)[-1]
    assert secret.encode() not in everything


async def test_committee_actions_need_an_admin_and_a_reason(srv: Server) -> None:
    admin, _token = await opened(srv)
    proctor = await srv.committee(PROCTOR)
    r = await proctor.post("/panitia/api/transparency/reveal", json={"reason": "coba"})
    assert r.status == 403
    r = await admin.post("/panitia/api/transparency/reveal", json={"reason": ""})
    assert r.status == 400
    r = await admin.post("/panitia/api/transparency/reveal", json={"reason": "terlalu cepat"})
    assert r.status == 409  # a session is still running: the key stays sealed
    assert (await r.json())["error"]["code"] == "key.sessions_running"
    r = await admin.post("/panitia/api/transparency/publish", json={"reason": "hasil"})
    assert r.status == 409
    fix = {"kind": "replace_key", "item": "TIK-01", "value": "A"}
    r = await admin.post("/panitia/api/regrade/propose", json={"corrections": [fix], "reason": "koreksi"})
    assert r.status == 409  # no correction before the key is revealed
    assert (await r.json())["error"]["code"] == "key.not_revealed"


async def test_receipts_appear_after_submit_with_a_proof(srv: Server) -> None:
    _admin, token = await opened(srv)
    c = await srv.login("P-001", srv.pin("P-001"), token)
    assert (await (await c.get("/ujian/api/attempt")).json())["receipt"] is None
    await answer(c, "TIK-01", "B", 1)
    await answer(c, "TKP-01", "A", 2)
    state = await (await c.post("/ujian/api/submit", json={"confirm": True})).json()
    receipt = state["receipt"]
    assert receipt["answers"] == {"TIK-01": "B", "TKP-01": "A"}
    assert receipt["checkpoint"] is None  # not yet signed
    await srv.transparency.checkpointer.checkpoint_now()
    receipt = (await (await c.get("/ujian/api/attempt")).json())["receipt"]
    cp = open_checkpoint(receipt["checkpoint"], [parse_vkey(receipt["vkey"])]).checkpoint
    verify_inclusion(
        leaf_hash(receipt["leaf"].encode()),
        receipt["submit_seq"] - 1,
        cp.size,
        [b64d(p) for p in receipt["proof"]],
        cp.root,
    )
    assert json.loads(receipt["leaf"])["data"]["answers_hash"] == receipt["answers_hash"]
    page = await (await c.get("/ujian/receipt")).text()
    assert receipt["answers_hash"] in page
    assert "<script" not in page
    assert "style=" not in page
    other = await srv.client()
    r = await other.get("/ujian/receipt", allow_redirects=False)
    assert r.status == 302


async def test_witnesses_cosign_stored_checkpoints_only(srv: Server) -> None:
    await opened(srv)
    signed = await srv.transparency.checkpointer.checkpoint_now()
    log_key = parse_vkey(srv.transparency.checkpointer.identity.vkey)
    witness = generate_signer("saksi-ani")
    auditor = await srv.committee(("saksi", "kata-sandi-saksi"))
    cosigned = cosign_note(signed.note.encode(), witness, [log_key]).decode()
    r = await auditor.post("/panitia/api/witness/cosign", json={"note": cosigned, "vkey": witness.verifier.vkey})
    assert r.status == 200, await r.text()
    again = await auditor.post("/panitia/api/witness/cosign", json={"note": cosigned, "vkey": witness.verifier.vkey})
    assert again.status == 200
    public = await srv.client()
    note = await (await public.get(f"/transparansi/checkpoint/{signed.size}")).text()
    both = open_checkpoint(note, [log_key, witness.verifier])
    assert both.signed_by(witness.verifier)
    assert both.signed_by(log_key)
    # Not our checkpoint (a different root at that size, signed by someone else): refused.
    from grader.checkpoint import Checkpoint, sign_checkpoint

    stranger = generate_signer(log_key.name)
    fake = sign_checkpoint(Checkpoint(log_key.name, signed.size, bytes(32)), stranger, witness).decode()
    r = await auditor.post("/panitia/api/witness/cosign", json={"note": fake, "vkey": witness.verifier.vkey})
    assert r.status == 400
    r = await auditor.post("/panitia/api/witness/cosign", json={"note": signed.note, "vkey": witness.verifier.vkey})
    assert r.status == 400  # the witness did not sign it
    r = await auditor.post("/panitia/api/witness/cosign", json={"note": cosigned, "vkey": "nonsense"})
    assert r.status == 400
    kinds = [json.loads(line)["kind"] for line in (await srv.transparency.leaves(after=0, limit=100)).splitlines()]
    assert kinds.count("witness.cosigned") == 1


async def test_a_restarted_server_rebuilds_the_tree_and_notices_tampering(srv: Server, tmp_path: Path) -> None:
    await opened(srv)
    signed = await srv.transparency.checkpointer.checkpoint_now()
    from server.transparency.checkpointer import Checkpointer

    fresh = Checkpointer(srv.app[keys.CONTEXT])
    await fresh.load()
    assert fresh.tree.size == signed.size
    assert fresh.tree.root() == signed.root
    assert fresh.mismatch is None
    assert fresh.latest is not None
    assert fresh.latest.size == signed.size
    # Someone with database access rewrites a leaf (the triggers refuse UPDATE, so they drop them first).
    from sqlalchemy import text

    async with srv.app[keys.DB].transaction() as s:
        if srv.app[keys.DB].is_sqlite:
            await s.execute(text("DROP TRIGGER events_no_update"))
        else:
            await s.execute(text("DROP TRIGGER events_append_only ON events"))
        await s.execute(text("UPDATE events SET leaf = :leaf WHERE seq = 1"), {"leaf": b'{"forged":true}'})
    tampered = Checkpointer(srv.app[keys.CONTEXT])
    await tampered.load()
    assert tampered.mismatch is not None
    page = await (await (await srv.client()).get("/transparansi")).text()
    _ = page


async def test_the_transparency_page_renders_in_both_languages(srv: Server) -> None:
    await opened(srv)
    await srv.transparency.checkpointer.checkpoint_now()
    public = await srv.client()
    for lang, phrase in (("id", "Checkpoint pembukaan"), ("en", "Opening checkpoint")):
        r = await public.get(f"/transparansi?lang={lang}")
        assert r.status == 200
        body = await r.text()
        assert phrase in body
        assert "<script" not in body
        assert "style=" not in body
        assert "transparansi." not in body.replace("/transparansi", "")  # no missing strings
