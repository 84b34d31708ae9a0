"""Practical files graded up front in worker processes give exactly the results of grading them in turn."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from grader.build import build_exam
from grader.files import CachedFiles
from grader.items.pool import pregrade
from grader.scoring import grade
from tests.grader.builders import exam, section
from tests.grader.new_builders import document, spreadsheet
from tests.grader.odf_builders import make_ods, make_odt
from tests.grader.office_builders import PDF, make_docx, make_xlsx, xlsm_with_macro


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def attempts_and_files() -> tuple[Any, list[dict[str, object]], dict[str, bytes]]:
    spec = build_exam(exam(items=[document(), spreadsheet()], sections=[section("PRAKTIK")]))
    documents = [make_docx(), make_docx(bold=False), make_odt(landscape=False), PDF]
    workbooks = [make_xlsx(sorted_desc=True), make_ods(chart="pie"), xlsm_with_macro()]
    files = {sha(data): data for data in documents + workbooks}
    missing = "0" * 64
    substituted = sha(b"what the candidate uploaded")
    files[substituted] = make_docx(italic=False)  # a store handing out other bytes than were uploaded
    attempts: list[dict[str, object]] = []
    for n in range(12):
        doc = [*map(sha, documents), missing, substituted][n % 6]
        attempts.append(
            {
                "PRAK-DOC": {"sha256": doc, "name": "laporan"},
                "PRAK-XLS": {"sha256": sha(workbooks[n % 3]), "name": "anggaran"},
            }
        )
    attempts.append({})  # nothing uploaded
    return spec, attempts, files


@pytest.mark.parametrize(("workers", "start_method"), [(1, None), (2, "fork"), (2, "forkserver")])
def test_pregraded_files_give_the_same_results(workers: int, start_method: str | None) -> None:
    spec, attempts, files = attempts_and_files()
    expected = [grade(spec, responses, files) for responses in attempts]
    cached = pregrade(spec, attempts, files, workers=workers, start_method=start_method)
    distinct = cached.misses
    assert distinct == 6 + 3  # (item, file) pairs: six document uploads, three workbooks
    assert [grade(spec, responses, cached) for responses in attempts] == expected
    assert cached.misses == distinct  # every file's result was found, none graded again
    problems = {dict(r.items[0].detail).get("problem") for r in expected if r.items[0].answered}
    assert problems == {None, "upload.pdf", "upload.missing"}


def test_pregrade_with_nothing_to_grade() -> None:
    spec, _, files = attempts_and_files()
    cached = pregrade(spec, [{}, {"PRAK-DOC": None}], files, workers=4)
    assert isinstance(cached, CachedFiles)
    assert cached.misses == 0
