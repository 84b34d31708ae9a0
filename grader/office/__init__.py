"""Safe readers of uploaded office files and the rubric checks run on them (docx/odt, xlsx/ods)."""

from grader.office import docx_checks, xlsx_checks
from grader.office.checks import CHECKS, Arg, Check, CheckResult
from grader.office.docx import Docx
from grader.office.errors import OfficeError
from grader.office.ods import Ods
from grader.office.odt import Odt
from grader.office.package import FORMATS, Limits, check_upload, open_package
from grader.office.views import ACCEPTS, DocumentView, SheetView, open_reader
from grader.office.xlsx import Xlsx

__all__ = [
    "ACCEPTS",
    "CHECKS",
    "FORMATS",
    "Arg",
    "Check",
    "CheckResult",
    "DocumentView",
    "Docx",
    "Limits",
    "Ods",
    "Odt",
    "OfficeError",
    "SheetView",
    "Xlsx",
    "check_upload",
    "docx_checks",
    "open_package",
    "open_reader",
    "xlsx_checks",
]
