"""An .odt read directly from its XML, seen the way the .docx reader sees a document (``Docx``'s methods).

Paragraphs are ``text:p`` and ``text:h`` of ``office:text`` in reading order, including those in tables,
lists, sections and text frames; comments, footnotes and deleted (change-tracked) text are left out, as
they are by the .docx reader. Run formatting: the span's automatic style and its parents (direct formatting
and the character style), then the paragraph's style chain, then the default paragraph style. Pages: the
page styles ("master pages") the document uses, their page layouts (orientation) and headers/footers.
"""

from __future__ import annotations

from fractions import Fraction
from xml.etree.ElementTree import Element

from grader.office.docx import Paragraph, Run, Section, Table
from grader.office.odf import (
    DRAW,
    FO,
    OFFICE,
    SKIPPED,
    STYLE,
    TABLE,
    TEXT,
    Props,
    StyleSet,
    collapse,
    display_name,
    overlay,
    plain_text,
    points,
    small_int,
    spaces,
    styles_part,
    table_rows,
    walk,
)
from grader.office.package import Package

CONTENT = "content.xml"
STYLES = "styles.xml"
DEFAULT_SIZE = Fraction(24)
"""12 pt in half-points: LibreOffice's size when no style says otherwise."""
_PARAGRAPHS = frozenset({TEXT + "p", TEXT + "h"})
_TABLES = frozenset({TABLE + "table"})
_BLOCKS = _PARAGRAPHS | _TABLES
_CELLS = frozenset({TABLE + "table-cell", TABLE + "covered-table-cell"})
_HEADERS = {
    "header": (STYLE + "header", STYLE + "header-left", STYLE + "header-first"),
    "footer": (STYLE + "footer", STYLE + "footer-left", STYLE + "footer-first"),
}
MAX_REPEAT = 1000
"""Rows/columns a ``number-*-repeated`` attribute may add to a text table (a hostile file could ask for more)."""


class Odt:
    """Read-only view of a checked .odt package with the same methods as ``Docx``."""

    def __init__(self, package: Package) -> None:
        self._package = package
        self._content = package.xml(CONTENT)
        self._styles = styles_part(package.read(STYLES) if package.has(STYLES) else None)
        self._body_styles = StyleSet(self._content, self._styles)
        self._paragraphs: list[Paragraph] | None = None
        self._blocks: list[Element] | None = None
        self._pages: list[Element] | None = None
        self._effective: dict[tuple[str | None, int], tuple[Props, Props]] = {}

    @property
    def body(self) -> Element:
        body = self._content.find(f"{OFFICE}body/{OFFICE}text")
        return body if body is not None else Element(OFFICE + "text")

    def _block_elements(self) -> list[Element]:
        if self._blocks is None:
            self._blocks = list(walk(self.body, _BLOCKS))
        return self._blocks

    def paragraphs(self) -> list[Paragraph]:
        if self._paragraphs is None:
            styles = self._body_styles
            self._paragraphs = [_paragraph(p, styles) for p in self._block_elements() if p.tag in _PARAGRAPHS]
        return self._paragraphs

    def tables(self) -> list[Table]:
        return [_table(t) for t in self._block_elements() if t.tag == TABLE + "table"]

    def sections(self) -> list[Section]:
        return [self._orientation(page) for page in self._pages_used()] or [Section(False)]

    def header_footer_texts(self, kind: str) -> list[str]:
        texts = []
        for page in self._pages_used():
            for tag in _HEADERS[kind]:
                region = page.find(tag)
                if region is None or region.get(STYLE + "display") == "false":
                    continue
                texts.append(" ".join(plain_text(p) for p in walk(region, _PARAGRAPHS)))
        return texts

    def effective(self, paragraph: Paragraph, run: Run, name: str) -> bool | int | Fraction | None:
        # Runs under the same spans share one props dict (see ``_collect``): resolve it once per paragraph
        # style. The entry keeps that dict alive, so its id cannot be reused while the entry exists.
        key = (paragraph.style, id(run.props))
        entry = self._effective.get(key)
        if entry is None or entry[0] is not run.props:
            entry = (run.props, overlay(self._body_styles.resolved("paragraph", paragraph.style), run.props))
            self._effective[key] = entry
        props = entry[1]
        if name == "size":
            return props.get("size", DEFAULT_SIZE * Fraction(props.get("size_pct", 1)))
        return props.get(name)

    def alignment(self, paragraph: Paragraph) -> str:
        return self._body_styles.alignment(paragraph.style) or "left"

    def style_name(self, paragraph: Paragraph) -> str:
        """The named paragraph style in effect (an automatic style stands for direct formatting on it)."""
        for style, automatic in self._body_styles.chain("paragraph", paragraph.style):
            if not automatic:
                return display_name(style)
        return "Standard"

    # ---- pages ---------------------------------------------------------------------------------------

    def _pages_used(self) -> list[Element]:
        """The master pages the body uses: the first block's (else "Standard"), then every page break's."""
        if self._pages is None:
            self._pages = self._find_pages()
        return self._pages

    def _find_pages(self) -> list[Element]:
        masters = self._styles.masters
        pages = {
            m.get(STYLE + "name", ""): m
            for m in (masters if masters is not None else ())
            if m.tag == STYLE + "master-page"
        }
        if not pages:
            return []
        names: list[str] = []
        for index, block in enumerate(self._block_elements()):
            if block.tag == TABLE + "table":
                name = self._body_styles.attr("table", block.get(TABLE + "style-name"), STYLE + "master-page-name")
            else:
                name = self._body_styles.attr("paragraph", block.get(TEXT + "style-name"), STYLE + "master-page-name")
            if index == 0 and not name:
                name = "Standard" if "Standard" in pages else next(iter(pages))
            if name and name in pages and name not in names:
                names.append(name)
        return [pages[n] for n in names] or [pages.get("Standard", next(iter(pages.values())))]

    def _orientation(self, page: Element) -> Section:
        name = page.get(STYLE + "page-layout-name")
        holder = self._styles.automatic
        layout = (
            next((s for s in holder if s.tag == STYLE + "page-layout" and s.get(STYLE + "name") == name), None)
            if holder is not None
            else None
        )
        props = layout.find(STYLE + "page-layout-properties") if layout is not None else None
        if props is None:
            return Section(False)
        orient = props.get(STYLE + "print-orientation")
        if orient in ("landscape", "portrait"):
            return Section(orient == "landscape")
        width, height = points(props.get(FO + "page-width")), points(props.get(FO + "page-height"))
        return Section(width is not None and height is not None and width > height)


def _paragraph(p: Element, styles: StyleSet) -> Paragraph:
    paragraph = Paragraph(p.get(TEXT + "style-name"), None)
    _collect(p, paragraph.runs, {}, styles, 0)
    return paragraph


def _collect(element: Element, runs: list[Run], props: Props, styles: StyleSet, depth: int) -> None:
    """Runs of text under ``element``, each with the formatting of the spans around it."""
    _add(runs, collapse(element.text), props)
    for child in element:
        tag = child.tag
        if tag == TEXT + "s":
            _add(runs, spaces(child), props)
        elif tag == TEXT + "tab":
            _add(runs, "\t", props)
        elif tag == TEXT + "line-break":
            _add(runs, "\n", props)
        elif tag in SKIPPED or tag.startswith(DRAW) or tag in _PARAGRAPHS or depth > 50:
            pass  # frames' own paragraphs are paragraphs of their own
        else:
            # Spans and links carry a text style; fields, bookmarks and the like are containers of text.
            name = child.get(TEXT + "style-name") if tag in (TEXT + "span", TEXT + "a") else None
            inner = overlay(props, styles.resolved("text", name, with_default=False)) if name else props
            _collect(child, runs, inner, styles, depth + 1)
        _add(runs, collapse(child.tail), props)


def _add(runs: list[Run], text: str, props: Props) -> None:
    if text:
        runs.append(Run(text, props, None))


def _table(table: Element) -> Table:
    rows: list[tuple[str, ...]] = []
    for row in table_rows(table):
        cells: list[str] = []
        for cell in row:
            if cell.tag not in _CELLS:
                continue
            text = " ".join(plain_text(p) for p in _cell_paragraphs(cell))
            cells.extend([text] * _repeat(cell, "number-columns-repeated"))
        repeat = _repeat(row, "number-rows-repeated")
        rows.extend([tuple(cells)] * repeat)
        if len(rows) > MAX_REPEAT:
            break
    # Trailing empty cells written for the table's full width are kept: they are columns of the table.
    return Table(tuple(rows[:MAX_REPEAT]))


def _cell_paragraphs(cell: Element) -> list[Element]:
    """The cell's own paragraphs (also in lists and sections), not those of a table nested in it."""
    found: list[Element] = []
    stack = [iter(cell)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif child.tag in _PARAGRAPHS:
            found.append(child)
        elif child.tag not in SKIPPED and child.tag != TABLE + "table" and not child.tag.startswith(DRAW):
            stack.append(iter(child))
    return found


def _repeat(element: Element, attr: str) -> int:
    return max(1, small_int(element.get(TABLE + attr), 1, MAX_REPEAT))
