"""``document``: a practical task done in a word processor, uploaded as .docx or .odt, checked by a rubric."""

from __future__ import annotations

from grader.items.base import register
from grader.items.practical import PracticalRule


@register
class DocumentRule(PracticalRule):
    kind = "document"
    format = "docx"
