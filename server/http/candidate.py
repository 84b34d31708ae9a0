"""Candidate routes under /ujian: pages and the JSON API; every handler acts on the caller's own attempt."""

from __future__ import annotations

import re
import secrets
import urllib.parse
from typing import Any

from aiohttp import web

from server import keys
from server.errors import UNAUTHORIZED, ApiError
from server.http.common import html, json_body, lang_of, limited_login, logout_response, set_cookie, text_field
from server.live import BRIDGE
from web.render import strings

COOKIE = "ujian_c"
DEVICE = "ujian_dev"
SHA256 = re.compile(r"^[0-9a-f]{64}$")

routes = web.RouteTableDef()


async def _candidate(request: web.Request) -> int:
    token = request.cookies.get(COOKIE)
    candidate_id = await request.app[keys.EXAMS].whoami(token=token) if token else None
    if candidate_id is None:
        raise UNAUTHORIZED
    bridge = request.app.get(BRIDGE)
    if bridge is not None:
        await bridge.seen(candidate_id)  # the committee monitor's online/last-seen
    return candidate_id


@routes.get("/ujian")
async def login_page(request: web.Request) -> web.StreamResponse:
    token = request.cookies.get(COOKIE)
    if token and await request.app[keys.EXAMS].whoami(token=token) is not None:
        raise web.HTTPFound("/ujian/exam")
    response = html(
        request,
        "candidate/login.html",
        error=None,
        token_hint=True,
        boot={
            "api": "/ujian/api",
            "lang": lang_of(request),
            "strings": strings(lang_of(request), ("login.", "common.", "exam.")),
        },
    )
    if not request.cookies.get(DEVICE):
        # The PC gets its device id before the first login, so a login retried after a lost answer
        # comes from the same device and is not refused as "logged in elsewhere".
        set_cookie(response, request, DEVICE, secrets.token_urlsafe(24), max_age=365 * 86400)
    return response


@routes.get("/ujian/exam")
async def exam_page(request: web.Request) -> web.StreamResponse:
    token = request.cookies.get(COOKIE)
    if not token or await request.app[keys.EXAMS].whoami(token=token) is None:
        raise web.HTTPFound("/ujian")
    lang = lang_of(request)
    return html(
        request,
        "candidate/exam.html",
        boot={"api": "/ujian/api", "lang": lang, "strings": strings(lang, ("exam.", "common."))},
    )


@routes.post("/ujian/api/login")
async def login(request: web.Request) -> web.StreamResponse:
    body = await json_body(request)
    number = text_field(body, "number", max_len=64).strip()
    pin = text_field(body, "pin", max_len=32)
    token = text_field(body, "token", max_len=32)
    device = request.cookies.get(DEVICE) or secrets.token_urlsafe(24)
    result = await limited_login(
        request,
        f"candidate:{number}",
        lambda: request.app[keys.EXAMS].login(number=number, pin=pin, token=token, device_id=device),
    )
    response = web.json_response({"ok": True})
    hours = request.app[keys.CONFIG].session_hours
    set_cookie(response, request, COOKIE, result.token, max_age=hours * 3600)
    set_cookie(response, request, DEVICE, device, max_age=365 * 86400)
    return response


@routes.post("/ujian/api/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    return await logout_response(request, COOKIE, lambda token: request.app[keys.EXAMS].logout(token=token))


async def _with_receipt(request: web.Request, candidate_id: int, state: dict[str, Any]) -> dict[str, Any]:
    """After submit the state carries the candidate's receipt (null before; see docs/transparency.md)."""
    state["receipt"] = await request.app[keys.TRANSPARENCY].receipt(candidate_id=candidate_id)
    return state


@routes.get("/ujian/api/attempt")
async def attempt(request: web.Request) -> web.StreamResponse:
    candidate_id = await _candidate(request)
    state = await request.app[keys.EXAMS].state(candidate_id=candidate_id, lang=lang_of(request))
    return web.json_response(await _with_receipt(request, candidate_id, state))


@routes.post("/ujian/api/start")
async def start(request: web.Request) -> web.StreamResponse:
    candidate_id = await _candidate(request)
    await json_body(request)
    await request.app[keys.EXAMS].start(candidate_id=candidate_id)
    return web.json_response(await request.app[keys.EXAMS].state(candidate_id=candidate_id, lang=lang_of(request)))


@routes.post("/ujian/api/answer")
async def answer(request: web.Request) -> web.StreamResponse:
    candidate_id = await _candidate(request)
    body = await json_body(request)
    flag = body.get("flag", False)
    if not isinstance(flag, bool):
        raise ApiError(400, "answer.flag", "Tanda ragu-ragu tidak valid", "Invalid unsure flag", field="flag")
    item: Any = body.get("item")
    seq: Any = body.get("seq")
    key: Any = body.get("key")
    ack = await request.app[keys.EXAMS].answer(
        candidate_id=candidate_id, item=item, value=body.get("value"), flag=flag, seq=seq, key=key
    )
    return web.json_response(ack.as_json())


@routes.post("/ujian/api/submit")
async def submit(request: web.Request) -> web.StreamResponse:
    candidate_id = await _candidate(request)
    body = await json_body(request)
    if body.get("confirm") is not True:
        raise ApiError(
            400,
            "submit.confirm",
            "Konfirmasi diperlukan untuk mengakhiri ujian",
            "Confirmation is required to finish the exam",
            field="confirm",
        )
    await request.app[keys.EXAMS].submit(candidate_id=candidate_id)
    state = await request.app[keys.EXAMS].state(candidate_id=candidate_id, lang=lang_of(request))
    return web.json_response(await _with_receipt(request, candidate_id, state))


@routes.get("/ujian/api/ping")
async def ping(request: web.Request) -> web.StreamResponse:
    candidate_id = await _candidate(request)
    return web.json_response(await request.app[keys.EXAMS].ping(candidate_id=candidate_id))


async def _own_file(request: web.Request, headers: dict[str, str]) -> web.StreamResponse:
    """A file of the candidate's own exam, by content hash (images, practical starting files)."""
    candidate_id = await _candidate(request)
    sha = request.match_info["sha"]
    found = await request.app[keys.EXAMS].media(candidate_id=candidate_id, sha256=sha) if SHA256.match(sha) else None
    if found is None:
        raise web.HTTPNotFound()
    content_type, data = found
    return web.Response(body=data, content_type=content_type, headers=headers)


@routes.get("/ujian/media/{sha}")
async def media(request: web.Request) -> web.StreamResponse:
    return await _own_file(request, {"Cache-Control": "private, max-age=86400, immutable"})


@routes.get("/ujian/files/{sha}")
async def start_file(request: web.Request) -> web.StreamResponse:
    """A practical task's starting file, as a download."""
    return await _own_file(request, {"Content-Disposition": "attachment", "Cache-Control": "private, max-age=3600"})


@routes.post("/ujian/api/upload")
async def upload(request: web.Request) -> web.StreamResponse:
    """A practical task's result file: the raw bytes as the body, ``?item=CODE``.

    The custom ``X-Ujian-Upload`` header is the CSRF guard here (a cross-site form cannot send it)."""
    candidate_id = await _candidate(request)
    if request.headers.get("X-Ujian-Upload") != "1":
        raise ApiError(
            400, "upload.header", "Unggahan harus dikirim dari halaman ujian", "Uploads must be sent from the exam page"
        )
    item = request.query.get("item", "")
    service = request.app[keys.UPLOADS]
    _expected, max_bytes = await service.limit_for(candidate_id=candidate_id, item=item)
    if request.content_length is not None and request.content_length > max_bytes:
        raise _too_large(max_bytes)
    data = await request.content.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    name = urllib.parse.unquote(request.headers.get("X-File-Name", ""))
    return web.json_response(await service.accept(candidate_id=candidate_id, item=item, name=name, data=data))


def _too_large(max_bytes: int) -> ApiError:
    mb = max_bytes // (1024 * 1024)
    return ApiError(
        413,
        "upload.too_large",
        f"Berkas terlalu besar (maksimal {mb} MB)",
        f"The file is too large (at most {mb} MB)",
        field="file",
    )
