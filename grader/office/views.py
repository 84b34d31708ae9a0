"""What the rubric checks read: a document (.docx or .odt) or a workbook (.xlsx or .ods), whatever the format.

Each rubric check is written once against these views; ``open_reader`` picks the reader for the format
``open_package`` found, so the same rubric line grades a Word and a LibreOffice file the same way.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Protocol

from grader.office.docx import Docx, Paragraph, Run, Section, Table
from grader.office.ods import Ods
from grader.office.odt import Odt
from grader.office.package import Package
from grader.office.xlsx import Cell, Sheet, Xlsx

DOCUMENT_FORMATS = ("docx", "odt")
SHEET_FORMATS = ("xlsx", "ods")
ACCEPTS = {"docx": DOCUMENT_FORMATS, "xlsx": SHEET_FORMATS}
"""The file formats a rubric written for ``docx`` or ``xlsx`` checks grades."""


class DocumentView(Protocol):
    def paragraphs(self) -> list[Paragraph]: ...

    def tables(self) -> list[Table]: ...

    def sections(self) -> list[Section]: ...

    def header_footer_texts(self, kind: str) -> list[str]: ...

    def effective(self, paragraph: Paragraph, run: Run, name: str) -> bool | int | Fraction | None: ...

    def alignment(self, paragraph: Paragraph) -> str: ...

    def style_name(self, paragraph: Paragraph) -> str: ...


class SheetView(Protocol):
    def sheet_names(self) -> list[str]: ...

    def sheet(self, name: str | None) -> Sheet | None: ...

    def number_format(self, cell: Cell) -> str: ...

    def chart_kinds(self, sheet: Sheet | None) -> list[str]: ...


def open_reader(package: Package) -> DocumentView | SheetView:
    """The reader for a package checked by ``open_package`` (by the format it found)."""
    readers: dict[str, type[Docx] | type[Odt] | type[Xlsx] | type[Ods]] = {
        "docx": Docx,
        "odt": Odt,
        "xlsx": Xlsx,
        "ods": Ods,
    }
    return readers[package.format](package)
