"""``ujian verify`` runs with only grader/ and cryptography; ``export-bundle`` and ``witness`` work from the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.server.transparency.conftest import ExamDay

ROOT = Path(__file__).resolve().parents[3]
# Make importing the server's frameworks impossible: the verifier must not need them.
BLOCK = "import sys; sys.modules.update(dict.fromkeys(['aiohttp', 'sqlalchemy', 'asyncpg', 'aiosqlite', 'jinja2']))"


def run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", f"{BLOCK}; {code}", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_ujian_verify_passes_without_the_server_frameworks(exam_day: ExamDay) -> None:
    done = run(
        "from server.cli import main; sys.exit(main(sys.argv[1:]))",
        "verify",
        str(exam_day.bundle),
        "--checkpoint",
        str(exam_day.opening),
        "--json",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True
    assert [c["no"] for c in report["checks"]] == list(range(1, 21))
    assert all(c["status"] == "PASS" for c in report["checks"])


def test_python_m_grader_verify_fails_with_a_non_zero_exit(exam_day: ExamDay, bundle_dir: Path) -> None:
    lines = (bundle_dir / "events.jsonl").read_bytes().splitlines()
    (bundle_dir / "events.jsonl").write_bytes(b"\n".join(lines[:-2]) + b"\n")
    done = run("import runpy; runpy.run_module('grader.verify', run_name='__main__')", str(bundle_dir))
    assert done.returncode == 1
    assert " 6. FAIL" in done.stdout
    assert "FAILED" in done.stdout
    missing = run("import runpy; runpy.run_module('grader.verify', run_name='__main__')", str(bundle_dir / "nope.zip"))
    assert missing.returncode == 2


def test_a_witness_makes_a_key_and_countersigns_from_the_cli(exam_day: ExamDay, tmp_path: Path) -> None:
    import zipfile

    from grader.checkpoint import open_checkpoint
    from grader.note import parse_vkey

    key = tmp_path / "saksi.key"
    done = run(
        "from server.cli import main; sys.exit(main(sys.argv[1:]))", "witness", "keygen", "saksi-cli", "--out", str(key)
    )
    assert done.returncode == 0, done.stderr
    vkey = done.stdout.strip()
    assert (key.stat().st_mode & 0o777) == 0o600
    with zipfile.ZipFile(exam_day.bundle) as z:
        note = z.read(sorted(n for n in z.namelist() if n.startswith("checkpoints/"))[-1])
    (tmp_path / "cp.txt").write_bytes(note)
    log_vkey = parse_vkey(json.loads(zipfile.ZipFile(exam_day.bundle).read("manifest.json"))["log"]["vkey"])
    done = run(
        "from server.cli import main; sys.exit(main(sys.argv[1:]))",
        "witness",
        "cosign",
        str(tmp_path / "cp.txt"),
        "--key",
        str(key),
        "--log-key",
        log_vkey.vkey,
    )
    assert done.returncode == 0, done.stderr
    opened = open_checkpoint(done.stdout, [log_vkey, parse_vkey(vkey)])
    assert opened.signed_by(parse_vkey(vkey))
    assert opened.signed_by(log_vkey)
