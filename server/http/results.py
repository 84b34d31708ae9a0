"""Committee results routes: standings by the exam's rules, committee-entered marks, witnessed regrades."""

from __future__ import annotations

from aiohttp import web

from server import keys
from server.errors import ApiError
from server.http.committee import _member
from server.http.common import json_body, not_modified

routes = web.RouteTableDef()


def _seq(request: web.Request) -> int:
    try:
        return int(request.match_info["seq"])
    except ValueError:
        raise ApiError(400, "regrade.proposal", "Nomor usulan tidak sah", "The proposal number is invalid") from None


async def _checkpoint(request: web.Request) -> None:
    """A committee decision is signed into a checkpoint at once, not at the next tick."""
    await request.app[keys.TRANSPARENCY].checkpointer.checkpoint_now()


@routes.get("/panitia/api/results")
async def state(request: web.Request) -> web.StreamResponse:
    """Polled every few seconds while the console's section is open: the log's size is its ETag, so an
    unchanged view costs one small read and a 304 (the browser revalidates by itself)."""
    member = await _member(request)
    service = request.app[keys.RESULTS]
    etag = f'"{member.role}-{request.query.get("exam", "")}-{await service.version()}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if (cached := not_modified(request, headers)) is not None:
        return cached
    return web.json_response(await service.state(member, exam=request.query.get("exam")), headers=headers)


@routes.post("/panitia/api/regrade/preview")
async def preview(request: web.Request) -> web.StreamResponse:
    member = await _member(request)
    body = await json_body(request)
    diff = await request.app[keys.RESULTS].preview(member, exam=body.get("exam"), corrections=body.get("corrections"))
    return web.json_response({"ok": True, "diff": diff})


@routes.post("/panitia/api/regrade/propose")
async def propose(request: web.Request) -> web.StreamResponse:
    member = await _member(request)
    body = await json_body(request)
    done = await request.app[keys.RESULTS].propose(
        member, exam=body.get("exam"), corrections=body.get("corrections"), reason=body.get("reason")
    )
    await _checkpoint(request)
    return web.json_response({"ok": True, **done})


@routes.post("/panitia/api/regrade/{seq}/preview")
async def preview_proposal(request: web.Request) -> web.StreamResponse:
    member = await _member(request)
    body = await json_body(request)
    diff = await request.app[keys.RESULTS].preview_proposal(member, exam=body.get("exam"), seq=_seq(request))
    return web.json_response({"ok": True, "diff": diff})


@routes.post("/panitia/api/regrade/{seq}/approve")
async def approve(request: web.Request) -> web.StreamResponse:
    member = await _member(request)
    body = await json_body(request)
    done = await request.app[keys.RESULTS].approve(
        member, exam=body.get("exam"), seq=_seq(request), reason=body.get("reason")
    )
    await _checkpoint(request)
    return web.json_response({"ok": True, **done})


@routes.post("/panitia/api/regrade/{seq}/reject")
async def reject(request: web.Request) -> web.StreamResponse:
    member = await _member(request)
    body = await json_body(request)
    seq = await request.app[keys.RESULTS].reject(
        member, exam=body.get("exam"), seq=_seq(request), reason=body.get("reason")
    )
    await _checkpoint(request)
    return web.json_response({"ok": True, "seq": seq})


@routes.post("/panitia/api/marks")
async def marks(request: web.Request) -> web.StreamResponse:
    member = await _member(request)
    body = await json_body(request)
    seqs = await request.app[keys.RESULTS].enter_marks(
        member,
        exam=body.get("exam"),
        component=body.get("component"),
        entries=body.get("entries"),
        reason=body.get("reason"),
    )
    await _checkpoint(request)
    return web.json_response({"ok": True, "seqs": seqs})
