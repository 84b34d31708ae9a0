"""XML of office parts parsed safely: no DOCTYPE (so no entity expansion), UTF-8 only, size capped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from grader.office.errors import fail

_DECL_ENCODING = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


def check_xml(data: bytes, part: str) -> None:
    """Refuse what could make a parser expand entities or misread the bytes; cheap byte scans only.

    Expat never fetches external entities, but internal ones (the "billion laughs") need a DOCTYPE, so
    any DOCTYPE or ENTITY declaration is refused outright; Office and LibreOffice never write one.
    Non-UTF-8 encodings are refused so the byte scan cannot be dodged (UTF-16 would hide "<!DOCTYPE").
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"\x4c\x6f\xa7\x94")) or b"\x00" in data[:64]:
        raise fail("upload.unsafe_xml", why=part)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise fail("upload.unsafe_xml", why=part)
    match = _DECL_ENCODING.match(data)
    if match and match.group(1).lower() not in (b"utf-8", b"utf8"):
        raise fail("upload.unsafe_xml", why=part)


def parse_xml(data: bytes, part: str) -> ET.Element:
    """``check_xml`` then parse; malformed XML is ``upload.corrupt``."""
    check_xml(data, part)
    try:
        return ET.fromstring(data)  # noqa: S314 - checked above: no DOCTYPE/ENTITY, UTF-8 only
    except ET.ParseError as exc:
        raise fail("upload.corrupt", why=f"{part}: {exc}") from None
