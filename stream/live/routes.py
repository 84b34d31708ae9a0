"""``setup_live(app, settings)``: the /live pages, the snapshot JSON (cacheable) and Socket.IO at /socket.io."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

from stream import keys
from stream.live.feed import LiveFeed, RedisSink
from stream.live.hub import CommitteeHub, LiveHub, LocalSink, etag_of, valid_fid
from stream.live.model import JsonObj
from stream.live.settings import LiveSettings
from stream.live.sio import LiveSocketServer, RedisPublisher
from stream.live.store import MemoryStore, RedisStore, SnapshotStore
from web.render import DEFAULT_LANG, LANGS, render, strings

log = logging.getLogger(__name__)

LANG_COOKIE = "ujian_lang"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; media-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)


@dataclass
class Live:
    """What ``setup_live`` put on the app (also at ``app[stream.keys.LIVE]``)."""

    settings: LiveSettings
    sio: LiveSocketServer
    hub: LiveHub
    store: SnapshotStore
    feed: LiveFeed | None
    committee: CommitteeHub | None


def build_live(settings: LiveSettings) -> Live:
    """Wire the parts for a role, without an app (tests and the bench use it directly too)."""
    sio = LiveSocketServer(
        redis_url=settings.redis_url if settings.role == "edge" else None,
        channel=settings.channel,
        ping_interval_s=settings.ping_interval_s,
        ping_timeout_s=settings.ping_timeout_s,
        max_backlog_bytes=settings.max_backlog_bytes,
        cors_allowed_origins=settings.cors_allowed_origins,
    )
    if settings.role == "edge":
        assert settings.redis_url
        store: SnapshotStore = RedisStore(settings.redis_url, prefix=settings.key_prefix)
        hub = LiveHub(sio, store, revalidate_s=settings.revalidate_s)
        return Live(settings, sio, hub, store, None, None)
    memory = MemoryStore()
    hub = LiveHub(sio, memory, revalidate_s=settings.revalidate_s)
    feed = LiveFeed(cascade=settings.cascade, coalesce_ms=settings.coalesce_ms)
    feed.sinks.append(LocalSink(memory, hub))
    if settings.redis_url:
        feed.sinks.append(
            RedisSink(
                RedisStore(settings.redis_url, prefix=settings.key_prefix),
                RedisPublisher(settings.redis_url, channel=settings.channel),
                lambda: feed,
            )
        )
    committee = CommitteeHub(sio, feed.committee_rows, settings.authorize, public=hub)
    feed.committee = committee
    return Live(settings, sio, hub, memory, feed, committee)


def setup_live(app: web.Application, settings: LiveSettings) -> Live:
    """Register /live, /live/api/... and Socket.IO on ``app``; returns the runtime (feed for the exam role)."""
    live = build_live(settings)
    app[keys.LIVE] = live
    app[keys.LIVE_FEED] = live.feed
    live.sio.attach(app, settings.socketio_path)
    app.router.add_get("/live/api/index", _api_index)
    app.router.add_get("/live/api/health", _api_health)
    app.router.add_get("/live/api/f/{fid}", _api_snapshot)
    app.router.add_get("/live", _page_index)
    app.router.add_get("/live/", _page_index)
    app.router.add_get("/live/{session}", _page_session)
    app.router.add_get("/live/{session}/{fid}", _page_board)

    async def start(app: web.Application) -> None:
        await live.hub.start()

    async def stop(app: web.Application) -> None:
        if live.feed is not None:
            await live.feed.close()
        await live.hub.close()
        await live.store.close()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return live


# -- HTTP: snapshot JSON --------------------------------------------------------------------------------


def _cache_headers(live: Live, etag: str) -> dict[str, str]:
    age = live.settings.snapshot_max_age_s
    return {
        "ETag": etag,
        "Cache-Control": f"public, max-age={age}, stale-while-revalidate={4 * age + 1}",
        "Access-Control-Allow-Origin": "*",
        "X-Content-Type-Options": "nosniff",
    }


def _json_bytes(request: web.Request, body: bytes, etag: str) -> web.Response:
    live = request.app[keys.LIVE]
    headers = _cache_headers(live, etag)
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, content_type="application/json", charset="utf-8", headers=headers)


def _unavailable(what: str) -> web.Response:
    return web.json_response(
        {"error": {"code": "live.unavailable", "id": f"{what} belum tersedia", "en": f"{what} not available yet"}},
        status=503,
        headers={"Cache-Control": "no-store", "Retry-After": "2"},
    )


async def _api_index(request: web.Request) -> web.Response:
    raw, _ = await request.app[keys.LIVE].hub.index()
    if raw is None:
        return _unavailable("index")
    return _json_bytes(request, raw, etag_of(raw))


async def _api_snapshot(request: web.Request) -> web.Response:
    fid = valid_fid(request.match_info["fid"])
    if fid is None:
        raise web.HTTPNotFound()
    rep = await request.app[keys.LIVE].hub.replica(fid)
    if rep is None:
        raise web.HTTPNotFound()
    return _json_bytes(request, rep.json_bytes(), rep.etag())


async def _api_health(request: web.Request) -> web.Response:
    live = request.app[keys.LIVE]
    return web.json_response(
        {
            "ok": True,
            "role": live.settings.role,
            "connected": live.sio.connected,
            "viewers": live.hub.viewers(),
            "fanout": {**asdict(live.sio.stats), "resyncs": live.hub.resyncs},
        },
        headers={"Cache-Control": "no-store"},
    )


# -- HTML pages (server-side rendered; the script only keeps them current) --------------------------------


def lang_of(request: web.Request) -> str:
    chosen = request.query.get("lang") or request.cookies.get(LANG_COOKIE) or DEFAULT_LANG
    return chosen if chosen in LANGS else DEFAULT_LANG


def _page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    lang = lang_of(request)
    resp = web.Response(text=render(template, lang=lang, **context), status=status, content_type="text/html")
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"
    resp.headers["Cache-Control"] = "no-cache"
    if request.query.get("lang") in LANGS:
        resp.set_cookie(LANG_COOKIE, request.query["lang"], max_age=365 * 86400, samesite="Lax", httponly=True)
    return resp


async def _page_index(request: web.Request) -> web.Response:
    hub = request.app[keys.LIVE].hub
    await hub.index()
    sessions = hub.sessions()
    if len(sessions) == 1 and "semua" not in request.query:
        raise web.HTTPFound(f"/live/{sessions[0]['code']}")
    return _page(request, "live/index.html", sessions=sessions)


async def _page_session(request: web.Request) -> web.Response:
    live = request.app[keys.LIVE]
    await live.hub.index()
    session = live.hub.session(request.match_info["session"])
    if session is None:
        return _page(request, "live/index.html", status=404, sessions=[], missing=request.match_info["session"])
    fid = valid_fid(request.query.get("f"))
    if fid is not None:
        raise web.HTTPFound(f"/live/{session['code']}/{fid}")
    return _page(request, "live/session.html", session=session)


async def _page_board(request: web.Request) -> web.Response:
    live = request.app[keys.LIVE]
    fid = valid_fid(request.match_info["fid"])
    rep = await live.hub.replica(fid) if fid else None
    if rep is None or rep.head.get("session", {}).get("code") != request.match_info["session"]:
        await live.hub.index()
        return _page(
            request, "live/index.html", status=404, sessions=live.hub.sessions(), missing=request.match_info["session"]
        )
    lang = lang_of(request)
    venue = request.query.get("layar") in ("1", "ya", "yes", "true")
    now = live.hub.clock_ms()
    snap = rep.as_json()
    await live.hub.index()
    return _page(
        request,
        "live/board.html",
        snap=snap,
        session=snap["session"],
        formation=snap["f"],
        rows=[view_row(r, snap["session"], lang=lang, now_ms=now) for r in snap["rows"]],
        venue=venue,
        now_ms=now,
        others=_others(live, snap),
        cameras=_cameras(request.app),
        boot={
            "snapshot": snap,
            "now": now,
            "lang": lang,
            "venue": venue,
            "path": live.settings.socketio_path,
            "strings": strings(lang, ("live.",)),
        },
    )


def _cameras(app: web.Application) -> list[JsonObj]:
    """The venue cameras, when this app also serves video (stream.video's runtime is on the app)."""
    service = app.get(keys.VIDEO)
    try:
        return list(service.cameras()) if service is not None else []
    except Exception:  # the video runtime is another team's; a hiccup there must not break the board
        log.exception("could not list cameras for the board")
        return []


def _others(live: Live, snap: JsonObj) -> list[JsonObj]:
    session = live.hub.session(snap["session"]["code"]) or {}
    return [f for f in session.get("formations", ()) if f["id"] != snap["f"]["id"]]


# -- formatting shared with the script's rules ----------------------------------------------------------


def fmt_milli(milli: int | None, lang: str) -> str:
    """Milli-points as a decimal with the language's separator, trailing zeros dropped (integers only)."""
    if milli is None:
        return "–"
    sign = "-" if milli < 0 else ""
    whole, frac = divmod(abs(milli), 1000)
    text = f"{whole:,}".replace(",", "." if lang == "id" else ",")
    if frac:
        text += ("," if lang == "id" else ".") + f"{frac:03d}".rstrip("0")
    return sign + text


def fmt_duration(ms: int | None) -> str:
    if ms is None:
        return ""
    s = max(0, ms) // 1000
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"


def view_row(row: Mapping[str, Any], session: Mapping[str, Any], *, lang: str, now_ms: int) -> JsonObj:
    left = None
    if row.get("status") == "working":
        if row.get("deadline") is not None:
            left = fmt_duration(int(row["deadline"]) - now_ms)
        elif row.get("paused_left") is not None:
            left = fmt_duration(int(row["paused_left"]))
    titles = {s["code"]: s.get("title") or s["code"] for s in session.get("sections", ())}
    sections = [(titles.get(code, code), fmt_milli(score, lang)) for code, score in (row.get("sections") or {}).items()]
    return {
        **row,
        "left": left,
        "paused": row.get("status") == "working" and row.get("deadline") is None and row.get("paused_left") is not None,
        "score_text": fmt_milli(row.get("score"), lang) if row.get("score") is not None else None,
        "section_texts": sections,
    }
