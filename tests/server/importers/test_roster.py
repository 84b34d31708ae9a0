"""Roster import: PINs keep their leading zeros, dates in three forms, every problem by row and column."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.problems import ProblemsError
from server.importers import RosterRow, load_roster
from tests.server.importers.builders import (
    assert_at,
    csv_bytes,
    json_bytes,
    problems_of,
    roster_row,
    roster_rows,
    the_problem,
    xlsx_bytes,
)


def test_csv_roster() -> None:
    data = csv_bytes(
        roster_rows(roster_row(), roster_row("PD-0002", pin=None, tanggal_lahir=None)),
        delimiter=";",
        bom=True,
    )
    roster = load_roster(data, "peserta.csv")
    assert roster.rows == (
        RosterRow(
            number="PD-0001",
            name="Ahmad Fauzi",
            village="Ngumpakdalem",
            position="Sekretaris Desa",
            session="S1",
            pin="042917",
            birth_date=dt.date(1994, 3, 12),
            row=2,
        ),
        RosterRow(
            number="PD-0002",
            name="Ahmad Fauzi",
            village="Ngumpakdalem",
            position="Sekretaris Desa",
            session="S1",
            pin=None,
            birth_date=None,
            row=3,
        ),
    )
    assert roster.source == "peserta.csv"


def test_xlsx_roster_with_real_date_cells_numbers_and_aliases() -> None:
    rows: list[list[Any]] = [
        ["Nomor", "Name", "Village", "Formasi", "Session", "PIN", "Birth date", "No"],
        [20260001, "Dwi Rahayu", "Kalitidu", "Kepala Urusan Keuangan", "S1", 718305, dt.date(1996, 11, 2), 1],
        [None, None, None, None, None, None, None, 2],
        ["PD-3", "Eko", "Kalitidu", "Sekretaris Desa", "S2", "0042", "17-08-1990", 3],
    ]
    roster = load_roster(xlsx_bytes(rows, sheet="peserta"), "peserta.xlsx")
    first, second = roster.rows
    assert (first.number, first.pin, first.birth_date, first.row) == (
        "20260001",
        "718305",
        dt.date(1996, 11, 2),
        2,
    )
    assert (second.pin, second.birth_date, second.row) == ("0042", dt.date(1990, 8, 17), 4)


def test_numeric_pin_cell_formatted_with_zeros_keeps_them() -> None:
    rows = roster_rows(roster_row(pin=1234))
    roster = load_roster(xlsx_bytes(rows, formats={"F2": "000000"}), "peserta.xlsx")
    assert roster.rows[0].pin == "001234"


def test_numeric_pin_that_lost_its_leading_zeros() -> None:
    rows = roster_rows(roster_row(), roster_row("PD-0002", pin=42))  # typed 000042 into a number cell
    with pytest.raises(ProblemsError) as err:
        load_roster(xlsx_bytes(rows), "peserta.xlsx")
    p = assert_at(err.value, "pin.leading_zeros", row=3, field="pin", source="peserta.xlsx")
    assert "Teks" in p.id
    assert "Text" in p.en


@pytest.mark.parametrize("pin", ["12a4", "123", "123456789", "12.5"])
def test_bad_pins(pin: str) -> None:
    with pytest.raises(ProblemsError) as err:
        load_roster(csv_bytes(roster_rows(roster_row(pin=pin))), "peserta.csv")
    assert_at(err.value, "pin.invalid", row=2, field="pin")


@pytest.mark.parametrize("written", ["31-02-1990", "1990/13/01", "kemarin", "12-1990"])
def test_bad_date(written: str) -> None:
    rows = [
        ["no_peserta", "nama", "desa", "jabatan", "sesi", "Tgl Lahir"],
        ["PD-1", "A", "Kalitidu", "Sekdes", "S1", written],
    ]
    with pytest.raises(ProblemsError) as err:
        load_roster(csv_bytes(rows), "peserta.csv")
    p = assert_at(err.value, "birth_date.invalid", row=2, field="Tgl Lahir")
    assert written in p.id
    assert written in p.en


def test_dates_in_the_future_or_as_bare_numbers() -> None:
    rows = roster_rows(roster_row(tanggal_lahir="2999-01-01"), roster_row("PD-2", tanggal_lahir=35000))
    with pytest.raises(ProblemsError) as err:
        load_roster(xlsx_bytes(rows), "peserta.xlsx")
    assert_at(err.value, "birth_date.range", row=2, field="tanggal_lahir")
    assert_at(err.value, "birth_date.invalid", row=3, field="tanggal_lahir")


def test_required_values_duplicates_and_bad_numbers_all_reported() -> None:
    rows = roster_rows(
        roster_row("PD-1"),
        roster_row("pd-1", nama=""),
        roster_row("PD 3", sesi=None),
        roster_row("PD-4", desa=" ", jabatan=None),
    )
    with pytest.raises(ProblemsError) as err:
        load_roster(csv_bytes(rows), "peserta.csv")
    assert [(p.code, p.row, p.field) for p in problems_of(err.value)] == [
        ("number.duplicate", 3, "no_peserta"),
        ("name.empty", 3, "nama"),
        ("number.invalid", 4, "no_peserta"),
        ("session.empty", 4, "sesi"),
        ("village.empty", 5, "desa"),
        ("position.empty", 5, "jabatan"),
    ]


def test_missing_and_unknown_columns() -> None:
    rows = [["no_peserta", "nama", "desa", "jabatan", "NIK"], ["PD-1", "A", "B", "C", "3522"]]
    with pytest.raises(ProblemsError) as err:
        load_roster(csv_bytes(rows), "peserta.csv")
    assert {(p.code, p.row, p.field) for p in problems_of(err.value)} == {
        ("header.unknown", 1, "NIK"),
        ("header.missing", 1, "sesi"),
    }


def test_roster_is_xlsx_or_csv_only() -> None:
    with pytest.raises(ProblemsError) as err:
        load_roster(json_bytes([{"nomor": "1"}]), "peserta.json")
    the_problem(err.value, "file.type")


def test_header_only_roster_is_empty() -> None:
    with pytest.raises(ProblemsError) as err:
        load_roster(csv_bytes(roster_rows()), "peserta.csv")
    the_problem(err.value, "roster.empty")


def test_excel_error_cells_are_reported() -> None:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["no_peserta", "nama", "desa", "jabatan", "sesi"])
    ws.append(["PD-1", "A", "B", "C", "S1"])
    ws["B2"].value = "#REF!"
    ws["B2"].data_type = "e"
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ProblemsError) as err:
        load_roster(out.getvalue(), "peserta.xlsx")
    assert_at(err.value, "cell.formula_error", row=2, field=None)


@settings(max_examples=60, deadline=None)
@given(pin=st.from_regex(r"\A[0-9]{4,8}\Z"), as_xlsx=st.booleans())
def test_text_pins_round_trip_with_their_zeros(pin: str, as_xlsx: bool) -> None:
    rows = roster_rows(roster_row(pin=pin))
    data = xlsx_bytes(rows, sheet="peserta") if as_xlsx else csv_bytes(rows, delimiter=";")
    assert load_roster(data, "peserta.xlsx" if as_xlsx else "peserta.csv").rows[0].pin == pin
