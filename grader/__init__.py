"""Pure grading, canonical encoding and verification: what an independent auditor runs."""

from grader.build import build_exam, build_item, exam_to_raw, item_to_raw
from grader.canonical import JsonValue, decode, encode
from grader.components import CandidateScore, ComponentSpec, FormationRules, build_rules, final_score
from grader.files import CachedFiles, Files, FileStore
from grader.items import ItemRule, kinds, register, rule_for
from grader.model import (
    AttemptResult,
    ExamSpec,
    ItemKey,
    ItemResult,
    ItemSpec,
    ParamValue,
    RubricLineResult,
    SectionResult,
    SectionSpec,
)
from grader.office import check_upload
from grader.problems import Problem, ProblemsError
from grader.ranking import RankedRow, rank_all, rank_formation
from grader.regrade import Correction, Proposal, RegradeDiff, apply_corrections, dry_run
from grader.scoring import CompiledExam, compile_exam, grade
from grader.shuffle import exam_item_order, item_order, option_order
from grader.version import GRADER_VERSION

__all__ = [
    "GRADER_VERSION",
    "AttemptResult",
    "CachedFiles",
    "CandidateScore",
    "CompiledExam",
    "ComponentSpec",
    "Correction",
    "ExamSpec",
    "FileStore",
    "Files",
    "FormationRules",
    "ItemKey",
    "ItemResult",
    "ItemRule",
    "ItemSpec",
    "JsonValue",
    "ParamValue",
    "Problem",
    "ProblemsError",
    "Proposal",
    "RankedRow",
    "RegradeDiff",
    "RubricLineResult",
    "SectionResult",
    "SectionSpec",
    "apply_corrections",
    "build_exam",
    "build_item",
    "build_rules",
    "check_upload",
    "compile_exam",
    "decode",
    "dry_run",
    "encode",
    "exam_item_order",
    "exam_to_raw",
    "final_score",
    "grade",
    "item_order",
    "item_to_raw",
    "kinds",
    "option_order",
    "rank_all",
    "rank_formation",
    "register",
    "rule_for",
]
