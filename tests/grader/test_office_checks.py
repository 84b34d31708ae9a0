"""Every rubric check on real files written by python-docx and openpyxl: passes when done, fails (with a
reason) when not. ``DOCX_CASES``/``XLSX_CASES`` are rerun on OpenDocument twins in ``test_office_odf``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.office import ACCEPTS, CHECKS, open_package, open_reader
from grader.office.checks import frozen_arg
from grader.office.docx import Paragraph, Run
from grader.office.docx_checks import _spans, canonical_style
from grader.office.text import find_all, norm_chars
from grader.office.xlsx_checks import format_decimals, format_kinds, formula_functions, formula_references
from tests.grader.office_builders import make_docx, make_xlsx, rewrite


def run(check: str, data: bytes, **args: Any) -> tuple[bool, str, str]:
    """One check on a file of any format its rubric vocabulary grades (.docx/.odt, .xlsx/.ods)."""
    package = open_package(data, ACCEPTS[CHECKS[check].format])
    reader = open_reader(package)
    frozen: Mapping[str, Any] = {k: frozen_arg(v) for k, v in args.items()}
    result = CHECKS[check].run(reader, frozen)
    return result.passed, result.detail_id, result.detail_en


GOOD_DOCX = make_docx()
DOCX_CASES: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = [
    ("text_present", {"text": "anggaran  DANA desa"}, {"extra": ""}),
    ("paragraph_style", {"text": "Laporan Kegiatan", "style": "Heading 1"}, {"heading_style": "Normal"}),
    ("paragraph_style", {"text": "Laporan Kegiatan", "style": "Judul 1"}, {"heading_style": "Heading 2"}),
    ("text_format", {"text": "Dana Desa", "bold": True}, {"bold": False}),
    ("text_format", {"text": "pembangunan jalan", "italic": True}, {"italic": False}),
    ("text_format", {"text": "pembangunan jalan", "underline": True}, {"underline": False}),
    ("font_size", {"text": "Ringkasan anggaran", "size": "14"}, {"size_pt": 12}),
    ("alignment", {"text": "Laporan Kegiatan", "align": "center"}, {"center_title": False}),
    ("alignment", {"text": "rata kiri-kanan", "align": "justify"}, None),
    ("table_with_rows", {"rows": 4, "cols": 3, "header": ["no", "KEGIATAN", "Biaya"]}, {"table_rows": 3}),
    ("orientation", {"orientation": "landscape"}, {"landscape": False}),
    ("header_text", {"text": "Pemerintah Desa"}, {"header_text": None}),
    ("footer_text", {"text": "halaman 1"}, {"footer_text": "Lampiran"}),
]
"""(check, arguments, builder keywords that make the check fail — None: no failing variant)."""


@pytest.mark.parametrize(("check", "args", "bad"), DOCX_CASES)
def test_docx_checks(check: str, args: dict[str, Any], bad: dict[str, Any] | None) -> None:
    passed, detail_id, detail_en = run(check, GOOD_DOCX, **args)
    assert passed, detail_en
    assert detail_id
    assert detail_en
    if bad is not None:
        if check == "text_present":
            args = {"text": "tidak ada di dokumen"}
        failed, why_id, why_en = run(check, make_docx(**bad), **args)
        assert not failed
        assert why_id
        assert why_en


def test_not_bold_and_missing_text_say_so() -> None:
    plain = make_docx(bold=False)
    assert run("text_format", plain, text="Dana Desa", bold=False)[0]
    passed, _, en = run("text_format", plain, text="Tidak Ada", bold=True)
    assert not passed
    assert "not found" in en


def test_heading_style_makes_text_bold_through_the_style_chain() -> None:
    # python-docx's Heading 1 style is bold: the run has no direct formatting, the style supplies it.
    assert run("text_format", GOOD_DOCX, text="Laporan Kegiatan", bold=True)[0]
    assert not run("text_format", GOOD_DOCX, text="Ringkasan anggaran", bold=True)[0]


def test_style_names_in_indonesian_map_to_word_names() -> None:
    assert canonical_style("Judul 1") == canonical_style("heading 1") == "heading 1"
    assert canonical_style("Judul") == "title"


GOOD_XLSX = make_xlsx(sorted_desc=True)
XLSX_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("cell_value", {"cell": "A2", "value": "eko"}, {"sorted_desc": False}),
    ("cell_value", {"cell": "B7", "value": "1500.2", "tolerance": "0.5"}, {"total_cached": "1400"}),
    ("cell_formula", {"cell": "B7", "functions": ["sum"], "value": "1500"}, {"formula": False}),
    ("cell_formula", {"cell": "B7", "functions": ["SUM"], "value": "1500"}, {"total_cached": None}),
    ("number_format", {"cell": "C2:C6", "kind": "percent", "decimals": 1}, {"percent": False}),
    ("number_format", {"cell": "B2:B6", "kind": "currency"}, {"currency": False}),
    ("number_format", {"cell": "B3", "kind": "thousands"}, {"currency": False}),
    ("sorted_range", {"range": "A2:B6", "column": "B", "order": "desc"}, {"sorted_desc": False}),
    (
        "sorted_range",
        {"range": "A2:B6", "column": "A", "order": "asc"},
        {"names": ("Eko", "Dewi", "Citra", "Budi", "Andi")},
    ),
    ("chart_kind", {"kind": "column"}, {"chart": "bar"}),
    ("chart_kind", {"kind": "line", "sheet": "data"}, {"chart": None}),
    ("chart_kind", {"kind": "pie"}, {"chart": "line"}),
]


def good_sheet_keywords(check: str, args: dict[str, Any]) -> dict[str, Any]:
    """The builder keywords of the workbook on which an ``XLSX_CASES`` line passes."""
    if check == "chart_kind":
        return {"chart": str(args["kind"])}
    if check == "sorted_range" and args["column"] == "A":
        return {}
    return {"sorted_desc": True}


@pytest.mark.parametrize(("check", "args", "bad"), XLSX_CASES)
def test_xlsx_checks(check: str, args: dict[str, Any], bad: dict[str, Any]) -> None:
    good = make_xlsx(**good_sheet_keywords(check, args))
    passed, _, detail_en = run(check, good, **args)
    assert passed, detail_en
    failed, why_id, why_en = run(check, make_xlsx(**bad), **args)
    assert not failed, why_en
    assert why_id
    assert why_en


def test_typed_number_instead_of_formula_is_named() -> None:
    passed, detail_id, detail_en = run("cell_formula", make_xlsx(formula=False), cell="B7", functions=["SUM"])
    assert not passed
    assert "typed value" in detail_en
    assert "bukan rumus" in detail_id


def test_formula_without_references_does_not_count() -> None:
    data = rewrite(make_xlsx(), {"xl/worksheets/sheet1.xml": lambda x: x.replace(b"SUM(B2:B6)", b"SUM(1500)")})
    passed, _, en = run("cell_formula", data, cell="B7", functions=["SUM"])
    assert not passed
    assert "refers to no other cell" in en


def test_unknown_sheet_is_reported() -> None:
    passed, _, en = run("cell_value", GOOD_XLSX, cell="A1", value="Nama", sheet="Lembar9")
    assert not passed
    assert "Lembar9" in en
    assert "Data" in en


@pytest.mark.parametrize(
    ("code", "kinds"),
    [
        ("0%", {"percent", "number"}),
        ("0.00%", {"percent", "number"}),
        ('_-"Rp"* #,##0_-;-"Rp"* #,##0_-', {"currency", "thousands", "number"}),
        ("[$Rp-421]#,##0.00", {"currency", "thousands", "number"}),
        ("$#,##0.00", {"currency", "thousands", "number"}),
        ("dd/mm/yyyy", {"date"}),
        ("d mmmm yyyy", {"date"}),
        ("mmm-yy", {"date"}),
        ("h:mm:ss", {"time"}),
        ("#,##0", {"thousands", "number"}),
        ("0.00", {"number"}),
        ("@", {"text"}),
    ],
)
def test_number_format_kinds(code: str, kinds: set[str]) -> None:
    assert format_kinds(code) == kinds


def test_number_format_decimals() -> None:
    assert format_decimals("0.0%") == 1
    assert format_decimals('_-"Rp"* #,##0.00_-') == 2
    assert format_decimals("#,##0") == 0


def test_formula_functions_and_references() -> None:
    assert formula_functions('IF(B2>=60,"LULUS(1)",_xlfn.IFS(A1,1))') == {"IF", "IFS"}
    assert formula_functions("VLOOKUP(A2,Data!$A$2:$C$9,3,FALSE)") == {"VLOOKUP"}
    assert formula_references("SUM(B2:B6)")
    assert formula_references("AVERAGE(Nilai)")
    assert not formula_references("SUM(1,2,3)")
    assert not formula_references('IF(TRUE,"A1","B")')


class _Paragraphs:
    """A document view with only paragraphs, for ``_spans``."""

    def __init__(self, paragraphs: list[Any]) -> None:
        self._paragraphs = paragraphs

    def paragraphs(self) -> list[Any]:
        return self._paragraphs


def _reference_spans(paragraphs: list[Any], text: str) -> list[list[tuple[int, int]]]:
    """Occurrences found on the normalised text with its character index map (the plain definition)."""
    target, _ = norm_chars(text)
    found = []
    for number, paragraph in enumerate(paragraphs):
        owners: list[int] = []
        for index, run in enumerate(paragraph.runs):
            owners.extend([index] * len(run.text))
        haystack, source = norm_chars(paragraph.text)
        for start in find_all(haystack, target) if target else []:
            found.append([(number, owners[source[i]]) for i in range(start, start + len(target)) if haystack[i] != " "])
    return found


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.text(alphabet="aAbB \t\n\u00a0İΣ.", max_size=6), min_size=1, max_size=4), max_size=3),
    st.text(alphabet="aAbB \u00a0İ.", min_size=1, max_size=5),
)
def test_occurrences_map_to_the_runs_holding_them(texts: list[list[str]], needle: str) -> None:

    paragraphs = [Paragraph(None, None, [Run(t, {}, None) for t in runs if t]) for runs in texts]
    number = {id(p): n for n, p in enumerate(paragraphs)}
    got = [[(number[id(p)], i) for p, i in span] for span in _spans(_Paragraphs(paragraphs), needle)]
    assert got == _reference_spans(paragraphs, needle)
