"""Shared HTTP plumbing: JSON bodies, bilingual errors, security headers, language, cookies."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SATimeoutError

from grader.problems import ProblemsError
from server import keys
from server.errors import ApiError
from web.render import DEFAULT_LANG, LANG_COOKIE, LANGS, render

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
T = TypeVar("T")

# Room for a typing test's answer (MAX_TYPING_VALUE_BYTES = 64 KiB in server/services/exam.py) plus the envelope.
MAX_JSON_BYTES = 80 * 1024
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; media-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)


def lang_of(request: web.Request) -> str:
    chosen = request.query.get("lang") or request.cookies.get(LANG_COOKIE) or DEFAULT_LANG
    return chosen if chosen in LANGS else DEFAULT_LANG


def error_response(err: ApiError) -> web.Response:
    headers = {"Retry-After": str(err.retry_after)} if err.retry_after else None
    return web.json_response(err.as_json(), status=err.status, headers=headers)


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bad input becomes a bilingual 4xx; only a genuine bug may become a 500, and it is logged."""
    try:
        return await handler(request)
    except ApiError as err:
        return error_response(err)
    except web.HTTPException as exc:
        if "/api/" not in request.path or exc.status < 400:
            raise
        return error_response(
            ApiError(
                exc.status,
                f"http.{exc.status}",
                f"Permintaan ditolak ({exc.reason})",
                f"Request refused ({exc.reason})",
            )
        )
    except (SATimeoutError, DBAPIError, ConnectionError, TimeoutError) as exc:
        # The database is overloaded or restarting: a clear "try again" (the browser's journal retries),
        # never a bare 500. Logged, because it means the room is bigger than this server.
        log.warning("database unavailable for %s %s: %s", request.method, request.path, exc)
        return error_response(
            ApiError(
                503, "server.busy", "Server sedang sibuk, mencoba lagi…", "The server is busy; retrying…", retry_after=2
            )
        )
    except ProblemsError as err:
        first = err.problems[0]
        return error_response(ApiError(400, first.code, first.id, first.en, field=first.field, problems=err.problems))


@web.middleware
async def headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith(("/ujian", "/panitia")):
        response.headers.setdefault("Cache-Control", "no-store")
    if "lang" in request.query and request.query["lang"] in LANGS:
        response.set_cookie(LANG_COOKIE, request.query["lang"], max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


async def json_body(request: web.Request) -> dict[str, Any]:
    """A JSON object body; anything else is a clear 400 (and the content type is our CSRF guard)."""
    if request.content_type != "application/json":
        raise ApiError(
            415,
            "body.content_type",
            "Permintaan harus berformat JSON",
            "The request must be JSON (Content-Type: application/json)",
        )
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        raise ApiError(413, "body.too_large", "Permintaan terlalu besar", "Request too large")
    raw = await request.content.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise ApiError(413, "body.too_large", "Permintaan terlalu besar", "Request too large")
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(
            400, "body.json", "Isi permintaan bukan JSON yang valid", "The request body is not valid JSON"
        ) from None
    if not isinstance(body, dict):
        raise ApiError(400, "body.object", "Isi permintaan harus objek JSON", "The request body must be a JSON object")
    return body


def text_field(body: dict[str, Any], name: str, *, max_len: int = 200) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise ApiError(
            400,
            f"field.{name}",
            f"Isian '{name}' wajib diisi (teks, maks. {max_len} karakter)",
            f"Field '{name}' is required (text, at most {max_len} characters)",
            field=name,
        )
    return value


def client_key(request: web.Request) -> str:
    config = request.app[keys.CONFIG]
    if config.trust_proxy and request.headers.get("X-Forwarded-For"):
        return request.headers["X-Forwarded-For"].split(",")[0].strip()
    return request.remote or "?"


def set_cookie(response: web.StreamResponse, request: web.Request, name: str, value: str, *, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="Strict", path="/", secure=request.secure)


def html(request: web.Request, template: str, *, status: int = 200, **context: Any) -> web.Response:
    return web.Response(
        text=render(template, lang=lang_of(request), **context), status=status, content_type="text/html"
    )


def not_modified(request: web.Request, headers: dict[str, str]) -> web.Response | None:
    """A 304 carrying ``headers`` when the client already holds the version their ``ETag`` names, else None."""
    if headers["ETag"] in (tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")):
        return web.Response(status=304, headers=headers)
    return None


def rate_limited(wait: float) -> ApiError:
    seconds = int(wait) + 1
    return ApiError(
        429,
        "login.rate_limited",
        f"Terlalu banyak percobaan masuk. Coba lagi dalam {seconds} detik.",
        f"Too many login attempts. Try again in {seconds} seconds.",
        retry_after=seconds,
    )


async def limited_login(request: web.Request, account: str, attempt: Callable[[], Awaitable[T]]) -> T:
    """Run a login attempt under the per-address and per-account limit on failures."""
    limiter = request.app[keys.LOGIN_LIMIT]
    address = f"ip:{client_key(request)}"
    wait = limiter.wait(address, account)
    if wait:
        raise rate_limited(wait)
    try:
        result = await attempt()
    except ApiError as err:
        if err.status == 401:
            limiter.fail(address, account)
        raise
    limiter.succeed(account)
    return result


async def logout_response(request: web.Request, cookie: str, logout: Callable[[str], Awaitable[None]]) -> web.Response:
    """Revoke the login behind ``cookie`` (if any) and clear the cookie."""
    await json_body(request)
    token = request.cookies.get(cookie)
    if token:
        await logout(token)
    response = web.json_response({"ok": True})
    response.del_cookie(cookie, path="/")
    return response
