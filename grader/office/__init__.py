"""Safe readers of uploaded office files and the rubric checks run on them (docx, xlsx)."""

from grader.office import docx_checks, xlsx_checks
from grader.office.checks import CHECKS, Arg, Check, CheckResult
from grader.office.docx import Docx
from grader.office.errors import OfficeError
from grader.office.package import FORMATS, Limits, check_upload, open_package
from grader.office.xlsx import Xlsx

__all__ = [
    "CHECKS",
    "FORMATS",
    "Arg",
    "Check",
    "CheckResult",
    "Docx",
    "Limits",
    "OfficeError",
    "Xlsx",
    "check_upload",
    "docx_checks",
    "open_package",
    "xlsx_checks",
]
