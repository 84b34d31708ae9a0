"""Real .odt/.ods files written by odfpy, each the OpenDocument twin of ``office_builders``' .docx/.xlsx.

``make_odt(**kw)`` lays out the same report as ``make_docx(**kw)`` and ``make_ods(**kw)`` the same budget
sheet as ``make_xlsx(**kw)``, the way LibreOffice stores them: direct formatting as automatic styles
(``P1``, ``T1``, ``ce1``) over named styles, headings as ``text:h``, page size and header/footer in a
master page, numbers in ``office:value`` with their data styles, formulas in OpenFormula
(``of:=SUM([.B2:.B6])``), a chart as an embedded ``Object 1/`` subdocument. Also ODF-specific hostile
uploads made byte by byte.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from odf import chart as odfchart
from odf import draw, number
from odf.opendocument import OpenDocumentChart, OpenDocumentSpreadsheet, OpenDocumentText
from odf.style import (
    ChartProperties,
    DefaultStyle,
    Footer,
    Header,
    Map,
    MasterPage,
    PageLayout,
    PageLayoutProperties,
    ParagraphProperties,
    Style,
    TableCellProperties,
    TextProperties,
)
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import H, P, Span

from tests.grader.office_builders import HEADER, TITLE, rewrite

ODT_TYPE = "application/vnd.oasis.opendocument.text"
ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
_HEADINGS = {"Heading 1": ("Heading_20_1", "130%"), "Heading 2": ("Heading_20_2", "115%")}


def _save(document: Any) -> bytes:
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def _named_styles(document: OpenDocumentText) -> None:
    """LibreOffice's default paragraph style, "Heading" and the headings (sizes relative to "Heading")."""
    default = DefaultStyle(family="paragraph")
    default.addElement(TextProperties(fontsize="12pt"))
    document.styles.addElement(default)
    document.styles.addElement(Style(name="Standard", family="paragraph", attributes={"class": "text"}))
    heading = Style(name="Heading", family="paragraph", parentstylename="Standard")
    heading.addElement(TextProperties(fontsize="14pt"))
    document.styles.addElement(heading)
    for shown, (name, size) in _HEADINGS.items():
        style = Style(name=name, displayname=shown, family="paragraph", parentstylename="Heading")
        style.addElement(TextProperties(fontsize=size, fontweight="bold"))
        document.styles.addElement(style)
    for name in ("Header", "Footer", "Table_20_Contents"):
        shown = name.replace("_20_", " ")
        document.styles.addElement(Style(name=name, displayname=shown, family="paragraph", parentstylename="Standard"))


def _text_style(document: OpenDocumentText, name: str, **props: str) -> Style:
    style = Style(name=name, family="text")
    style.addElement(TextProperties(**props))
    document.automaticstyles.addElement(style)
    return style


def make_odt(
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
    """``make_docx``'s report as an .odt (same keywords, same rubric outcome)."""
    document = OpenDocumentText()
    _named_styles(document)
    title_style = Style(
        name="P1", family="paragraph", parentstylename=_HEADINGS.get(heading_style, ("Standard", ""))[0]
    )
    if center_title:
        title_style.addElement(ParagraphProperties(textalign="center"))
    document.automaticstyles.addElement(title_style)
    justify = Style(name="P2", family="paragraph", parentstylename="Standard")
    justify.addElement(ParagraphProperties(textalign="justify"))
    document.automaticstyles.addElement(justify)
    strong = _text_style(document, "T1", fontweight="bold" if bold else "normal")
    emphasis_props: dict[str, str] = {}
    if italic:
        emphasis_props["fontstyle"] = "italic"
    if underline:
        emphasis_props.update(textunderlinestyle="solid", textunderlinewidth="auto", textunderlinecolor="font-color")
    emphasis = _text_style(document, "T2", **(emphasis_props or {"fontvariant": "normal"}))
    big = _text_style(document, "T3", fontsize=f"{size_pt}pt")

    if heading_style in _HEADINGS:
        document.text.addElement(H(outlinelevel=int(heading_style[-1]), stylename=title_style, text=TITLE))
    else:
        document.text.addElement(P(stylename=title_style, text=TITLE))
    body = P(stylename="Standard", text="Anggaran ")
    body.addElement(Span(stylename=strong, text="Dana Desa"))
    body.addText(" tahun 2026 digunakan untuk ")
    body.addElement(Span(stylename=emphasis, text="pembangunan jalan"))
    body.addText(".")
    document.text.addElement(body)
    summary = P(stylename="Standard")
    summary.addElement(Span(stylename=big, text="Ringkasan anggaran"))
    document.text.addElement(summary)
    document.text.addElement(P(stylename=justify, text="Paragraf ini rata kiri-kanan."))
    if extra:
        document.text.addElement(P(stylename="Standard", text=extra))
    table = Table(name="Table1")
    table.addElement(TableColumn(numbercolumnsrepeated=3))
    for row_number in range(table_rows):
        row = TableRow()
        texts = HEADER if row_number == 0 else [str(row_number), f"Kegiatan {row_number}", str(row_number * 1000)]
        for text in texts:
            cell = TableCell(valuetype="string")
            cell.addElement(P(stylename="Table_20_Contents", text=text))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)

    width, height = ("29.7cm", "21cm") if landscape else ("21cm", "29.7cm")
    layout = PageLayout(name="pm1")
    layout.addElement(
        PageLayoutProperties(
            pagewidth=width, pageheight=height, printorientation="landscape" if landscape else "portrait"
        )
    )
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    if header_text:
        header = Header()
        header.addElement(P(stylename="Header", text=header_text))
        master.addElement(header)
    if footer_text:
        footer = Footer()
        footer.addElement(P(stylename="Footer", text=footer_text))
        master.addElement(footer)
    document.masterstyles.addElement(master)
    return _save(document)


# ---- spreadsheets ------------------------------------------------------------------------------------


def _cell_style(document: OpenDocumentSpreadsheet, name: str, data_style: str) -> Style:
    style = Style(name=name, family="table-cell", parentstylename="Default", datastylename=data_style)
    style.addElement(TableCellProperties())
    document.automaticstyles.addElement(style)
    return style


def _data_styles(document: OpenDocumentSpreadsheet) -> None:
    """Rupiah with thousands separators (negative in red), 0.0 % and 0.00, as LibreOffice writes them
    (in styles.xml: odfpy would drop an automatic style reached only through a ``style:map``)."""
    positive = number.CurrencyStyle(name="N100P0", volatile="true")
    positive.addElement(number.CurrencySymbol(language="id", country="ID", text="Rp"))
    positive.addElement(number.Number(decimalplaces="0", minintegerdigits="1", grouping="true"))
    document.styles.addElement(positive)
    rupiah = number.CurrencyStyle(name="N100")
    rupiah.addElement(TextProperties(color="#ff0000"))
    rupiah.addElement(number.Text(text="-"))
    rupiah.addElement(number.CurrencySymbol(language="id", country="ID", text="Rp"))
    rupiah.addElement(number.Number(decimalplaces="0", minintegerdigits="1", grouping="true"))
    rupiah.addElement(Map(condition="value()>=0", applystylename="N100P0"))
    document.styles.addElement(rupiah)
    percent = number.PercentageStyle(name="N101")
    percent.addElement(number.Number(decimalplaces="1", minintegerdigits="1"))
    percent.addElement(number.Text(text="%"))
    document.styles.addElement(percent)
    plain = number.NumberStyle(name="N102")
    plain.addElement(number.Number(decimalplaces="2", minintegerdigits="1"))
    document.styles.addElement(plain)


def _text_cell(text: str, **attributes: Any) -> TableCell:
    cell = TableCell(valuetype="string", **attributes)
    cell.addElement(P(text=text))
    return cell


def _number_cell(value: object, shown: str, valuetype: str = "float", **attributes: Any) -> TableCell:
    cell = TableCell(valuetype=valuetype, value=value, **attributes)
    cell.addElement(P(text=shown))
    return cell


def make_ods(
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
    """``make_xlsx``'s budget sheet as an .ods (same keywords, same rubric outcome).

    ``total_cached`` is the total LibreOffice stores with the formula; None leaves the result out.
    """
    document = OpenDocumentSpreadsheet()
    default = Style(name="Default", family="table-cell")
    document.styles.addElement(default)
    _data_styles(document)
    money = _cell_style(document, "ce1", "N100")
    share_style = _cell_style(document, "ce2", "N101" if percent else "N102")
    sheet = Table(name="Data")
    sheet.addElement(TableColumn(numbercolumnsrepeated=16384, defaultcellstylename="Default"))
    head = TableRow()
    for text in ("Nama", "Jumlah", "Persen", "Tanggal"):
        head.addElement(_text_cell(text))
    head.addElement(TableCell(numbercolumnsrepeated=16380))
    sheet.addElement(head)
    rows = list(zip(names, values, strict=True))
    if sorted_desc:
        rows.sort(key=lambda pair: -pair[1])
    total = sum(values)
    chart_frame = _chart_frame(document, chart) if chart else None
    for index, (name, value) in enumerate(rows, start=2):
        row = TableRow()
        row.addElement(_text_cell(name))
        amount: dict[str, Any] = {"stylename": money} if currency else {}
        row.addElement(_number_cell(value, f"Rp{value}" if currency else str(value), **amount))
        if formula:
            share = TableCell(
                stylename=share_style,
                formula=f"of:=[.B{index}]/[.B7]",
                valuetype="percentage" if percent else "float",
                value=repr(value / total),
            )
            share.addElement(P(text=f"{value / total:.1%}"))
            row.addElement(share)
        else:
            row.addElement(
                _number_cell("0.1", "10.0%", stylename=share_style, valuetype="percentage" if percent else "float")
            )
        if index == 2:
            row.addElement(_text_cell("2026-01-15"))
            row.addElement(TableCell())
            if chart_frame is not None:
                holder = TableCell()
                holder.addElement(chart_frame)
                row.addElement(holder)
        sheet.addElement(row)
    last = TableRow()
    last.addElement(_text_cell("Total"))
    if not formula:
        last.addElement(_number_cell(total, str(total)))
    elif total_cached is None:
        last.addElement(TableCell(formula="of:=SUM([.B2:.B6])"))
    else:
        total_cell = TableCell(formula="of:=SUM([.B2:.B6])", valuetype="float", value=total_cached)
        total_cell.addElement(P(text=total_cached))
        last.addElement(total_cell)
    sheet.addElement(last)
    sheet.addElement(TableRow(numberrowsrepeated=1048568))
    document.spreadsheet.addElement(sheet)
    return _save(document)


def _chart_frame(document: OpenDocumentSpreadsheet, kind: str) -> draw.Frame:
    """An embedded chart object (``Object 1/``) of ``kind``: column, bar, line or pie."""
    sub = OpenDocumentChart()
    plot_style = Style(name="ch1", family="chart")
    plot_style.addElement(ChartProperties(vertical="true" if kind == "bar" else "false"))
    sub.automaticstyles.addElement(plot_style)
    odf_class = {"column": "chart:bar", "bar": "chart:bar", "line": "chart:line", "pie": "chart:circle"}[kind]
    body = odfchart.Chart(attributes={"class": odf_class}, width="15cm", height="7.5cm")
    plot = odfchart.PlotArea(stylename=plot_style, cellrangeaddress="Data.A1:Data.B6")
    plot.addElement(odfchart.Series(valuescellrangeaddress="Data.B2:Data.B6", labelcelladdress="Data.B1"))
    body.addElement(plot)
    sub.chart.addElement(body)
    href = document.addObject(sub)
    frame = draw.Frame(name="Chart 1", width="15cm", height="7.5cm")
    frame.addElement(draw.Object(href=href))
    return frame


# ---- hostile and broken OpenDocument uploads ---------------------------------------------------------


def repack(data: bytes, order: list[str] | None = None, compress_mimetype: bool = False) -> bytes:
    """The same package with its entries reordered (``order`` first) or its ``mimetype`` deflated."""
    source = zipfile.ZipFile(io.BytesIO(data))
    infos = source.infolist()
    if order:
        infos.sort(key=lambda info: order.index(info.filename) if info.filename in order else len(order))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in infos:
            deflate = info.compress_type != zipfile.ZIP_STORED or (compress_mimetype and info.filename == "mimetype")
            method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
            target.writestr(info.filename, source.read(info), compress_type=method)
    return out.getvalue()


def with_mimetype(data: bytes, mimetype: str, manifest: bool = True) -> bytes:
    """The package relabelled as ``mimetype`` (and in its manifest's root entry, unless ``manifest`` is False)."""

    def root_entry(xml: bytes) -> bytes:
        for old in (ODT_TYPE, ODS_TYPE):
            xml = xml.replace(f'manifest:media-type="{old}"'.encode(), f'manifest:media-type="{mimetype}"'.encode())
        return xml

    changes: dict[str, Any] = {"mimetype": mimetype.encode()}
    if manifest:
        changes["META-INF/manifest.xml"] = root_entry
    return rewrite(data, changes)


def odt_with_basic_in_manifest() -> bytes:
    """An .odt whose manifest lists a Basic library (the files themselves left out)."""

    def manifest(xml: bytes) -> bytes:
        entry = b'<manifest:file-entry manifest:full-path="Basic/" manifest:media-type="application/binary"/>'
        return xml.replace(b"</manifest:manifest>", entry + b"</manifest:manifest>")

    return rewrite(make_odt(), {"META-INF/manifest.xml": manifest})


def odt_with_script_listener() -> bytes:
    """An .odt whose text carries a link running a macro when clicked (``vnd.sun.star.script:``)."""

    def content(xml: bytes) -> bytes:
        link = (
            b'<text:a xmlns:xlink="http://www.w3.org/1999/xlink" xlink:type="simple" '
            b'xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic&amp;location=document">klik</text:a>'
        )
        return xml.replace(b"Paragraf ini rata kiri-kanan.", b"Paragraf ini " + link)

    return rewrite(make_odt(), {"content.xml": content})


def encrypted_odt() -> bytes:
    """An .odt saved with a password: content.xml is ciphertext and the manifest describes its encryption."""
    entry = b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    encrypted = (
        b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="900">'
        b'<manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#'
        b'sha256-1k" manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name='
        b'"http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="AAAA"/>'
        b"</manifest:encryption-data></manifest:file-entry>"
    )

    def manifest(xml: bytes) -> bytes:
        assert entry in xml
        return xml.replace(entry, encrypted)

    return rewrite(make_odt(), {"META-INF/manifest.xml": manifest, "content.xml": bytes(range(256)) * 4})


def billion_laughs_ods() -> bytes:
    bomb = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0">&b;'
        b"</office:document-content>"
    )
    return rewrite(make_ods(chart=None), {"content.xml": bomb})


def zip_bomb_ods(megabytes: int = 60) -> bytes:
    """An .ods carrying a part of zeros that inflates over a thousand times its stored size."""
    return rewrite(make_ods(chart=None), {}, add={"Pictures/padding.bin": bytes(megabytes * 1024 * 1024)})


def repeated_cells_ods(rows: int) -> bytes:
    """An .ods whose one row of values is repeated ``rows`` times: tiny on disk, huge once expanded."""

    def content(xml: bytes) -> bytes:
        return xml.replace(
            b'<table:table-row table:number-rows-repeated="1048568"/>',
            b'<table:table-row table:number-rows-repeated="'
            + str(rows).encode()
            + b'"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="1000"/>'
            b"</table:table-row>",
        )

    return rewrite(make_ods(chart=None), {"content.xml": content})
