"""The ``ujian`` command: demo, serve, migrate, import, user (and the transparency commands)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import os
import secrets
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.problems import ProblemsError
from server.config import DEMO_SECRET, Config, load_config
from server.errors import ApiError

# The heavy imports (aiohttp, SQLAlchemy, the app) happen inside the commands that need them, so that
# ``ujian verify`` and ``ujian witness`` run with only grader/ and cryptography installed.
if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger("ujian")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8080)")
    p.add_argument("--config", type=Path, default=None, help="TOML config file")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ujian", description="Ujian Terbuka — open, verifiable exams")
    sub = p.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="a whole demo exam day on SQLite, with simulated candidates")
    _common(demo)
    demo.add_argument("--db", type=Path, default=Path("ujian-demo.db"), help="demo SQLite file (recreated)")
    demo.add_argument("--simulate", type=int, default=4, help="how many simulated candidates (default 4)")
    demo.add_argument("--no-video", action="store_true", help="no camera test pattern (no ffmpeg)")
    demo.add_argument(
        "--pace",
        type=float,
        nargs=2,
        default=(3.0, 12.0),
        metavar=("MIN_S", "MAX_S"),
        help="seconds between a simulated candidate's answers",
    )
    serve = sub.add_parser("serve", help="run the exam server")
    _common(serve)
    serve.add_argument("--migrate", action="store_true", help="apply database migrations first")
    public = sub.add_parser("public", help="run a read-only public edge (/live, video relay), fed through Redis")
    public.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    public.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    public.add_argument(
        "--upstream", default=None, help="exam server URL: relay its video and its record (/transparansi)"
    )
    sub.add_parser("migrate", help="apply database migrations").add_argument("--config", type=Path)
    imp = sub.add_parser("import", help="import an exam folder (ujian.toml, soal.*, peserta.*, gambar/)")
    imp.add_argument("folder", type=Path)
    imp.add_argument("--cards", type=Path, required=True, help="CSV to write the exam cards (with PINs) to")
    imp.add_argument("--config", type=Path)
    user = sub.add_parser("user", help="add a committee member")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=["admin", "proctor", "auditor", "witness"])
    user.add_argument("--name", default="")
    user.add_argument("--password-env", default=None, help="read the password from this environment variable")
    user.add_argument("--config", type=Path)
    export = sub.add_parser("export-bundle", help="write the exam bundle (log, checkpoints, key, results)")
    export.add_argument("out", type=Path, help="the .zip to write")
    export.add_argument("--config", type=Path)
    from grader.verify import add_arguments

    add_arguments(sub.add_parser("verify", help="verify an exam bundle offline (only grader/ needed)"))
    witness = sub.add_parser("witness", help="witness tools: make a key, countersign a checkpoint")
    wsub = witness.add_subparsers(dest="witness_command", required=True)
    keygen = wsub.add_parser("keygen", help="make a witness key (private key file 0600; prints the vkey)")
    keygen.add_argument("name", help="key name, e.g. saksi-budi (no spaces or '+')")
    keygen.add_argument("--out", type=Path, required=True, help="where to write the private key")
    cosign = wsub.add_parser("cosign", help="countersign a checkpoint you have checked (prints the note)")
    cosign.add_argument("checkpoint", type=Path, help="the signed checkpoint (from /transparansi/checkpoint)")
    cosign.add_argument("--key", type=Path, required=True, help="your private key file (from keygen)")
    cosign.add_argument("--log-key", required=True, help="the log's vkey as printed in the opening minutes")
    return p


def _config(args: argparse.Namespace, **overrides: Any) -> Config:
    return load_config(toml_path=args.config, **{k: v for k, v in overrides.items() if v is not None})


def _print_problems(err: ProblemsError) -> None:
    print("Ditolak / Rejected:", file=sys.stderr)
    for p in err.problems:
        print(f"  - {p.where()}: {p.id} / {p.en}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ProblemsError as err:
        _print_problems(err)
        return 2
    except ApiError as err:
        print(f"Ditolak / Rejected: {err.id} / {err.en}", file=sys.stderr)
        return 2


def cmd_demo(args: argparse.Namespace) -> int:

    from server.app import create_app
    from server.db.migrate import upgrade
    from server.demo import DEMO, banner, demo_ctx, demo_package
    from server.simulate import Pace
    from server.video import DEMO_CAMERAS

    package = demo_package()  # fail before touching anything if the sample is broken
    db = args.db.resolve()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{db}"
    data_dir = db.parent / "ujian-demo-data"
    shutil.rmtree(data_dir, ignore_errors=True)  # a fresh demo: fresh video archive and log key
    config = _config(
        args,
        demo=True,
        database_url=url,
        host=args.host,
        port=args.port,
        secret_key=os.environ.get("UJIAN_SECRET_KEY") or DEMO_SECRET,
        data_dir=data_dir,
        cameras=None if args.no_video else DEMO_CAMERAS,
    )
    upgrade(config.database_url)
    app = create_app(config)
    app.cleanup_ctx.append(demo_ctx(package, args.simulate, Pace(*args.pace)))

    async def announce(app: web.Application) -> None:
        print(banner(app[DEMO], f"http://{config.host}:{config.port}"), flush=True)

    app.on_startup.append(announce)
    _serve(app, config)
    return 0


def _serve(app: Any, config: Config) -> None:
    """Serve the exam server until interrupted."""
    from aiohttp import web

    web.run_app(
        app,
        host=config.host,
        port=config.port,
        print=_listening,
        access_log=None,
        # A request whose browser gave up (timeout, reload) stops instead of queueing work nobody awaits.
        handler_cancellation=True,
    )


def _listening(message: str) -> None:
    print(message.replace("(Press CTRL+C to quit)", "(Ctrl+C to stop / berhenti)"), flush=True)


def cmd_serve(args: argparse.Namespace) -> int:

    from server.app import create_app
    from server.db.migrate import upgrade

    config = _config(args, host=args.host, port=args.port)
    if args.migrate:
        upgrade(config.database_url)
    app = create_app(config)
    print(
        f"Ujian Terbuka exam server\n  Candidates: http://{config.host}:{config.port}/ujian\n"
        f"  Committee:  http://{config.host}:{config.port}/panitia",
        flush=True,
    )
    _serve(app, config)
    return 0


def cmd_public(args: argparse.Namespace) -> int:
    """The public edge holds no secrets and no database: live updates come through Redis only."""
    from server.config import data_dir_from_env
    from stream.live.settings import LiveSettings
    from stream.public import PublicSettings, run_public
    from stream.video.service import VideoSettings

    live = LiveSettings.from_env(role="edge")
    if not live.redis_url:
        print(
            "Ditolak / Rejected: UJIAN_REDIS_URL wajib untuk edge publik / is required for a public edge",
            file=sys.stderr,
        )
        return 2
    video = (
        VideoSettings(sources=(), archive_dir=data_dir_from_env() / "video-relay", upstream=args.upstream)
        if args.upstream
        else None
    )
    print(f"Ujian Terbuka public edge\n  Live: http://{args.host}:{args.port}/live", flush=True)
    run_public(PublicSettings(live, video, args.upstream), host=args.host, port=args.port)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from server.db.migrate import upgrade

    config = _config(args)
    upgrade(config.database_url)
    print(f"migrated {config.database_url.split('@')[-1]}")
    return 0


async def _with_services(config: Config, job: Any) -> Any:
    from aiohttp import web

    from server import keys
    from server.app import create_app

    app = create_app(config, workers=False)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        return await job(app, keys)
    finally:
        await runner.cleanup()


def cmd_import(args: argparse.Namespace) -> int:
    from server.importers import load_dir

    config = _config(args)
    package = load_dir(args.folder)

    async def job(app: web.Application, keys: Any) -> object:
        return await app[keys.SETUP].import_package(package)

    summary = asyncio.run(_with_services(config, job))
    with args.cards.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["no_peserta", "nama", "desa", "jabatan", "sesi", "pin"])
        for c in summary.cards:
            out.writerow([c.number, c.name, c.village, c.position, c.session, c.pin])
    print(
        f"imported {summary.exam}: {summary.items} items, {summary.candidates} candidates, "
        f"sessions {', '.join(summary.sessions)}\n  key commitment {summary.key_commitment}\n"
        f"  exam cards written to {args.cards}"
    )
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    config = _config(args)
    password = os.environ.get(args.password_env, "") if args.password_env else secrets.token_urlsafe(12)

    async def job(app: web.Application, keys: Any) -> object:
        await app[keys.COMMITTEE].add_user(
            username=args.username,
            password=password,
            role=args.role,
            display_name=args.name,
        )
        return None

    asyncio.run(_with_services(config, job))
    print(f"added {args.role} {args.username}" + ("" if args.password_env else f" with password {password}"))
    return 0


def cmd_export_bundle(args: argparse.Namespace) -> int:
    config = _config(args)

    async def job(app: web.Application, keys: Any) -> object:
        service = app[keys.TRANSPARENCY]
        if not await service.bundle_ready():
            raise ApiError(409, "bundle.not_yet", "Kunci jawaban belum dibuka", "The answer key is not revealed yet")
        return await service.export(args.out)

    done = asyncio.run(_with_services(config, job))
    print(
        f"wrote {done['path']}: exam {done['exam']}, {done['size']} events, {done['checkpoints']} checkpoints\n"
        f"  verify with: ujian verify {args.out}"
    )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from grader.verify import run

    return run(args)


def cmd_witness(args: argparse.Namespace) -> int:
    from grader.checkpoint import open_checkpoint
    from grader.errors import KeyFormatError, VerificationError
    from grader.note import cosign_note, generate_signer, parse_skey, parse_vkey

    try:
        if args.witness_command == "keygen":
            signer = generate_signer(args.name)
            fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(signer.skey + "\n")
            print(signer.verifier.vkey)
            return 0
        signer = parse_skey(args.key.read_text(encoding="ascii").strip())
        log_key = parse_vkey(args.log_key.strip())
        note = args.checkpoint.read_bytes()
        opened = open_checkpoint(note, [log_key])
        if not opened.signed_by(log_key):
            print("the checkpoint is not signed by that log key", file=sys.stderr)
            return 1
        sys.stdout.write(cosign_note(note, signer, [log_key]).decode("utf-8"))
        return 0
    except (OSError, KeyFormatError, VerificationError) as exc:
        print(f"Ditolak / Rejected: {exc}", file=sys.stderr)
        return 2


COMMANDS = {
    "public": cmd_public,
    "demo": cmd_demo,
    "serve": cmd_serve,
    "migrate": cmd_migrate,
    "import": cmd_import,
    "user": cmd_user,
    "export-bundle": cmd_export_bundle,
    "verify": cmd_verify,
    "witness": cmd_witness,
}

if __name__ == "__main__":
    sys.exit(main())
