"""Item rules by kind; importing this package registers every kind."""

from grader.items import (
    document,
    matching,
    multi,
    numeric,
    ordering,
    short_text,
    single,
    spreadsheet,
    tkp,
    truefalse,
    typing_speed,
    void,
)
from grader.items.base import ItemOutcome, ItemRule, kinds, register, rule_for

__all__ = [
    "ItemOutcome",
    "ItemRule",
    "document",
    "kinds",
    "matching",
    "multi",
    "numeric",
    "ordering",
    "register",
    "rule_for",
    "short_text",
    "single",
    "spreadsheet",
    "tkp",
    "truefalse",
    "typing_speed",
    "void",
]
