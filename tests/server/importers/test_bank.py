"""Question bank import: XLSX, CSV (';' and BOM), JSON and ZIP, and every problem located by row and field."""

from __future__ import annotations

import hashlib
import zipfile
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.problems import ProblemsError
from server.importers import load_bank, load_bank_zip
from server.importers.common import MAX_IMAGE_BYTES
from tests.server.importers.builders import (
    assert_at,
    bank_row,
    bank_rows,
    csv_bytes,
    json_bytes,
    problems_of,
    the_problem,
    tiny_png,
    with_zip_entries,
    xlsx_bytes,
    zip_bytes,
)

PNG = tiny_png()


def test_xlsx_bank_builds_items_for_every_kind() -> None:
    data = xlsx_bytes(
        bank_rows(
            bank_row("TIK-01"),
            bank_row("TIK-02", tipe="PGK", kunci="A, C", parsial="per_opsi", bobot=10),
            bank_row("TKP-01", bagian="TKP", tipe="tkp", kunci="A=5,B=4,C=3,D=2,E=1"),
            bank_row(
                "TIK-03",
                tipe="Benar-Salah",
                kunci="Salah",
                opsi_a=None,
                opsi_b=None,
                opsi_c=None,
                opsi_d=None,
                opsi_e=None,
            ),
        )
    )
    bank = load_bank(data, "soal.xlsx")
    single, multi, tkp, tf = bank.items
    assert single.raw == {
        "_row": 2,
        "code": "TIK-01",
        "section": "TIK",
        "kind": "single",
        "points": 5,
        "options": ["A", "B", "C", "D", "E"],
        "key": "C",
        "params": {},
    }
    assert [o.text for o in single.options] == ["Monitor", "Printer", "Keyboard", "Speaker", "Proyektor"]
    assert (multi.kind, multi.raw["key"], multi.raw["points"], multi.raw["params"]) == (
        "multi",
        ["A", "C"],
        10,
        {"partial": "per_option"},
    )
    assert tkp.raw["key"] == {"A": 5, "B": 4, "C": 3, "D": 2, "E": 1}
    assert (tf.kind, tf.raw["key"], tf.raw["options"], tf.options) == ("truefalse", False, [], ())
    assert bank.source == "soal.xlsx"
    assert bank.columns["key"] == "kunci"


def test_xlsx_uses_the_sheet_named_soal_even_when_not_first() -> None:
    data = xlsx_bytes(bank_rows(bank_row()), sheet="Soal", before=["Petunjuk"])
    assert [i.code for i in load_bank(data, "bank.xlsx").items] == ["TIK-01"]


def test_csv_with_semicolons_bom_english_headers_and_multiline_text() -> None:
    rows = [
        ["Code", "Section", "Type", "Question", "Option A", "Option B", "Option C", "Key", "Points"],
        ["IT-1", "TIK", "single", "Baris satu;\nbaris dua", "x;y", "b", "c", "b", "3"],
        ["", "", "", "", "", "", "", "", ""],
        ["IT-2", "TIK", "multi", "Pilih", "a", "b", "c", "A;C", ""],
    ]
    bank = load_bank(csv_bytes(rows, delimiter=";", bom=True), "soal.csv")
    first, second = bank.items
    assert first.text == "Baris satu;\nbaris dua"
    assert first.options[0].text == "x;y"
    assert (first.raw["key"], first.raw["points"]) == ("B", 3)
    assert (second.raw["_row"], second.raw["key"]) == (4, ["A", "C"])  # the empty row 3 still counts


def test_csv_with_commas_and_column_names_in_any_case_and_spacing() -> None:
    rows = [
        ["KODE", " Bagian ", "tipe", "SOAL", "opsi a", "Opsi-B", "kunci"],
        ["A1", "TIK", "pg", "Soal", "satu", "dua", "b"],
    ]
    assert load_bank(csv_bytes(rows), "soal.csv").items[0].raw["key"] == "B"


def test_json_bank_accepts_lists_dicts_and_booleans_as_keys() -> None:
    doc = [
        {
            "kode": "J1",
            "bagian": "TIK",
            "tipe": "pgk",
            "soal": "s",
            "opsi_a": "a",
            "opsi_b": "b",
            "kunci": ["A", "B"],
        },
        {
            "code": "J2",
            "section": "TKP",
            "type": "tkp",
            "question": "s",
            "option_a": "a",
            "option_b": "b",
            "key": {"A": 5, "B": 1},
        },
        {"kode": "J3", "bagian": "TIK", "tipe": "bs", "soal": "s", "kunci": True, "bobot": 2},
    ]
    bank = load_bank(json_bytes(doc), "soal.json")
    assert [(i.raw["_row"], i.raw["key"]) for i in bank.items] == [
        (1, ["A", "B"]),
        (2, {"A": 5, "B": 1}),
        (3, True),
    ]
    assert bank.items[2].raw["points"] == 2


@pytest.mark.parametrize(
    ("written", "expected"),
    [("B", True), ("Benar", True), ("true", True), ("S", False), ("salah", False), ("FALSE", False)],
)
def test_truefalse_key_spellings(written: str, expected: bool) -> None:
    data = csv_bytes(
        bank_rows(bank_row(tipe="bs", kunci=written, opsi_a="", opsi_b="", opsi_c="", opsi_d="", opsi_e=""))
    )
    assert load_bank(data, "soal.csv").items[0].raw["key"] is expected


def test_images_are_resolved_verified_and_stored_by_sha256() -> None:
    data = csv_bytes(bank_rows(bank_row(gambar="ikon.png", opsi_e=None)))
    rows = [[*r, img] for r, img in zip(bank_rows(bank_row(gambar="ikon.png")), ["gambar_b", "IKON.PNG"], strict=True)]
    bank = load_bank(csv_bytes(rows), "soal.csv", {"gambar/ikon.png": PNG})
    digest = hashlib.sha256(PNG).hexdigest()
    item = bank.items[0]
    assert item.image == digest
    assert item.options[1].image == digest
    assert bank.media[digest].content_type == "image/png"
    assert bank.media[digest].data == PNG
    assert len(load_bank(data, "soal.csv", {"ikon.png": PNG}).items[0].options) == 4


def test_text_is_cleaned_of_control_characters_but_keeps_newlines() -> None:
    data = csv_bytes(bank_rows(bank_row(soal="Apa\x07 itu\u202e\r\nCPU?\x1f", opsi_a="Mo\x1bnitor")))
    item = load_bank(data, "soal.csv").items[0]
    assert item.text == "Apa itu\nCPU?"
    assert item.options[0].text == "Monitor"


# ---- problems, each at its row and the committee's column name ------------------------------------


def test_unknown_type() -> None:
    with pytest.raises(ProblemsError) as err:
        load_bank(xlsx_bytes(bank_rows(bank_row(), bank_row("TIK-02", tipe="esai"))), "soal.xlsx")
    p = assert_at(err.value, "type.unknown", row=3, field="tipe", source="soal.xlsx")
    assert "esai" in p.id
    assert "esai" in p.en


@pytest.mark.parametrize(
    ("kind", "key", "code"),
    [
        ("pg", "A,C", "key.syntax"),
        ("pg", "Z", "key.syntax"),
        ("pg", "F", "key.unknown_option"),
        ("pgk", "A;A", "key.duplicate"),
        ("tkp", "A=5,B=lima", "key.syntax"),
        ("bs", "mungkin", "key.syntax"),
    ],
)
def test_bad_key(kind: str, key: str, code: str) -> None:
    empty: dict[str, Any] = (
        {"opsi_a": None, "opsi_b": None, "opsi_c": None, "opsi_d": None, "opsi_e": None} if kind == "bs" else {}
    )
    with pytest.raises(ProblemsError) as err:
        load_bank(xlsx_bytes(bank_rows(bank_row(tipe=kind, kunci=key, **empty))), "soal.xlsx")
    assert_at(err.value, code, row=2, field="kunci")


def test_grader_problems_are_relocated_to_the_row_and_the_users_column() -> None:
    rows = [
        ["Code", "Section", "Type", "Question", "Option A", "Option B", "Key", "Points"],
        ["T1", "TKP", "tkp", "s", "a", "b", "A=7,B=1", ""],
        ["T2", "TIK", "pg", "s", "a", "b", "A", "0"],
    ]
    with pytest.raises(ProblemsError) as err:
        load_bank(csv_bytes(rows), "bank.csv")
    problems = problems_of(err.value)
    assert {(p.row, p.field, p.source) for p in problems} == {
        (2, "Key", "bank.csv"),
        (3, "Points", "bank.csv"),
    }


def test_option_gap() -> None:
    with pytest.raises(ProblemsError) as err:
        load_bank(xlsx_bytes(bank_rows(bank_row(opsi_c=None))), "soal.xlsx")
    p = assert_at(err.value, "option.gap", row=2, field="opsi_c")
    assert "C" in p.id
    assert "D" in p.en


def test_truefalse_with_options_and_choice_with_one_option() -> None:
    rows = bank_rows(
        bank_row("A", tipe="bs", kunci="B"),
        bank_row("B", opsi_b=None, opsi_c=None, opsi_d=None, opsi_e=None, kunci="A"),
    )
    with pytest.raises(ProblemsError) as err:
        load_bank(csv_bytes(rows), "soal.csv")
    not_allowed = [p for p in problems_of(err.value) if p.code == "option.not_allowed"]
    assert [(p.row, p.field) for p in not_allowed] == [(2, f"opsi_{c}") for c in "abcde"]
    assert_at(err.value, "option.too_few", row=3, field="opsi_a")


def test_duplicate_code_names_the_first_row() -> None:
    with pytest.raises(ProblemsError) as err:
        load_bank(xlsx_bytes(bank_rows(bank_row("TIK-01"), bank_row("TIK-02"), bank_row("tik-01"))), "soal.xlsx")
    p = assert_at(err.value, "code.duplicate", row=4, field="kode")
    assert "baris 2" in p.id
    assert "row 2" in p.en


def test_missing_image() -> None:
    with pytest.raises(ProblemsError) as err:
        load_bank(
            xlsx_bytes(bank_rows(bank_row(), bank_row("TIK-02", gambar="peta.png"))),
            "soal.xlsx",
            {"ikon.png": PNG},
        )
    p = assert_at(err.value, "image.missing", row=3, field="gambar")
    assert "peta.png" in p.id
    assert "peta.png" in p.en


def test_missing_image_when_no_images_were_given() -> None:
    with pytest.raises(ProblemsError) as err:
        load_bank(csv_bytes(bank_rows(bank_row(gambar="peta.png"))), "soal.csv")
    assert_at(err.value, "image.missing", row=2, field="gambar")


def test_fake_and_oversized_images() -> None:
    header = [*bank_rows()[0], "gambar_a"]
    rows = [
        header,
        [*bank_row("A", gambar="teks.png"), None],
        [*bank_row("B"), "besar.jpg"],
        [*bank_row("C", gambar="x.svg"), None],
    ]
    images = {
        "teks.png": b"hello",
        "besar.jpg": b"\xff\xd8\xff" + b"\0" * MAX_IMAGE_BYTES,
        "x.svg": b"<svg onload=alert(1)></svg>",
    }
    with pytest.raises(ProblemsError) as err:
        load_bank(csv_bytes(rows), "soal.csv", images)
    assert {(p.code, p.row, p.field) for p in problems_of(err.value)} == {
        ("image.not_image", 2, "gambar"),
        ("image.too_large", 3, "gambar_a"),
        ("image.not_image", 4, "gambar"),
    }


def test_three_problems_in_one_file_are_all_reported() -> None:
    rows = bank_rows(bank_row("TIK-01", tipe="esai"), bank_row("TIK-02", kunci="F"), bank_row("TIK-03", opsi_b=None))
    with pytest.raises(ProblemsError) as err:
        load_bank(xlsx_bytes(rows), "soal.xlsx")
    assert [(p.code, p.row, p.field) for p in problems_of(err.value)] == [
        ("type.unknown", 2, "tipe"),
        ("key.unknown_option", 3, "kunci"),
        ("option.gap", 4, "opsi_b"),
    ]


def test_unknown_duplicate_and_missing_columns() -> None:
    rows = [
        ["kode", "bagian", "tipe", "soal", "opsi_a", "option_a", "NIK", "No"],
        ["A", "TIK", "pg", "s", "a", "a", "1", "1"],
    ]
    with pytest.raises(ProblemsError) as err:
        load_bank(csv_bytes(rows), "soal.csv")
    assert {(p.code, p.row, p.field) for p in problems_of(err.value)} == {
        ("header.duplicate", 1, "option_a"),
        ("header.unknown", 1, "NIK"),
        ("header.missing", 1, "kunci"),
    }


def test_text_too_long() -> None:
    with pytest.raises(ProblemsError) as err:
        load_bank(csv_bytes(bank_rows(bank_row(soal="x" * 5001, opsi_b="y" * 1001))), "soal.csv")
    assert {(p.code, p.row, p.field) for p in problems_of(err.value)} == {
        ("text.too_long", 2, "soal"),
        ("text.too_long", 2, "opsi_b"),
    }


def test_tkp_points_and_partial_on_wrong_kinds() -> None:
    rows = bank_rows(
        bank_row("A", tipe="tkp", kunci="A=1,B=2,C=3,D=4,E=5", bobot=5),
        bank_row("B", parsial="per_opsi"),
        bank_row("C", tipe="pgk", kunci="A", parsial="setengah"),
        bank_row("D", bobot="lima"),
    )
    with pytest.raises(ProblemsError) as err:
        load_bank(xlsx_bytes(rows), "soal.xlsx")
    assert [(p.code, p.row, p.field) for p in problems_of(err.value)] == [
        ("points.not_allowed", 2, "bobot"),
        ("partial.not_allowed", 3, "parsial"),
        ("partial.unknown", 4, "parsial"),
        ("points.invalid", 5, "bobot"),
    ]


# ---- whole-file problems ----------------------------------------------------------------------------


def test_macro_workbook_is_refused() -> None:
    data = with_zip_entries(xlsx_bytes(bank_rows(bank_row())), {"xl/vbaProject.bin": b"\0" * 64})
    with pytest.raises(ProblemsError) as err:
        load_bank(data, "soal.xlsx")
    p = assert_at(err.value, "file.macro", row=None, field=None, source="soal.xlsx")
    assert "makro" in p.id
    assert "macro" in p.en


def test_xlsm_name_is_refused_even_without_vba() -> None:
    with pytest.raises(ProblemsError) as err:
        load_bank(xlsx_bytes(bank_rows(bank_row())), "soal.xlsm")
    assert_at(err.value, "file.macro", row=None, field=None)


def test_zip_bomb_is_refused_from_the_directory() -> None:
    data = with_zip_entries(xlsx_bytes(bank_rows(bank_row())), {"xl/media/padding.bin": b"\0" * (51 * 2**20)})
    assert len(data) < 1024 * 1024
    with pytest.raises(ProblemsError) as err:
        load_bank(data, "soal.xlsx")
    assert_at(err.value, "file.zip_bomb", row=None, field=None, source="soal.xlsx")


@pytest.mark.parametrize("data", [b"kode,bagian\nA,B\n", b"\x00\x01garbage" * 10, b"PK\x03\x04broken"])
def test_non_xlsx_bytes_named_xlsx(data: bytes) -> None:
    with pytest.raises(ProblemsError) as err:
        load_bank(data, "soal.xlsx")
    assert_at(err.value, "file.not_xlsx", row=None, field=None, source="soal.xlsx")


def test_zip_that_is_not_a_workbook() -> None:
    with pytest.raises(ProblemsError) as err:
        load_bank(zip_bytes({"a.txt": b"x"}), "soal.xlsx")
    assert_at(err.value, "file.not_xlsx", row=None, field=None)


def test_legacy_xls_and_utf16_and_latin1_csv() -> None:
    cases = [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "soal.xls", "file.legacy_excel"),
        ("kode;bagian\n".encode("utf-16"), "soal.csv", "file.encoding"),
        ("kode;soal\nA;Apa itu café\n".encode("latin-1"), "soal.csv", "file.encoding"),
    ]
    for data, name, code in cases:
        with pytest.raises(ProblemsError) as err:
            load_bank(data, name)
        assert_at(err.value, code, row=None, field=None, source=name)


def test_bad_csv_quotes_and_bad_json_are_located() -> None:
    with pytest.raises(ProblemsError) as err:
        load_bank(b'kode,soal\nA,"unterminated\n', "soal.csv")
    the_problem(err.value, "file.csv_syntax")
    with pytest.raises(ProblemsError) as err:
        load_bank(b'[{"kode": "A",\n "soal": }]', "soal.json")
    assert_at(err.value, "file.json_syntax", row=2, field=None)
    with pytest.raises(ProblemsError) as err:
        load_bank(b'{"kode": "A"}', "soal.json")
    the_problem(err.value, "file.json_shape")


def test_empty_file_and_header_only() -> None:
    for data, code in [
        (b"", "file.empty"),
        (b"\n\n", "file.no_rows"),
        (csv_bytes(bank_rows()), "bank.empty"),
    ]:
        with pytest.raises(ProblemsError) as err:
            load_bank(data, "soal.csv")
        the_problem(err.value, code)


# ---- ZIP with images ------------------------------------------------------------------------------


def test_zip_with_bank_and_images_beside_it() -> None:
    bank_xlsx = xlsx_bytes(bank_rows(bank_row(gambar="ikon.png"), bank_row("TIK-02", gambar="gambar/peta.png")))
    data = zip_bytes(
        {
            "paket/soal.xlsx": bank_xlsx,
            "paket/gambar/ikon.png": PNG,
            "paket/gambar/peta.png": tiny_png(3, 3),
            "__MACOSX/paket/._soal.xlsx": b"junk",
            "paket/.DS_Store": b"junk",
        }
    )
    bank = load_bank_zip(data, "bank.zip")
    assert len(bank.media) == 2
    assert bank.source == "bank.zip:paket/soal.xlsx"


def test_zip_problems_name_the_inner_file() -> None:
    data = zip_bytes({"soal.csv": csv_bytes(bank_rows(bank_row(gambar="tidak-ada.png")))})
    with pytest.raises(ProblemsError) as err:
        load_bank_zip(data, "bank.zip")
    assert_at(err.value, "image.missing", row=2, field="gambar", source="bank.zip:soal.csv")


def test_zip_needs_exactly_one_bank_and_refuses_bombs() -> None:
    with pytest.raises(ProblemsError) as err:
        load_bank_zip(zip_bytes({"a/soal.csv": b"x", "b/soal.json": b"[]"}), "bank.zip")
    the_problem(err.value, "zip.many_banks")
    with pytest.raises(ProblemsError) as err:
        load_bank_zip(zip_bytes({"ikon.png": PNG}), "bank.zip")
    the_problem(err.value, "zip.no_bank")
    bomb = zip_bytes({"soal.csv": b"x", "pad.bin": b"\0" * (201 * 2**20)})
    with pytest.raises(ProblemsError) as err:
        load_bank_zip(bomb, "bank.zip")
    the_problem(err.value, "file.zip_bomb")
    with pytest.raises(ProblemsError) as err:
        load_bank_zip(b"not a zip", "bank.zip")
    the_problem(err.value, "file.not_zip")


def test_zip_loader_accepts_a_bare_workbook() -> None:
    assert len(load_bank_zip(xlsx_bytes(bank_rows(bank_row())), "soal.xlsx").items) == 1


def test_zip_with_a_damaged_image_entry_is_a_row_problem() -> None:
    data = bytearray(
        zip_bytes(
            {"soal.csv": csv_bytes(bank_rows(bank_row(gambar="ikon.png"))), "ikon.png": PNG * 50},
            compression=zipfile.ZIP_STORED,
        )
    )
    start = data.rfind(PNG)
    data[start + 10] ^= 0xFF  # corrupt the stored image: its CRC no longer matches
    with pytest.raises(ProblemsError) as err:
        load_bank_zip(bytes(data), "bank.zip")
    assert_at(err.value, "image.unreadable", row=2, field="gambar")


# ---- robustness -------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=400), name=st.sampled_from(["soal.xlsx", "soal.csv", "soal.json", "x"]))
def test_arbitrary_bytes_only_ever_raise_problems(data: bytes, name: str) -> None:
    try:
        load_bank(data, name)
    except ProblemsError as exc:
        assert problems_of(exc)  # noqa: PT017 - any bytes: loading may succeed, so no pytest.raises


@settings(max_examples=100, deadline=None)
@given(cells=st.lists(st.lists(st.text(max_size=12), min_size=13, max_size=13), max_size=4))
def test_arbitrary_csv_cells_only_ever_raise_problems(cells: list[list[str]]) -> None:
    try:
        load_bank(csv_bytes(bank_rows(*cells), delimiter=";"), "soal.csv")
    except ProblemsError as exc:
        problems_of(exc)


def test_json_unknown_key_and_non_object_entries_are_located() -> None:
    item = {"kode": "A", "bagian": "TIK", "tipe": "pg", "opsi_a": "a", "opsi_b": "b", "kunci": "A"}
    item["soal"] = "s"
    doc = [{**item, "warna": "merah"}, "teks"]
    with pytest.raises(ProblemsError) as err:
        load_bank(json_bytes(doc), "soal.json")
    assert_at(err.value, "header.unknown", row=1, field="warna")
    assert_at(err.value, "row.not_object", row=2, field=None)
