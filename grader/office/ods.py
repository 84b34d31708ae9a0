"""An .ods read directly from its XML, seen the way the .xlsx reader sees a workbook (``Xlsx``'s methods).

Cells carry the value the spreadsheet program stored (``office:value``, dates and times as Excel-style
serial numbers so one rubric reads both formats alike), the formula rewritten from OpenFormula into
Excel's notation (``of:=SUM([.B2:.B6])`` → ``SUM(B2:B6)``), and their cell style, whose data style
(``number:*-style``) becomes an Excel-like format code (``0.0%``, ``#,##0``, ``DD/MM/YYYY``). Charts are
embedded ``Object N/`` subdocuments whose ``chart:class`` names the kind.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Callable
from fractions import Fraction
from xml.etree.ElementTree import Element

from grader.office.checks import column_letters
from grader.office.errors import fail
from grader.office.odf import (
    CALCEXT,
    CELLS,
    CHART,
    DRAW,
    FO,
    LOEXT,
    MAX_CELLS,
    NUMBER,
    OFFICE,
    STYLE,
    TABLE,
    TEXT,
    XLINK,
    StyleSet,
    has_content,
    plain_text,
    repeat_count,
    small_int,
    styles_part,
    table_rows,
)
from grader.office.package import Package
from grader.office.xlsx import Cell, Sheet

CONTENT = "content.xml"
STYLES = "styles.xml"
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_STYLED_RUN = 1024
"""Empty cells that only carry a style are kept (as .xlsx keeps ``<c s=".."/>``) up to this many per run."""
_NUMBER = re.compile(r"-?[0-9]{1,400}(?:\.[0-9]{1,400})?(?:[eE][-+]?[0-9]{1,3})?")
_DATE = re.compile(r"(-?[0-9]{4,6})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2}):([0-9]{2}(?:\.[0-9]{1,9})?))?")
_DURATION = re.compile(
    r"(-)?P(?:([0-9]{1,9})D)?(?:T(?:([0-9]{1,9})H)?(?:([0-9]{1,9})M)?(?:([0-9]{1,9}(?:\.[0-9]{1,9})?)S)?)?"
)
_EPOCH = dt.date(1899, 12, 30)
_STRING = re.compile(r'"(?:[^"]|"")*"')
_BRACKET = re.compile(r"\[([^\[\]]*)\]")
_PREFIX = re.compile(r"\b(?:COM\.MICROSOFT|ORG\.OPENOFFICE|ORG\.LIBREOFFICE)\.(?=[A-Za-z])")
_COLUMN_HOLDERS = frozenset({TABLE + "table-header-columns", TABLE + "table-columns", TABLE + "table-column-group"})
_DATA_STYLES = frozenset(
    NUMBER + tag
    for tag in (
        "number-style",
        "currency-style",
        "percentage-style",
        "date-style",
        "time-style",
        "boolean-style",
        "text-style",
    )
)
CHART_CLASSES = {
    "line": "line",
    "area": "area",
    "circle": "pie",
    "ring": "doughnut",
    "scatter": "scatter",
    "radar": "radar",
    "filled-radar": "radar",
    "bubble": "bubble",
    "stock": "stock",
    "surface": "surface",
    "gantt": "bar",
}
_LCID = {("id", "ID"): "421", ("en", "US"): "409", ("en", "GB"): "809"}
_PLAIN_LITERAL = re.compile(r"[ %\-()/:,.+]*")


class Ods:
    """Read-only view of a checked .ods package with the same methods as ``Xlsx``."""

    def __init__(self, package: Package) -> None:
        self._package = package
        self._content = package.xml(CONTENT)
        self._styles_part = styles_part(package.read(STYLES) if package.has(STYLES) else None)
        self._styles = StyleSet(self._content, self._styles_part)
        self._tables: list[Element] | None = None
        self._parsed: dict[int, Sheet] = {}
        self._style_names: list[str] = [""]
        self._style_index: dict[str, int] = {"": 0}
        self._codes: dict[str, str] = {}
        self._data_styles: dict[str, Element] | None = None
        self._cells = 0
        self._styled = 0

    def sheet_names(self) -> list[str]:
        return [table.get(TABLE + "name", "") for table in self._table_elements()]

    def sheet(self, name: str | None) -> Sheet | None:
        for index, table in enumerate(self._table_elements()):
            sheet_name = table.get(TABLE + "name", "")
            if name is None or sheet_name.casefold() == name.casefold():
                if index not in self._parsed:
                    self._parsed[index] = self._read_sheet(sheet_name, index, table)
                return self._parsed[index]
        return None

    def number_format(self, cell: Cell) -> str:
        name = self._style_names[cell.style] if 0 <= cell.style < len(self._style_names) else ""
        code = self._codes.get(name)
        if code is None:
            data_style = self._styles.attr("table-cell", name or "Default", STYLE + "data-style-name")
            element = self._data_style(data_style)
            code = self._codes[name] = "General" if element is None else format_code(element, self._data_style)
        return code

    def chart_kinds(self, sheet: Sheet | None) -> list[str]:
        """Kinds of every chart drawn on ``sheet`` (or anywhere, for None): bar, column, line, pie, …"""
        if sheet is None:
            parts = [n for n in self._package.names() if n.endswith("/content.xml")]
        else:
            table = self._table_elements()[int(sheet.part.rsplit("#", 1)[1])]
            parts = []
            for obj in table.iter(DRAW + "object"):
                href = obj.get(XLINK + "href", "")
                parts.append(posixpath.normpath(href.removeprefix("./").rstrip("/")) + "/content.xml")
        kinds: list[str] = []
        for part in parts:
            if self._package.has(part):
                kinds.extend(chart_kinds(self._package.xml(part)))
        return kinds

    # ---- parts ---------------------------------------------------------------------------------------

    def _table_elements(self) -> list[Element]:
        if self._tables is None:
            body = self._content.find(f"{OFFICE}body/{OFFICE}spreadsheet")
            self._tables = [t for t in body if t.tag == TABLE + "table"] if body is not None else []
        return self._tables

    def _data_style(self, name: str | None) -> Element | None:
        """A data style by name: content.xml's automatic ones, then styles.xml's."""
        if not name:
            return None
        if self._data_styles is None:
            holder = self._content.find(OFFICE + "automatic-styles")
            self._data_styles = (
                {style.get(STYLE + "name", ""): style for style in holder if style.tag in _DATA_STYLES}
                if holder is not None
                else {}
            )
        return self._data_styles.get(name) or self._styles_part.data_style(name)

    def _style_id(self, name: str | None) -> int:
        if not name:
            return 0
        index = self._style_index.get(name)
        if index is None:
            index = self._style_index[name] = len(self._style_names)
            self._style_names.append(name)
        return index

    def _read_sheet(self, name: str, index: int, table: Element) -> Sheet:
        columns = _column_styles(table)
        cells: dict[tuple[int, int], Cell] = {}
        row = 1
        for row_el in table_rows(table):
            if row > MAX_ROWS:
                break
            repeat = min(repeat_count(row_el, "number-rows-repeated"), MAX_ROWS - row + 1)
            row_style = row_el.get(TABLE + "default-cell-style-name")
            entries: list[tuple[int, int, Element, bool]] = []
            column = 1
            for cell_el in row_el:
                if cell_el.tag not in CELLS:
                    continue
                span = repeat_count(cell_el, "number-columns-repeated")
                filled = has_content(cell_el)
                if column <= MAX_COLUMNS and (filled or cell_el.get(TABLE + "style-name")):
                    entries.append((column, min(span, MAX_COLUMNS - column + 1), cell_el, filled))
                column += span
            for column, span, cell_el, filled in entries:
                if filled:
                    self._cells += span * repeat
                    if self._cells > MAX_CELLS:
                        raise fail("upload.too_many_cells", limit=f"{MAX_CELLS:,}".replace(",", "."))
                else:
                    self._styled += span * repeat
                    if span * repeat > MAX_STYLED_RUN or self._styled > MAX_CELLS:
                        continue
                own_style = cell_el.get(TABLE + "style-name") or row_style
                kind, value, formula = _value(cell_el)
                for c in range(column, column + span):
                    letters = column_letters(c)
                    style_id = self._style_id(own_style or _column_style(columns, c))
                    for r in range(row, row + repeat):
                        # A repeated cell is the same cell copied (a formula's text too: ODF references
                        # are written out per cell, so copies are merged only when they are identical).
                        cells[(c, r)] = Cell(f"{letters}{r}", kind, value, formula, style_id)
            row += repeat
        return Sheet(name, f"{CONTENT}#{index}", cells)


def _column_styles(table: Element) -> list[tuple[int, int, str]]:
    """(first column, last column, default cell style) runs from ``table:table-column``."""
    runs: list[tuple[int, int, str]] = []
    column = 1
    stack = [iter(table)]
    while stack and column <= MAX_COLUMNS:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif child.tag == TABLE + "table-column":
            span = repeat_count(child, "number-columns-repeated")
            style = child.get(TABLE + "default-cell-style-name")
            if style:
                runs.append((column, column + span - 1, style))
            column += span
        elif child.tag in _COLUMN_HOLDERS:
            stack.append(iter(child))
    return runs


def _column_style(runs: list[tuple[int, int, str]], column: int) -> str | None:
    for first, last, style in runs:
        if first <= column <= last:
            return style
    return None


def _value(cell: Element) -> tuple[str, Fraction | str | bool | None, str | None]:
    """(xlsx-like type, stored value, formula in Excel notation) of a cell."""
    raw_formula = cell.get(TABLE + "formula")
    formula = excel_formula(raw_formula) if raw_formula is not None else None
    kind = cell.get(OFFICE + "value-type")
    if cell.get(CALCEXT + "value-type") == "error":
        return "e", _text(cell), formula
    if kind in ("float", "percentage", "currency"):
        raw = cell.get(OFFICE + "value", "")
        return "n", Fraction(raw) if _NUMBER.fullmatch(raw) else None, formula
    if kind == "date":
        raw = cell.get(OFFICE + "date-value", "")
        serial = date_serial(raw)
        return ("n", serial, formula) if serial is not None else ("d", raw, formula)
    if kind == "time":
        raw = cell.get(OFFICE + "time-value", "")
        days = duration_days(raw)
        return ("n", days, formula) if days is not None else ("d", raw, formula)
    if kind == "boolean":
        return "b", cell.get(OFFICE + "boolean-value", "").lower() == "true", formula
    if kind == "string" or (kind is None and any(child.tag == TEXT + "p" for child in cell)):
        string = cell.get(OFFICE + "string-value")
        return "s", string if string is not None else _text(cell), formula
    return "n", None, formula


def _text(cell: Element) -> str:
    return "\n".join(plain_text(p) for p in cell if p.tag == TEXT + "p")


def date_serial(value: str) -> Fraction | None:
    """An ODF date(-time) as the serial number Excel stores (days since 1899-12-30, time as a fraction)."""
    match = _DATE.fullmatch(value)
    if match is None:
        return None
    try:
        day = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    serial = Fraction((day - _EPOCH).days)
    if match.group(4):
        seconds = int(match.group(4)) * 3600 + int(match.group(5)) * 60 + Fraction(match.group(6))
        serial += seconds / 86400
    return serial


def duration_days(value: str) -> Fraction | None:
    """An ODF time (an ISO 8601 duration, ``PT12H30M00S``) as a fraction of a day, as Excel stores it."""
    match = _DURATION.fullmatch(value)
    if match is None or value in ("P", "-P", "PT", "-PT"):
        return None
    days = Fraction(int(match.group(2) or 0))
    days += Fraction(int(match.group(3) or 0), 24) + Fraction(int(match.group(4) or 0), 1440)
    days += Fraction(match.group(5) or "0") / 86400
    return -days if match.group(1) else days


# ---- formulas --------------------------------------------------------------------------------------------


def excel_formula(odf: str) -> str:
    """An OpenFormula (``of:=SUM([.B2:.B6];[Data.C1])``) in Excel's notation, without ``=``
    (``SUM(B2:B6,Data!C1)``), as .xlsx stores formulas."""
    text = re.sub(r"\A[A-Za-z][A-Za-z0-9]*:(?==)", "", odf.strip())
    text = text.removeprefix("=")
    out: list[str] = []
    at = 0
    for string in _STRING.finditer(text):
        out.append(_formula_code(text[at : string.start()]))
        out.append(string.group(0))
        at = string.end()
    out.append(_formula_code(text[at:]))
    return "".join(out)


def _formula_code(code: str) -> str:
    code = _BRACKET.sub(lambda m: _reference(m.group(1)), code)
    code = _PREFIX.sub("", code)
    return code.replace(";", ",")


def _reference(inside: str) -> str:
    """``.B2:.B6`` → ``B2:B6``; ``$Data.$A$1:.$C$9`` → ``Data!$A$1:$C$9``; ``'Lembar 2'.A1`` → ``'Lembar 2'!A1``."""
    parts = _split_outside_quotes(inside, ":") if "'" in inside else inside.split(":")
    out: list[str] = []
    first_sheet = None
    for part in parts:
        sheet, cell = _sheet_and_cell(part)
        if sheet is not None and sheet != first_sheet:
            out.append(f"{sheet}!{cell}")
        else:
            out.append(cell)
        if first_sheet is None:
            first_sheet = sheet
    return ":".join(out)


def _sheet_and_cell(part: str) -> tuple[str | None, str]:
    if "'" not in part:
        name, separator, cell = part.rpartition(".")
        return (name.lstrip("$") or None) if separator else None, cell
    quoted = False
    dot = -1
    for index, ch in enumerate(part):
        if ch == "'":
            quoted = not quoted
        elif ch == "." and not quoted:
            dot = index
    if dot < 0:
        return None, part
    sheet = part[:dot].lstrip("$")
    return (sheet or None), part[dot + 1 :]


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        if ch == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


# ---- number styles ---------------------------------------------------------------------------------------


def format_code(style: Element, lookup: Callable[[str | None], Element | None], depth: int = 0) -> str:
    """An ODF data style as an Excel-like format code (LibreOffice's own notation where they differ).

    ``style:map`` conditions (positive/negative/zero) become the first sections, the style's own
    body the last, as LibreOffice writes them to .xlsx.
    """
    sections: list[str] = []
    for child in style:
        if child.tag == STYLE + "map" and depth < 4:
            mapped = lookup(child.get(STYLE + "apply-style-name"))
            if mapped is not None:
                sections.append(format_code(mapped, lookup, depth + 1))
    sections.append(_section(style))
    return ";".join(sections)


def _section(style: Element) -> str:
    tag = style.tag.removeprefix(NUMBER)
    parts: list[str] = []
    props = style.find(STYLE + "text-properties")
    if props is not None and props.get(FO + "color", "").lower() in ("#ff0000", "#c9211e"):
        parts.append("[RED]")
    only_number = [c for c in style if c.tag.startswith(NUMBER)]
    if (
        tag == "number-style"
        and len(only_number) == 1
        and only_number[0].tag == NUMBER + "number"
        and only_number[0].get(NUMBER + "decimal-places") is None
    ):
        return "General"
    time_context = tag == "time-style" or any(c.tag == NUMBER + "hours" for c in style)
    for child in style:
        name = child.tag.removeprefix(NUMBER) if child.tag.startswith(NUMBER) else ""
        long = child.get(NUMBER + "style") == "long"
        if name == "number":
            parts.append(_digits(child))
        elif name == "scientific-number":
            parts.append(_digits(child) + "E+" + "0" * small_int(child.get(NUMBER + "min-exponent-digits"), 2, 9))
        elif name == "fraction":
            marks = "?" * max(1, small_int(child.get(NUMBER + "min-denominator-digits"), 1, 9))
            parts.append(f"# {marks}/{marks}")
        elif name == "currency-symbol":
            symbol = (child.text or "").replace('"', "")
            lcid = _LCID.get((child.get(NUMBER + "language", ""), child.get(NUMBER + "country", "")))
            parts.append(f"[${symbol}-{lcid}]" if lcid else f"[${symbol}]")
        elif name == "text":
            parts.append(_literal(child.text or ""))
        elif name == "fill-character":
            parts.append("*" + (child.text or " ")[:1])
        elif name == "text-content":
            parts.append("@")
        elif name == "day":
            parts.append("DD" if long else "D")
        elif name == "month":
            textual = child.get(NUMBER + "textual") == "true"
            parts.append(("MMMM" if long else "MMM") if textual else ("MM" if long else "M"))
        elif name == "year":
            parts.append("YYYY" if long else "YY")
        elif name == "day-of-week":
            parts.append("NNNN" if long else "NN")
        elif name == "hours":
            parts.append("HH" if long else "H")
        elif name == "minutes":
            parts.append("MM" if long else "M")
        elif name == "seconds":
            decimals = small_int(child.get(NUMBER + "decimal-places"), 0, 9)
            fraction = "." + "0" * decimals if decimals else ""
            parts.append(("SS" if long else "S") + fraction)
        elif name == "am-pm":
            parts.append("AM/PM")
        elif name == "quarter":
            parts.append("QQ" if long else "Q")
        elif name == "week-of-year":
            parts.append("WW")
        elif name == "boolean":
            parts.append("BOOLEAN")
        elif name == "era":
            parts.append("GG" if long else "G")
    code = "".join(parts)
    if time_context and style.get(NUMBER + "truncate-on-overflow") == "false":
        code = re.sub(r"^(\[RED\])?(H+)", lambda m: (m.group(1) or "") + f"[{m.group(2)}]", code)
    return code


def _digits(number: Element) -> str:
    places = small_int(number.get(NUMBER + "decimal-places"), 0, 30)
    minimum_text = number.get(NUMBER + "min-decimal-places") or number.get(LOEXT + "min-decimal-places")
    minimum = small_int(minimum_text, places, 30)
    digits = small_int(number.get(NUMBER + "min-integer-digits"), 1, 30)
    if number.get(NUMBER + "grouping") == "true":
        whole = "#,##0" if digits else "#,###"
    else:
        whole = "0" * digits if digits else "#"
    fraction = "0" * min(minimum, places) + "#" * (places - min(minimum, places))
    return whole + ("." + fraction if fraction else "")


def _literal(text: str) -> str:
    if not text:
        return ""
    if _PLAIN_LITERAL.fullmatch(text):
        return text
    return '"' + text.replace('"', "") + '"'


# ---- charts ----------------------------------------------------------------------------------------------


def chart_kinds(root: Element) -> list[str]:
    """Kinds of the chart in one embedded object's content.xml (a combined chart gives several)."""
    chart = root.find(f"{OFFICE}body/{OFFICE}chart/{CHART}chart")
    if chart is None:
        return []
    styles: dict[str, Element] = {}
    holder = root.find(OFFICE + "automatic-styles")
    for style in holder if holder is not None else ():
        styles.setdefault(style.get(STYLE + "name", ""), style)
    plot = chart.find(CHART + "plot-area")
    vertical = False
    if plot is not None:
        plot_style = styles.get(plot.get(CHART + "style-name", ""))
        props = plot_style.find(STYLE + "chart-properties") if plot_style is not None else None
        vertical = props is not None and props.get(CHART + "vertical") == "true"
    classes = [chart.get(CHART + "class", "")]
    for series in plot.iter(CHART + "series") if plot is not None else ():
        if series.get(CHART + "class"):
            classes.append(series.get(CHART + "class", ""))
    kinds: list[str] = []
    for value in classes:
        local = value.rsplit(":", 1)[-1]
        kind = ("bar" if vertical else "column") if local == "bar" else CHART_CLASSES.get(local)
        if kind and kind not in kinds:
            kinds.append(kind)
    return kinds
