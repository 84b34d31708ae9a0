"""The live board ranks by the exam's own tie-breaks, as far as they are known while the exam runs."""

from __future__ import annotations

import json
from typing import Any

from server.db.models import Exam
from server.live import live_cascade

SECTIONS = [{"code": "TIK"}, {"code": "TKP"}, {"code": "KTR"}]


def exam(scoring: dict[str, Any] | None) -> Exam:
    definition: dict[str, Any] = {"sections": SECTIONS}
    if scoring is not None:
        definition["scoring"] = scoring
    return Exam(definition_json=json.dumps(definition))


def test_an_exam_without_rules_ranks_by_total_and_shares_ties_like_its_results() -> None:
    assert live_cascade(exam(None)) == ("total_desc",)


def test_tie_breaks_map_to_what_the_board_knows() -> None:
    scoring = {
        "components": [
            {"code": "tertulis", "source": "exam", "sections": ["TIK", "TKP"], "weight": "60"},
            {"code": "praktik", "source": "exam", "weight": "20"},
            {"code": "wawancara", "source": "entered", "weight": "20"},
        ],
        "tie_breaks": ["component:wawancara", "component:tertulis", "finish_time", "component:praktik", "age:older"],
    }
    assert live_cascade(exam(scoring)) == (
        "total_desc",
        "section_desc:TIK+TKP",  # the interview is not known yet; the written test is
        "submitted_earlier",
        "section_desc:TIK+TKP+KTR",  # a component of every section
    )
