"""Bank columns for the newer kinds: short text, number, ordering, matching, typing, practical files."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from grader.problems import ProblemsError
from server.importers.bank import load_bank

HEADER = "kode;bagian;tipe;soal;opsi_a;opsi_b;opsi_c;opsi_d;kunci;bobot;parsial;kiri;toleransi;teks_ketik;waktu_detik"
GOOD = [
    "K-1;TIK;isian;Singkatan Portable Document Format?;;;;;PDF | .pdf;5;;;;;",
    "K-2;TIK;angka;2,5 dibagi 4?;;;;;0,625;5;;;1%;;",
    "K-3;TIK;urutan;Urutkan;Tulis;Isi;Lampirkan;Kirim;A,B,C,D;6;pasangan;;;;",
    'K-4;TIK;jodoh;Pasangkan;Tempel;Cetak;Salin;Batal;1=C, 2=A;8;;"Ctrl+C\nCtrl+V";;;',
    "K-5;TIK;ketik;Ketik teks berikut;;;;;;10;;;;Desa maju.;120",
]


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _problems(data: bytes, name: str = "soal.csv", images: dict[str, bytes] | None = None) -> list[Any]:
    with pytest.raises(ProblemsError) as info:
        load_bank(data, name, images)
    return list(info.value.problems)


def test_every_newer_kind_reads_from_csv() -> None:
    bank = load_bank(_csv(*GOOD), "soal.csv")
    raw = {item.code: item.raw for item in bank.items}
    assert raw["K-1"]["key"] == ["PDF", ".pdf"]
    assert raw["K-1"]["options"] == []
    assert raw["K-2"]["key"] == "0.625"
    assert raw["K-2"]["params"] == {"tolerance": "1", "tolerance_mode": "percent"}
    assert raw["K-3"]["key"] == ["A", "B", "C", "D"]
    assert raw["K-3"]["params"] == {"partial": "adjacent_pairs"}
    assert raw["K-4"]["key"] == {"1": "C", "2": "A"}
    extra = {item.code: dict(item.extra) for item in bank.items}
    assert extra["K-4"] == {"left": [{"id": "1", "text": "Ctrl+C"}, {"id": "2", "text": "Ctrl+V"}]}
    assert raw["K-5"]["key"] is None
    assert raw["K-5"]["params"] == {"text": "Desa maju.", "time_limit_s": 120}
    assert [item.options for item in bank.items if item.kind == "typing"] == [()]


def test_json_bank_takes_lists_and_objects() -> None:
    rows = [
        {
            "kode": "J-1",
            "bagian": "TIK",
            "tipe": "short_text",
            "soal": "?",
            "kunci": ["Jakarta"],
            "pola": "dki ?jakarta",
        },
        {
            "kode": "J-2",
            "bagian": "TIK",
            "tipe": "matching",
            "soal": "?",
            "kiri": ["a", "b"],
            "opsi_a": "x",
            "opsi_b": "y",
            "kunci": {"1": "B", "2": "A"},
        },
    ]
    bank = load_bank(json.dumps(rows).encode(), "soal.json")
    assert bank.items[0].raw["key"] == {"answers": ["Jakarta"], "pattern": "dki ?jakarta"}
    assert bank.items[1].raw["key"] == {"1": "B", "2": "A"}


@pytest.mark.parametrize(
    ("row", "field", "code"),
    [
        ("B-1;TIK;angka;?;;;;;1.000,5;5;;;;;", "kunci", "key.syntax"),
        ("B-2;TIK;angka;?;;;;;3;5;;;-1;;", "toleransi", "tolerance.negative"),
        ("B-3;TIK;urutan;?;a;b;c;;A,B;5;;;;;", "kunci", "key.not_permutation"),
        ("B-4;TIK;jodoh;?;x;y;;;1=A;5;;a|b;;;", "kunci", "key.pairs"),
        ("B-5;TIK;jodoh;?;x;y;;;1=A;5;;;;;", "kiri", "left.empty"),
        ("B-6;TIK;ketik;?;;;;;;5;;;;teks;5", "waktu_detik", "time_limit.invalid"),
        ("B-7;TIK;ketik;?;;;;;;5;;;;;60", "teks_ketik", "typing_text.empty"),
        ("B-8;TIK;isian;?;x;;;;a;5;;;;;", "opsi_a", "option.not_allowed"),
        ("B-9;TIK;pg;?;x;y;;;A;5;;kiri;;;", "kiri", "column.not_allowed"),
        ("B-10;TIK;urutan;?;a;b;;;A,B;5;acak;;;;", "parsial", "partial.unknown"),
        ("B-11;TIK;isian;?;;;;;;5;;;;;", "kunci", "key.empty"),
    ],
)
def test_problems_are_located_at_row_and_column(row: str, field: str, code: str) -> None:
    problems = _problems(_csv(row))
    assert any(p.field == field and p.code == code and p.row == 2 for p in problems), [
        (p.field, p.code, p.en) for p in problems
    ]
    assert all(p.id and p.en for p in problems)


def _docx(text: str) -> bytes:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


RUBRIC = json.dumps(
    [
        {
            "id": "L1",
            "check": "text_present",
            "args": {"text": "Undangan"},
            "points": 3,
            "description_id": "Ada kata Undangan",
            "description_en": "Has the word Undangan",
        }
    ]
)


def test_practical_task_with_a_starting_file() -> None:
    start = _docx("Surat")
    rows = [
        {
            "kode": "P-1",
            "bagian": "PR",
            "tipe": "dokumen",
            "soal": "Buat undangan",
            "kunci": RUBRIC,
            "berkas_awal": "undangan.docx",
        }
    ]
    bank = load_bank(json.dumps(rows).encode(), "soal.json", {"berkas/undangan.docx": start})
    item = bank.items[0]
    sha = item.raw["params"]["start_sha256"]
    assert "points" not in item.raw
    assert dict(item.extra) == {"start_file": {"sha256": sha, "name": "undangan.docx"}}
    assert bank.media[sha].data == start


def test_a_starting_file_that_is_not_the_right_office_file_is_refused() -> None:
    rows = [
        {"kode": "P-1", "bagian": "PR", "tipe": "lembar_kerja", "soal": "x", "kunci": RUBRIC, "berkas_awal": "a.xlsx"}
    ]
    problems = _problems(json.dumps(rows).encode(), "soal.json", {"a.xlsx": b"%PDF-1.4 not a workbook"})
    assert [p.field for p in problems] == ["berkas_awal"]
    assert problems[0].code.startswith("start_file.upload.")


def test_a_starting_file_may_be_opendocument_and_is_served_as_such() -> None:
    from tests.grader.odf_builders import make_ods, make_odt

    rows = [{"kode": "P-1", "bagian": "PR", "tipe": "dokumen", "soal": "x", "kunci": RUBRIC, "berkas_awal": "a.odt"}]
    bank = load_bank(json.dumps(rows).encode(), "soal.json", {"a.odt": make_odt()})
    sha = bank.items[0].raw["params"]["start_sha256"]
    assert bank.media[sha].content_type == "application/vnd.oasis.opendocument.text"
    # A spreadsheet cannot start a document task.
    problems = _problems(json.dumps(rows).encode(), "soal.json", {"a.odt": make_ods()})
    assert [p.field for p in problems] == ["berkas_awal"]
