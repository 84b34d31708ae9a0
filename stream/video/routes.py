"""HTTP and websocket routes under ``/video/...`` and the cleanup context that runs the video service."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
from aiohttp import web

from stream.keys import VIDEO
from stream.video.ffmpeg import INIT_NAME
from stream.video.hls import (
    CACHE_IMMUTABLE,
    CACHE_LIVE_PLAYLIST,
    CACHE_NONE,
    TYPE_INIT,
    TYPE_PLAYLIST,
    TYPE_SEGMENT,
    CameraArchive,
)
from stream.video.hub import Viewer
from stream.video.service import VideoService, VideoSettings
from web.render import LANG_COOKIE, LANGS, render

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'"
)
_CAMERA = r"{camera:[a-z0-9][a-z0-9-]{0,39}}"


def setup_video(app: web.Application, settings: VideoSettings) -> None:
    """Register ``/video/...`` and a cleanup context that starts ffmpeg (or the relay) and stops it."""
    service = VideoService(settings)
    app[VIDEO] = service
    r = app.router
    r.add_get(f"/video/ws/{_CAMERA}", ws_handler)
    r.add_get("/video/cameras.json", cameras_handler)
    r.add_get("/video/stats.json", stats_handler)
    r.add_get(f"/video/hls/{_CAMERA}/live.m3u8", live_playlist_handler)
    r.add_get(f"/video/hls/{_CAMERA}/archive.m3u8", archive_playlist_handler)
    r.add_get(f"/video/hls/{_CAMERA}/{{epoch:\\d{{1,9}}}}/{{name}}", file_handler)
    r.add_get(f"/video/archive/{_CAMERA}/index.json", archive_index_handler)
    r.add_get(f"/video/archive/{_CAMERA}/at", archive_at_handler)
    r.add_get("/video/watch", watch_handler)
    r.add_get("/video/replay", replay_handler)

    async def run_video(_app: web.Application) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    app.cleanup_ctx.append(run_video)


def _error(status: int, code: str, id_text: str, en_text: str, field: str | None = None) -> web.Response:
    body: dict[str, object] = {"error": {"code": code, "id": id_text, "en": en_text, "field": field, "problems": []}}
    return web.json_response(body, status=status, headers={"Cache-Control": CACHE_NONE})


def _no_camera(camera: str) -> web.Response:
    return _error(404, "video.unknown_camera", f"kamera tidak dikenal: {camera}", f"unknown camera: {camera}", "camera")


def _lang(request: web.Request) -> str:
    lang = request.query.get("lang") or request.cookies.get(LANG_COOKIE) or "id"
    return lang if lang in LANGS else "id"


# --- live --------------------------------------------------------------------------------------------------
async def ws_handler(request: web.Request) -> web.StreamResponse:
    service = request.app[VIDEO]
    hub = service.hubs.get(request.match_info["camera"])
    if hub is None:
        return _no_camera(request.match_info["camera"])
    ws = web.WebSocketResponse(compress=False, heartbeat=30, max_msg_size=4096)
    await ws.prepare(request)
    transport = request.transport
    if transport is None:
        return ws
    # The hub writes pre-framed messages straight to the transport: one framing per fragment, not per viewer.
    viewer = Viewer(transport, hub.limits)
    hub.join(viewer)
    try:
        async for _msg in ws:
            pass  # viewers have nothing to say; reading keeps pings/close working
    finally:
        hub.leave(viewer)
    return ws


async def cameras_handler(request: web.Request) -> web.Response:
    service = request.app[VIDEO]
    return web.json_response({"cameras": service.cameras()}, headers={"Cache-Control": CACHE_NONE})


async def stats_handler(request: web.Request) -> web.Response:
    service = request.app[VIDEO]
    return web.json_response(
        {
            "hubs": [h.snapshot() for h in service.hubs.values()],
            "supervisors": [s.status() for s in service.supervisors.values()],
        },
        headers={"Cache-Control": CACHE_NONE},
    )


# --- HLS and archive -------------------------------------------------------------------------------------
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _proxy(request: web.Request) -> web.StreamResponse:
    """Relay mode: HLS and the archive live on the exam server; pass requests through (nginx caches them)."""
    service = request.app[VIDEO]
    assert service.relay is not None
    url = service.relay.upstream + request.rel_url.path_qs
    try:
        async with service.relay.session.get(url) as upstream:
            headers = {
                k: v
                for k, v in upstream.headers.items()
                if k in ("Content-Type", "Cache-Control", "ETag", "Last-Modified")
            }
            resp = web.StreamResponse(status=upstream.status, headers=headers)
            await resp.prepare(request)
            async for chunk in upstream.content.iter_chunked(64 * 1024):
                await resp.write(chunk)
            await resp.write_eof()
            return resp
    except aiohttp.ClientError:
        return _error(502, "video.upstream", "server ujian tidak terjangkau", "exam server unreachable")


def _archive(request: web.Request) -> CameraArchive | None:
    return request.app[VIDEO].archives.get(request.match_info["camera"])


async def live_playlist_handler(request: web.Request) -> web.StreamResponse:
    if request.app[VIDEO].relaying:
        return await _proxy(request)
    archive = _archive(request)
    if archive is None:
        return _no_camera(request.match_info["camera"])
    if not archive.segments:
        return _error(404, "video.no_segments", "belum ada segmen", "no segments yet")
    return web.Response(
        text=archive.playlist(live=True), content_type=TYPE_PLAYLIST, headers={"Cache-Control": CACHE_LIVE_PLAYLIST}
    )


async def archive_playlist_handler(request: web.Request) -> web.StreamResponse:
    service = request.app[VIDEO]
    if service.relaying:
        return await _proxy(request)
    archive = _archive(request)
    if archive is None:
        return _no_camera(request.match_info["camera"])
    t = request.query.get("t")
    start = int(t) if t and t.isdigit() else None
    return web.Response(
        text=archive.playlist(live=False, start_ms=start, ended=not service.running),
        content_type=TYPE_PLAYLIST,
        headers={"Cache-Control": CACHE_NONE},
    )


async def file_handler(request: web.Request) -> web.StreamResponse:
    if request.app[VIDEO].relaying:
        return await _proxy(request)
    archive = _archive(request)
    if archive is None:
        return _no_camera(request.match_info["camera"])
    seg = archive.file(int(request.match_info["epoch"]), request.match_info["name"])
    if seg is None:
        return _error(404, "video.no_segment", "segmen tidak ada", "no such segment")
    content_type = TYPE_INIT if seg.seq == 0 else TYPE_SEGMENT
    return web.FileResponse(
        seg.path,
        headers={"Cache-Control": CACHE_IMMUTABLE, "Content-Type": content_type, "X-Content-SHA256": seg.sha256},
    )


async def archive_index_handler(request: web.Request) -> web.StreamResponse:
    if request.app[VIDEO].relaying:
        return await _proxy(request)
    archive = _archive(request)
    if archive is None:
        return _no_camera(request.match_info["camera"])
    body = archive.index_json()
    body["base"] = f"../../hls/{archive.camera}/"
    return web.json_response(body, headers={"Cache-Control": CACHE_NONE})


async def archive_at_handler(request: web.Request) -> web.StreamResponse:
    """Where wall clock ``t`` (ms) is in the recording: segment, offset inside it, offset in the archive playlist."""
    if request.app[VIDEO].relaying:
        return await _proxy(request)
    archive = _archive(request)
    if archive is None:
        return _no_camera(request.match_info["camera"])
    raw = request.query.get("t", "")
    if not re.fullmatch(r"\d{1,15}", raw):
        return _error(400, "video.bad_time", "t harus waktu dalam milidetik", "t must be a time in milliseconds", "t")
    t = int(raw)
    found = archive.at(t)
    if found is None:
        return _error(
            404,
            "video.not_recorded",
            "tidak ada rekaman pada atau setelah waktu itu",
            "nothing recorded at or after that time",
            "t",
        )
    index, seg, exact = found
    offset = t - seg.start_ms if exact else 0
    before = sum(s.duration_ms for s in archive.segments[:index])
    cam = archive.camera
    return web.json_response(
        {
            "camera": cam,
            "t": t,
            "exact": exact,
            "index": index,
            "epoch": seg.epoch,
            "seq": seg.seq,
            "url": f"/video/hls/{cam}/{seg.epoch}/{seg.name}",
            "init_url": f"/video/hls/{cam}/{seg.epoch}/{INIT_NAME}",
            "segment_start_ms": seg.start_ms,
            "duration_ms": seg.duration_ms,
            "offset_ms": offset,
            "playlist_offset_ms": before + offset,
            "sha256": seg.sha256,
            "playlist": f"/video/hls/{cam}/archive.m3u8?t={t}",
            "replay": f"/video/replay?camera={cam}&t={t}",
        },
        headers={"Cache-Control": CACHE_NONE},
    )


# --- pages -----------------------------------------------------------------------------------------------
def _page(html: str) -> web.Response:
    return web.Response(text=html, content_type="text/html", headers={"Cache-Control": CACHE_NONE})


async def watch_handler(request: web.Request) -> web.Response:
    """A bare page with every camera's player (for manual checks and browser tests; /live embeds the partial)."""
    service = request.app[VIDEO]
    cameras = [{"id": c["id"], "name": c["name"]} for c in service.cameras()]
    mode = request.query.get("mode", "auto")
    lag = request.query.get("lag", "")
    return _page(
        render(
            "video/watch.html",
            lang=_lang(request),
            cameras=cameras,
            mode=mode if mode in ("auto", "hls", "mse") else "auto",
            target_lag=lag if re.fullmatch(r"[0-9](\.[0-9]{1,3})?", lag) else "",
            measure=request.query.get("measure") == "1",
        )
    )


async def replay_handler(request: web.Request) -> web.Response:
    service = request.app[VIDEO]
    camera = request.query.get("camera", "")
    names = {c["id"]: c["name"] for c in service.cameras()}
    if camera not in names:
        if service.relaying and re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", camera):
            names[camera] = camera
        else:
            return _no_camera(camera)
    t = request.query.get("t", "")
    return _page(
        render(
            "video/replay.html",
            lang=_lang(request),
            camera={"id": camera, "name": names[camera]},
            start_ms=int(t) if t.isdigit() else 0,
            measure=request.query.get("measure") == "1",
        )
    )


@web.middleware
async def csp_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The policy the public pages run under (the lead's app sets its own; this is for the standalone app)."""
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", CSP)
    return response


def standalone_app(settings: VideoSettings) -> web.Application:
    """Video alone, with /static and the CSP: for tests, the bench and ``python -m stream.video``."""
    from web import STATIC

    app = web.Application(middlewares=[csp_middleware])
    app.router.add_static("/static", STATIC)
    setup_video(app, settings)
    return app
