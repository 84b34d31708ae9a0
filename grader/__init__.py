"""Pure grading, canonical encoding and verification: what an independent auditor runs."""

from grader.build import build_exam, build_item, exam_to_raw, item_to_raw
from grader.canonical import JsonValue, decode, encode
from grader.items import ItemRule, kinds, register, rule_for
from grader.model import (
    AttemptResult,
    ExamSpec,
    ItemKey,
    ItemResult,
    ItemSpec,
    ParamValue,
    SectionResult,
    SectionSpec,
)
from grader.problems import Problem, ProblemsError
from grader.scoring import grade
from grader.shuffle import exam_item_order, item_order, option_order
from grader.version import GRADER_VERSION

__all__ = [
    "GRADER_VERSION",
    "AttemptResult",
    "ExamSpec",
    "ItemKey",
    "ItemResult",
    "ItemRule",
    "ItemSpec",
    "JsonValue",
    "ParamValue",
    "Problem",
    "ProblemsError",
    "SectionResult",
    "SectionSpec",
    "build_exam",
    "build_item",
    "decode",
    "encode",
    "exam_item_order",
    "exam_to_raw",
    "grade",
    "item_order",
    "item_to_raw",
    "kinds",
    "option_order",
    "register",
    "rule_for",
]
