"""What .odt and .ods readers share: namespaces, styles resolved through their parents, text of paragraphs.

An OpenDocument package keeps its text in ``content.xml`` and its named ("common") styles, page styles
and headers/footers in ``styles.xml``. Formatting applied directly by the user is stored as *automatic*
styles (``P1``, ``T1``, ``ce1``) whose ``style:parent-style-name`` points at a common style; a common
style may in turn have a parent, and ``style:default-style`` gives the last word for a family. Automatic
styles are scoped to their part: ``content.xml``'s ``P1`` and ``styles.xml``'s ``P1`` are different.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator
from fractions import Fraction
from xml.etree.ElementTree import Element

from grader.office.errors import OfficeError, fail
from grader.office.xmlsafe import check_prolog, parse_xml

OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
XLINK = "{http://www.w3.org/1999/xlink}"
NUMBER = "{urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0}"
CHART = "{urn:oasis:names:tc:opendocument:xmlns:chart:1.0}"
CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
LOEXT = "{urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0}"

Props = dict[str, bool | int | Fraction]
"""``bold``, ``italic``, ``underline`` (bool), ``size`` (half-points, as .docx counts them) or ``size_pct``
(a factor of the inherited size, as ``fo:font-size="130%"``)."""

ALIGN = {"start": "left", "left": "left", "center": "center", "end": "right", "right": "right", "justify": "justify"}
_POINTS = {"pt": Fraction(1), "pc": Fraction(12), "in": Fraction(72), "cm": Fraction(7200, 254)}
_POINTS["mm"] = _POINTS["cm"] / 10
_POINTS["px"] = Fraction(3, 4)
_LENGTH = re.compile(r"\s*(-?[0-9]{1,6}(?:\.[0-9]{1,8})?)\s*(pt|pc|in|cm|mm|px)\s*")
_PERCENT = re.compile(r"\s*([0-9]{1,4}(?:\.[0-9]{1,8})?)\s*%\s*")
_SPACE = re.compile(r"[ \t\r\n]+")
_ESCAPED = re.compile(r"_([0-9a-fA-F]{2,4})_")
_DIGITS = re.compile(r"[0-9]{1,9}")
SKIPPED = frozenset(
    {
        # Comments, footnotes/endnotes, deleted text kept for change tracking, drawings: not the document's text
        # (the .docx reader reads word/document.xml's body, which holds none of these either).
        OFFICE + "annotation",
        OFFICE + "annotation-end",
        TEXT + "note",
        TEXT + "tracked-changes",
        TEXT + "ruby-text",
        OFFICE + "forms",
        TEXT + "sequence-decls",
        TEXT + "variable-decls",
        TEXT + "user-field-decls",
    }
)


def small_int(value: str | None, default: int, high: int) -> int:
    """A non-negative whole-number attribute, at most ``high``; ``default`` if absent or malformed."""
    return min(int(value), high) if value is not None and _DIGITS.fullmatch(value) else default


def points(value: str | None) -> Fraction | None:
    """An ODF length (``12pt``, ``2.54cm``, ``0.5in``) in points."""
    match = _LENGTH.fullmatch(value or "")
    return Fraction(match.group(1)) * _POINTS[match.group(2)] if match else None


def percent(value: str | None) -> Fraction | None:
    match = _PERCENT.fullmatch(value or "")
    return Fraction(match.group(1)) / 100 if match else None


def display_name(style: Element) -> str:
    """The name the user sees: ``style:display-name``, else the name with ``_20_`` escapes decoded."""
    shown = style.get(STYLE + "display-name")
    if shown:
        return shown
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), style.get(STYLE + "name", ""))


def text_props(style: Element) -> Props:
    """Bold, italic, underline and size (absolute or relative) set in one style element."""
    props: Props = {}
    text = style.find(STYLE + "text-properties")
    if text is not None:
        weight = text.get(FO + "font-weight")
        if weight is not None:
            props["bold"] = weight == "bold" or small_int(weight, 0, 1000) >= 600
        slant = text.get(FO + "font-style")
        if slant is not None:
            props["italic"] = slant in ("italic", "oblique")
        line = text.get(STYLE + "text-underline-style")
        kind = text.get(STYLE + "text-underline-type")
        if line is not None or kind is not None:
            props["underline"] = (line or "solid") != "none" and (kind or "single") != "none"
        size = text.get(FO + "font-size")
        absolute = points(size)
        if absolute is not None:
            props["size"] = absolute * 2
        elif (relative := percent(size)) is not None:
            props["size_pct"] = relative
    return props


def overlay(base: Props, top: Props) -> Props:
    """``top``'s properties over ``base``'s; a relative size scales the size below it."""
    if not top:
        return base
    out = dict(base)
    for key, value in top.items():
        if key == "size_pct":
            assert isinstance(value, Fraction)
            if "size" in out:
                out["size"] = Fraction(out["size"]) * value
            else:
                out["size_pct"] = Fraction(out.get("size_pct", 1)) * value
        elif key == "size":
            out["size"] = value
            out.pop("size_pct", None)
        else:
            out[key] = value
    return out


def collect_styles(part: Element | None, section: str, into: dict[tuple[str, str], Element]) -> None:
    """Every ``style:style`` of ``office:<section>`` in ``part``, by (family, name)."""
    holder = part.find(OFFICE + section) if part is not None else None
    for style in holder if holder is not None else ():
        if style.tag == STYLE + "style":
            into.setdefault((style.get(STYLE + "family", ""), style.get(STYLE + "name", "")), style)


_DOCUMENT_STYLES = re.compile(rb"<office:document-styles\b[^>]*>")
_STANDARD_PREFIXES = (
    b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"',
    b'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"',
    b'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"',
)
_COMMON_START = re.compile(rb"<(style:style|style:default-style|number:[a-z-]{1,20}-style)\s([^>]*)>")
_NAME_ATTR = re.compile(rb'\bstyle:name="([^"]*)"')
_FAMILY_ATTR = re.compile(rb'\bstyle:family="([^"]*)"')


class StylesPart:
    """``styles.xml``: its named styles, defaults and data styles, page layouts and master pages.

    LibreOffice writes some 90 kB of named styles for a document converted from Word, of which a rubric
    reads a handful, so ``office:styles`` is indexed by byte offset and an element parsed only when asked
    for (the other sections are small and parsed at once). Any surprise (other namespace prefixes, a
    fragment that does not parse) falls back to parsing the whole part, which gives the same elements.
    """

    def __init__(self, data: bytes | None, part: str = "styles.xml") -> None:
        self._data = data or b""
        self._part = part
        self._starts: dict[bytes, list[tuple[int, int, bytes]]] = {}
        self._defaults: dict[bytes, tuple[int, int, bytes]] = {}
        self._common_end = 0
        self._parsed: dict[tuple[str, str], Element | None] = {}
        self._open = b""
        self.automatic: Element | None = None
        self.masters: Element | None = None
        self._tree: Element | None = None
        if data:
            check_prolog(data, part)
            try:
                self._index()
            except OfficeError:
                self._whole()

    def _index(self) -> None:
        """Note where each named style, default style and data style of ``office:styles`` starts."""
        data = self._data
        root = _DOCUMENT_STYLES.search(data, 0, 4096)
        if root is None or not all(prefix in root.group(0) for prefix in _STANDARD_PREFIXES):
            raise fail("upload.corrupt", why=self._part)  # not the usual layout: read it whole instead
        self._open = root.group(0)
        common = _section(data, b"office:styles")
        if common is not None:
            self._common_end = common[2]
            for match in _COMMON_START.finditer(data, common[1], common[2]):
                tag, attrs = match.group(1), match.group(2)
                if tag == b"style:default-style":
                    family = _FAMILY_ATTR.search(attrs)
                    self._defaults.setdefault(family.group(1) if family else b"", (match.start(), match.end(), tag))
                else:
                    name = _NAME_ATTR.search(attrs)
                    if name:
                        self._starts.setdefault(name.group(1), []).append((match.start(), match.end(), tag))
        automatic = _section(data, b"office:automatic-styles")
        if automatic is not None:
            self.automatic = self._fragment(data[automatic[0] : automatic[3]])
        masters = _section(data, b"office:master-styles")
        if masters is not None:
            self.masters = self._fragment(data[masters[0] : masters[3]])

    def _span(self, key: tuple[str, str]) -> tuple[int, int] | None:
        """Byte span of the element ``key`` names in ``office:styles`` (found from the noted starts)."""
        kind, name = key
        if kind == "default":
            found = self._defaults.get(name.encode())
        else:
            found = None
            for candidate in self._starts.get(name.encode(), ()):
                start, tag_end, tag = candidate
                if kind == "data" and tag.startswith(b"number:"):
                    found = candidate
                elif kind.startswith("style:") and tag == b"style:style":
                    family = _FAMILY_ATTR.search(self._data, start, tag_end)
                    if (family.group(1) if family else b"") == kind[6:].encode():
                        found = candidate
                if found:
                    break
        if found is None:
            return None
        start, tag_end, tag = found
        if self._data[tag_end - 2 : tag_end - 1] == b"/":
            return start, tag_end
        close = self._data.find(b"</" + tag + b">", tag_end, self._common_end)
        if close < 0:
            raise fail("upload.corrupt", why=self._part)
        return start, close + len(tag) + 3

    def _fragment(self, chunk: bytes) -> Element | None:
        root = parse_xml(self._open + chunk + b"</office:document-styles>", self._part)
        return root[0] if len(root) else None

    def _whole(self) -> None:
        self._tree = tree = parse_xml(self._data, self._part)
        self.automatic = tree.find(OFFICE + "automatic-styles")
        self.masters = tree.find(OFFICE + "master-styles")

    def _get(self, key: tuple[str, str]) -> Element | None:
        if self._tree is not None:
            return self._from_tree(key)
        if key not in self._parsed:
            try:
                span = self._span(key)
                self._parsed[key] = self._fragment(self._data[span[0] : span[1]]) if span else None
            except OfficeError:
                self._whole()
                return self._from_tree(key)
        return self._parsed[key]

    def _from_tree(self, key: tuple[str, str]) -> Element | None:
        holder = self._tree.find(OFFICE + "styles") if self._tree is not None else None
        for element in holder if holder is not None else ():
            if _key_of(element) == key:
                return element
        return None

    def style(self, family: str, name: str) -> Element | None:
        return self._get(("style:" + family, name))

    def default(self, family: str) -> Element | None:
        return self._get(("default", family))

    def data_style(self, name: str) -> Element | None:
        """A ``number:*-style`` of ``office:styles``, else of the automatic styles."""
        found = self._get(("data", name))
        if found is None and self.automatic is not None:
            found = next(
                (e for e in self.automatic if e.get(STYLE + "name") == name and e.tag.startswith(NUMBER)), None
            )
        return found


_SHARED: OrderedDict[bytes, StylesPart] = OrderedDict()
SHARED_STYLES = 16
"""styles.xml parts remembered by content: candidates who start from one file and save it with one office
program mostly upload byte-identical styles.xml, read once then. Keyed by the bytes themselves (not a hash
or a CRC), so a file is always read with exactly its own styles."""


def styles_part(data: bytes | None) -> StylesPart:
    """The ``StylesPart`` of these bytes, shared with earlier files whose styles.xml was identical."""
    if not data:
        return StylesPart(None)
    part = _SHARED.get(data)
    if part is None:
        part = StylesPart(data)
        _SHARED[data] = part
        if len(_SHARED) > SHARED_STYLES:
            _SHARED.popitem(last=False)
    else:
        _SHARED.move_to_end(data)
    return part


def _section(data: bytes, tag: bytes) -> tuple[int, int, int, int] | None:
    """Byte offsets of the first ``<tag ...>...</tag>``: element start, content start and end, element end
    (None if absent or empty)."""
    start = data.find(b"<" + tag)
    if start < 0:
        return None
    open_end = data.find(b">", start)
    if open_end < 0 or data[open_end - 1 : open_end] == b"/":
        return None
    close = data.find(b"</" + tag + b">", open_end)
    return (start, open_end + 1, close, close + len(tag) + 3) if close >= 0 else None


def _key_of(element: Element) -> tuple[str, str] | None:
    if element.tag == STYLE + "default-style":
        return ("default", element.get(STYLE + "family", ""))
    if element.tag == STYLE + "style":
        return ("style:" + element.get(STYLE + "family", ""), element.get(STYLE + "name", ""))
    if element.tag.startswith(NUMBER) and element.get(STYLE + "name"):
        return ("data", element.get(STYLE + "name", ""))
    return None


class StyleSet:
    """The styles one part sees: its own automatic styles, then the common styles and the defaults."""

    def __init__(self, own: Element | None, styles: StylesPart) -> None:
        self.automatic: dict[tuple[str, str], Element] = {}
        collect_styles(own, "automatic-styles", self.automatic)
        self.styles = styles
        self._resolved: dict[tuple[str, str | None], Props] = {}

    def get(self, family: str, name: str | None) -> tuple[Element, bool] | None:
        """The style and whether it is automatic."""
        if not name:
            return None
        style = self.automatic.get((family, name))
        if style is not None:
            return style, True
        style = self.styles.style(family, name)
        return (style, False) if style is not None else None

    def chain(self, family: str, name: str | None) -> Iterator[tuple[Element, bool]]:
        """The style and its parents, nearest first (cycles cut); not the default style."""
        seen: set[str] = set()
        while name and name not in seen:
            seen.add(name)
            found = self.get(family, name)
            if found is None:
                return
            yield found
            name = found[0].get(STYLE + "parent-style-name")

    def attr(self, family: str, name: str | None, attr: str) -> str | None:
        """An attribute of the style element itself, from the nearest style in the chain that has it."""
        for style, _ in self.chain(family, name):
            value = style.get(attr)
            if value is not None:
                return value
        default = self.styles.default(family)
        return default.get(attr) if default is not None else None

    def alignment(self, name: str | None) -> str | None:
        """A paragraph style's ``fo:text-align`` after its parents and the default: left/center/right/justify."""
        default = self.styles.default("paragraph")
        for style in [s for s, _ in self.chain("paragraph", name)] + ([default] if default is not None else []):
            props = style.find(STYLE + "paragraph-properties")
            value = props.get(FO + "text-align") if props is not None else None
            if value in ALIGN:
                return ALIGN[value or ""]
        return None

    def resolved(self, family: str, name: str | None, with_default: bool = True) -> Props:
        """Text/paragraph properties of a style after its parents (and the family's default style)."""
        key = (family if with_default else "-" + family, name)
        cached = self._resolved.get(key)
        if cached is None:
            default = self.styles.default(family) if with_default else None
            cached = text_props(default) if default is not None else {}
            for style, _ in reversed(list(self.chain(family, name))):
                cached = overlay(cached, text_props(style))
            self._resolved[key] = cached
        return cached


def walk(root: Element, wanted: frozenset[str]) -> Iterator[Element]:
    """Elements with a ``wanted`` tag under ``root`` in document order, skipping ``SKIPPED`` subtrees.

    An explicit stack rather than recursion: a hostile file's nesting depth cannot overflow Python's.
    """
    stack: list[Iterator[Element]] = [iter(root)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        if child.tag in SKIPPED:
            continue
        if child.tag in wanted:
            yield child
        if len(child):
            stack.append(iter(child))


def collapse(text: str | None) -> str:
    """ODF whitespace: runs of spaces, tabs and newlines in the XML are one space (``text:s`` adds more)."""
    return _SPACE.sub(" ", text) if text else ""


def spaces(element: Element) -> str:
    return " " * max(1, small_int(element.get(TEXT + "c"), 1, 1000))


def plain_text(paragraph: Element) -> str:
    """The text of a ``text:p``/``text:h`` (spans, links and fields included; comments, notes and frames not)."""
    parts: list[str] = []
    _plain(paragraph, parts, 0)
    return "".join(parts)


def _plain(element: Element, parts: list[str], depth: int) -> None:
    parts.append(collapse(element.text))
    for child in element:
        tag = child.tag
        if tag == TEXT + "s":
            parts.append(spaces(child))
        elif tag == TEXT + "tab":
            parts.append("\t")
        elif tag == TEXT + "line-break":
            parts.append("\n")
        elif tag not in SKIPPED and not tag.startswith(DRAW) and depth < 50:
            _plain(child, parts, depth + 1)
        parts.append(collapse(child.tail))


# ---- spreadsheet size ------------------------------------------------------------------------------------

MAX_CELLS = 200_000
"""Filled cells a workbook may hold once ``number-*-repeated`` is expanded (a 20 kB file can ask for
billions); more is refused when the file is uploaded."""
ROW_HOLDERS = frozenset({TABLE + "table-header-rows", TABLE + "table-rows", TABLE + "table-row-group"})
CELLS = frozenset({TABLE + "table-cell", TABLE + "covered-table-cell"})


def repeat_count(element: Element, attr: str) -> int:
    """``table:number-rows-repeated`` / ``-columns-repeated`` (1 if absent or nonsense)."""
    return max(1, small_int(element.get(TABLE + attr), 1, 100_000_000))


def has_content(cell: Element) -> bool:
    return (
        cell.get(OFFICE + "value-type") is not None
        or cell.get(TABLE + "formula") is not None
        or any(child.tag == TEXT + "p" for child in cell)
    )


def table_rows(table: Element) -> list[Element]:
    """A table's own rows in order (inside header-rows, row groups), not those of nested tables."""
    found: list[Element] = []
    stack = [iter(table)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif child.tag == TABLE + "table-row":
            found.append(child)
        elif child.tag in ROW_HOLDERS:
            stack.append(iter(child))
    return found


def filled_cells(content: Element, limit: int = MAX_CELLS) -> int:
    """How many filled cells a spreadsheet's sheets hold, repetitions expanded; counting stops past ``limit``."""
    body = content.find(f"{OFFICE}body/{OFFICE}spreadsheet")
    total = 0
    for table in body if body is not None else ():
        if table.tag != TABLE + "table":
            continue
        for row in table_rows(table):
            per_row = sum(repeat_count(c, "number-columns-repeated") for c in row if c.tag in CELLS and has_content(c))
            total += per_row * repeat_count(row, "number-rows-repeated")
            if total > limit:
                return total
    return total
