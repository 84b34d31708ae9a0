"""The three files together: cross-checks, the grader's ExamSpec, a committee folder, the demo."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from grader.problems import ProblemsError
from grader.scoring import grade
from server.importers import ExamPackage, build_package, load_bank, load_definition, load_dir, load_roster
from tests.grader.office_builders import finish_budget_task
from tests.server.importers.builders import (
    assert_at,
    bank_row,
    bank_rows,
    csv_bytes,
    definition_toml,
    problems_of,
    roster_row,
    roster_rows,
    tiny_png,
    xlsx_bytes,
)

DEMO = Path(__file__).resolve().parents[3] / "server" / "demo"


def test_demo_folder_loads_cleanly() -> None:
    package = load_dir(DEMO)
    assert isinstance(package, ExamPackage)
    kinds = [item.kind for item in package.bank.items]
    assert len(kinds) >= 25
    assert {kinds.count(k) for k in ("multi", "truefalse")} >= {2}
    assert kinds.count("truefalse") >= 2
    assert kinds.count("tkp") >= 3
    assert len(package.bank.media) == 2  # the folder icon and the spreadsheet task's starting file
    assert any(item.image for item in package.bank.items)
    rows = package.roster.rows
    assert len(rows) == 12
    assert len({r.village for r in rows}) == 3
    assert {r.session for r in rows} == {"S1"}
    assert all(r.pin is not None and len(r.pin) == 6 for r in rows)
    assert [s.code for s in package.exam_spec.sections] == [s.code for s in package.definition.sections]


def test_demo_keys_give_full_marks() -> None:
    package = load_dir(DEMO)
    best = {}
    for item in package.bank.items:
        key = item.raw["key"]
        best[item.code] = max(key, key=key.get) if item.kind == "tkp" else key
        if item.kind == "short_text":
            best[item.code] = key[0] if isinstance(key, list) else key["answers"][0]
        if item.kind == "typing":
            text = item.raw["params"]["text"]
            keys = [[100 * n, ch] for n, ch in enumerate(text)]
            best[item.code] = {"typed": text, "elapsed_ms": 100 * len(text), "keystrokes": keys, "pasted": False}
    files = {}
    for item in package.bank.items:
        if item.kind == "spreadsheet":
            start = package.bank.media[item.raw["params"]["start_sha256"]].data
            done = finish_budget_task(start)
            sha = hashlib.sha256(done).hexdigest()
            files[sha] = done
            best[item.code] = {"sha256": sha, "name": "anggaran-selesai.xlsx"}
    result = grade(package.exam_spec, best, files=files)
    assert result.total_milli == result.max_total_milli
    assert result.passed


def _folder(
    tmp_path: Path,
    *,
    definition: bytes | None = None,
    bank: bytes | None = None,
    roster: bytes | None = None,
    images: dict[str, bytes] | None = None,
) -> Path:
    (tmp_path / "ujian.toml").write_bytes(definition or definition_toml())
    (tmp_path / "soal.xlsx").write_bytes(bank or xlsx_bytes(bank_rows(bank_row(gambar="ikon.png"))))
    (tmp_path / "peserta.csv").write_bytes(roster or csv_bytes(roster_rows(roster_row())))
    (tmp_path / "gambar").mkdir()
    for name, data in (images if images is not None else {"ikon.png": tiny_png()}).items():
        (tmp_path / "gambar" / name).write_bytes(data)
    return tmp_path


def test_load_dir_reads_xlsx_and_images(tmp_path: Path) -> None:
    package = load_dir(_folder(tmp_path))
    assert package.bank.items[0].image in package.bank.media
    assert package.exam_spec.item("TIK-01").options == ("A", "B", "C", "D", "E")


def test_load_dir_reports_problems_of_all_three_files(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        definition=definition_toml(extra="warna = 1"),
        images={},
        roster=csv_bytes(roster_rows(roster_row(pin="12"))),
    )
    with pytest.raises(ProblemsError) as err:
        load_dir(folder)
    assert {(p.code, p.source, p.row, p.field) for p in problems_of(err.value)} == {
        ("def.unknown_key", "ujian.toml", None, "warna"),
        ("image.missing", "soal.xlsx", 2, "gambar"),
        ("pin.invalid", "peserta.csv", 2, "pin"),
    }


def test_load_dir_missing_and_ambiguous_files(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "soal.csv").write_bytes(b"x")
    (folder / "peserta.csv").unlink()
    with pytest.raises(ProblemsError) as err:
        load_dir(folder)
    assert {p.code for p in problems_of(err.value)} == {"dir.ambiguous", "dir.missing"}
    with pytest.raises(ProblemsError) as err:
        load_dir(folder / "tidak-ada")
    assert {p.code for p in problems_of(err.value)} == {"dir.missing"}


def test_cross_checks_sections_both_ways_and_empty_roster() -> None:
    definition = load_definition(definition_toml(extra='[[bagian]]\nkode = "TKP"\njudul = "TKP"'), "ujian.toml")
    bank = load_bank(csv_bytes(bank_rows(bank_row("A"), bank_row("B", bagian="UMUM"))), "soal.csv")
    roster = load_roster(csv_bytes(roster_rows(roster_row())), "peserta.csv")
    with pytest.raises(ProblemsError) as err:
        build_package(definition, bank, roster)
    assert_at(err.value, "section.unknown", row=3, field="bagian", source="soal.csv")
    assert_at(
        err.value, "section.no_items", row=None, field="bagian[1].kode", source="ujian.toml"
    )  # TKP is declared first
    empty = type(roster)(rows=(), source="peserta.csv")
    with pytest.raises(ProblemsError) as err:
        build_package(definition, bank, empty)
    assert_at(err.value, "roster.empty", row=None, field=None, source="peserta.csv")


def test_grader_exam_problems_are_located_in_the_definition() -> None:
    definition = load_definition(
        definition_toml(extra='lulus_total_min = "500"', section_extra='lulus_min = "99"'), "ujian.toml"
    )
    bank = load_bank(csv_bytes(bank_rows(bank_row())), "soal.csv")
    roster = load_roster(csv_bytes(roster_rows(roster_row())), "peserta.csv")
    with pytest.raises(ProblemsError) as err:
        build_package(definition, bank, roster)
    assert_at(err.value, "pass_min.above_max", row=None, field="bagian[1].lulus_min", source="ujian.toml")
    assert_at(err.value, "pass_total_min.above_max", row=None, field="lulus_total_min", source="ujian.toml")


def test_examples_in_the_committee_docs_load() -> None:
    import re

    doc = (DEMO.parents[1] / "docs" / "import-formats.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(\w*)\n(.*?)```", doc, re.S)
    png = (DEMO / "gambar" / "ikon-folder.png").read_bytes()
    loaded: list[object] = []
    for lang, body in blocks:
        data = body.encode()
        if lang == "toml":
            loaded.append(load_definition(data, "ujian.toml"))
        elif lang == "json":
            loaded.append(load_bank(data, "soal.json"))
        elif body.startswith("kode;"):
            loaded.append(load_bank(data, "soal.csv", {"ikon-folder.png": png}))
        elif body.startswith("no_peserta"):
            loaded.append(load_roster(data, "peserta.csv"))
    assert len(loaded) == 5


SCORING_TOML = """
[penilaian]
bonus_max = 5
total_cap = "100"
tie_breaks = ["component:tertulis", "age:older", "retest"]

[[penilaian.components]]
code = "tertulis"
source = "exam"
sections = ["TIK"]
weight = 60.0
max = "100"

[[penilaian.components]]
code = "wawancara"
source = "entered"
weight = "40"
"""


def _package(toml: bytes) -> ExamPackage:
    bank = load_bank(csv_bytes(bank_rows(bank_row())), "soal.csv")
    roster = load_roster(csv_bytes(roster_rows(roster_row())), "peserta.csv")
    return build_package(load_definition(toml, "ujian.toml"), bank, roster)


def test_scoring_rules_come_from_the_definition_with_exact_decimals() -> None:
    package = _package(definition_toml(extra="persetujuan_koreksi = 3") + SCORING_TOML.encode())
    rules = package.rules
    assert [c.code for c in rules.components] == ["tertulis", "wawancara"]
    assert rules.components[0].weight == 60  # a TOML float 60.0 read as the exact decimal "60"
    assert rules.bonus_max_milli == 5000
    assert rules.tie_breaks == ("component:tertulis", "age:older", "retest")
    assert package.definition.regrade_approvals == 3


def test_without_scoring_rules_the_exam_total_ranks_alone() -> None:
    package = _package(definition_toml())
    assert [(c.code, c.source, c.max_milli) for c in package.rules.components] == [("ujian", "exam", None)]
    assert package.definition.regrade_approvals == 2


def test_bad_scoring_rules_are_located_under_penilaian() -> None:
    bad = SCORING_TOML.replace('sections = ["TIK"]', 'sections = ["NOPE"]').replace('weight = "40"', 'weight = "30"')
    with pytest.raises(ProblemsError) as err:
        _package(definition_toml() + bad.encode())
    assert_at(err.value, "component.section.unknown", row=None, field="penilaian.sections", source="ujian.toml")
    with pytest.raises(ProblemsError) as err:
        _package(definition_toml() + SCORING_TOML.replace('weight = "40"', 'weight = "30"').encode())
    assert_at(err.value, "weights.sum", row=None, field="penilaian.components", source="ujian.toml")


def test_the_number_of_approvals_must_be_sensible() -> None:
    for value in ("0", "10", '"dua"', "true"):
        with pytest.raises(ProblemsError) as err:
            load_definition(definition_toml(extra=f"persetujuan_koreksi = {value}"), "ujian.toml")
        assert_at(err.value, "def.regrade_approvals", row=None, field="persetujuan_koreksi", source="ujian.toml")
    with pytest.raises(ProblemsError) as err:
        load_definition(definition_toml(extra='penilaian = "semua"'), "ujian.toml")
    assert_at(err.value, "def.type", row=None, field="penilaian", source="ujian.toml")


def test_birth_dates_are_published_only_for_an_age_tie_break() -> None:
    from server.services.setup import definition_json, manifest

    with_age = _package(definition_toml() + SCORING_TOML.encode())
    assert "birth_date" in manifest(with_age)["roster"][0]
    assert definition_json(with_age)["scoring"]["tie_breaks"] == ["component:tertulis", "age:older", "retest"]
    without = _package(definition_toml())
    assert "birth_date" not in manifest(without)["roster"][0]
