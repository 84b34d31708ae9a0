"""The roster: who may sit the exam, in which session, for which village post."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from grader.problems import Problem
from server.importers.common import MAX_CODE_CHARS, MAX_SHORT_CHARS, problem, raise_if, valid_code
from server.importers.tabular import FieldError, Layout, Record, RecordReader, as_text, located, read_table

ROSTER_LAYOUT = Layout(
    aliases={
        "number": ("no_peserta", "nomor_peserta", "nomor", "number", "participant_number"),
        "name": ("nama", "name", "nama_lengkap"),
        "village": ("desa", "village"),
        "position": ("jabatan", "formasi", "position"),
        "session": ("sesi", "session"),
        "pin": ("pin",),
        "birth_date": ("tanggal_lahir", "tgl_lahir", "birth_date", "date_of_birth"),
    },
    required=("number", "name", "village", "position", "session"),
    ignored=("no", "catatan", "keterangan", "note", "notes"),
)
ROSTER_NAMES = ("peserta.xlsx", "peserta.csv")

_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_PIN = re.compile(r"\d{4,8}")


@dataclass(frozen=True, slots=True)
class RosterRow:
    number: str
    name: str
    village: str
    position: str
    session: str
    pin: str | None
    """4–8 digits, leading zeros kept; None: the server issues one."""
    birth_date: dt.date | None
    row: int
    """Row in the source file (header is row 1)."""


@dataclass(frozen=True, slots=True)
class Roster:
    rows: tuple[RosterRow, ...]
    source: str = ""


def parse_pin(value: Any) -> str:
    """PIN as the committee sees it; a number cell that lost its leading zeros is refused."""
    numeric = isinstance(value, int | Decimal) and not isinstance(value, bool)
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise FieldError("pin.invalid", "PIN harus 4–8 angka", "The PIN must be 4–8 digits")
        value = int(value)
    pin = as_text(value).replace(" ", "")
    if _PIN.fullmatch(pin):
        return pin
    if numeric and pin.isdigit() and len(pin) < 4:
        raise FieldError(
            "pin.leading_zeros",
            f"PIN '{pin}' terlalu pendek; sel ini berformat angka sehingga angka 0 di depan mungkin hilang. "
            "Format kolom PIN sebagai Teks lalu ketik ulang (mis. 001234)",
            f"PIN '{pin}' is too short; the cell is a number so leading zeros may have been lost. "
            "Format the PIN column as Text and type it again (e.g. 001234)",
        )
    raise FieldError(
        "pin.invalid",
        f"PIN '{pin}' tidak sah: harus 4–8 angka (mis. 042917)",
        f"PIN '{pin}' is invalid: it must be 4–8 digits (e.g. 042917)",
    )


def parse_date(value: Any, today: dt.date) -> dt.date:
    """A real date cell, ``YYYY-MM-DD`` or ``DD-MM-YYYY`` (``/`` and ``.`` also separate)."""
    if isinstance(value, dt.datetime):
        found = value.date()
    elif isinstance(value, dt.date):
        found = value
    elif isinstance(value, int | Decimal) and not isinstance(value, bool):
        raise FieldError(
            "birth_date.invalid",
            f"Tanggal lahir berupa angka ({value}); format sel sebagai Tanggal atau tulis TTTT-BB-HH",
            f"The birth date is a number ({value}); format the cell as a Date or write YYYY-MM-DD",
        )
    else:
        text = as_text(value)
        ymd, dmy = _YMD.fullmatch(text), _DMY.fullmatch(text)
        try:
            if ymd:
                found = dt.date(int(ymd[1]), int(ymd[2]), int(ymd[3]))
            elif dmy:
                found = dt.date(int(dmy[3]), int(dmy[2]), int(dmy[1]))
            else:
                raise ValueError(text)
        except ValueError:
            raise FieldError(
                "birth_date.invalid",
                f"Tanggal lahir '{text}' tidak sah; tulis TTTT-BB-HH (mis. 1990-08-17) atau HH-BB-TTTT",
                f"Birth date '{text}' is invalid; write YYYY-MM-DD (e.g. 1990-08-17) or DD-MM-YYYY",
            ) from None
    if not dt.date(1900, 1, 1) <= found <= today:
        raise FieldError(
            "birth_date.range",
            f"Tanggal lahir {found.isoformat()} tidak masuk akal",
            f"Birth date {found.isoformat()} is implausible",
        )
    return found


class _Reader(RecordReader):
    def required(self, name: str, what_id: str, what_en: str, limit: int = MAX_SHORT_CHARS) -> str:
        """Like ``text``, and an empty value is a problem."""
        before = len(self.problems)
        value = self.text(name, limit=limit)
        if not value and len(self.problems) == before:  # (an unreadable value already said why)
            self.bad(name, f"{name}.empty", f"{what_id} kosong", f"{what_en} is empty")
        return value

    def parsed(self, name: str, parse: Any) -> Any:
        if self.record.get(name) is None:
            return None
        try:
            return parse(self.record.get(name))
        except FieldError as err:
            self.problems.append(located(self.record, name, self.source, err))
            return None


def _row(record: Record, source: str, seen: dict[str, int], today: dt.date) -> tuple[RosterRow | None, list[Problem]]:
    r = _Reader(record, source)
    number = r.required("number", "Nomor peserta", "Participant number", MAX_CODE_CHARS)
    if number and not valid_code(number):
        r.bad(
            "number",
            "number.invalid",
            f"Nomor peserta '{number}' tidak sah: pakai huruf, angka, titik, garis miring, garis bawah atau "
            "tanda minus, tanpa spasi",
            f"Participant number '{number}' is invalid: use letters, digits, dot, slash, underscore or dash, no spaces",
        )
    elif number:
        first = seen.setdefault(number.casefold(), record.row)
        if first != record.row:
            r.bad(
                "number",
                "number.duplicate",
                f"Nomor peserta '{number}' sudah dipakai di baris {first}",
                f"Participant number '{number}' is already used on row {first}",
            )
    name = r.required("name", "Nama", "Name")
    village = r.required("village", "Desa", "Village")
    position = r.required("position", "Jabatan", "Position")
    session = r.required("session", "Sesi", "Session", MAX_CODE_CHARS)
    pin = r.parsed("pin", parse_pin)
    birth_date = r.parsed("birth_date", lambda v: parse_date(v, today))
    if r.problems:
        return None, r.problems
    return RosterRow(
        number=number,
        name=name,
        village=village,
        position=position,
        session=session,
        pin=pin,
        birth_date=birth_date,
        row=record.row,
    ), []


def load_roster(data: bytes, filename: str) -> Roster:
    """Read the roster (XLSX or CSV); all or nothing, every problem located by row and column."""
    table = read_table(data, filename, ROSTER_LAYOUT, sheet="peserta", allow_json=False)
    today = dt.datetime.now(dt.UTC).date()
    problems = list(table.problems)
    seen: dict[str, int] = {}
    rows = []
    for record in table.records:
        row, found = _row(record, filename, seen, today)
        problems += found
        if row is not None:
            rows.append(row)
    if not table.records:
        problems.append(
            problem(
                "roster.empty",
                f"Berkas {filename} tidak berisi peserta",
                f"File {filename} contains no candidates",
                source=filename,
            )
        )
    raise_if(problems)
    return Roster(rows=tuple(rows), source=filename)
