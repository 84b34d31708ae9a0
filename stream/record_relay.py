"""The public edge's /transparansi: a read-only relay of the exam server's record, cached for a moment.

The edge holds no database: checkpoints, proofs, events and (after the close) the bundle are fetched from
the exam server over plain HTTP, so thousands of visitors cost the exam server one request per path and
second. Nothing is ever written upstream: only GET is relayed.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

PREFIX = "/transparansi"
PASS_HEADERS = ("Content-Type", "Cache-Control", "ETag", "Last-Modified", "Content-Disposition")
CACHE_LIMIT = 1024 * 1024  # larger answers (the bundle) are streamed through, not cached


class RecordRelay:
    """GET-only relay of ``/transparansi…`` to an upstream exam server, with a short shared cache."""

    def __init__(self, upstream: str, *, ttl_s: float = 2.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, int, dict[str, str], bytes]] = {}
        self._http: aiohttp.ClientSession | None = None

    async def context(self, app: web.Application) -> AsyncIterator[None]:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120, connect=5))
        yield
        await self._http.close()

    def install(self, app: web.Application) -> None:
        app.cleanup_ctx.append(self.context)
        app.router.add_get(PREFIX, self.handle)
        app.router.add_get(PREFIX + "/{tail:.*}", self.handle)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        key = request.rel_url.path_qs + "|" + request.cookies.get("ujian_lang", "")
        hit = self._cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.ttl_s:
            return web.Response(status=hit[1], headers=hit[2], body=hit[3])
        assert self._http is not None
        headers = {"Cookie": f"ujian_lang={request.cookies['ujian_lang']}"} if "ujian_lang" in request.cookies else {}
        try:
            upstream = await self._http.get(
                self.upstream + request.rel_url.path_qs, headers=headers, allow_redirects=False
            )
        except (aiohttp.ClientError, TimeoutError):
            return _unavailable()
        async with upstream:
            passed = {h: upstream.headers[h] for h in PASS_HEADERS if h in upstream.headers}
            if upstream.content_length is not None and upstream.content_length <= CACHE_LIMIT:
                body = await upstream.read()
                if upstream.status in (200, 404):
                    self._cache[key] = (time.monotonic(), upstream.status, passed, body)
                    if len(self._cache) > 2000:
                        self._cache.clear()
                return web.Response(status=upstream.status, headers=passed, body=body)
            response = web.StreamResponse(status=upstream.status, headers=passed)
            await response.prepare(request)
            async for chunk in upstream.content.iter_chunked(64 * 1024):
                await response.write(chunk)
            await response.write_eof()
            return response


def _unavailable() -> web.Response:
    return web.json_response(
        {
            "error": {
                "code": "upstream.unavailable",
                "id": "Server ujian sedang tidak dapat dihubungi; coba lagi sebentar",
                "en": "The exam server cannot be reached right now; try again shortly",
                "field": None,
                "problems": [],
            }
        },
        status=502,
        headers={"Cache-Control": "no-store", "Retry-After": "5"},
    )
