"""Public read-only pages of the exam server: home and the grading rules."""

from __future__ import annotations

from functools import cache

from aiohttp import web
from markdown_it import MarkdownIt

from server.http.common import html
from web import ROOT

routes = web.RouteTableDef()
RULES = ROOT / "content" / "grading-rules.md"


@cache
def rules_html() -> str:
    """The published rules, rendered once; raw HTML in the source is escaped, never passed through."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    return str(md.render(RULES.read_text(encoding="utf-8")))


@routes.get("/")
async def index(request: web.Request) -> web.StreamResponse:
    return html(request, "index.html")


@routes.get("/aturan")
async def rules(request: web.Request) -> web.StreamResponse:
    return html(request, "aturan.html", rules=rules_html())
