"""Rubric checks on workbooks, .xlsx or .ods (what the committee can ask of a workbook)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction

from grader.exact import decimal_text
from grader.model import ArgValue
from grader.office.checks import (
    Arg,
    CheckResult,
    check,
    column_letters,
    column_number,
    fraction_arg,
    parse_cell,
    parse_range,
    text_arg,
)
from grader.office.text import norm, short
from grader.office.views import SheetView
from grader.office.xlsx import Cell, Sheet

SHEET = Arg("text")
_STRING = re.compile(r'"(?:[^"]|"")*"')
_FUNCTION = re.compile(r"(?<![A-Za-z0-9_.$])(?:_xlfn\.|_xlws\.)?([A-Za-z][A-Za-z0-9.]*)\s*\(")
_CELL_REF = re.compile(
    r"(?<![A-Za-z0-9_.])(?:\$?[A-Za-z]{1,3}\$?[0-9]{1,7}|\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}|\$?[0-9]{1,7}:\$?[0-9]{1,7})"
    r"(?![A-Za-z0-9_(])"
)
_NAME = re.compile(r"(?<![A-Za-z0-9_.])[A-Za-z_][A-Za-z0-9_.]*(?![A-Za-z0-9_.(])")
_CURRENCY = ("$", "€", "£", "¥", "rp", "idr", "₹", "¤")
KIND_ID = {
    "percent": "persen",
    "currency": "mata uang",
    "date": "tanggal",
    "thousands": "pemisah ribuan",
    "number": "angka",
    "text": "teks",
    "time": "waktu",
}


def _sheet(book: SheetView, args: Mapping[str, ArgValue]) -> Sheet | None:
    name = args.get("sheet")
    return book.sheet(name if isinstance(name, str) else None)


def _no_sheet(args: Mapping[str, ArgValue], book: SheetView) -> CheckResult:
    name = text_arg(args, "sheet")
    have = ", ".join(book.sheet_names())
    return CheckResult(
        False,
        f'Lembar "{name}" tidak ada (yang ada: {have})',
        f'Sheet "{name}" does not exist (found: {have})',
    )


def show_value(value: Fraction | str | bool | None) -> str:
    if value is None:
        return "(kosong)"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Fraction):
        try:
            return decimal_text(value)
        except ValueError:
            return f"{float(value):.6g}"
    return f'"{short(value)}"'


def value_matches(cell: Cell | None, want: str, tolerance: Fraction) -> bool:
    """Numbers within the tolerance; text compared like short answers (case and spaces ignored)."""
    if cell is None or cell.value is None:
        return False
    if isinstance(cell.value, Fraction) and re.fullmatch(r"-?[0-9]{1,15}(?:\.[0-9]{1,12})?", want):
        return abs(cell.value - Fraction(want)) <= tolerance
    if isinstance(cell.value, bool):
        return want.upper() == ("TRUE" if cell.value else "FALSE")
    return isinstance(cell.value, str) and norm(cell.value) == norm(want)


@check(
    "cell_value",
    "xlsx",
    {
        "cell": Arg("cell", required=True),
        "value": Arg("text", required=True),
        "tolerance": Arg("decimal"),
        "sheet": SHEET,
    },
    "Isi sel",
    "Cell value",
)
def cell_value(book: SheetView, args: Mapping[str, ArgValue]) -> CheckResult:
    sheet = _sheet(book, args)
    if sheet is None:
        return _no_sheet(args, book)
    ref, want = text_arg(args, "cell").upper().replace("$", ""), text_arg(args, "value")
    cell = sheet.cells.get(parse_cell(ref))
    if value_matches(cell, want, fraction_arg(args, "tolerance")):
        return CheckResult(True, f"Sel {ref} berisi {want}", f"Cell {ref} holds {want}")
    found = show_value(cell.value if cell else None)
    return CheckResult(False, f"Sel {ref} berisi {found}, bukan {want}", f"Cell {ref} holds {found}, not {want}")


def formula_functions(formula: str) -> set[str]:
    """Function names a formula calls, upper case, without Excel's ``_xlfn.`` prefixes."""
    return {name.upper() for name in _FUNCTION.findall(_STRING.sub('""', formula))}


def formula_references(formula: str) -> bool:
    """Whether a formula refers to cells, ranges or names (``=SUM(150)`` does not)."""
    text = _FUNCTION.sub("(", _STRING.sub('""', formula))
    if _CELL_REF.search(text):
        return True
    return any(name.upper() not in ("TRUE", "FALSE") for name in _NAME.findall(text))


@check(
    "cell_formula",
    "xlsx",
    {
        "cell": Arg("cell", required=True),
        "functions": Arg("texts"),
        "value": Arg("text"),
        "tolerance": Arg("decimal"),
        "references": Arg("bool"),
        "sheet": SHEET,
    },
    "Sel dihitung dengan rumus",
    "Cell is computed by a formula",
)
def cell_formula(book: SheetView, args: Mapping[str, ArgValue]) -> CheckResult:
    sheet = _sheet(book, args)
    if sheet is None:
        return _no_sheet(args, book)
    ref = text_arg(args, "cell").upper().replace("$", "")
    cell = sheet.cells.get(parse_cell(ref))
    if cell is None or (cell.value is None and not cell.formula):
        return CheckResult(False, f"Sel {ref} kosong", f"Cell {ref} is empty")
    if not cell.formula:
        return CheckResult(
            False,
            f"Sel {ref} berisi nilai yang diketik ({show_value(cell.value)}), bukan rumus",
            f"Cell {ref} holds a typed value ({show_value(cell.value)}), not a formula",
        )
    shown = short("=" + cell.formula)
    wanted = args.get("functions")
    if isinstance(wanted, tuple):
        missing = [name for name in wanted if name.upper() not in formula_functions(cell.formula)]
        if missing:
            return CheckResult(
                False,
                f"Rumus sel {ref} ({shown}) tidak memakai {', '.join(missing)}",
                f"The formula in {ref} ({shown}) does not use {', '.join(missing)}",
            )
    if args.get("references", True) is not False and not formula_references(cell.formula):
        return CheckResult(
            False,
            f"Rumus sel {ref} ({shown}) tidak merujuk sel lain",
            f"The formula in {ref} ({shown}) refers to no other cell",
        )
    want = args.get("value")
    if isinstance(want, str) and not value_matches(cell, want, fraction_arg(args, "tolerance")):
        if cell.value is None:
            return CheckResult(
                False,
                f"Hasil rumus sel {ref} tidak tersimpan; simpan berkas dari program lembar kerja",
                f"The result of the formula in {ref} was not saved; save the file from the spreadsheet program",
            )
        return CheckResult(
            False,
            f"Rumus sel {ref} ({shown}) menghasilkan {show_value(cell.value)}, bukan {want}",
            f"The formula in {ref} ({shown}) gives {show_value(cell.value)}, not {want}",
        )
    return CheckResult(True, f"Sel {ref} berisi rumus {shown}", f"Cell {ref} holds the formula {shown}")


def format_kinds(code: str) -> set[str]:
    """What a number format code shows: percent, currency, date, time, thousands, number, text."""
    quoted = " ".join(re.findall(r'"([^"]*)"', code)).casefold()
    bare = re.sub(r'"[^"]*"', "", code)
    brackets = " ".join(re.findall(r"\[([^\]]*)\]", bare)).casefold()
    bare = re.sub(r"\[[^\]]*\]|\\.|_.|\*.", "", bare)
    lower = bare.casefold()
    kinds: set[str] = set()
    if "%" in bare:
        kinds.add("percent")
    symbols = quoted + " " + lower + " " + " ".join(b for b in brackets.split() if b.startswith("$"))
    if any(sym in symbols for sym in _CURRENCY) or re.search(r"\$", brackets):
        kinds.add("currency")
    if re.search(r"[dy]", lower) or (
        re.search(r"m", lower) and not re.search(r"[hs]", lower) and not re.search(r"[0#?]", lower)
    ):
        kinds.add("date")
    if re.search(r"[hs]", lower) and not re.search(r"[0#?]", lower.replace("ss.0", "ss")):
        kinds.add("time")
    if re.search(r"[#0?],[#0?]{3}", bare):
        kinds.add("thousands")
    if re.search(r"[0#?]", bare) and not kinds & {"date", "time"}:
        kinds.add("number")
    if code.strip() == "@":
        kinds.add("text")
    return kinds


def format_decimals(code: str) -> int:
    first = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", code).split(";")[0]
    match = re.search(r"\.([0#?]+)", first)
    return len(match.group(1)) if match else 0


@check(
    "number_format",
    "xlsx",
    {
        "cell": Arg("cells", required=True),
        "kind": Arg("choice", choices=("percent", "currency", "date", "time", "thousands", "number", "text")),
        "code": Arg("text"),
        "decimals": Arg("int"),
        "sheet": SHEET,
    },
    "Format angka sel",
    "Number format of cells",
    at_least_one_of=("kind", "code", "decimals"),
)
def number_format(book: SheetView, args: Mapping[str, ArgValue]) -> CheckResult:
    sheet = _sheet(book, args)
    if sheet is None:
        return _no_sheet(args, book)
    area = text_arg(args, "cell").upper().replace("$", "")
    c1, r1, c2, r2 = parse_range(area)
    kind, code, decimals = args.get("kind"), args.get("code"), args.get("decimals")
    for row in range(r1, r2 + 1):
        for column in range(c1, c2 + 1):
            cell = sheet.cells.get((column, row))
            fmt = book.number_format(cell) if cell else "General"
            ref = f"{column_letters(column)}{row}"
            ok = (
                (not isinstance(kind, str) or kind in format_kinds(fmt))
                and (not isinstance(code, str) or fmt == code)
                and (not isinstance(decimals, int) or format_decimals(fmt) == decimals)
            )
            if not ok:
                want_id = KIND_ID.get(str(kind), str(code or "")) if kind or code else ""
                extra = f" dengan {decimals} desimal" if isinstance(decimals, int) else ""
                extra_en = f" with {decimals} decimals" if isinstance(decimals, int) else ""
                return CheckResult(
                    False,
                    f'Sel {ref} berformat "{fmt}", bukan format {want_id}{extra}',
                    f'Cell {ref} has format "{fmt}", not a {kind or code or ""} format{extra_en}',
                )
    return CheckResult(True, f"Format angka {area} sesuai", f"Number format of {area} is right")


def _sort_key(value: Fraction | str | bool) -> tuple[int, Fraction | str | bool]:
    # Excel's order: numbers, then text (case-insensitive), then booleans.
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, Fraction):
        return (0, value)
    return (1, norm(value))


@check(
    "sorted_range",
    "xlsx",
    {
        "range": Arg("range", required=True),
        "column": Arg("column", required=True),
        "order": Arg("choice", choices=("asc", "desc")),
        "sheet": SHEET,
    },
    "Data terurut",
    "Data is sorted",
)
def sorted_range(book: SheetView, args: Mapping[str, ArgValue]) -> CheckResult:
    sheet = _sheet(book, args)
    if sheet is None:
        return _no_sheet(args, book)
    area = text_arg(args, "range").upper().replace("$", "")
    letter = text_arg(args, "column").upper()
    descending = text_arg(args, "order", "asc") == "desc"
    c1, r1, c2, r2 = parse_range(area)
    column = column_number(letter)
    order_id, order_en = ("besar ke kecil", "descending") if descending else ("kecil ke besar", "ascending")
    if not c1 <= column <= c2:
        return CheckResult(False, f"Kolom {letter} di luar {area}", f"Column {letter} is outside {area}")
    previous: tuple[int, Fraction | str | bool] | None = None
    for row in range(r1, r2 + 1):
        cell = sheet.cells.get((column, row))
        if cell is None or cell.value is None:
            return CheckResult(False, f"Sel {letter}{row} kosong", f"Cell {letter}{row} is empty")
        key = _sort_key(cell.value)
        if previous is not None and ((key > previous) if descending else (key < previous)):
            return CheckResult(
                False,
                f"{area} belum terurut {order_id} menurut kolom {letter} (lihat baris {row})",
                f"{area} is not sorted {order_en} by column {letter} (see row {row})",
            )
        previous = key
    return CheckResult(
        True, f"{area} terurut {order_id} menurut kolom {letter}", f"{area} is sorted {order_en} by column {letter}"
    )


@check(
    "chart_kind",
    "xlsx",
    {
        "kind": Arg("choice", required=True, choices=("column", "bar", "line", "pie", "doughnut", "area", "scatter")),
        "sheet": SHEET,
    },
    "Grafik jenis tertentu",
    "A chart of a given kind",
)
def chart_kind(book: SheetView, args: Mapping[str, ArgValue]) -> CheckResult:
    sheet = _sheet(book, args) if isinstance(args.get("sheet"), str) else None
    if isinstance(args.get("sheet"), str) and sheet is None:
        return _no_sheet(args, book)
    want = text_arg(args, "kind")
    kinds = book.chart_kinds(sheet)
    names_id = {
        "column": "kolom",
        "bar": "batang",
        "line": "garis",
        "pie": "pai (lingkaran)",
        "doughnut": "donat",
        "area": "area",
        "scatter": "sebar (scatter)",
    }
    if want in kinds:
        return CheckResult(True, f"Ada grafik {names_id[want]}", f"There is a {want} chart")
    if not kinds:
        return CheckResult(False, "Tidak ada grafik", "There is no chart")
    found = ", ".join(names_id.get(k, k) for k in kinds)
    return CheckResult(
        False,
        f"Grafik yang ada: {found}; bukan grafik {names_id[want]}",
        f"Charts found: {', '.join(kinds)}; not a {want} chart",
    )
