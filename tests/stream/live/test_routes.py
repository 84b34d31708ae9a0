"""HTTP: snapshot JSON with ETag/Cache-Control, server-rendered pages, and a public edge that cannot write."""

from __future__ import annotations

import json
import re

import aiohttp
import pytest
from aiohttp import web

from stream.live.model import PUBLIC_ROW_KEYS
from stream.live.routes import fmt_duration, fmt_milli, setup_live
from stream.live.settings import LiveSettings
from stream.public import create_public_app
from tests.stream.live.helpers import FID, SESSION, info, seat, serve


async def exam_app(public_fields: frozenset[str] | None = None) -> tuple[web.Application, object]:
    app = web.Application()
    live = setup_live(app, LiveSettings(coalesce_ms=0))
    kw = {} if public_fields is None else {"public_fields": public_fields}
    await_rows = [
        seat(1, answered=12),
        seat(2, status="submitted", score=72_250, submitted_at=5),
        seat(3, status="absent"),
    ]
    return app, (live, info(**kw), await_rows)


async def start(public_fields: frozenset[str] | None = None):  # type: ignore[no-untyped-def]
    app, (live, session, rows) = await exam_app(public_fields)
    return app, live, session, rows


async def test_snapshot_json_is_cacheable_and_conditional() -> None:
    app, live, session, rows = await start()
    async with serve(app) as url, aiohttp.ClientSession() as http:
        await live.feed.replace_all(session, rows)
        await live.feed.flush()
        r = await http.get(f"{url}/live/api/f/{FID}")
        assert r.status == 200
        assert r.content_type == "application/json"
        etag = r.headers["ETag"]
        assert etag == f'"{live.feed.epoch}.1"'
        assert "public" in r.headers["Cache-Control"]
        assert "max-age=1" in r.headers["Cache-Control"]
        body = await r.json()
        assert body["seq"] == 1
        assert len(body["rows"]) == 3
        r = await http.get(f"{url}/live/api/f/{FID}", headers={"If-None-Match": etag})
        assert r.status == 304
        await live.feed.seat_changed(SESSION, seat(1, answered=13))
        await live.feed.flush()
        r = await http.get(f"{url}/live/api/f/{FID}", headers={"If-None-Match": etag})
        assert r.status == 200
        assert r.headers["ETag"] != etag
        r = await http.get(f"{url}/live/api/index")
        assert r.status == 200
        assert "ETag" in r.headers
        assert (await r.json())["sessions"][0]["formations"][0]["id"] == FID
        assert (await http.get(f"{url}/live/api/f/{'0' * 16}")).status == 404
        assert (await http.get(f"{url}/live/api/f/nope")).status == 404


async def test_board_renders_server_side_without_script() -> None:
    app, live, session, rows = await start()
    async with serve(app) as url, aiohttp.ClientSession() as http:
        await live.feed.replace_all(session, rows)
        await live.feed.flush()
        r = await http.get(f"{url}/live", allow_redirects=True)
        assert r.status == 200
        assert str(r.url).endswith(f"/live/{SESSION}")
        assert FID in await r.text()
        r = await http.get(f"{url}/live/{SESSION}/{FID}")
        html = await r.text()
        assert r.status == 200
        assert "Content-Security-Policy" in r.headers
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert "Nama Peserta 2" in html
        assert "72,25" in html
        assert "12/40 dijawab" in html
        assert "Tidak hadir" in html
        assert 'class="seat__rank"' in html
        assert re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))", html) is None  # no inline JS
        assert " style=" not in html
        r = await http.get(f"{url}/live/{SESSION}/{FID}?lang=en&layar=1")
        html = await r.text()
        assert "72.25" in html
        assert "12/40 answered" in html
        assert "live-venue" in html
        assert (await http.get(f"{url}/live/{SESSION}/{'0' * 16}")).status == 404
        assert (await http.get(f"{url}/live/NOPE")).status == 404


async def test_nothing_non_public_leaks_anywhere() -> None:
    app, live, session, rows = await start(public_fields=frozenset({"number"}))
    async with serve(app) as url, aiohttp.ClientSession() as http:
        await live.feed.replace_all(session, rows)
        await live.feed.flush()
        snap = await (await http.get(f"{url}/live/api/f/{FID}")).json()
        for row in snap["rows"]:
            assert set(row) <= PUBLIC_ROW_KEYS
            assert "name" not in row
            assert "village" not in row
        html = await (await http.get(f"{url}/live/{SESSION}/{FID}")).text()
        raw = json.dumps(snap) + html
        assert "Nama Peserta" not in raw
        for forbidden in ("presence", "pin", "answers", "items", "key"):
            assert f'"{forbidden}"' not in json.dumps(snap)
        working = next(r for r in snap["rows"] if r["status"] == "working")
        assert working["score"] is None
        assert working["sections"] is None


def test_formatting_is_integer_exact() -> None:
    assert fmt_milli(72_250, "id") == "72,25"
    assert fmt_milli(72_250, "en") == "72.25"
    assert fmt_milli(1_234_000, "id") == "1.234"
    assert fmt_milli(5, "en") == "0.005"
    assert fmt_milli(None, "id") == "–"
    assert fmt_duration(3_725_000) == "1:02:05"
    assert fmt_duration(65_000) == "01:05"
    assert fmt_duration(-5) == "00:00"


def test_public_edge_exposes_no_write_route() -> None:
    app = create_public_app(LiveSettings(role="edge", redis_url="redis://127.0.0.1:1/0"))
    for resource in app.router.resources():
        info_ = resource.get_info()
        path = info_.get("path") or info_.get("formatter") or info_.get("prefix") or ""
        assert not path.startswith(("/ujian", "/panitia", "/transparansi/api")), path
        for route in resource:
            if route.method in ("GET", "HEAD"):
                continue
            # the only non-GET routes are Engine.IO's own long-polling transport
            assert path == "/socket.io/", (route.method, path)
            assert route.method in ("POST", "OPTIONS"), (route.method, path)
    assert not any(str(r).find("panitia") >= 0 for r in app.router.routes())


def test_edge_needs_redis() -> None:
    with pytest.raises(ValueError, match="REDIS"):
        LiveSettings(role="edge")
