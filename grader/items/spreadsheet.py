"""``spreadsheet``: a practical task done in a spreadsheet program, uploaded as .xlsx or .ods, checked by a rubric."""

from __future__ import annotations

from grader.items.base import register
from grader.items.practical import PracticalRule


@register
class SpreadsheetRule(PracticalRule):
    kind = "spreadsheet"
    format = "xlsx"
