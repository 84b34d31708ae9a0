"""Builders for import files: real XLSX (openpyxl), CSV, JSON, ZIP and PNG bytes, plus problem assertions."""

from __future__ import annotations

import csv
import io
import json
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import openpyxl

from grader.problems import Problem, ProblemsError

BANK_HEADER = [
    "kode",
    "bagian",
    "tipe",
    "soal",
    "gambar",
    "opsi_a",
    "opsi_b",
    "opsi_c",
    "opsi_d",
    "opsi_e",
    "kunci",
    "bobot",
    "parsial",
]
ROSTER_HEADER = ["no_peserta", "nama", "desa", "jabatan", "sesi", "pin", "tanggal_lahir"]


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A valid RGBA PNG made with zlib and struct."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x10\x80\xf0\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def xlsx_bytes(
    rows: Sequence[Sequence[Any]],
    *,
    sheet: str = "soal",
    before: Sequence[str] = (),
    formats: Mapping[str, str] | None = None,
) -> bytes:
    """A real workbook; ``before`` adds empty sheets ahead of the data sheet; ``formats`` maps a cell
    (e.g. ``"F2"``) to a number format."""
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    for name in before:
        wb.create_sheet(name).append(["bukan", "data"])
    ws = wb.create_sheet(sheet)
    wb.remove(first)
    for row in rows:
        ws.append(list(row))
    for cell, fmt in (formats or {}).items():
        ws[cell].number_format = fmt
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: Iterable[Sequence[Any]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=1).encode("utf-8")


def zip_bytes(files: Mapping[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


def with_zip_entries(data: bytes, extra: Mapping[str, bytes]) -> bytes:
    """The same zip (e.g. an XLSX) with more entries, e.g. ``xl/vbaProject.bin``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        for name, payload in extra.items():
            dst.writestr(name, payload)
    return out.getvalue()


def bank_row(code: str = "TIK-01", **fields: Any) -> list[Any]:
    """A valid single-choice row; override columns by name (``kunci="B"``)."""
    row: dict[str, Any] = {
        "kode": code,
        "bagian": "TIK",
        "tipe": "pg",
        "soal": "Perangkat masukan adalah ...",
        "gambar": None,
        "opsi_a": "Monitor",
        "opsi_b": "Printer",
        "opsi_c": "Keyboard",
        "opsi_d": "Speaker",
        "opsi_e": "Proyektor",
        "kunci": "C",
        "bobot": None,
        "parsial": None,
    }
    unknown = set(fields) - set(row)
    assert not unknown, unknown
    row.update(fields)
    return [row[name] for name in BANK_HEADER]


def bank_rows(*rows: list[Any]) -> list[list[Any]]:
    return [list(BANK_HEADER), *rows]


def roster_row(number: str = "PD-0001", **fields: Any) -> list[Any]:
    row: dict[str, Any] = {
        "no_peserta": number,
        "nama": "Ahmad Fauzi",
        "desa": "Ngumpakdalem",
        "jabatan": "Sekretaris Desa",
        "sesi": "S1",
        "pin": "042917",
        "tanggal_lahir": "1994-03-12",
    }
    unknown = set(fields) - set(row)
    assert not unknown, unknown
    row.update(fields)
    return [row[name] for name in ROSTER_HEADER]


def roster_rows(*rows: list[Any]) -> list[list[Any]]:
    return [list(ROSTER_HEADER), *rows]


DEFINITION_TOML = """
kode = "PD-2026"
judul = "Seleksi Perangkat Desa"
durasi_menit = 90
petunjuk = "Kerjakan dengan jujur."
petunjuk_en = "Work honestly."
{extra}

[[bagian]]
kode = "TIK"
judul = "Literasi TIK"
bobot = "1"
{section_extra}
"""


def definition_toml(extra: str = "", section_extra: str = "") -> bytes:
    return DEFINITION_TOML.format(extra=extra, section_extra=section_extra).encode()


def problems_of(exc: ProblemsError) -> tuple[Problem, ...]:
    for p in exc.problems:
        assert p.id.strip(), p
        assert p.en.strip(), p
        assert p.id != p.en, f"message not translated: {p}"
    return exc.problems


def the_problem(exc: ProblemsError, code: str) -> Problem:
    """The one problem with this code; every problem must speak both languages."""
    found = [p for p in problems_of(exc) if p.code == code]
    assert len(found) == 1, f"expected one {code!r}, got {exc.problems}"
    return found[0]


def assert_at(
    exc: ProblemsError, code: str, *, row: int | None, field: str | None, source: str | None = None
) -> Problem:
    p = the_problem(exc, code)
    assert (p.row, p.field) == (row, field), p
    if source is not None:
        assert p.source == source, p
    return p
