"""Jinja2 environment and translations shared by the exam server and the public edge."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from web import I18N, STATIC, TEMPLATES

LANGS = ("id", "en")
DEFAULT_LANG = "id"
LANG_COOKIE = "ujian_lang"
"""The cookie that remembers a visitor's language choice (set by ``?lang=``)."""


@cache
def translations(lang: str) -> Mapping[str, str]:
    """Merge ``<lang>.json`` and every ``<area>.<lang>.json``; Indonesian fills gaps in other languages."""
    merged: dict[str, str] = {}
    if lang != DEFAULT_LANG:
        merged.update(translations(DEFAULT_LANG))
    for path in sorted(I18N.glob(f"*{lang}.json")):
        if path.name == f"{lang}.json" or path.name.endswith(f".{lang}.json"):
            merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def translator(lang: str) -> Callable[..., str]:
    """Return ``t(key, **values)``: the key itself shows when a string is missing, so gaps are visible."""
    table = translations(lang if lang in LANGS else DEFAULT_LANG)

    def t(key: str, **values: Any) -> str:
        text = table.get(key, key)
        return text.format(**values) if values else text

    return t


def strings(lang: str, prefixes: tuple[str, ...]) -> dict[str, str]:
    """The subset of strings a page's script needs, by key prefix."""
    table = translations(lang if lang in LANGS else DEFAULT_LANG)
    return {k: v for k, v in table.items() if k.startswith(prefixes)}


@cache
def _static_version(path: str) -> str:
    try:
        return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:10]
    except OSError:
        return "0"


def static_url(path: str) -> str:
    """URL of a static file with a content hash, so it can be cached for a long time."""
    return f"/static/{path}?v={_static_version(path)}"


@cache
def environment(extra_dirs: tuple[Path, ...] = ()) -> jinja2.Environment:
    """One autoescaping environment: everything imported is escaped by construction."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([TEMPLATES, *extra_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = static_url
    return env


def render(template: str, *, lang: str, **context: Any) -> str:
    """Render a template with ``t``, ``lang`` and ``other_lang`` available."""
    lang = lang if lang in LANGS else DEFAULT_LANG
    other = "en" if lang == "id" else "id"
    return environment().get_template(template).render(t=translator(lang), lang=lang, other_lang=other, **context)
