"""OpenDocument files (.odt, .ods) grade like their OOXML twins: every rubric check on files written by odfpy
and by LibreOffice itself, plus what only ODF has (relative sizes, automatic styles, master pages,
OpenFormula, data styles, repeated cells, embedded chart objects)."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import tostring

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.build import build_exam
from grader.office import OfficeError, check_upload, open_package, open_reader
from grader.office.docx_checks import canonical_style
from grader.office.ods import Ods, date_serial, duration_days, excel_formula, format_code
from grader.office.odt import Odt
from grader.office.xlsx_checks import format_decimals, format_kinds, formula_functions, formula_references
from grader.office.xmlsafe import parse_xml
from grader.scoring import grade
from tests.grader.builders import exam, section
from tests.grader.new_builders import document, spreadsheet
from tests.grader.odf_builders import make_ods, make_odt, repeated_cells_ods
from tests.grader.office_builders import make_docx, make_xlsx, rewrite
from tests.grader.test_office_checks import DOCX_CASES, XLSX_CASES, good_sheet_keywords, run

FIXTURES = Path(__file__).parent / "fixtures"
NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
    'xmlns:chart="urn:oasis:names:tc:opendocument:xmlns:chart:1.0"'
)


def odt(data: bytes) -> Odt:
    reader = open_reader(open_package(data, "odt"))
    assert isinstance(reader, Odt)
    return reader


def ods(data: bytes) -> Ods:
    reader = open_reader(open_package(data, "ods"))
    assert isinstance(reader, Ods)
    return reader


def ods_with(rows: str, automatic: str = "", sheet: str = "Data") -> bytes:
    """An .ods (odfpy's package) whose content.xml is one sheet of hand-written rows."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS}>'
        f"<office:automatic-styles>{automatic}</office:automatic-styles><office:body><office:spreadsheet>"
        f'<table:table table:name="{sheet}"><table:table-column table:number-columns-repeated="1024"/>'
        f"{rows}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    return rewrite(make_ods(chart=None), {"content.xml": content.encode()})


def odt_body(transform: Any) -> bytes:
    """``make_odt()`` with its content.xml transformed (bytes → bytes)."""
    return rewrite(make_odt(), {"content.xml": transform})


# ---- the same rubric lines on both formats -----------------------------------------------------------


@pytest.mark.parametrize(("check", "args", "bad"), DOCX_CASES)
def test_odt_grades_like_docx(check: str, args: dict[str, Any], bad: dict[str, Any] | None) -> None:
    for keywords in ({}, bad):
        if keywords is None:
            continue
        asked = {"text": "tidak ada di dokumen"} if check == "text_present" and keywords else args
        word, opendocument = run(check, make_docx(**keywords), **asked), run(check, make_odt(**keywords), **asked)
        assert opendocument[0] == word[0] == (keywords == {}), (word, opendocument)
        if check != "paragraph_style":  # the failure names the file's own style ("Normal" / "Standard")
            assert opendocument == word


@pytest.mark.parametrize(("check", "args", "bad"), XLSX_CASES)
def test_ods_grades_like_xlsx(check: str, args: dict[str, Any], bad: dict[str, Any]) -> None:
    for keywords, passes in ((good_sheet_keywords(check, args), True), (bad, False)):
        excel, opendocument = run(check, make_xlsx(**keywords), **args), run(check, make_ods(**keywords), **args)
        assert opendocument == excel
        assert opendocument[0] is passes


LIBREOFFICE_PAIRS = [
    # Built once in LibreOffice through UNO and saved in both formats (make_libreoffice.py) ...
    ("laporan-lo.odt", "laporan-lo.docx"),
    ("laporan-lo-belum-rapi.odt", "laporan-lo-belum-rapi.docx"),
    ("anggaran-lo.ods", "anggaran-lo.xlsx"),
    ("anggaran-lo-diketik.ods", "anggaran-lo-diketik.xlsx"),
    # ... and python-docx/openpyxl files opened and saved as OpenDocument by LibreOffice.
    ("laporan.odt", "laporan.docx"),
    ("laporan-belum-rapi.odt", "laporan-belum-rapi.docx"),
    ("anggaran.ods", "anggaran.xlsx"),
    ("anggaran-diketik.ods", "anggaran-diketik.xlsx"),
]


@pytest.mark.parametrize(("opendocument", "ooxml"), LIBREOFFICE_PAIRS)
def test_libreoffice_files_grade_like_their_ooxml_twins(opendocument: str, ooxml: str) -> None:
    spec = build_exam(exam(items=[document(), spreadsheet()], sections=[section("PRAKTIK")]))
    code = "PRAK-DOC" if ooxml.endswith(".docx") else "PRAK-XLS"

    def lines(name: str) -> list[tuple[str, bool, str, str]]:
        data = (FIXTURES / name).read_bytes()
        assert check_upload(data, ("docx", "odt") if code == "PRAK-DOC" else ("xlsx", "ods")) is None
        sha = hashlib.sha256(data).hexdigest()
        result = grade(spec, {code: {"sha256": sha, "name": name}}, {sha: data})
        item = next(i for i in result.items if i.code == code)
        assert "problem" not in dict(item.detail)
        return [(ln.id, ln.passed, ln.detail_id, ln.detail_en) for ln in item.lines]

    assert lines(opendocument) == lines(ooxml)


SOFFICE = shutil.which("soffice")
RECALCULATED = {"total_cached"}
"""Builder keywords about results stored without recalculation: LibreOffice recomputes them on opening."""


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_files_saved_again_by_libreoffice_grade_the_same(tmp_path: Path) -> None:
    """Every case's .docx/.xlsx opened and saved as .odt/.ods by the installed LibreOffice (one process)."""
    assert SOFFICE is not None
    cases: list[tuple[str, str, dict[str, Any], tuple[bool, str, str]]] = []
    for number, (check, args, bad) in enumerate(DOCX_CASES):
        for variant, keywords in enumerate(({}, bad)):
            if keywords is None:
                continue
            asked = {"text": "tidak ada di dokumen"} if check == "text_present" and keywords else args
            data = make_docx(**keywords)
            (tmp_path / f"d{number}-{variant}.docx").write_bytes(data)
            cases.append((f"d{number}-{variant}.odt", check, asked, run(check, data, **asked)))
    for number, (check, args, bad) in enumerate(XLSX_CASES):
        for variant, keywords in enumerate((good_sheet_keywords(check, args), bad)):
            if RECALCULATED & set(keywords):
                continue
            data = make_xlsx(**keywords)
            (tmp_path / f"x{number}-{variant}.xlsx").write_bytes(data)
            cases.append((f"x{number}-{variant}.ods", check, args, run(check, data, **args)))
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    for target, pattern in (("odt", "*.docx"), ("ods", "*.xlsx")):
        sources = sorted(str(path) for path in tmp_path.glob(pattern))
        command = [SOFFICE, profile, "--headless", "--convert-to", target, "--outdir", str(tmp_path), *sources]
        subprocess.run(command, check=True, capture_output=True, timeout=300)
    for name, check, args, expected in cases:
        got = run(check, (tmp_path / name).read_bytes(), **args)
        assert got[0] == expected[0], (name, check, args, got, expected)
        if check != "paragraph_style":
            assert got == expected, name


# ---- documents ---------------------------------------------------------------------------------------


def test_relative_heading_size_and_style_names() -> None:
    data = make_odt()
    # Heading 1 is 130 % of "Heading" (14 pt): 18.2 pt, as LibreOffice shows it.
    assert run("font_size", data, text="Laporan Kegiatan", size="18.2")[0]
    passed, detail_id, detail_en = run("font_size", data, text="Laporan Kegiatan", size="16")
    assert not passed
    assert "18.2 pt, not 16 pt" in detail_en
    assert "18.2 pt, bukan 16 pt" in detail_id
    # The default paragraph style's 12 pt reaches plain text; a bold heading style makes its text bold.
    assert run("font_size", data, text="Paragraf ini", size="12")[0]
    assert run("text_format", data, text="Laporan Kegiatan", bold=True)[0]
    assert run("paragraph_style", data, text="Anggaran Dana", style="Normal")[0]
    assert run("paragraph_style", data, text="Kegiatan 2", style="Table Contents")[0]
    for libreoffice, word in [
        ("Standard", "Normal"),
        ("Default Paragraph Style", "Normal"),
        ("Text body", "Body Text"),
        ("Heading 2", "Judul 2"),
    ]:
        assert canonical_style(libreoffice) == canonical_style(word)


def test_comments_footnotes_and_deleted_text_are_not_the_document_text() -> None:
    hidden = (
        b"<office:annotation><text:p>komentar rahasia</text:p></office:annotation>"
        b'<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body>'
        b"<text:p>catatan kaki</text:p></text:note-body></text:note>"
    )
    tracked = (
        b'<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><office:change-info>'
        b'<dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">x</dc:creator></office:change-info>'
        b"<text:p>kalimat yang dihapus</text:p></text:deletion></text:changed-region></text:tracked-changes>"
    )

    def edit(xml: bytes) -> bytes:
        xml = xml.replace(b"Paragraf ini rata kiri-kanan.", b"Paragraf ini" + hidden + b" rata kiri-kanan.")
        return xml.replace(b"<office:text>", b"<office:text>" + tracked)

    data = odt_body(edit)
    assert run("text_present", data, text="Paragraf ini rata kiri-kanan")[0]
    for text in ("komentar rahasia", "catatan kaki", "kalimat yang dihapus"):
        assert not run("text_present", data, text=text)[0], text
    assert run("alignment", data, text="Paragraf ini rata", align="justify")[0]


def test_spaces_spans_links_and_text_frames() -> None:
    def edit(xml: bytes) -> bytes:
        frame = (
            b'<draw:frame draw:name="Kotak"><draw:text-box><text:p>Teks di dalam kotak</text:p>'
            b"</draw:text-box></draw:frame>"
        )
        xml = xml.replace(b"Paragraf ini rata kiri-kanan.", b'Paragraf<text:s text:c="3"/>ini' + frame)
        nested = (
            b'<text:span text:style-name="T1">Desa <text:a xlink:href="https://desa.example" '
            b'text:style-name="T2">Maju</text:a></text:span>'
        )
        return xml.replace(b"</office:text>", b"<text:p>Dana " + nested + b"</text:p></office:text>")

    data = odt_body(edit)
    assert run("text_present", data, text="Paragraf ini")[0]
    assert run("text_present", data, text="teks di dalam kotak")[0]
    # "Maju" sits in a link (italic, underlined) inside a bold span: it is all three.
    assert run("text_format", data, text="Desa Maju", bold=True)[0]
    assert run("text_format", data, text="Maju", italic=True, underline=True)[0]
    assert not run("text_format", data, text="Desa Maju", italic=True)[0]


def test_pages_follow_the_master_pages_the_text_uses() -> None:
    def styles(xml: bytes) -> bytes:
        layout = (
            b'<style:page-layout style:name="pm9"><style:page-layout-properties fo:page-width="21cm" '
            b'fo:page-height="29.7cm"/></style:page-layout>'
        )
        xml = xml.replace(b"</office:automatic-styles>", layout + b"</office:automatic-styles>")
        page = (
            b'<style:master-page style:name="Tegak" style:page-layout-name="pm9"><style:header '
            b'style:display="false"><text:p>tersembunyi</text:p></style:header></style:master-page>'
        )
        return xml.replace(b"</office:master-styles>", page + b"</office:master-styles>")

    def content(xml: bytes) -> bytes:
        style = (
            b'<style:style style:name="P9" style:family="paragraph" style:parent-style-name="Standard" '
            b'style:master-page-name="Tegak"/>'
        )
        xml = xml.replace(b"</office:automatic-styles>", style + b"</office:automatic-styles>")
        return xml.replace(b"</office:text>", b'<text:p text:style-name="P9">Lampiran</text:p></office:text>')

    data = rewrite(make_odt(), {"styles.xml": styles, "content.xml": content})
    reader = odt(data)
    assert [s.landscape for s in reader.sections()] == [True, False]
    passed, _, detail_en = run("orientation", data, orientation="landscape")
    assert not passed
    assert "section 2" in detail_en
    assert reader.header_footer_texts("header") == ["Pemerintah Desa Sukamaju"]  # the hidden one is off
    assert run("header_text", data, text="Pemerintah Desa")[0]
    assert not run("header_text", data, text="tersembunyi")[0]
    # Without this page break the document is one landscape page style.
    assert [s.landscape for s in odt(make_odt()).sections()] == [True]
    assert [s.landscape for s in odt(make_odt(landscape=False)).sections()] == [False]


def test_merged_and_repeated_table_cells_count_like_word() -> None:
    def content(xml: bytes) -> bytes:
        table = (
            b'<table:table table:name="Gabung"><table:table-column table:number-columns-repeated="3"/>'
            b'<table:table-row><table:table-cell table:number-columns-spanned="2"><text:p>Judul</text:p>'
            b"</table:table-cell><table:covered-table-cell/><table:table-cell><text:p>C</text:p>"
            b'</table:table-cell></table:table-row><table:table-row table:number-rows-repeated="2">'
            b'<table:table-cell table:number-columns-repeated="3"><text:p>x</text:p></table:table-cell>'
            b"</table:table-row></table:table>"
        )
        return xml.replace(b"</office:text>", table + b"</office:text>")

    reader = odt(odt_body(content))
    assert reader.tables()[-1].rows == (("Judul", "", "C"), ("x", "x", "x"), ("x", "x", "x"))
    assert run("table_with_rows", odt_body(content), rows=3, cols=3, header=["Judul", "", "C"])[0]


# ---- spreadsheets ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("odf", "excel"),
    [
        ("of:=SUM([.B2:.B6])", "SUM(B2:B6)"),
        ("of:=[.B2]/[.B7]", "B2/B7"),
        ("of:=VLOOKUP([.A2];[$Data.$A$2:.$C$9];3;0)", "VLOOKUP(A2,Data!$A$2:$C$9,3,0)"),
        ('of:=IF([.B2]>=60;"LULUS; [.A1]";"GAGAL")', 'IF(B2>=60,"LULUS; [.A1]","GAGAL")'),
        ("of:=COM.MICROSOFT.IFS([.A1]>1;1;TRUE();0)", "IFS(A1>1,1,TRUE(),0)"),
        ("of:=SUM(['Lembar 2'.A1:.A3])", "SUM('Lembar 2'!A1:A3)"),
        ("of:=AVERAGE([Data.B2:Data.B6])", "AVERAGE(Data!B2:B6)"),
        ("oooc:=SUM([.A1:.A2])", "SUM(A1:A2)"),
        ("=ROUND([.C3];2)", "ROUND(C3,2)"),
    ],
)
def test_openformula_becomes_excel_notation(odf: str, excel: str) -> None:
    assert excel_formula(odf) == excel


def test_formula_checks_read_openformula() -> None:
    assert formula_functions(excel_formula("of:=COM.MICROSOFT.IFS([.A1]>1;1;TRUE();0)")) == {"IFS", "TRUE"}
    assert formula_references(excel_formula("of:=VLOOKUP([.A2];[$Data.$A$2:.$C$9];3;0)"))
    data = rewrite(make_ods(), {"content.xml": lambda x: x.replace(b"of:=SUM([.B2:.B6])", b"of:=SUM(1500)")})
    passed, _, en = run("cell_formula", data, cell="B7", functions=["SUM"])
    assert not passed
    assert "refers to no other cell" in en
    passed, _, en = run("cell_formula", make_ods(), cell="B7", functions=["AVERAGE"])
    assert not passed
    assert "(=SUM(B2:B6)) does not use AVERAGE" in en


def _style(xml: str) -> Any:
    return parse_xml(f"<office:automatic-styles {NS}>{xml}</office:automatic-styles>".encode(), "test")[0]


@pytest.mark.parametrize(
    ("xml", "code", "kinds", "decimals"),
    [
        (
            '<number:percentage-style style:name="N1"><number:number number:decimal-places="1" '
            'number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>',
            "0.0%",
            {"percent", "number"},
            1,
        ),
        (
            '<number:number-style style:name="N2"><number:number number:decimal-places="2" '
            'number:min-integer-digits="1" number:grouping="true"/></number:number-style>',
            "#,##0.00",
            {"thousands", "number"},
            2,
        ),
        (
            '<number:currency-style style:name="N3"><number:currency-symbol number:language="id" '
            'number:country="ID">Rp</number:currency-symbol><number:text> </number:text><number:number '
            'number:decimal-places="0" number:min-integer-digits="1" number:grouping="true"/></number:currency-style>',
            "[$Rp-421] #,##0",
            {"currency", "thousands", "number"},
            0,
        ),
        (
            '<number:date-style style:name="N4"><number:day number:style="long"/><number:text>/</number:text>'
            '<number:month number:style="long"/><number:text>/</number:text><number:year number:style="long"/>'
            "</number:date-style>",
            "DD/MM/YYYY",
            {"date"},
            0,
        ),
        (
            '<number:date-style style:name="N5"><number:day/><number:text> </number:text><number:month '
            'number:textual="true" number:style="long"/><number:text> </number:text><number:year '
            'number:style="long"/></number:date-style>',
            "D MMMM YYYY",
            {"date"},
            0,
        ),
        (
            '<number:time-style style:name="N6"><number:hours number:style="long"/><number:text>:</number:text>'
            '<number:minutes number:style="long"/><number:text>:</number:text><number:seconds '
            'number:style="long"/></number:time-style>',
            "HH:MM:SS",
            {"time"},
            0,
        ),
        ('<number:text-style style:name="N7"><number:text-content/></number:text-style>', "@", {"text"}, 0),
        (
            '<number:number-style style:name="N0"><number:number number:min-integer-digits="1"/></number:number-style>',
            "General",
            set(),
            0,
        ),
    ],
)
def test_data_styles_become_format_codes(xml: str, code: str, kinds: set[str], decimals: int) -> None:
    converted = format_code(_style(xml), lambda name: None)
    assert converted == code
    assert format_kinds(converted) == kinds
    assert format_decimals(converted) == decimals


def test_values_dates_times_booleans_and_errors() -> None:
    rows = (
        "<table:table-row>"
        '<table:table-cell office:value-type="date" office:date-value="2026-01-15"><text:p>15/01/26</text:p>'
        "</table:table-cell>"
        '<table:table-cell office:value-type="time" office:time-value="PT12H30M00S"><text:p>12:30</text:p>'
        "</table:table-cell>"
        '<table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p>'
        "</table:table-cell>"
        '<table:table-cell table:formula="of:=1/0" office:value-type="string" office:string-value="" '
        'calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>'
        '<table:table-cell office:value-type="currency" office:currency="IDR" office:value="1500.5">'
        "<text:p>Rp1.500,50</text:p></table:table-cell>"
        "<table:table-cell><text:p>baris <text:span>satu</text:span></text:p><text:p>dua</text:p>"
        "</table:table-cell>"
        "</table:table-row>"
    )
    sheet = ods(ods_with(rows)).sheet("data")
    assert sheet is not None
    cells = [sheet.cells[(column, 1)] for column in range(1, 7)]
    assert [c.value for c in cells[:3]] == [46037, pytest.approx(0.5208333, rel=1e-6), True]
    assert (cells[3].type, cells[3].value, cells[3].formula) == ("e", "#DIV/0!", "1/0")
    assert cells[4].value == 1500.5
    assert cells[5].value == "baris satu\ndua"
    assert date_serial("2026-01-15T06:00:00") == 46037.25
    assert duration_days("PT36H") == 1.5
    assert duration_days("garbage") is None
    data = ods_with(rows)
    assert run("cell_value", data, cell="A1", value="46037")[0]  # the serial number .xlsx stores
    assert run("cell_value", data, cell="B1", value="0.5208", tolerance="0.0001")[0]
    assert run("cell_value", data, cell="C1", value="true")[0]
    assert run("cell_value", data, cell="E1", value="1500.5")[0]


def test_repeated_cells_column_styles_and_sorting() -> None:
    automatic = (
        '<number:percentage-style style:name="N9"><number:number number:decimal-places="0" '
        'number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>'
        '<style:style style:name="ce9" style:family="table-cell" style:data-style-name="N9"/>'
    )
    rows = (
        '<table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="float" '
        'office:value="7" table:number-columns-repeated="2"/></table:table-row>'
        "<table:table-row><table:table-cell/>"
        '<table:table-cell table:style-name="ce9" table:number-columns-repeated="2"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="1048572"><table:table-cell '
        'table:number-columns-repeated="1024"/></table:table-row>'
    )
    data = ods_with(rows, automatic)
    sheet = ods(data).sheet(None)
    assert sheet is not None
    assert {ref for ref, cell in ((c.ref, c) for c in sheet.cells.values()) if cell.value == 7} == {
        "A1",
        "B1",
        "A2",
        "B2",
        "A3",
        "B3",
    }
    assert run("sorted_range", data, range="A1:B3", column="B", order="asc")[0]
    # Formatted but empty cells keep their format, as .xlsx keeps <c s="..."/>.
    assert run("number_format", data, cell="B4:C4", kind="percent")[0]
    assert not run("number_format", data, cell="A1", kind="percent")[0]
    # A whole column formatted in LibreOffice is a column default style.
    column = rewrite(
        data,
        {
            "content.xml": lambda x: x.replace(
                b'<table:table-column table:number-columns-repeated="1024"/>',
                b'<table:table-column table:default-cell-style-name="ce9"/>'
                b'<table:table-column table:number-columns-repeated="1023"/>',
            )
        },
    )
    assert run("number_format", column, cell="A1:A3", kind="percent")[0]
    assert not run("number_format", column, cell="B1:B3", kind="percent")[0]


def test_too_many_repeated_cells_are_refused_on_upload_and_fail_grading() -> None:
    problem = check_upload(repeated_cells_ods(300), "ods")
    assert problem is not None
    assert problem.code == "upload.too_many_cells"
    assert "200.000" in problem.id
    assert "too many filled cells" in problem.en
    # Graded anyway (a file stored before this check), the reader stops at the same limit; the practical
    # item turns the error into a failed line with this message.
    with pytest.raises(OfficeError, match="too many filled cells"):
        run("cell_value", repeated_cells_ods(300), cell="A1", value="1")
    assert check_upload(repeated_cells_ods(100), "ods") is None  # 100,000 cells: heavy, but allowed


@pytest.mark.parametrize(
    ("kind", "vertical", "expected"),
    [
        ("chart:bar", "false", ["column"]),
        ("chart:bar", "true", ["bar"]),
        ("chart:line", "false", ["line"]),
        ("chart:circle", "false", ["pie"]),
        ("chart:ring", "false", ["doughnut"]),
        ("chart:area", "false", ["area"]),
        ("chart:scatter", "false", ["scatter"]),
    ],
)
def test_chart_classes(kind: str, vertical: str, expected: list[str]) -> None:
    def chart(xml: bytes) -> bytes:
        return xml.replace(b'chart:class="chart:bar"', f'chart:class="{kind}"'.encode()).replace(
            b'chart:vertical="false"', f'chart:vertical="{vertical}"'.encode()
        )

    data = rewrite(make_ods(chart="column"), {"Object 1/content.xml": chart})
    assert ods(data).chart_kinds(None) == expected
    assert run("chart_kind", data, kind=expected[0], sheet="DATA")[0]


def test_combined_chart_and_charts_on_other_sheets() -> None:
    def chart(xml: bytes) -> bytes:
        return xml.replace(b"<chart:series ", b'<chart:series chart:class="chart:line" ', 1)

    data = rewrite(make_ods(chart="column"), {"Object 1/content.xml": chart})
    assert ods(data).chart_kinds(None) == ["column", "line"]
    assert run("chart_kind", data, kind="line")[0]
    # The chart sits on sheet "Data": a rubric line asking for one on another sheet says which exist.
    passed, _, en = run("chart_kind", data, kind="line", sheet="Ringkasan")
    assert not passed
    assert 'Sheet "Ringkasan" does not exist (found: Data)' in en
    assert ods(make_ods(chart=None)).chart_kinds(None) == []
    assert run("chart_kind", make_ods(chart=None), kind="pie")[1:] == ("Tidak ada grafik", "There is no chart")


# ---- hostile values never break grading --------------------------------------------------------------

ODD_VALUES = ["", "-1", "0", "²", "999999999999", "abc", "1E999999999", "12pt", "130%", "true", "P", "#", "[.A1"]


def _mutated(data: bytes, part: str, picks: list[tuple[int, int]]) -> bytes:
    """``data`` with some attribute values of ``part`` replaced by odd ones (element/attribute by index)."""
    root = parse_xml(zipfile.ZipFile(io.BytesIO(data)).read(part), part)
    slots = [(el, name) for el in root.iter() for name in sorted(el.attrib)]
    for index, value in picks:
        element, name = slots[index % len(slots)]
        element.set(name, ODD_VALUES[value % len(ODD_VALUES)])
    return rewrite(data, {part: tostring(root, encoding="utf-8")})


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 100)), min_size=1, max_size=8), st.booleans())
def test_odd_attribute_values_fail_lines_but_never_grading(picks: list[tuple[int, int]], sheet: bool) -> None:
    spec = build_exam(exam(items=[document(), spreadsheet()], sections=[section("PRAKTIK")]))
    base = make_ods() if sheet else make_odt()
    data = _mutated(base, "content.xml", picks)
    code = "PRAK-XLS" if sheet else "PRAK-DOC"
    sha = hashlib.sha256(data).hexdigest()
    item = next(i for i in grade(spec, {code: {"sha256": sha, "name": "x"}}, {sha: data}).items if i.code == code)
    assert 0 <= item.score_milli <= item.max_milli
    assert all(ln.detail_id and ln.detail_en for ln in item.lines)


def test_styles_read_whole_when_not_laid_out_as_usual() -> None:
    """styles.xml is indexed by byte offset; other namespace prefixes make the reader parse it whole."""

    def other_prefix(xml: bytes) -> bytes:
        return (
            xml.replace(b"<style:", b"<st:")
            .replace(b"</style:", b"</st:")
            .replace(b" style:", b" st:")
            .replace(b"xmlns:style=", b"xmlns:st=")
        )

    usual, unusual = make_odt(), rewrite(make_odt(), {"styles.xml": other_prefix})
    assert b"<st:style " in zipfile.ZipFile(io.BytesIO(unusual)).read("styles.xml")
    for check, args in [
        ("font_size", {"text": "Laporan Kegiatan", "size": "18.2"}),
        ("paragraph_style", {"text": "Kegiatan 2", "style": "Table Contents"}),
        ("orientation", {"orientation": "landscape"}),
        ("header_text", {"text": "Pemerintah Desa"}),
        ("text_format", {"text": "Laporan Kegiatan", "bold": True}),
    ]:
        assert run(check, unusual, **args) == run(check, usual, **args), check
        assert run(check, unusual, **args)[0], check
    sheet_usual = make_ods()
    sheet_unusual = rewrite(sheet_usual, {"styles.xml": other_prefix})
    assert run("number_format", sheet_unusual, cell="B2:B6", kind="currency")[0]
    assert run("number_format", sheet_unusual, cell="C2:C6", kind="percent", decimals=1)[0]
