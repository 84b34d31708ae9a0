"""``document`` and ``spreadsheet`` items: rubric validation, grading uploaded files, visible line results."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from grader.build import build_exam, build_item, item_to_raw
from grader.canonical import encode
from grader.files import CachedFiles
from grader.items import rule_for
from grader.problems import ProblemsError
from grader.scoring import grade
from tests.grader.builders import exam, section
from tests.grader.new_builders import DOC_RUBRIC, XLSX_RUBRIC, document, line, spreadsheet
from tests.grader.odf_builders import make_ods, make_odt, odt_with_script_listener, repack, repeated_cells_ods
from tests.grader.office_builders import billion_laughs_docx, make_docx, make_xlsx, xlsm_with_macro

FIXTURES = Path(__file__).parent / "fixtures"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload(data: bytes, name: str = "jawaban.docx") -> dict[str, str]:
    return {"sha256": sha(data), "name": name}


def practical_exam() -> Any:
    return build_exam(exam(items=[document(), spreadsheet()], sections=[section("PRAKTIK")]))


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ProblemsError) as caught:
        build_item(raw)
    return [p.code for p in caught.value.problems]


def test_points_are_the_rubric_total() -> None:
    item = build_item(document())
    assert item.points == sum(line["points"] for line in DOC_RUBRIC)
    assert rule_for("document").max_milli(item) == item.points * 1000
    assert problems(document(points=99)) == ["points.rubric_mismatch"]
    assert build_item(item_to_raw(item)) == item


@pytest.mark.parametrize(
    ("rubric", "code"),
    [
        ([line("L1", "cell_value", cell="A1", value="x")], "key.check_unknown"),  # an xlsx check on a document
        ([line("L1", "text_present")], "key.args"),
        ([line("L1", "text_present", text="x", colour="red")], "key.args"),
        ([line("L1", "text_format", text="x")], "key.args"),  # needs bold/italic/underline
        ([line("L1", "font_size", text="x", size="besar")], "key.args"),
        ([line("L1", "text_present", 0, text="x")], "key.points"),
        ([{**line("L1", "text_present", text="x"), "description_id": ""}], "key.description"),
        ([line("L1", "text_present", text="x"), line("L1", "text_present", text="y")], "key.duplicate"),
        ([], "key.invalid"),
    ],
)
def test_rubric_problems(rubric: list[dict[str, Any]], code: str) -> None:
    assert code in problems(document(rubric=rubric))


def test_grading_real_uploads_line_by_line() -> None:
    spec = practical_exam()
    docx, xlsx = make_docx(), make_xlsx(sorted_desc=True)
    files = {sha(docx): docx, sha(xlsx): xlsx}
    result = grade(spec, {"PRAK-DOC": upload(docx), "PRAK-XLS": upload(xlsx, "anggaran.xlsx")}, files)
    doc, xls = result.items
    assert doc.score_milli == doc.max_milli == 12_000
    assert xls.score_milli == xls.max_milli == 8_000
    assert [ln.id for ln in doc.lines] == [ln["id"] for ln in DOC_RUBRIC]
    assert all(ln.passed and ln.detail_id and ln.detail_en for ln in doc.lines + xls.lines)
    assert dict(doc.detail)["file_name"] == "jawaban.docx"
    as_json = result.as_json()
    encode(as_json)
    items = as_json["items"]
    assert isinstance(items, list)
    assert isinstance(items[0], dict)
    lines = items[0]["lines"]
    assert isinstance(lines, list)
    assert isinstance(lines[0], dict)
    assert lines[0]["description_id"] == "Baris L1"


def test_partial_work_earns_partial_points_with_reasons() -> None:
    spec = practical_exam()
    docx = make_docx(bold=False, landscape=False)
    result = grade(spec, {"PRAK-DOC": upload(docx)}, {sha(docx): docx})
    doc = result.items[0]
    failed = {ln.id: ln.detail_en for ln in doc.lines if not ln.passed}
    assert set(failed) == {"L3", "L8"}
    assert doc.score_milli == 10_000
    spreadsheet_result = result.items[1]
    assert not spreadsheet_result.answered
    assert spreadsheet_result.score_milli == 0
    assert all(ln.detail_en == "No file was uploaded" for ln in spreadsheet_result.lines)


@pytest.mark.parametrize(
    ("data", "code"),
    [(xlsm_with_macro(), "upload.macro"), (billion_laughs_docx(), "upload.wrong_type"), (b"%PDF-1.4", "upload.pdf")],
)
def test_bad_files_score_zero_and_say_why(data: bytes, code: str) -> None:
    spec = practical_exam()
    result = grade(spec, {"PRAK-XLS": upload(data, "x.xlsx")}, {sha(data): data})
    item = result.items[1]
    assert item.score_milli == 0
    assert dict(item.detail)["problem"] == code
    assert all(not ln.passed and ln.detail_en for ln in item.lines)


def test_missing_or_substituted_bytes_are_not_graded() -> None:
    spec = practical_exam()
    docx = make_docx()
    other = make_docx(extra="lain")
    for files in ({}, {sha(docx): other}, None):
        item = grade(spec, {"PRAK-DOC": upload(docx)}, files).items[0]
        assert item.score_milli == 0
        assert dict(item.detail)["problem"] == "upload.missing"


def test_unchanged_starting_file_scores_zero() -> None:
    start = make_docx()
    spec = build_exam(exam(items=[document(params={"start_sha256": sha(start)})], sections=[section("PRAKTIK")]))
    item = grade(spec, {"PRAK-DOC": upload(start)}, {sha(start): start}).items[0]
    assert item.score_milli == 0
    assert dict(item.detail)["problem"] == "upload.unchanged"


def test_cached_files_give_identical_results_and_share_work() -> None:
    spec = practical_exam()
    docx = make_docx(italic=False)
    responses = {"PRAK-DOC": upload(docx)}
    plain = grade(spec, responses, {sha(docx): docx})
    cached = CachedFiles({sha(docx): docx})
    first = grade(spec, responses, cached)
    second = grade(spec, responses, cached)
    assert plain == first == second
    assert (cached.misses, cached.hits) == (1, 1)


def test_check_response_shape() -> None:
    rule = rule_for("spreadsheet")
    item = build_item(spreadsheet())
    assert rule.check_response(item, {"sha256": "0" * 64, "name": "a.xlsx"}) is None
    assert rule.check_response(item, {"sha256": "XYZ", "name": "a.xlsx"}) is not None
    assert rule.check_response(item, {"sha256": "0" * 64}) is not None


def test_saved_fixtures_grade_as_recorded() -> None:
    """Files saved once by the writers: reader changes must not change their results silently."""
    spec = practical_exam()
    expected = {
        "laporan.docx": (12_000, set()),
        "laporan-belum-rapi.docx": (8_000, {"L3", "L6", "L8", "L9"}),
        "anggaran.xlsx": (8_000, set()),
        "anggaran-diketik.xlsx": (2_000, {"X1", "X4", "X5"}),
        # The same files opened and saved as OpenDocument by LibreOffice 7.4.
        "laporan.odt": (12_000, set()),
        "laporan-belum-rapi.odt": (8_000, {"L3", "L6", "L8", "L9"}),
        "anggaran.ods": (8_000, set()),
        "anggaran-diketik.ods": (2_000, {"X1", "X4", "X5"}),
        # Built in LibreOffice 7.4 (make_libreoffice.py) and saved in both formats.
        "laporan-lo.odt": (12_000, set()),
        "laporan-lo.docx": (12_000, set()),
        "laporan-lo-belum-rapi.odt": (6_000, {"L3", "L6", "L7", "L8", "L9"}),
        "laporan-lo-belum-rapi.docx": (6_000, {"L3", "L6", "L7", "L8", "L9"}),
        "anggaran-lo.ods": (8_000, set()),
        "anggaran-lo.xlsx": (8_000, set()),
        "anggaran-lo-diketik.ods": (0, {"X1", "X2", "X3", "X4", "X5"}),
        "anggaran-lo-diketik.xlsx": (0, {"X1", "X2", "X3", "X4", "X5"}),
    }
    for name, (score, failed) in expected.items():
        data = (FIXTURES / name).read_bytes()
        code = "PRAK-DOC" if name.endswith((".docx", ".odt")) else "PRAK-XLS"
        result = grade(spec, {code: upload(data, name)}, {sha(data): data})
        item = next(i for i in result.items if i.code == code)
        assert (item.score_milli, {ln.id for ln in item.lines if not ln.passed}) == (score, failed), name


def test_opendocument_uploads_are_graded_by_the_same_rubric() -> None:
    spec = practical_exam()
    for keywords in ({}, {"bold": False, "landscape": False}, {"header_text": None, "table_rows": 3}):
        word, writer = make_docx(**keywords), make_odt(**keywords)
        files = {sha(word): word, sha(writer): writer}
        from_word = grade(spec, {"PRAK-DOC": upload(word)}, files).items[0]
        from_writer = grade(spec, {"PRAK-DOC": upload(writer, "laporan.odt")}, files).items[0]
        assert from_writer.score_milli == from_word.score_milli
        assert [(ln.id, ln.passed, ln.detail_en) for ln in from_writer.lines] == [
            (ln.id, ln.passed, ln.detail_en) for ln in from_word.lines
        ]
    for keywords in ({"sorted_desc": True}, {"formula": False, "chart": "pie"}, {"percent": False}):
        excel, calc = make_xlsx(**keywords), make_ods(**keywords)
        files = {sha(excel): excel, sha(calc): calc}
        from_excel = grade(spec, {"PRAK-XLS": upload(excel, "a.xlsx")}, files).items[1]
        from_calc = grade(spec, {"PRAK-XLS": upload(calc, "a.ods")}, files).items[1]
        assert from_calc.lines == from_excel.lines
        assert from_calc.score_milli == from_excel.score_milli


@pytest.mark.parametrize(
    ("data", "item", "code"),
    [
        (make_ods(), "PRAK-DOC", "upload.wrong_type"),
        (make_odt(), "PRAK-XLS", "upload.wrong_type"),
        (odt_with_script_listener(), "PRAK-DOC", "upload.macro"),
        (repack(make_odt(), order=["content.xml"]), "PRAK-DOC", "upload.odf_mimetype"),
    ],
)
def test_bad_opendocument_files_score_zero_and_say_why(data: bytes, item: str, code: str) -> None:
    result = grade(practical_exam(), {item: upload(data, "x.odt")}, {sha(data): data})
    graded = next(i for i in result.items if i.code == item)
    assert graded.score_milli == 0
    assert dict(graded.detail)["problem"] == code
    assert all(not ln.passed and ln.detail_id and ln.detail_en for ln in graded.lines)


def test_a_workbook_too_large_to_expand_fails_its_lines_with_the_reason() -> None:
    data = repeated_cells_ods(300)  # passed no upload check: e.g. stored before the check existed
    item = grade(practical_exam(), {"PRAK-XLS": upload(data, "x.ods")}, {sha(data): data}).items[1]
    assert item.score_milli == 0
    assert all("too many filled cells" in ln.detail_en for ln in item.lines)


def test_rubric_of_spreadsheet_round_trips() -> None:
    item = build_item(spreadsheet(rubric=[*XLSX_RUBRIC, line("X9", "cell_value", cell="$A$2", value="Eko")]))
    assert build_item(item_to_raw(item)) == item
