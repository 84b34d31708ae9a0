"""Transparency routes: public checkpoints, proofs, leaves and bundle; committee key/results/witness actions.

Everything under /transparansi is plain, read-only, cacheable HTTP: a public edge that cannot read the
exam database proxies it (see docs/transparency.md).
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from aiohttp import web

from server import keys
from server.errors import ApiError
from server.http.candidate import COOKIE as CANDIDATE_COOKIE
from server.http.committee import _member
from server.http.common import html, json_body, lang_of, not_modified
from server.transparency.service import NO_BUNDLE
from stream.live.routes import fmt_milli
from web.render import translator

routes = web.RouteTableDef()
SHORT = "public, max-age=2"
IMMUTABLE = "public, max-age=31536000, immutable"


def _int(request: web.Request, name: str, default: int | None = None) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(
            400, "query.int", f"Parameter '{name}' harus bilangan bulat", f"Parameter '{name}' must be an integer"
        ) from None
    if value < 0:
        raise ApiError(400, "query.int", f"Parameter '{name}' harus ≥ 0", f"Parameter '{name}' must be ≥ 0")
    return value


def _json(data: Any, *, cache: str = SHORT, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, headers={"Cache-Control": cache})


def _text(text: str, *, cache: str = SHORT, status: int = 200) -> web.Response:
    return web.Response(
        text=text, status=status, content_type="text/plain", charset="utf-8", headers={"Cache-Control": cache}
    )


# -- public ------------------------------------------------------------------------------------------


@routes.get("/transparansi")
async def page(request: web.Request) -> web.StreamResponse:
    state = await request.app[keys.TRANSPARENCY].public_state()
    response = html(request, "transparansi/index.html", state=state, checkpoints_count=state["count"])
    response.headers["Cache-Control"] = SHORT
    return response


@routes.get("/transparansi/hasil")
async def results_page(request: web.Request) -> web.StreamResponse:
    """Every exam's published results (the latest in full), every publication and key correction."""
    size, exams = await request.app[keys.RESULTS].public()
    lang = lang_of(request)
    headers = {"ETag": f'"hasil-{size}-{lang}"', "Cache-Control": SHORT}
    if (cached := not_modified(request, headers)) is not None:
        return cached
    response = html(request, "transparansi/hasil.html", exams=exams, points=partial(fmt_milli, lang=lang))
    response.headers.update(headers)
    return response


@routes.get("/transparansi/hasil.json")
async def results_json(request: web.Request) -> web.StreamResponse:
    size, exams = await request.app[keys.RESULTS].public()
    headers = {"ETag": f'"hasil-{size}"', "Cache-Control": SHORT}
    if (cached := not_modified(request, headers)) is not None:
        return cached
    return web.json_response({"exams": exams}, headers=headers)


@routes.get("/transparansi/checkpoint")
async def latest_checkpoint(request: web.Request) -> web.StreamResponse:
    note = await request.app[keys.TRANSPARENCY].latest_note()
    if note is None:
        return _text("Belum ada checkpoint / No checkpoint yet\n", status=404, cache="no-store")
    return _text(note)


@routes.get("/transparansi/checkpoint/{size:[0-9]+}")
async def checkpoint_at(request: web.Request) -> web.StreamResponse:
    note = await request.app[keys.TRANSPARENCY].note_at(int(request.match_info["size"]))
    if note is None:
        return _text("Checkpoint tidak ada / No such checkpoint\n", status=404, cache="no-store")
    # A checkpoint never changes, but witnesses may add cosignatures: cache briefly.
    return _text(note, cache="public, max-age=60")


@routes.get("/transparansi/checkpoints")
async def checkpoints(request: web.Request) -> web.StreamResponse:
    return _json({"checkpoints": await request.app[keys.TRANSPARENCY].checkpoints()})


@routes.get("/transparansi/proof/inclusion")
async def inclusion(request: web.Request) -> web.StreamResponse:
    seq = _int(request, "seq")
    if seq is None:
        raise ApiError(400, "query.seq", "Parameter 'seq' wajib diisi", "Parameter 'seq' is required", field="seq")
    proof = await request.app[keys.TRANSPARENCY].inclusion(seq=seq, size=_int(request, "size"))
    return _json(proof, cache=IMMUTABLE if "size" in request.query else SHORT)


@routes.get("/transparansi/proof/consistency")
async def consistency(request: web.Request) -> web.StreamResponse:
    first, second = _int(request, "from"), _int(request, "to")
    if first is None or second is None:
        raise ApiError(
            400, "query.range", "Parameter 'from' dan 'to' wajib diisi", "Parameters 'from' and 'to' are required"
        )
    return _json(await request.app[keys.TRANSPARENCY].consistency(first=first, second=second), cache=IMMUTABLE)


@routes.get("/transparansi/events")
async def events(request: web.Request) -> web.StreamResponse:
    after = _int(request, "after", 0) or 0
    limit = _int(request, "limit", 1000) or 1000
    body = await request.app[keys.TRANSPARENCY].leaves(after=after, limit=limit)
    return web.Response(body=body, content_type="application/x-ndjson", headers={"Cache-Control": SHORT})


@routes.get("/transparansi/bundle.zip")
async def bundle(request: web.Request) -> web.StreamResponse:
    try:
        path = await request.app[keys.TRANSPARENCY].bundle_path()
    except ApiError as err:
        if err is not NO_BUNDLE:
            raise
        return _text(f"{err.id}\n{err.en}\n", status=404, cache="public, max-age=10")
    return web.FileResponse(
        path,
        headers={
            "Content-Type": "application/zip",
            "Content-Disposition": f'attachment; filename="ujian-bundle-{path.stem.split("-")[-1]}.zip"',
            "Cache-Control": "public, max-age=30",
        },
    )


# -- candidate receipt -------------------------------------------------------------------------------


async def receipt_of(request: web.Request) -> dict[str, Any] | None:
    token = request.cookies.get(CANDIDATE_COOKIE)
    candidate_id = await request.app[keys.EXAMS].whoami(token=token) if token else None
    if candidate_id is None:
        return None
    return await request.app[keys.TRANSPARENCY].receipt(candidate_id=candidate_id)


@routes.get("/ujian/receipt")
async def receipt_page(request: web.Request) -> web.StreamResponse:
    token = request.cookies.get(CANDIDATE_COOKIE)
    if not token or await request.app[keys.EXAMS].whoami(token=token) is None:
        raise web.HTTPFound("/ujian")
    receipt = await receipt_of(request)
    t = translator(lang_of(request))
    return html(
        request,
        "transparansi/receipt.html",
        receipt=receipt,
        receipt_json=json.dumps(receipt, ensure_ascii=False, sort_keys=True) if receipt else "",
        missing=t("transparansi.receipt.none"),
    )


@routes.get("/ujian/api/receipt")
async def receipt_api(request: web.Request) -> web.StreamResponse:
    receipt = await receipt_of(request)
    if receipt is None:
        raise ApiError(404, "receipt.none", "Tanda terima belum ada", "No receipt yet")
    return web.json_response(receipt)


# -- committee ----------------------------------------------------------------------------------------


@routes.get("/panitia/api/transparency")
async def committee_state(request: web.Request) -> web.StreamResponse:
    await _member(request)
    return web.json_response(await request.app[keys.TRANSPARENCY].public_state())


@routes.post("/panitia/api/transparency/reveal")
async def reveal(request: web.Request) -> web.StreamResponse:
    member = await _member(request)
    body = await json_body(request)
    seq = await request.app[keys.TRANSPARENCY].reveal(member, exam=body.get("exam"), reason=body.get("reason"))
    await request.app[keys.TRANSPARENCY].checkpointer.checkpoint_now()
    return web.json_response({"ok": True, "seq": seq})


@routes.post("/panitia/api/transparency/publish")
async def publish(request: web.Request) -> web.StreamResponse:
    member = await _member(request)
    body = await json_body(request)
    done = await request.app[keys.TRANSPARENCY].publish(member, exam=body.get("exam"), reason=body.get("reason"))
    await request.app[keys.TRANSPARENCY].checkpointer.checkpoint_now()
    return web.json_response({"ok": True, **done})


@routes.post("/panitia/api/witness/cosign")
async def cosign(request: web.Request) -> web.StreamResponse:
    member = await _member(request)
    body = await json_body(request)
    done = await request.app[keys.TRANSPARENCY].cosign(member, note=body.get("note"), vkey=body.get("vkey"))
    return web.json_response({"ok": True, **done})
