"""Real .docx/.xlsx files made by python-docx and openpyxl, plus hostile uploads made byte by byte."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from typing import Any

import docx
import openpyxl
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from openpyxl.chart import BarChart, LineChart, PieChart, Reference

TITLE = "Laporan Kegiatan Desa Sukamaju"
HEADER = ["No", "Kegiatan", "Biaya"]


def make_docx(
    *,
    heading_style: str = "Heading 1",
    center_title: bool = True,
    bold: bool = True,
    italic: bool = True,
    underline: bool = True,
    size_pt: int = 14,
    table_rows: int = 4,
    landscape: bool = True,
    header_text: str | None = "Pemerintah Desa Sukamaju",
    footer_text: str | None = "Halaman 1",
    extra: str = "",
) -> bytes:
    """A report as a candidate would write it; each keyword turns one rubric-relevant feature on/off."""
    document = docx.Document()
    title = document.add_paragraph(TITLE, style=heading_style)
    if center_title:
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    body = document.add_paragraph("Anggaran ")
    run = body.add_run("Dana Desa")  # bold phrase split across its own run, as Word does
    run.bold = bold
    body.add_run(" tahun 2026 digunakan untuk ")
    emphasis = body.add_run("pembangunan jalan")
    emphasis.italic = italic
    emphasis.underline = underline
    body.add_run(".")
    big = document.add_paragraph().add_run("Ringkasan anggaran")
    big.font.size = Pt(size_pt)
    justified = document.add_paragraph("Paragraf ini rata kiri-kanan.")
    justified.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if extra:
        document.add_paragraph(extra)
    table = document.add_table(rows=table_rows, cols=3)
    for column, text in enumerate(HEADER):
        table.cell(0, column).text = text
    for row in range(1, table_rows):
        table.cell(row, 0).text = str(row)
        table.cell(row, 1).text = f"Kegiatan {row}"
        table.cell(row, 2).text = str(row * 1000)
    section = document.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    if header_text:
        section.header.paragraphs[0].text = header_text
    if footer_text:
        section.footer.paragraphs[0].text = footer_text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_xlsx(
    *,
    formula: bool = True,
    total_cached: str | None = "1500",
    percent: bool = True,
    currency: bool = True,
    sorted_desc: bool = False,
    chart: str | None = "column",
    names: tuple[str, ...] = ("Andi", "Budi", "Citra", "Dewi", "Eko"),
    values: tuple[int, ...] = (100, 200, 300, 400, 500),
) -> bytes:
    """A budget sheet: names A2:A6, amounts B2:B6, total B7, share C2:C6, a chart; saved by openpyxl.

    openpyxl stores no computed results for formulas; ``total_cached`` writes the value Excel or
    LibreOffice would have stored on saving (None leaves it out, like an un-recalculated file).
    """
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Data"
    sheet["A1"], sheet["B1"], sheet["C1"], sheet["D1"] = "Nama", "Jumlah", "Persen", "Tanggal"
    rows = list(zip(names, values, strict=True))
    if sorted_desc:
        rows.sort(key=lambda pair: -pair[1])
    for index, (name, value) in enumerate(rows, start=2):
        sheet.cell(index, 1, name)
        amount = sheet.cell(index, 2, value)
        if currency:
            amount.number_format = '_-"Rp"* #,##0_-;-"Rp"* #,##0_-;_-"Rp"* "-"_-;_-@_-'
        share = sheet.cell(index, 3, f"=B{index}/B7" if formula else 0.1)
        share.number_format = "0.0%" if percent else "0.00"
    sheet["A7"] = "Total"
    sheet["B7"] = "=SUM(B2:B6)" if formula else sum(values)
    sheet["D2"] = "2026-01-15"
    if chart:
        kind: Any = {"column": BarChart, "bar": BarChart, "line": LineChart, "pie": PieChart}[chart]()
        if chart == "bar":
            kind.type = "bar"
        kind.add_data(Reference(sheet, min_col=2, min_row=1, max_row=6), titles_from_data=True)
        kind.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=6))
        sheet.add_chart(kind, "F2")
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    if formula and total_cached is not None:
        data = with_cached_values(data, "xl/worksheets/sheet1.xml", {"B7": total_cached})
    return data


def with_cached_values(data: bytes, part: str, values: dict[str, str]) -> bytes:
    """Store computed formula results in a sheet, as a spreadsheet program does when saving."""

    def patch(xml: bytes) -> bytes:
        for ref, value in values.items():
            pattern = rb'(<c r="' + ref.encode() + rb'"[^>]*>\s*<f>[^<]*</f>)\s*(?:<v>\s*</v>|<v\s*/>)?'
            cached = b"<v>" + value.encode() + b"</v>"
            xml = re.sub(pattern, lambda m: m.group(1) + cached, xml)  # noqa: B023 - used at once
        return xml

    return rewrite(data, {part: patch})


def rewrite(data: bytes, changes: dict[str, Any], add: dict[str, bytes] | None = None) -> bytes:
    """A copy of a zip package with some parts transformed (callable) or replaced (bytes), some added."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            change = changes.get(info.filename)
            if callable(change):
                content = change(content)
            elif isinstance(change, bytes):
                content = change
            # Keep each entry's compression (an ODF ``mimetype`` entry must stay stored).
            target.writestr(info.filename, content, compress_type=info.compress_type)
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


# ---- hostile uploads ---------------------------------------------------------------------------------


def xlsm_with_macro(*, macro_content_type: bool = True) -> bytes:
    """An xlsx turned into a macro workbook: a vbaProject.bin part (and the macro-enabled content type)."""

    def types(xml: bytes) -> bytes:
        if macro_content_type:
            xml = xml.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
        return xml

    return rewrite(
        make_xlsx(chart=None),
        {"[Content_Types].xml": types},
        add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 512},
    )


def billion_laughs_docx() -> bytes:
    """A docx whose document.xml declares nested entities (the billion-laughs attack)."""
    entities = "".join(f'<!ENTITY lol{n} "{"&lol" + str(n - 1) + ";" * 1}' * 1 + '">' for n in range(1, 10))
    bomb = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [<!ENTITY lol0 "lol">' + entities + "]>"
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
        "<w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    return rewrite(make_docx(), {"word/document.xml": bomb})


def zip_bomb_docx(megabytes: int = 60) -> bytes:
    """A docx carrying a part of zeros that inflates over a thousand times its stored size."""
    return rewrite(make_docx(), {}, add={"word/media/padding.bin": bytes(megabytes * 1024 * 1024)})


def lying_sizes_docx(declared: int) -> bytes:
    """A docx whose central directory declares ``declared`` bytes for word/document.xml."""
    data = bytearray(make_docx())
    name = b"word/document.xml"
    at = 0
    while True:
        at = data.find(b"PK\x01\x02", at)
        if at < 0:
            raise AssertionError("central directory entry not found")
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + name_len]) == name:
            struct.pack_into("<I", data, at + 24, declared)
            return bytes(data)
        at += 4


def fake_odt() -> bytes:
    """An OpenDocument text as LibreOffice lays it out (mimetype first, stored)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
        )
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest/>')
    return out.getvalue()


ENCRYPTED_OOXML = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64
)
LEGACY_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "WordDocument".encode("utf-16-le")
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def finish_budget_task(start: bytes) -> bytes:
    """The demo's spreadsheet task done right: SUM total in B7, Rupiah format on B2:B7, a column chart."""
    from openpyxl.chart import BarChart as _Bar

    book = openpyxl.load_workbook(io.BytesIO(start))
    sheet = book.active
    assert sheet is not None
    sheet["B7"] = "=SUM(B2:B6)"
    for row in range(2, 8):
        sheet.cell(row, 2).number_format = '_-"Rp"* #,##0_-;-"Rp"* #,##0_-;_-"Rp"* "-"_-;_-@_-'
    chart = _Bar()
    chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=6), titles_from_data=True)
    sheet.add_chart(chart, "D2")
    out = io.BytesIO()
    book.save(out)
    total = sum(int(sheet.cell(row, 2).value) for row in range(2, 7))
    return with_cached_values(out.getvalue(), "xl/worksheets/sheet1.xml", {"B7": str(total)})
