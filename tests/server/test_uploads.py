"""Practical file tasks through HTTP: upload checks, the answer naming the file, grading from the stored file."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.grader.office_builders import make_xlsx
from tests.server.builders import DEFAULT_ITEMS, ExamFolder
from tests.server.conftest import Harness, start_harness

RUBRIC = [
    {
        "id": "L1",
        "check": "cell_formula",
        "args": {"cell": "B7", "functions": ["SUM"]},
        "points": 6,
        "description_id": "Total dihitung dengan rumus SUM",
        "description_en": "The total is computed with SUM",
    },
    {
        "id": "L2",
        "check": "chart_kind",
        "args": {"kind": "column"},
        "points": 4,
        "description_id": "Ada grafik kolom",
        "description_en": "There is a column chart",
    },
]


@pytest.fixture
async def practical(tmp_path: Path, db_kind: str) -> AsyncIterator[Harness]:
    key = '"' + json.dumps(RUBRIC).replace('"', '""') + '"'
    items = [*DEFAULT_ITEMS, ("PRA-01", "TIK", "lembar_kerja", "Buat total dengan rumus dan grafik kolom.", (), key)]
    async for h in start_harness(tmp_path, db_kind, ExamFolder(items=items)):
        yield h


async def _upload(client: Any, data: bytes, name: str = "hasil.xlsx", item: str = "PRA-01") -> Any:
    return await client.post(
        f"/ujian/api/upload?item={item}",
        data=data,
        headers={"X-Ujian-Upload": "1", "X-File-Name": name, "Content-Type": "application/octet-stream"},
    )


async def _submit_with(client: Any, data: bytes, name: str = "hasil.xlsx") -> Any:
    """Upload ``data``, answer PRA-01 with it and submit; the result as the candidate sees it."""
    response = await _upload(client, data, name=name)
    assert response.status == 200, await response.text()
    stored = await response.json()
    ack = await client.post(
        "/ujian/api/answer",
        json={"item": "PRA-01", "value": {"sha256": stored["sha256"], "name": stored["name"]}, "seq": 1, "key": "f1"},
    )
    assert ack.status == 200
    submitted = await client.post("/ujian/api/submit", json={"confirm": True})
    assert submitted.status == 200
    return (await submitted.json())["result"]


async def test_a_good_file_is_graded_line_by_line_from_what_was_stored(practical: Harness) -> None:
    client = await practical.candidate(0)
    result = await _submit_with(client, make_xlsx(chart="line"))
    rubric = next(r for r in result["rubrics"] if r["item"] == "PRA-01")
    lines = {line["id"]: line for line in rubric["lines"]}
    assert lines["L1"]["passed"] is True and lines["L1"]["description_id"].startswith("Total")
    assert lines["L2"]["passed"] is False  # a line chart, not a column chart
    assert rubric["score"] == 6000 and rubric["max"] == 10_000
    kinds = [e["kind"] for e in await practical.events()]
    assert "upload.accepted" in kinds


async def test_bad_files_are_refused_with_a_reason_and_can_be_sent_again(practical: Harness) -> None:
    client = await practical.candidate(0)
    macro = io.BytesIO()
    with zipfile.ZipFile(macro, "w") as z, zipfile.ZipFile(io.BytesIO(make_xlsx())) as good:
        for info in good.infolist():
            z.writestr(info, good.read(info))
        z.writestr("xl/vbaProject.bin", b"\x00" * 64)
    for data in (b"%PDF-1.4 not a spreadsheet", b"MZ\x90\x00 program", macro.getvalue()):
        response = await _upload(client, data)
        assert response.status == 400
        error = (await response.json())["error"]
        assert error["code"].startswith("upload.") and error["id"] and error["en"] and error["field"] == "file"
    assert (await _upload(client, make_xlsx())).status == 200  # a second try with a good file works


async def test_an_answer_must_name_ones_own_uploaded_file(practical: Harness) -> None:
    a = await practical.candidate(0)
    b = await practical.candidate(1)
    stored = await (await _upload(a, make_xlsx())).json()
    response = await b.post(
        "/ujian/api/answer",
        json={"item": "PRA-01", "value": {"sha256": stored["sha256"], "name": "x.xlsx"}, "seq": 1, "key": "k"},
    )
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "answer.file"
    no_header = await b.post(
        "/ujian/api/upload?item=PRA-01", data=make_xlsx(), headers={"Content-Type": "application/octet-stream"}
    )
    assert no_header.status == 400
    wrong_item = await _upload(b, make_xlsx(), item="TIK-01")
    assert wrong_item.status == 400


async def test_a_libreoffice_calc_file_is_accepted_and_graded_by_the_same_rubric(practical: Harness) -> None:
    from tests.grader.odf_builders import make_ods, make_odt

    client = await practical.candidate(0)
    attempt = await (await client.get("/ujian/api/attempt")).json()
    task = next(i for i in attempt["items"] if i["id"] == "PRA-01")
    assert task["practical"]["formats"] == ["xlsx", "ods"]
    refused = await _upload(client, make_odt(), name="hasil.odt")
    assert refused.status == 400
    error = (await refused.json())["error"]
    assert error["code"] == "upload.wrong_type" and ".xlsx or .ods" in error["en"]
    result = await _submit_with(client, make_ods(chart="line"), name="hasil.ods")
    rubric = next(r for r in result["rubrics"] if r["item"] == "PRA-01")
    assert [line["passed"] for line in rubric["lines"]] == [True, False]  # as the .xlsx twin above


async def test_the_public_results_show_each_practical_line_next_to_the_score(practical: Harness) -> None:
    client = await practical.candidate(0)
    await _submit_with(client, make_xlsx(chart="line"))
    admin = await practical.committee()
    assert (await admin.post("/panitia/api/sessions/S1/close", json={"reason": "selesai"})).status == 200
    assert (await admin.post("/panitia/api/transparency/publish", json={"reason": "hasil"})).status == 200
    public = await practical.make_client()
    page = await (await public.get("/transparansi/hasil?lang=id")).text()
    assert "Rincian tugas praktik PRA-01: 6 dari 10" in page
    assert "Total dihitung dengan rumus SUM" in page and "Ada grafik kolom" in page
    english = await (await public.get("/transparansi/hasil?lang=en")).text()
    assert "There is a column chart" in english
