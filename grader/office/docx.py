"""A .docx read directly from its XML: paragraphs with resolved run formatting, tables, sections, headers."""

from __future__ import annotations

import posixpath
import re
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from xml.etree.ElementTree import Element

from grader.office.package import Package
from grader.office.text import norm_chars, norm_fast
from grader.office.xmlsafe import check_prolog, parse_xml

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOCUMENT = "word/document.xml"
ALIGN = {
    "left": "left",
    "start": "left",
    "center": "center",
    "right": "right",
    "end": "right",
    "both": "justify",
    "distribute": "justify",
    "justify": "justify",
}
_CONTAINERS = frozenset(
    W + n
    for n in ("hyperlink", "ins", "smartTag", "sdt", "sdtContent", "fldSimple", "customXml", "moveTo", "dir", "bdo")
)
_TRUE_OFF = frozenset({"0", "false", "off"})
Props = dict[str, bool | int | Fraction]
"""Run properties: bold/italic/underline (bool), size in half-points (int; a Fraction from .odt files)."""


def run_props(rpr: Element | None) -> Props:
    """Bold, italic, underline and size (half-points) set explicitly in a ``w:rPr``."""
    props: Props = {}
    if rpr is None:
        return props
    for tag, name in ((W + "b", "bold"), (W + "i", "italic")):
        el = rpr.find(tag)
        if el is not None:
            props[name] = el.get(W + "val", "true").lower() not in _TRUE_OFF
    u = rpr.find(W + "u")
    if u is not None:
        props["underline"] = u.get(W + "val", "single").lower() not in ("none", *_TRUE_OFF)
    sz = rpr.find(W + "sz")
    if sz is not None and (sz.get(W + "val") or "").isdigit():
        props["size"] = int(sz.get(W + "val") or 0)
    return props


@dataclass(frozen=True, slots=True)
class Style:
    id: str
    name: str
    type: str
    based_on: str | None
    props: Props
    align: str | None


class Styles:
    """``styles.xml``, searched by byte offsets: a style is located and parsed only when asked for.

    Word's own styles part can hold hundreds of styles (python-docx's template: 350 kB); parsing it
    whole would dominate grading, while a document uses a handful.
    """

    def __init__(self, data: bytes | None) -> None:
        self._data = data or b""
        self._parsed: dict[str, Style | None] = {}
        self.default_paragraph: str | None = None
        self.default_props: Props = {}
        self._open = self._close = self._start = self._end = b""
        if data:
            check_prolog(data, "word/styles.xml")
            self._locate_root()

    def _locate_root(self) -> None:
        data = self._data
        root = _ROOT.search(data)
        if root is None:
            return
        prefix = root.group(1) or b""
        self._open, self._close = root.group(0), b"</" + prefix + b"styles>"
        self._start, self._end = b"<" + prefix + b"style", b"</" + prefix + b"style>"
        default = re.search(
            rb"<" + re.escape(prefix) + rb"style\b[^>]*\b(?:[\w.-]+:)?default=[\"'](?:1|true|on)[\"'][^>]*>", data
        )
        if default:
            tag = default.group(0)
            type_match = _TYPE.search(tag)
            id_match = _STYLE_ID.search(tag)
            if id_match and (type_match is None or type_match.group(1) == b"paragraph"):
                self.default_paragraph = id_match.group(1).decode("utf-8", "replace")
        defaults = re.search(
            rb"<" + re.escape(prefix) + rb"docDefaults\b.*?</" + re.escape(prefix) + rb"docDefaults>", data, re.S
        )
        if defaults:
            el = self._fragment(defaults.group(0))
            if el is not None:
                self.default_props = run_props(el.find(f"{W}rPrDefault/{W}rPr"))

    def _fragment(self, chunk: bytes) -> Element | None:
        root = parse_xml(self._open + chunk + self._close, "word/styles.xml")
        return root[0] if len(root) else None

    def _slice(self, style_id: str) -> bytes | None:
        data, needle = self._data, b'styleId="' + style_id.encode("utf-8") + b'"'
        at = data.find(needle)
        while at >= 0:
            tag_start = data.rfind(b"<", 0, at)
            if data.startswith(self._start, tag_start) and data[tag_start + len(self._start)] in b" \t\r\n":
                tag_end = data.find(b">", at)
                if tag_end < 0:
                    return None
                if data[tag_end - 1 : tag_end] == b"/":
                    return data[tag_start : tag_end + 1]
                end = data.find(self._end, tag_end)
                return data[tag_start : end + len(self._end)] if end >= 0 else None
            at = data.find(needle, at + 1)
        return None

    def get(self, style_id: str | None) -> Style | None:
        if style_id is None or not self._start:
            return None
        if style_id not in self._parsed:
            chunk = self._slice(style_id)
            el = self._fragment(chunk) if chunk else None
            self._parsed[style_id] = None if el is None else _style(el, style_id)
        return self._parsed[style_id]

    def chain(self, style_id: str | None) -> Iterator[Style]:
        """The style and the styles it is based on, nearest first (cycles cut)."""
        seen: set[str] = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            style = self.get(style_id)
            if style is None:
                return
            yield style
            style_id = style.based_on


_SHARED: OrderedDict[bytes, Styles] = OrderedDict()
SHARED_STYLES = 16
"""styles.xml parts remembered by content (documents from one starting file and one word processor mostly
carry identical ones). Keyed by the bytes themselves, so a file is always read with exactly its own styles."""


def shared_styles(data: bytes | None) -> Styles:
    """The ``Styles`` of these bytes, shared with earlier documents whose styles.xml was identical."""
    if not data:
        return Styles(None)
    styles = _SHARED.get(data)
    if styles is None:
        styles = _SHARED[data] = Styles(data)
        if len(_SHARED) > SHARED_STYLES:
            _SHARED.popitem(last=False)
    else:
        _SHARED.move_to_end(data)
    return styles


_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?styles\b[^>]*>")
_TYPE = re.compile(rb"\b(?:[\w.-]+:)?type=[\"']([^\"']*)[\"']")
_STYLE_ID = re.compile(rb"\b(?:[\w.-]+:)?styleId=[\"']([^\"']*)[\"']")


def _style(el: Element, style_id: str) -> Style:
    name_el = el.find(W + "name")
    based = el.find(W + "basedOn")
    jc = el.find(f"{W}pPr/{W}jc")
    return Style(
        id=style_id,
        name=(name_el.get(W + "val", "") if name_el is not None else style_id),
        type=el.get(W + "type", "paragraph"),
        based_on=based.get(W + "val") if based is not None else None,
        props=run_props(el.find(W + "rPr")),
        align=ALIGN.get(jc.get(W + "val", "")) if jc is not None else None,
    )


@dataclass(slots=True)
class Run:
    text: str
    props: Props
    style: str | None


@dataclass(slots=True)
class Paragraph:
    style: str | None
    align: str | None
    runs: list[Run] = field(default_factory=list)
    _normalised: tuple[str, list[int]] | None = None
    _search: str | None = None

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)

    def search_text(self) -> str:
        """``normalised()[0]`` without the index map (cheap; used to find paragraphs)."""
        if self._search is None:
            self._search = norm_fast(self.text)
        return self._search

    def normalised(self) -> tuple[str, list[int]]:
        """``norm_chars(text)``: lower-cased, spaces collapsed, with each character's source index."""
        if self._normalised is None:
            self._normalised = norm_chars(self.text)
        return self._normalised


@dataclass(frozen=True, slots=True)
class Table:
    rows: tuple[tuple[str, ...], ...]
    """Cell texts per row; a merged cell (gridSpan n) counts n columns, its text in the first."""


@dataclass(frozen=True, slots=True)
class Section:
    landscape: bool


class Docx:
    """Read-only view of a checked .docx package; parts are parsed lazily."""

    def __init__(self, package: Package) -> None:
        self._package = package
        self._body: Element | None = None
        self._paragraphs: list[Paragraph] | None = None
        self._styles: Styles | None = None

    @property
    def body(self) -> Element:
        if self._body is None:
            root = self._package.xml(DOCUMENT)
            body = root.find(W + "body")
            self._body = body if body is not None else Element(W + "body")
        return self._body

    @property
    def styles(self) -> Styles:
        if self._styles is None:
            name = self._related(DOCUMENT, "/styles") or "word/styles.xml"
            self._styles = shared_styles(self._package.read(name) if self._package.has(name) else None)
        return self._styles

    def paragraphs(self) -> list[Paragraph]:
        """Every paragraph of the body in reading order, including those inside tables."""
        if self._paragraphs is None:
            self._paragraphs = [_paragraph(p) for p in self.body.iter(W + "p")]
        return self._paragraphs

    def tables(self) -> list[Table]:
        tables = []
        for tbl in self.body.iter(W + "tbl"):
            rows = []
            for tr in tbl.findall(W + "tr"):
                cells: list[str] = []
                for tc in tr.findall(W + "tc"):
                    text = " ".join(_paragraph(p).text for p in tc.findall(W + "p"))
                    span = tc.find(f"{W}tcPr/{W}gridSpan")
                    width = (
                        int(span.get(W + "val", "1")) if span is not None and span.get(W + "val", "").isdigit() else 1
                    )
                    cells.extend([text] + [""] * (max(width, 1) - 1))
                rows.append(tuple(cells))
            tables.append(Table(tuple(rows)))
        return tables

    def sections(self) -> list[Section]:
        found = []
        for sect in self.body.iter(W + "sectPr"):
            size = sect.find(W + "pgSz")
            if size is None:
                found.append(Section(False))
                continue
            orient = size.get(W + "orient")
            if orient is not None:
                found.append(Section(orient == "landscape"))
            else:
                width, height = size.get(W + "w", "0"), size.get(W + "h", "0")
                found.append(Section(width.isdigit() and height.isdigit() and int(width) > int(height)))
        return found or [Section(False)]

    def header_footer_texts(self, kind: str) -> list[str]:
        """Texts of every header (``kind="header"``) or footer part the document refers to."""
        texts = []
        for target in self._related_all(DOCUMENT, "/" + kind):
            if self._package.has(target):
                root = self._package.xml(target)
                texts.append(" ".join(_paragraph(p).text for p in root.iter(W + "p")))
        return texts

    def effective(self, paragraph: Paragraph, run: Run, name: str) -> bool | int | Fraction | None:
        """A run property after direct formatting, character style, paragraph style and defaults."""
        if name in run.props:
            return run.props[name]
        for style in self.styles.chain(run.style):
            if name in style.props:
                return style.props[name]
        for style in self.styles.chain(paragraph.style or self.styles.default_paragraph):
            if name in style.props:
                return style.props[name]
        return self.styles.default_props.get(name)

    def alignment(self, paragraph: Paragraph) -> str:
        if paragraph.align:
            return paragraph.align
        for style in self.styles.chain(paragraph.style or self.styles.default_paragraph):
            if style.align:
                return style.align
        return "left"

    def style_name(self, paragraph: Paragraph) -> str:
        style_id = paragraph.style or self.styles.default_paragraph
        style = self.styles.get(style_id)
        return style.name if style else (style_id or "Normal")

    def _related_all(self, part: str, type_suffix: str) -> list[str]:
        rels_name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
        if not self._package.has(rels_name):
            return []
        targets = []
        for rel in self._package.xml(rels_name).iter(PR + "Relationship"):
            if rel.get("Type", "").endswith(type_suffix) and rel.get("TargetMode") != "External":
                targets.append(resolve(part, rel.get("Target", "")))
        return targets

    def _related(self, part: str, type_suffix: str) -> str | None:
        found = self._related_all(part, type_suffix)
        return found[0] if found else None


def resolve(part: str, target: str) -> str:
    """A relationship target as a package part name."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))


def _paragraph(p: Element) -> Paragraph:
    ppr = p.find(W + "pPr")
    style = jc = None
    if ppr is not None:
        ps = ppr.find(W + "pStyle")
        style = ps.get(W + "val") if ps is not None else None
        jc_el = ppr.find(W + "jc")
        jc = ALIGN.get(jc_el.get(W + "val", "")) if jc_el is not None else None
    paragraph = Paragraph(style, jc)
    _collect_runs(p, paragraph.runs)
    return paragraph


def _collect_runs(parent: Element, runs: list[Run]) -> None:
    for child in parent:
        if child.tag == W + "r":
            rpr = child.find(W + "rPr")
            rstyle = rpr.find(W + "rStyle") if rpr is not None else None
            text = "".join(_run_text(child))
            if text:
                runs.append(Run(text, run_props(rpr), rstyle.get(W + "val") if rstyle is not None else None))
        elif child.tag in _CONTAINERS:
            _collect_runs(child, runs)


def _run_text(run: Element) -> Iterator[str]:
    for child in run:
        tag = child.tag
        if tag == W + "t":
            yield child.text or ""
        elif tag == W + "tab":
            yield "\t"
        elif tag in (W + "br", W + "cr"):
            yield "\n"
        elif tag == W + "noBreakHyphen":
            yield "-"
