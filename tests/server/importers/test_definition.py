"""Exam definition (TOML or JSON): types, ranges, defaults and unknown keys, all reported together."""

from __future__ import annotations

import pytest

from grader.problems import ProblemsError
from server.importers import ExamDefinition, SectionDef, load_definition
from tests.server.importers.builders import assert_at, definition_toml, json_bytes, problems_of, the_problem


def test_toml_definition_with_defaults() -> None:
    d = load_definition(definition_toml(section_extra='lulus_min = "20.5"'), "ujian.toml")
    assert d == ExamDefinition(
        code="PD-2026",
        title="Seleksi Perangkat Desa",
        instructions_id="Kerjakan dengan jujur.",
        instructions_en="Work honestly.",
        duration_s=5400,
        shuffle_items=True,
        shuffle_options=True,
        sections=(SectionDef(code="TIK", title="Literasi TIK", weight="1", pass_min="20.5"),),
        pass_total_min=None,
        public_fields=("number", "name", "village", "position"),
        source="ujian.toml",
    )


def test_english_keys_json_exact_decimals_and_public_fields_subset() -> None:
    doc = {
        "code": "PD-2026",
        "title": "T",
        "instructions_id": "P",
        "duration_minutes": 30,
        "shuffle_items": False,
        "shuffle_options": False,
        "pass_total_min": 60.25,
        "public_fields": ["village", "number"],
        "sections": [
            {"code": "TIK", "title": "TIK", "weight": 1.10, "pass_min": 20},
            {"code": "TKP", "title": "TKP"},
        ],
    }
    d = load_definition(json_bytes(doc), "ujian.json")
    assert (d.duration_s, d.shuffle_items, d.shuffle_options, d.pass_total_min) == (
        1800,
        False,
        False,
        "60.25",
    )
    assert d.sections == (SectionDef("TIK", "TIK", "1.1", "20"), SectionDef("TKP", "TKP", "1", None))
    assert d.public_fields == ("number", "village")
    assert d.instructions_en == ""


def test_toml_floats_stay_exact() -> None:
    d = load_definition(definition_toml(extra="lulus_total_min = 0.1", section_extra="lulus_min = 0.3"), "u.toml")
    assert (d.pass_total_min, d.sections[0].pass_min) == ("0.1", "0.3")


def test_unknown_definition_key() -> None:
    with pytest.raises(ProblemsError) as err:
        load_definition(definition_toml(extra="waktu = 90"), "ujian.toml")
    p = assert_at(err.value, "def.unknown_key", row=None, field="waktu", source="ujian.toml")
    assert "waktu" in p.id
    assert "waktu" in p.en


def test_unknown_section_key_is_named_with_its_section() -> None:
    with pytest.raises(ProblemsError) as err:
        load_definition(definition_toml(section_extra='nilai = "5"'), "ujian.toml")
    assert_at(err.value, "def.unknown_key", row=None, field="bagian[1].nilai")


def test_three_definition_problems_are_all_reported() -> None:
    data = definition_toml(extra='acak_soal = "ya"\nkode_lain = 1', section_extra='bobot_x = "0"').replace(
        b"durasi_menit = 90", b"durasi_menit = 0"
    )
    with pytest.raises(ProblemsError) as err:
        load_definition(data, "ujian.toml")
    assert sorted((p.code, p.field) for p in problems_of(err.value)) == [
        ("def.duration", "durasi_menit"),
        ("def.type", "acak_soal"),
        ("def.unknown_key", "bagian[1].bobot_x"),
        ("def.unknown_key", "kode_lain"),
    ]


@pytest.mark.parametrize(
    ("extra", "section_extra", "code", "field"),
    [
        ('kolom_publik = ["nik"]', "", "def.public_field", "kolom_publik"),
        ('kolom_publik = "nama"', "", "def.type", "kolom_publik"),
        ('lulus_total_min = "-1"', "", "def.decimal", "lulus_total_min"),
        ('lulus_total_min = "1,5"', "", "def.decimal", "lulus_total_min"),
        ("", 'lulus_min = "20.0001"', "def.decimal", "bagian[1].lulus_min"),
        ('code = "X"', "", "def.duplicate_key", "code"),
    ],
)
def test_bad_values(extra: str, section_extra: str, code: str, field: str) -> None:
    data = definition_toml(extra=extra, section_extra=section_extra)
    with pytest.raises(ProblemsError) as err:
        load_definition(data, "ujian.toml")
    assert_at(err.value, code, row=None, field=field)


def test_zero_weight_duplicate_sections_and_missing_fields() -> None:
    doc = {
        "kode": "bad code!",
        "durasi_menit": 60,
        "petunjuk": "p",
        "bagian": [{"kode": "A", "judul": "A", "bobot": "0"}, {"kode": "a", "judul": ""}],
    }
    with pytest.raises(ProblemsError) as err:
        load_definition(json_bytes(doc), "ujian.json")
    assert sorted((p.code, p.field) for p in problems_of(err.value)) == [
        ("def.code_invalid", "kode"),
        ("def.decimal", "bagian[1].bobot"),
        ("def.duplicate_section", "bagian[2].kode"),
        ("def.missing", "bagian[2].judul"),
        ("def.missing", "judul"),
    ]


def test_toml_syntax_error_has_its_line() -> None:
    with pytest.raises(ProblemsError) as err:
        load_definition(b'kode = "A"\njudul = \n', "ujian.toml")
    assert_at(err.value, "file.toml_syntax", row=2, field=None, source="ujian.toml")


def test_definition_must_be_a_table_and_utf8() -> None:
    with pytest.raises(ProblemsError) as err:
        load_definition(b"[1, 2]", "ujian.json")
    the_problem(err.value, "def.shape")
    with pytest.raises(ProblemsError) as err:
        load_definition('judul = "Ujian café"'.encode("latin-1"), "ujian.toml")
    the_problem(err.value, "file.encoding")
