"""A .xlsx read directly from its XML: cells (cached values, formulas, styles), number formats, charts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from xml.etree.ElementTree import Element

from grader.office.checks import column_number
from grader.office.docx import PR, R, resolve
from grader.office.package import Package

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
WORKBOOK = "xl/workbook.xml"
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_NUMBER = re.compile(r"-?[0-9]{1,400}(?:\.[0-9]{1,400})?(?:[eE][-+]?[0-9]{1,3})?")
"""A stored number; the exponent is bounded (``1E999999999`` as a Fraction would take forever)."""
BUILTIN_FORMATS = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    5: "$#,##0_);($#,##0)",
    6: "$#,##0_);[Red]($#,##0)",
    7: "$#,##0.00_);($#,##0.00)",
    8: "$#,##0.00_);[Red]($#,##0.00)",
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    37: "#,##0 ;(#,##0)",
    38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;[Red](#,##0.00)",
    44: '_("$"* #,##0.00_)',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
}
CHART_KINDS = {
    "lineChart": "line",
    "line3DChart": "line",
    "pieChart": "pie",
    "pie3DChart": "pie",
    "ofPieChart": "pie",
    "doughnutChart": "doughnut",
    "areaChart": "area",
    "area3DChart": "area",
    "scatterChart": "scatter",
    "radarChart": "radar",
    "bubbleChart": "bubble",
    "stockChart": "stock",
    "surfaceChart": "surface",
    "surface3DChart": "surface",
}


@dataclass(frozen=True, slots=True)
class Cell:
    ref: str
    type: str
    """``n`` number, ``s``/``str``/``inlineStr`` text, ``b`` boolean, ``e`` error, ``d`` date text."""
    value: Fraction | str | bool | None
    """The value the office program stored (for a formula: the result it computed when saving)."""
    formula: str | None
    style: int

    @property
    def number(self) -> Fraction | None:
        return self.value if isinstance(self.value, Fraction) else None


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    part: str
    cells: dict[tuple[int, int], Cell]
    """By (column, row), 1-based."""


class Xlsx:
    """Read-only view of a checked .xlsx package; parts are parsed lazily."""

    def __init__(self, package: Package) -> None:
        self._package = package
        self._sheets: list[tuple[str, str]] | None = None
        self._parsed: dict[str, Sheet] = {}
        self._shared: list[str] | None = None
        self._formats: list[str] | None = None

    def sheet_names(self) -> list[str]:
        return [name for name, _ in self._sheet_parts()]

    def sheet(self, name: str | None) -> Sheet | None:
        """The named sheet (case-insensitive), or the first one; None if there is no such sheet."""
        for sheet_name, part in self._sheet_parts():
            if name is None or sheet_name.casefold() == name.casefold():
                if part not in self._parsed:
                    self._parsed[part] = self._read_sheet(sheet_name, part)
                return self._parsed[part]
        return None

    def number_format(self, cell: Cell) -> str:
        formats = self._number_formats()
        return formats[cell.style] if 0 <= cell.style < len(formats) else "General"

    def chart_kinds(self, sheet: Sheet | None) -> list[str]:
        """Kinds of every chart drawn on ``sheet`` (or anywhere, for None): bar, column, line, pie, …"""
        if sheet is None:
            parts = [n for n in self._package.names() if re.fullmatch(r"xl/charts/chart[^/]*\.xml", n)]
        else:
            parts = [
                chart for drawing in self._related(sheet.part, "/drawing") for chart in self._related(drawing, "/chart")
            ]
        kinds: list[str] = []
        for part in parts:
            if not self._package.has(part):
                continue
            plot = self._package.xml(part).find(f"{C}chart/{C}plotArea")
            for child in plot if plot is not None else ():
                local = child.tag.rsplit("}", 1)[-1]
                if local in ("barChart", "bar3DChart"):
                    direction = child.find(C + "barDir")
                    kinds.append("bar" if direction is not None and direction.get("val") == "bar" else "column")
                elif local in CHART_KINDS:
                    kinds.append(CHART_KINDS[local])
        return kinds

    # ---- parts ---------------------------------------------------------------------------------------

    def _sheet_parts(self) -> list[tuple[str, str]]:
        if self._sheets is None:
            workbook = self._package.xml(WORKBOOK)
            targets = self._rel_targets(WORKBOOK)
            self._sheets = []
            sheets = workbook.find(S + "sheets")
            for sheet in sheets if sheets is not None else ():
                target = targets.get(sheet.get(R + "id", ""))
                if target and self._package.has(target):
                    self._sheets.append((sheet.get("name", ""), target))
        return self._sheets

    def _shared_strings(self) -> list[str]:
        if self._shared is None:
            self._shared = []
            part = next(iter(self._related(WORKBOOK, "/sharedStrings")), "xl/sharedStrings.xml")
            if self._package.has(part):
                for si in self._package.xml(part).iter(S + "si"):
                    self._shared.append(_rich_text(si))
        return self._shared

    def _number_formats(self) -> list[str]:
        """Format code of every cell style index (``cellXfs``)."""
        if self._formats is None:
            self._formats = []
            part = next(iter(self._related(WORKBOOK, "/styles")), "xl/styles.xml")
            if self._package.has(part):
                styles = self._package.xml(part)
                custom = {
                    int(f.get("numFmtId", "-1")): f.get("formatCode", "")
                    for f in styles.iter(S + "numFmt")
                    if f.get("numFmtId", "").isdigit()
                }
                xfs = styles.find(S + "cellXfs")
                for xf in xfs if xfs is not None else ():
                    fmt_id = int(xf.get("numFmtId", "0")) if xf.get("numFmtId", "0").isdigit() else 0
                    self._formats.append(custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id, f"builtin:{fmt_id}")))
        return self._formats

    def _read_sheet(self, name: str, part: str) -> Sheet:
        root = self._package.xml(part)
        cells: dict[tuple[int, int], Cell] = {}
        shared_formulas: dict[str, str] = {}
        data = root.find(S + "sheetData")
        for row in data if data is not None else ():
            for c in row:
                ref = c.get("r", "")
                match = _REF.fullmatch(ref)
                if match is None:
                    continue
                cell = self._cell(c, ref, shared_formulas)
                cells[(column_number(match.group(1)), int(match.group(2)))] = cell
        return Sheet(name, part, cells)

    def _cell(self, c: Element, ref: str, shared_formulas: dict[str, str]) -> Cell:
        kind = c.get("t", "n")
        style = int(c.get("s", "0")) if c.get("s", "0").isdigit() else 0
        f = c.find(S + "f")
        formula = None
        if f is not None:
            formula = f.text or ""
            si = f.get("si")
            if f.get("t") == "shared" and si is not None:
                if formula:
                    shared_formulas[si] = formula
                else:
                    formula = shared_formulas.get(si, "")
        v = c.find(S + "v")
        raw = v.text if v is not None else None
        value: Fraction | str | bool | None = None
        if kind == "inlineStr":
            inline = c.find(S + "is")
            value = _rich_text(inline) if inline is not None else ""
        elif raw is None or raw == "":
            value = None
        elif kind == "s":
            strings = self._shared_strings()
            value = strings[int(raw)] if raw.isdigit() and int(raw) < len(strings) else None
        elif kind == "b":
            value = raw == "1"
        elif kind == "n":
            value = Fraction(raw) if _NUMBER.fullmatch(raw) else None
        else:
            value = raw
        return Cell(ref, kind, value, formula, style)

    def _rel_targets(self, part: str) -> dict[str, str]:
        rels = part.rsplit("/", 1)
        name = f"{rels[0]}/_rels/{rels[1]}.rels" if len(rels) == 2 else f"_rels/{part}.rels"
        if not self._package.has(name):
            return {}
        return {
            rel.get("Id", ""): resolve(part, rel.get("Target", ""))
            for rel in self._package.xml(name).iter(PR + "Relationship")
            if rel.get("TargetMode") != "External"
        }

    def _related(self, part: str, type_suffix: str) -> list[str]:
        rels = part.rsplit("/", 1)
        name = f"{rels[0]}/_rels/{rels[1]}.rels" if len(rels) == 2 else f"_rels/{part}.rels"
        if not self._package.has(name):
            return []
        return [
            resolve(part, rel.get("Target", ""))
            for rel in self._package.xml(name).iter(PR + "Relationship")
            if rel.get("Type", "").endswith(type_suffix) and rel.get("TargetMode") != "External"
        ]


def _rich_text(el: Element) -> str:
    """Text of a shared/inline string, skipping phonetic runs."""
    parts = []
    for child in el:
        if child.tag == S + "t":
            parts.append(child.text or "")
        elif child.tag == S + "r":
            t = child.find(S + "t")
            parts.append(t.text or "" if t is not None else "")
    return "".join(parts)
