"""Committee routes under /panitia: every route checks a role; every intervention carries a reason."""

from __future__ import annotations

import json

from aiohttp import web

from server import keys
from server.db.queries import events as qev
from server.errors import UNAUTHORIZED, ApiError
from server.http.common import html, json_body, lang_of, limited_login, logout_response, set_cookie, text_field
from server.services.committee import Member
from web.render import strings

COOKIE = "ujian_p"
routes = web.RouteTableDef()


async def _member(request: web.Request) -> Member:
    token = request.cookies.get(COOKIE)
    member = await request.app[keys.COMMITTEE].member(token=token) if token else None
    if member is None:
        raise UNAUTHORIZED
    return member


@routes.get("/panitia")
async def console(request: web.Request) -> web.StreamResponse:
    token = request.cookies.get(COOKIE)
    member = await request.app[keys.COMMITTEE].member(token=token) if token else None
    lang = lang_of(request)
    boot = {"api": "/panitia/api", "lang": lang, "strings": strings(lang, ("panitia.", "common."))}
    if member is None:
        return html(request, "committee/login.html", boot=boot)
    boot["user"] = {"username": member.username, "role": member.role}
    return html(request, "committee/console.html", boot=boot)


@routes.post("/panitia/api/login")
async def login(request: web.Request) -> web.StreamResponse:
    body = await json_body(request)
    username = text_field(body, "username", max_len=64).strip()
    password = text_field(body, "password", max_len=200)
    token = await limited_login(
        request,
        f"committee:{username}",
        lambda: request.app[keys.COMMITTEE].login(username=username, password=password),
    )
    response = web.json_response({"ok": True})
    set_cookie(response, request, COOKIE, token, max_age=request.app[keys.CONFIG].session_hours * 3600)
    return response


@routes.post("/panitia/api/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    return await logout_response(request, COOKIE, lambda token: request.app[keys.COMMITTEE].logout(token=token))


@routes.get("/panitia/api/overview")
async def overview(request: web.Request) -> web.StreamResponse:
    member = await _member(request)
    return web.json_response(await request.app[keys.COMMITTEE].overview(member))


@routes.post("/panitia/api/sessions/{code}/{action}")
async def session_action(request: web.Request) -> web.StreamResponse:
    member = await _member(request)
    body = await json_body(request)
    code, action = request.match_info["code"], request.match_info["action"]
    service = request.app[keys.COMMITTEE]
    reason = body.get("reason")
    if action == "open":
        return web.json_response({"ok": True, "token": await service.open_session(member, code=code, reason=reason)})
    handlers = {"pause": service.pause, "resume": service.resume, "close": service.close}
    if action not in handlers:
        raise web.HTTPNotFound()
    await handlers[action](member, code=code, reason=reason)
    return web.json_response({"ok": True})


@routes.post("/panitia/api/candidates/{number}/{action}")
async def candidate_action(request: web.Request) -> web.StreamResponse:
    member = await _member(request)
    body = await json_body(request)
    number, action = request.match_info["number"], request.match_info["action"]
    service = request.app[keys.COMMITTEE]
    reason = body.get("reason")
    if action == "extend":
        await service.extend(member, number=number, seconds=body.get("seconds"), reason=reason)
    elif action == "reset-login":
        await service.reset_login(member, number=number, reason=reason)
    elif action == "finish":
        await service.force_finish(member, number=number, reason=reason)
    else:
        raise web.HTTPNotFound()
    return web.json_response({"ok": True})


@routes.get("/panitia/api/events")
async def events(request: web.Request) -> web.StreamResponse:
    await _member(request)
    try:
        after = int(request.query.get("after", "0"))
        limit = min(1000, int(request.query.get("limit", "200")))
    except ValueError:
        raise ApiError(400, "query.int", "Parameter harus bilangan bulat", "Parameters must be integers") from None
    async with request.app[keys.DB].read() as s:
        rows = await qev.events_after(s, after=after, limit=limit)
    return web.json_response({"events": [json.loads(r.leaf) for r in rows]})
