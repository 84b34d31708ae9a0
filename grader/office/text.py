"""Text matching shared by the document and spreadsheet checks: case- and whitespace-insensitive."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\S+")


def norm(text: str) -> str:
    """NFC, casefold, whitespace runs → one space, trimmed (as ``short_text`` answers are)."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text).casefold()).strip()


def norm_chars(text: str) -> tuple[str, list[int]]:
    """``norm``-like text plus, for each of its characters, the index of the source character.

    Lower-cases keeping lengths (so matches can be mapped back to runs): the whole text at once when
    that keeps its length (as ``norm_fast`` does), else character by character. A run of white space
    becomes one space, indexed at the run's first character; leading and trailing runs are dropped.
    """
    lowered = text.lower()
    if len(lowered) != len(text):
        return _norm_chars_slow(text)
    out: list[str] = []
    index: list[int] = []
    previous_end = -1
    for word in _WORD.finditer(lowered):
        start, end = word.span()
        if previous_end >= 0:
            out.append(" ")
            index.append(previous_end)
        out.append(word.group())
        index.extend(range(start, end))
        previous_end = end
    return "".join(out), index


def _norm_chars_slow(text: str) -> tuple[str, list[int]]:
    out: list[str] = []
    index: list[int] = []
    space = True  # drop leading whitespace
    for i, ch in enumerate(text):
        if ch.isspace():
            if not space:
                out.append(" ")
                index.append(i)
            space = True
            continue
        lowered = ch.lower()
        out.append(lowered if len(lowered) == 1 else ch)
        index.append(i)
        space = False
    if out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


def norm_fast(text: str) -> str:
    """The text part of ``norm_chars`` (identical result), computed without a per-character loop."""
    collapsed = _SPACE.sub(" ", text).strip()
    lowered = collapsed.lower()
    return lowered if len(lowered) == len(collapsed) else norm_chars(text)[0]


def find_all(haystack: str, needle: str) -> list[int]:
    positions: list[int] = []
    start = haystack.find(needle)
    while start >= 0 and needle:
        positions.append(start)
        start = haystack.find(needle, start + 1)
    return positions


def short(text: str, limit: int = 60) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
