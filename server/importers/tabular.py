"""Reading XLSX, CSV and JSON tables into located records, safely, without trusting the file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from grader.problems import Problem, ProblemsError
from server.importers.common import (
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_SHORT_CHARS,
    MAX_XLSX_UNCOMPRESSED,
    alias_table,
    check_size,
    clean_text,
    file_problem,
    norm_header,
    problem,
    raise_if,
    too_long,
)

Value = Any
"""A cell as read: str, int, Decimal, bool, datetime/date, list/dict (JSON only) or None (empty)."""

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SPREADSHEET_EXTS = {".xlsx", ".xlsm", ".xls", ".xltx", ".xltm", ".xlsb", ".ods"}
_EXCEL_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA"}
_ZERO_PAD = re.compile(r"^0{2,}$")


class FieldError(Exception):
    """A value that cannot be read as what its field needs; turned into a located Problem."""

    def __init__(self, code: str, id: str, en: str) -> None:
        super().__init__(en)
        self.code = code
        self.id = id
        self.en = en


@dataclass
class Record:
    """One non-empty data row (or JSON object), with the user's names for its fields."""

    row: int
    values: dict[str, Value]
    headers: Mapping[str, str]
    """canonical field -> the column name as the user wrote it."""

    def get(self, name: str) -> Value:
        return self.values.get(name)


@dataclass
class Table:
    source: str
    records: list[Record]
    headers: dict[str, str] = field(default_factory=dict)
    """canonical field -> column name as written (for tabular files; JSON records carry their own)."""
    problems: list[Problem] = field(default_factory=list)
    """Cell-level problems found while reading (e.g. Excel error values)."""


@dataclass(frozen=True)
class Layout:
    """What a table's columns may be called."""

    aliases: Mapping[str, tuple[str, ...]]
    """canonical field -> accepted names (the first is the Indonesian display name)."""
    required: tuple[str, ...]
    ignored: tuple[str, ...] = ()
    """Column names accepted and ignored (e.g. a running ``No``)."""

    def display(self, name: str) -> str:
        return self.aliases[name][0] if name in self.aliases else name


def suffix(source: str) -> str:
    return PurePosixPath(source.replace("\\", "/")).suffix.lower()


def sniff(data: bytes, source: str) -> str:
    """``xlsx``, ``csv`` or ``json``, by content; the name only decides what is impossible."""
    ext = suffix(source)
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "xlsx"
    if data[:8] == _OLE_MAGIC:
        raise file_problem(
            "file.legacy_excel",
            f"Berkas {source} berformat Excel lama (.xls) atau terenkripsi; simpan ulang sebagai .xlsx "
            "(Excel Workbook) tanpa kata sandi",
            f"File {source} is an old Excel (.xls) or password-protected workbook; save it again as .xlsx "
            "(Excel Workbook) without a password",
            source,
        )
    if ext in _SPREADSHEET_EXTS:
        raise file_problem(
            "file.not_xlsx",
            f"Berkas {source} bukan berkas XLSX yang sah (isinya bukan lembar kerja Excel)",
            f"File {source} is not a valid XLSX file (its content is not an Excel workbook)",
            source,
        )
    head = data[:4]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise file_problem(
            "file.encoding",
            f"Berkas {source} berkode UTF-16; simpan sebagai 'CSV UTF-8 (Comma delimited)'",
            f"File {source} is UTF-16 encoded; save it as 'CSV UTF-8 (Comma delimited)'",
            source,
        )
    if ext == ".json" or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
        return "json"
    return "csv"


# ---- XLSX ---------------------------------------------------------------------------------------------


def check_xlsx(data: bytes, source: str) -> None:
    """Refuse what openpyxl should never see: non-XLSX zips, macros, zip bombs."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            names = {info.filename.replace("\\", "/").lower() for info in infos}
            total = sum(info.file_size for info in infos)
            content_types = b""
            ct = next((i for i in infos if i.filename == "[Content_Types].xml"), None)
            if ct is not None and ct.file_size <= 1024 * 1024:
                content_types = zf.read(ct)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
        ValueError,
    ) as exc:
        raise file_problem(
            "file.not_xlsx",
            f"Berkas {source} bukan berkas XLSX yang sah (arsip rusak: {exc})",
            f"File {source} is not a valid XLSX file (damaged archive: {exc})",
            source,
        ) from None
    if (
        any(n.endswith("vbaproject.bin") for n in names)
        or b"macroenabled" in content_types.lower()
        or suffix(source) in (".xlsm", ".xltm")
    ):
        raise file_problem(
            "file.macro",
            f"Berkas {source} berisi makro (.xlsm); demi keamanan makro ditolak. Simpan sebagai "
            "'Excel Workbook (.xlsx)'",
            f"File {source} contains macros (.xlsm); macros are refused for safety. Save it as "
            "'Excel Workbook (.xlsx)'",
            source,
        )
    if len(infos) > 10_000 or total > MAX_XLSX_UNCOMPRESSED:
        raise file_problem(
            "file.zip_bomb",
            f"Berkas {source} terlalu besar setelah dibuka ({total:,} byte; batas "
            f"{MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} MB); pecah atau periksa berkasnya",
            f"File {source} is too large once unpacked ({total:,} bytes; limit "
            f"{MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} MB); split or check the file",
            source,
        )
    if "xl/workbook.xml" not in names:
        ods = "mimetype" in names and b"opendocument" in data[:200]
        hint_id = " (berkas ODS: simpan sebagai .xlsx)" if ods else ""
        hint_en = " (an ODS file: save it as .xlsx)" if ods else ""
        raise file_problem(
            "file.not_xlsx",
            f"Berkas {source} adalah arsip zip tetapi bukan lembar kerja XLSX{hint_id}",
            f"File {source} is a zip archive but not an XLSX workbook{hint_en}",
            source,
        )


def _xlsx_value(cell: Any) -> Value:
    value = cell.value
    if isinstance(value, float):
        value = int(value) if value.is_integer() else Decimal(repr(value))
    if isinstance(value, int) and not isinstance(value, bool):
        fmt = getattr(cell, "number_format", None) or ""
        if _ZERO_PAD.match(fmt) and value >= 0:
            # A "000000" format shows leading zeros; import what the committee sees.
            return str(value).rjust(len(fmt), "0")
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return value


def read_xlsx_rows(data: bytes, source: str, sheet: str) -> tuple[list[tuple[int, list[Value]]], list[Problem]]:
    """Rows (sheet row number, cell values) of the sheet named ``sheet`` or else the first one."""
    check_xlsx(data, source)
    import openpyxl  # imported late: only XLSX imports pay for it

    rows: list[tuple[int, list[Value]]] = []
    problems: list[Problem] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles/extensions it does not read
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                names = {n.casefold(): n for n in wb.sheetnames}
                if not names:
                    raise file_problem(
                        "file.no_sheet",
                        f"Berkas {source} tidak punya lembar kerja",
                        f"File {source} has no worksheet",
                        source,
                    )
                ws = wb[names.get(sheet, wb.sheetnames[0])]
                for number, cells in enumerate(
                    ws.iter_rows(min_row=1, max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS), start=1
                ):
                    values: list[Value] = []
                    for cell in cells:
                        if getattr(cell, "data_type", None) == "e" and cell.value in _EXCEL_ERRORS:
                            problems.append(
                                problem(
                                    "cell.formula_error",
                                    f"Sel {cell.coordinate} berisi galat rumus {cell.value}",
                                    f"Cell {cell.coordinate} holds the formula error {cell.value}",
                                    row=number,
                                    source=source,
                                )
                            )
                            values.append(None)
                        else:
                            values.append(_xlsx_value(cell))
                    rows.append((number, values))
            finally:
                wb.close()
    except ProblemsError:
        raise
    except Exception as exc:  # openpyxl/XML raise many types on malformed files
        raise file_problem(
            "file.unreadable",
            f"Berkas {source} tidak dapat dibaca sebagai XLSX: {type(exc).__name__}: {exc}"[:400],
            f"File {source} cannot be read as XLSX: {type(exc).__name__}: {exc}"[:400],
            source,
        ) from None
    return rows, problems


# ---- CSV ----------------------------------------------------------------------------------------------


def decode_text(data: bytes, source: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise file_problem(
            "file.encoding",
            f"Berkas {source} bukan teks UTF-8 (byte ke-{exc.start + 1}); di Excel pilih "
            "'Simpan Sebagai' → 'CSV UTF-8 (Comma delimited)'",
            f"File {source} is not UTF-8 text (byte {exc.start + 1}); in Excel choose "
            "'Save As' → 'CSV UTF-8 (Comma delimited)'",
            source,
        ) from None
    if "\x00" in text:
        raise file_problem(
            "file.binary",
            f"Berkas {source} berisi data biner, bukan teks CSV",
            f"File {source} contains binary data, not CSV text",
            source,
        )
    return text


def sniff_delimiter(text: str) -> str:
    """The header line decides: Indonesian Excel exports use ';', others ','; tab also works."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def read_csv_rows(data: bytes, source: str) -> list[tuple[int, list[Value]]]:
    text = decode_text(data, source)
    delimiter = sniff_delimiter(text)
    rows: list[tuple[int, list[Value]]] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        for number, cells in enumerate(reader, start=1):
            if number > MAX_ROWS + 1:
                rows.append((number, list(cells)))
                break
            rows.append((number, list(cells[:MAX_COLUMNS])))
    except csv.Error as exc:
        raise ProblemsError(
            [
                problem(
                    "file.csv_syntax",
                    f"Berkas {source} tidak dapat dibaca sebagai CSV: {exc} (periksa tanda petik)",
                    f"File {source} cannot be read as CSV: {exc} (check the quotes)",
                    row=len(rows) + 1,
                    source=source,
                )
            ]
        ) from None
    return rows


# ---- JSON ---------------------------------------------------------------------------------------------


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def load_json(data: bytes, source: str) -> Any:
    """Parse JSON without floats (decimals stay exact) and without NaN/Infinity."""
    text = decode_text(data, source)
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ProblemsError(
            [
                problem(
                    "file.json_syntax",
                    f"Berkas {source} bukan JSON yang sah: {exc.msg} (baris {exc.lineno}, kolom {exc.colno})",
                    f"File {source} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                    row=exc.lineno,
                    source=source,
                )
            ]
        ) from None
    except (ValueError, RecursionError) as exc:
        raise file_problem(
            "file.json_syntax",
            f"Berkas {source} bukan JSON yang sah: {exc}",
            f"File {source} is not valid JSON: {exc}",
            source,
        ) from None


# ---- turning rows into records ------------------------------------------------------------------------


def _is_empty(value: Value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_text(value: Value) -> str:
    return clean_text(str(value), multiline=False) if value is not None else ""


def map_headers(
    names: list[tuple[int, str]], layout: Layout, source: str, *, row: int | None, require: bool
) -> tuple[dict[int, str], dict[str, str], list[Problem]]:
    """Match written names to canonical fields: (position -> field, field -> written name, problems)."""
    table = alias_table(layout.aliases)
    ignored = {norm_header(n) for n in layout.ignored}
    by_pos: dict[int, str] = {}
    written: dict[str, str] = {}
    problems: list[Problem] = []
    for pos, name in names:
        key = norm_header(name)
        canonical = table.get(key)
        if canonical is None:
            if key in ignored:
                continue
            known = ", ".join(names_[0] for names_ in layout.aliases.values())
            problems.append(
                problem(
                    "header.unknown",
                    f"Kolom '{name}' tidak dikenal; ganti namanya atau hapus kolom itu (kolom yang dikenal: {known})",
                    f"Column '{name}' is unknown; rename or delete it (known columns: {known})",
                    row=row,
                    field=name,
                    source=source,
                )
            )
        elif canonical in written:
            problems.append(
                problem(
                    "header.duplicate",
                    f"Kolom '{name}' sama dengan kolom '{written[canonical]}'; sisakan satu saja",
                    f"Column '{name}' duplicates column '{written[canonical]}'; keep only one",
                    row=row,
                    field=name,
                    source=source,
                )
            )
        else:
            by_pos[pos] = canonical
            written[canonical] = name
    if require:
        for name in layout.required:
            if name not in written:
                problems.append(
                    problem(
                        "header.missing",
                        f"Kolom wajib '{layout.display(name)}' tidak ada (nama lain yang diterima: "
                        f"{', '.join(layout.aliases[name][1:])})",
                        f"Required column '{layout.display(name)}' is missing (also accepted: "
                        f"{', '.join(layout.aliases[name][1:])})",
                        row=row,
                        field=layout.display(name),
                        source=source,
                    )
                )
    return by_pos, written, problems


def _too_many_rows(source: str) -> ProblemsError:
    return file_problem(
        "file.too_many_rows",
        f"Berkas {source} berisi lebih dari {MAX_ROWS:,} baris data",
        f"File {source} has more than {MAX_ROWS:,} data rows",
        source,
    )


def records_from_rows(rows: list[tuple[int, list[Value]]], layout: Layout, source: str) -> Table:
    """The first non-empty row is the header; empty rows are skipped; rows keep their sheet numbers."""
    nonempty = [(n, cells) for n, cells in rows if not all(_is_empty(c) for c in cells)]
    if not nonempty:
        raise file_problem(
            "file.no_rows", f"Berkas {source} tidak berisi data", f"File {source} contains no data", source
        )
    header_row, header_cells = nonempty[0]
    names = [(i, _header_text(v)) for i, v in enumerate(header_cells)]
    by_pos, written, problems = map_headers(
        [(i, n) for i, n in names if n], layout, source, row=header_row, require=True
    )
    unnamed = {i for i, n in names if not n}
    headers = {name: layout.display(name) for name in layout.aliases} | written
    records: list[Record] = []
    for number, cells in nonempty[1:]:
        if len(records) >= MAX_ROWS:
            raise _too_many_rows(source)
        for i in sorted(unnamed):
            if i < len(cells) and not _is_empty(cells[i]):
                unnamed.discard(i)
                problems.append(
                    problem(
                        "header.empty",
                        f"Kolom ke-{i + 1} berisi data tetapi tidak bernama di baris judul",
                        f"Column {i + 1} holds data but has no name in the header row",
                        row=number,
                        source=source,
                    )
                )
        values = {by_pos[i]: (None if _is_empty(v) else v) for i, v in enumerate(cells) if i in by_pos}
        if all(v is None for v in values.values()):
            continue  # only ignored columns (e.g. a pre-numbered "No") are filled in
        records.append(Record(row=number, values=values, headers=headers))
    raise_if(problems)
    return Table(source=source, records=records, headers=headers)


def records_from_json(doc: Any, layout: Layout, source: str) -> Table:
    """A JSON list of objects; an object's position in the list (1-based) is its row."""
    if not isinstance(doc, list):
        raise file_problem(
            "file.json_shape",
            f"Berkas {source} harus berisi daftar objek JSON: [{{...}}, {{...}}]",
            f"File {source} must contain a JSON list of objects: [{{...}}, {{...}}]",
            source,
        )
    if len(doc) > MAX_ROWS:
        raise _too_many_rows(source)
    problems: list[Problem] = []
    records: list[Record] = []
    for number, obj in enumerate(doc, start=1):
        if not isinstance(obj, dict):
            problems.append(
                problem(
                    "row.not_object",
                    f"Entri ke-{number} bukan objek JSON {{...}}",
                    f"Entry {number} is not a JSON object {{...}}",
                    row=number,
                    source=source,
                )
            )
            continue
        keys = [(i, str(k)) for i, k in enumerate(obj)]
        by_pos, written, found = map_headers(keys, layout, source, row=number, require=False)
        problems += found
        values_list = list(obj.values())
        values = {name: (None if _is_empty(values_list[i]) else values_list[i]) for i, name in by_pos.items()}
        if all(v is None for v in values.values()):
            continue
        headers = {name: layout.display(name) for name in layout.aliases} | written
        records.append(Record(row=number, values=values, headers=headers))
    raise_if(problems)
    return Table(source=source, records=records)


def read_table(data: bytes, source: str, layout: Layout, *, sheet: str, allow_json: bool) -> Table:
    """Read any supported table into records; raises ProblemsError naming the file for unreadable input."""
    check_size(data, source, MAX_FILE_BYTES)
    kind = sniff(data, source)
    if kind == "xlsx":
        rows, cell_problems = read_xlsx_rows(data, source, sheet)
        table = records_from_rows(rows, layout, source)
        table.problems.extend(cell_problems)
        return table
    if kind == "json":
        if not allow_json:
            raise file_problem(
                "file.type",
                f"Berkas {source} harus XLSX atau CSV",
                f"File {source} must be XLSX or CSV",
                source,
            )
        return records_from_json(load_json(data, source), layout, source)
    return records_from_rows(read_csv_rows(data, source), layout, source)


# ---- reading typed values out of records --------------------------------------------------------------


def as_text(value: Value, *, multiline: bool = False) -> str:
    """A cell as plain text; empty cells are ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return clean_text(value, multiline=multiline)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise FieldError(
        "value.type",
        "Isinya harus teks, bukan daftar atau objek",
        "The value must be text, not a list or object",
    )


def located(record: Record, name: str, source: str, err: FieldError) -> Problem:
    return problem(err.code, err.id, err.en, row=record.row, field=record.headers.get(name, name), source=source)


def field_problem(record: Record, name: str, source: str, code: str, id: str, en: str) -> Problem:
    """A problem at this record's row and the user's name for ``name``."""
    return located(record, name, source, FieldError(code, id, en))


class RecordReader:
    """Reads one record's fields, collecting problems located at its row and the user's column name."""

    def __init__(self, record: Record, source: str) -> None:
        self.record = record
        self.source = source
        self.problems: list[Problem] = []

    def bad(self, name: str, code: str, id: str, en: str) -> None:
        self.problems.append(field_problem(self.record, name, self.source, code, id, en))

    def text(self, name: str, *, multiline: bool = False, limit: int = MAX_SHORT_CHARS) -> str:
        """The field as clean text ("" when empty or unreadable, with the problem noted), at most ``limit``."""
        try:
            value = as_text(self.record.get(name), multiline=multiline)
        except FieldError as err:
            self.problems.append(located(self.record, name, self.source, err))
            return ""
        long = too_long(value, limit, row=self.record.row, field=self.column(name), source=self.source)
        if long:
            self.problems.append(long)
        return value

    def column(self, name: str) -> str:
        """The column name as the committee wrote it."""
        return self.record.headers.get(name, name)
