"""XML of office parts parsed safely: no DOCTYPE (so no entity expansion), UTF-8 only, size capped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from grader.office.errors import fail

_DECL_ENCODING = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_PROLOG_SPACE = re.compile(rb"[ \t\r\n]*")
MAX_PROLOG_ITEMS = 100


def _encoding_ok(data: bytes) -> bool:
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"\x4c\x6f\xa7\x94")) or b"\x00" in data[:64]:
        return False
    match = _DECL_ENCODING.match(data)
    return match is None or match.group(1).lower() in (b"utf-8", b"utf8")


def check_xml(data: bytes, part: str) -> None:
    """Refuse what could make a parser expand entities or misread the bytes; cheap byte scans only.

    Expat never fetches external entities, but internal ones (the "billion laughs") need a DOCTYPE, so
    any DOCTYPE or ENTITY declaration is refused outright; Office and LibreOffice never write one.
    Non-UTF-8 encodings are refused so the byte scan cannot be dodged (UTF-16 would hide "<!DOCTYPE").
    This scans the whole part (what an upload is checked with); ``parse_xml`` needs only the prolog.
    """
    if not _encoding_ok(data) or _DECLARATION.search(data):
        raise fail("upload.unsafe_xml", why=part)


def check_prolog(data: bytes, part: str) -> None:
    """``check_xml`` for bytes about to be parsed, in time proportional to the prolog, not the part.

    XML allows a DOCTYPE (and so any entity declaration) only in the prolog, before the root element:
    expat rejects ``<!DOCTYPE``/``<!ENTITY`` anywhere after it and every reference to an undeclared
    entity. So a prolog holding nothing but the XML declaration, processing instructions, comments and
    white space leaves the parser nothing to expand.
    """
    if not _encoding_ok(data):
        raise fail("upload.unsafe_xml", why=part)
    at = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    for _ in range(MAX_PROLOG_ITEMS):
        match = _PROLOG_SPACE.match(data, at)
        at = match.end() if match else at
        if data.startswith(b"<?", at):
            closing = b"?>"
        elif data.startswith(b"<!--", at):
            closing = b"-->"
        elif data.startswith(b"<!", at):
            raise fail("upload.unsafe_xml", why=part)
        else:
            return  # the root element (or something expat will refuse as malformed)
        end = data.find(closing, at + 2)
        if end < 0:
            return  # an unterminated declaration or comment: expat refuses it
        at = end + len(closing)
    raise fail("upload.unsafe_xml", why=part)


def parse_xml(data: bytes, part: str) -> ET.Element:
    """``check_prolog`` then parse; malformed XML is ``upload.corrupt``."""
    check_prolog(data, part)
    try:
        return ET.fromstring(data)  # noqa: S314 - checked above: no DOCTYPE/ENTITY, UTF-8 only
    except ET.ParseError as exc:
        raise fail("upload.corrupt", why=f"{part}: {exc}") from None
