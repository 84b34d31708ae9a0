"""The question bank: rows of XLSX/CSV/JSON turned into grader items plus what candidates are shown."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Any

from grader.build import build_item
from grader.problems import Problem, ProblemsError
from server.importers import kinds
from server.importers.common import (
    MAX_FILE_BYTES,
    MAX_IMAGE_BYTES,
    MAX_OPTION_CHARS,
    MAX_QUESTION_CHARS,
    MAX_ZIP_BYTES,
    MAX_ZIP_ENTRIES,
    MAX_ZIP_UNCOMPRESSED,
    check_size,
    file_problem,
    norm_header,
    problem,
    raise_if,
    valid_code,
)
from server.importers.media import ImageError, ImageResolver, Media
from server.importers.tabular import (
    FieldError,
    Layout,
    Record,
    RecordReader,
    as_text,
    located,
    read_table,
    suffix,
)

LETTERS = "ABCDEFGH"
DEFAULT_POINTS = 5

BANK_LAYOUT = Layout(
    aliases={
        "code": ("kode", "code", "kode_soal"),
        "section": ("bagian", "section"),
        "kind": ("tipe", "type", "jenis"),
        "text": ("soal", "question", "pertanyaan"),
        "image": ("gambar", "image"),
        **{f"opt_{c}": (f"opsi_{c.lower()}", f"option_{c.lower()}", f"pilihan_{c.lower()}") for c in LETTERS},
        **{f"img_{c}": (f"gambar_{c.lower()}", f"image_{c.lower()}") for c in LETTERS},
        "key": ("kunci", "key", "kunci_jawaban"),
        "points": ("bobot", "points", "poin"),
        "partial": ("parsial", "partial"),
        "left": ("kiri", "left", "sisi_kiri", "pernyataan"),
        "pattern": ("pola", "pattern"),
        "tolerance": ("toleransi", "tolerance"),
        "typing_text": ("teks_ketik", "typing_text"),
        "time_limit": ("waktu_detik", "time_limit_s", "batas_waktu_detik"),
        "start_file": ("berkas_awal", "start_file"),
    },
    required=("code", "section", "kind", "text", "key"),
    ignored=("no", "nomor", "catatan", "keterangan", "pembahasan", "note", "notes", "explanation"),
)

_KINDS = {
    **dict.fromkeys(("pg", "single", "pilihanganda"), "single"),
    **dict.fromkeys(("pgk", "multi", "pilihangandakompleks"), "multi"),
    "tkp": "tkp",
    **dict.fromkeys(("bs", "benarsalah", "truefalse"), "truefalse"),
    **kinds.KIND_ALIASES,
}
_KIND_NAMES = f"pg/single, pgk/multi, tkp, bs/benar-salah/truefalse, {kinds.KIND_NAMES}"
_PARTIAL = {
    **dict.fromkeys(("semua", "semuaatautidak", "allornothing"), "all_or_nothing"),
    **dict.fromkeys(("peropsi", "peroption"), "per_option"),
    **dict.fromkeys(("benarkurangsalah", "rightminuswrong"), "right_minus_wrong"),
}
_TRUE = {"b", "benar", "true", "t", "ya", "y", "1"}
_FALSE = {"s", "salah", "false", "f", "tidak", "0"}
RAW_TO_COLUMN = {
    "code": "code",
    "section": "section",
    "kind": "kind",
    "points": "points",
    "options": "opt_A",
    "key": "key",
    "params": "partial",
}
# Where a grader problem about a newer kind's params belongs, by kind.
_PARAMS_COLUMN = {
    "typing": "typing_text",
    "numeric": "tolerance",
    "document": "start_file",
    "spreadsheet": "start_file",
}
BANK_NAMES = ("soal.xlsx", "soal.csv", "soal.json")
_BANK_EXTS = (".xlsx", ".xlsm", ".xls", ".csv", ".json")


@dataclass(frozen=True, slots=True)
class BankOption:
    id: str
    """``A``..``H``."""
    text: str
    image: str | None
    """SHA-256 hex of the option's image in ``Bank.media``."""


@dataclass(frozen=True, slots=True)
class BankItem:
    """One question as candidates see it, plus the raw dict the grader built it from."""

    code: str
    section: str
    kind: str
    """Grader kind: ``single``, ``multi``, ``tkp``, ``truefalse`` or a newer kind (``kinds.KIND_ALIASES``)."""
    text: str
    image: str | None
    options: tuple[BankOption, ...]
    raw: dict[str, Any]
    """Input of ``grader.build.build_item`` (``_row`` = the source row)."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """What candidates see beyond text and options (never the key): matching ``left`` entries
    ``[{"id","text"}]``; practical ``start_file`` ``{"sha256","name"}``."""


@dataclass(frozen=True, slots=True)
class Bank:
    items: tuple[BankItem, ...]
    media: Mapping[str, Media]
    """SHA-256 hex -> verified image; only images some item references."""
    source: str = ""
    columns: Mapping[str, str] = field(default_factory=dict)
    """Canonical field (``section``, ``key``, ``opt_A``...) -> the column name the committee wrote."""


# ---- keys ---------------------------------------------------------------------------------------------


def _letters(value: Any) -> list[str]:
    parts = value if isinstance(value, list) else re.split(r"[,;/\s]+", as_text(value))
    letters = []
    for part in parts:
        if not isinstance(part, str):
            raise FieldError(
                "key.syntax",
                f"Kunci berisi {part!r}, bukan huruf opsi",
                f"The key contains {part!r}, not an option letter",
            )
        letter = part.strip().upper()
        if not letter:
            continue
        if len(letter) != 1 or letter not in LETTERS:
            raise FieldError(
                "key.syntax",
                f"'{part.strip()}' bukan huruf opsi A–H",
                f"'{part.strip()}' is not an option letter A–H",
            )
        letters.append(letter)
    return letters


def _check_members(letters: list[str], options: list[str]) -> None:
    if len(set(letters)) != len(letters):
        raise FieldError(
            "key.duplicate", "Ada huruf yang ditulis dua kali di kunci", "A letter appears twice in the key"
        )
    unknown = [c for c in letters if c not in options]
    if unknown:
        shown = ", ".join(options) or "-"
        raise FieldError(
            "key.unknown_option",
            f"Kunci {', '.join(unknown)} bukan opsi yang terisi (opsi terisi: {shown})",
            f"Key {', '.join(unknown)} is not a filled-in option (filled-in options: {shown})",
        )


def _tkp_pairs(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()]
    text = re.sub(r"\s*([=:])\s*", r"\1", as_text(value))
    pairs = []
    for part in filter(None, re.split(r"[,;\s]+", text)):
        match = re.fullmatch(r"([A-Za-z])[=:](-?\d+)", part)
        if not match:
            raise FieldError(
                "key.syntax",
                f"Bagian kunci TKP '{part}' tidak sah; tulis seperti A=5,B=4,C=3,D=2,E=1",
                f"TKP key part '{part}' is invalid; write it like A=5,B=4,C=3,D=2,E=1",
            )
        pairs.append((match.group(1), int(match.group(2))))
    return pairs


def _tkp_key(value: Any, options: list[str]) -> dict[str, int]:
    key: dict[str, int] = {}
    for letter, weight in _tkp_pairs(value):
        letter = letter.strip().upper()
        if isinstance(weight, str) and re.fullmatch(r"-?\d+", weight.strip()):
            weight = int(weight)
        if letter not in LETTERS or not isinstance(weight, int) or isinstance(weight, bool):
            raise FieldError(
                "key.syntax",
                f"Pasangan kunci TKP '{letter}={weight}' tidak sah",
                f"TKP key pair '{letter}={weight}' is invalid",
            )
        if letter in key:
            raise FieldError(
                "key.duplicate",
                f"Opsi {letter} ditulis dua kali di kunci TKP",
                f"Option {letter} appears twice in the TKP key",
            )
        key[letter] = weight
    if not key:
        raise FieldError("key.empty", "Kunci TKP kosong", "The TKP key is empty")
    _check_members(list(key), options)
    return key


def _truefalse_key(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = as_text(value).casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise FieldError(
        "key.syntax",
        f"Kunci benar-salah '{as_text(value)}' tidak dikenal; tulis B/Benar atau S/Salah",
        f"True/false key '{as_text(value)}' is not recognised; write B/Benar (true) or S/Salah (false)",
    )


def parse_key(kind: str, value: Any, options: list[str]) -> Any:
    """The raw grader key for ``kind`` from what the committee wrote; raises FieldError."""
    if kind == "truefalse":
        return _truefalse_key(value)
    if kind == "tkp":
        return _tkp_key(value, options)
    letters = _letters(value)
    if kind == "single":
        if len(letters) != 1:
            raise FieldError(
                "key.syntax",
                "Soal PG memerlukan tepat satu huruf kunci, mis. C",
                "A single-choice item needs exactly one key letter, e.g. C",
            )
        _check_members(letters, options)
        return letters[0]
    if not letters:
        raise FieldError("key.empty", "Kunci kosong", "The key is empty")
    _check_members(letters, options)
    return letters


def _points(value: Any) -> int:
    if isinstance(value, bool):
        pass
    elif isinstance(value, int):
        return value
    elif (isinstance(value, Decimal) and value == value.to_integral_value()) or (
        isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value)
    ):
        return int(value)
    raise FieldError(
        "points.invalid",
        f"Bobot '{as_text(value)}' harus bilangan bulat, mis. 5",
        f"Points '{as_text(value)}' must be a whole number, e.g. 5",
    )


# ---- one row ------------------------------------------------------------------------------------------


def _options(row: RecordReader, kind: str, resolver: ImageResolver) -> list[BankOption]:
    filled: list[BankOption] = []
    gaps: list[str] = []
    for letter in LETTERS:
        text = row.text(f"opt_{letter}", multiline=True, limit=MAX_OPTION_CHARS)
        ref = row.text(f"img_{letter}")
        if not text and not ref:
            gaps.append(letter)
            continue
        if kind in kinds.NO_OPTIONS:
            row.bad(
                f"opt_{letter}",
                "option.not_allowed",
                "Soal benar-salah tidak memakai opsi; kosongkan kolom ini"
                if kind == "truefalse"
                else f"Soal jenis {kind} tidak memakai opsi; kosongkan kolom ini",
                "A true/false item has no options; leave this column empty"
                if kind == "truefalse"
                else f"A {kind} item has no options; leave this column empty",
            )
            continue
        for missing in gaps:
            row.bad(
                f"opt_{missing}",
                "option.gap",
                f"Opsi {missing} kosong padahal opsi {letter} terisi; opsi harus berurutan tanpa celah",
                f"Option {missing} is empty although option {letter} is filled in; options must be "
                "consecutive, without gaps",
            )
        gaps = []
        filled.append(BankOption(id=letter, text=text, image=_image(row, f"img_{letter}", ref, resolver)))
    if kind not in kinds.NO_OPTIONS and len(filled) < 2:
        row.bad(
            "opt_A",
            "option.too_few",
            f"Soal pilihan memerlukan paling sedikit 2 opsi (terisi {len(filled)})",
            f"A choice item needs at least 2 options ({len(filled)} filled in)",
        )
    return filled


def _image(row: RecordReader, name: str, ref: str, resolver: ImageResolver) -> str | None:
    if not ref:
        return None
    try:
        return resolver.resolve(ref)
    except ImageError as err:
        row.bad(name, err.code, err.id, err.en)
        return None


def _kind(row: RecordReader) -> str | None:
    written = row.text("kind")
    if not written:
        row.bad(
            "kind",
            "type.empty",
            f"Tipe soal kosong (pilihan: {_KIND_NAMES})",
            f"The item type is empty (choices: {_KIND_NAMES})",
        )
        return None
    kind = _KINDS.get(norm_header(written))
    if kind is None:
        row.bad(
            "kind",
            "type.unknown",
            f"Tipe soal '{written}' tidak dikenal (pilihan: {_KIND_NAMES})",
            f"Item type '{written}' is unknown (choices: {_KIND_NAMES})",
        )
    return kind


def _code(row: RecordReader, name: str, what_id: str, what_en: str) -> str:
    code = row.text(name)
    if not code:
        row.bad(name, f"{name}.empty", f"{what_id} kosong", f"{what_en} is empty")
    elif not valid_code(code):
        row.bad(
            name,
            f"{name}.invalid",
            f"{what_id} '{code}' tidak sah: pakai huruf, angka, titik, garis bawah atau tanda minus "
            "(tanpa spasi, paling panjang 40)",
            f"{what_en} '{code}' is invalid: use letters, digits, dot, underscore or dash (no spaces, at most 40)",
        )
    return code


def _params(row: RecordReader, kind: str | None) -> dict[str, str]:
    written = row.text("partial")
    if not written:
        return {}
    if kind in kinds.PARTIAL:
        chosen = kinds.partial_of(kind, written)
        if chosen is None:
            row.bad(
                "partial",
                "partial.unknown",
                f"Aturan parsial '{written}' tidak dikenal (pilihan: {kinds.PARTIAL_NAMES[kind]})",
                f"Partial rule '{written}' is unknown (choices: {kinds.PARTIAL_NAMES[kind]})",
            )
            return {}
        return {"partial": chosen}
    if kind != "multi":
        row.bad(
            "partial",
            "partial.not_allowed",
            "Kolom parsial hanya untuk soal PGK (multi), urutan dan menjodohkan; kosongkan",
            "The partial column is only for multi (PGK), ordering and matching items; leave it empty",
        )
        return {}
    value = _PARTIAL.get(norm_header(written))
    if value is None:
        row.bad(
            "partial",
            "partial.unknown",
            f"Aturan parsial '{written}' tidak dikenal (pilihan: semua, per_opsi, benar_kurang_salah)",
            f"Partial rule '{written}' is unknown (choices: semua/all_or_nothing, per_opsi/per_option, "
            "benar_kurang_salah/right_minus_wrong)",
        )
        return {}
    return {"partial": value}


def _item(row: RecordReader, resolver: ImageResolver, seen: dict[str, int]) -> BankItem | None:
    record = row.record
    code = _code(row, "code", "Kode soal", "Item code")
    if code and valid_code(code):
        first = seen.setdefault(code.casefold(), record.row)
        if first != record.row:
            row.bad(
                "code",
                "code.duplicate",
                f"Kode soal '{code}' sudah dipakai di baris {first}",
                f"Item code '{code}' is already used on row {first}",
            )
    section = _code(row, "section", "Kode bagian", "Section code")
    kind = _kind(row)
    text = row.text("text", multiline=True, limit=MAX_QUESTION_CHARS)
    image_ref = row.text("image")
    image = _image(row, "image", image_ref, resolver)
    if not text and not image_ref:
        row.bad(
            "text",
            "text.empty",
            "Teks soal kosong (isi soal atau gambar)",
            "The question text is empty (fill in the question or an image)",
        )
    options = _options(row, kind or "single", resolver)
    ids = [o.id for o in options]
    key = None
    extra: dict[str, Any] = {}
    more_params: dict[str, Any] = {}
    _unused_columns(row, kind)
    if kind in _NEWER:
        try:
            key, extra, more_params = _newer(row, kind, ids, resolver)
        except FieldError as err:
            row.problems.append(located(record, _newer_column(kind), row.source, err))
        except ImageError as err:
            row.bad("start_file", err.code, err.id, err.en)
    elif record.get("key") is None:
        row.bad("key", "key.empty", "Kunci jawaban kosong", "The answer key is empty")
    elif kind is not None:
        try:
            key = parse_key(kind, record.get("key"), ids)
        except FieldError as err:
            row.problems.append(located(record, "key", row.source, err))
    points: int | None = None if kind in kinds.PRACTICAL else DEFAULT_POINTS
    if record.get("points") is not None:
        if kind == "tkp":
            row.bad(
                "points",
                "points.not_allowed",
                "Soal TKP dinilai dari bobot tiap opsi di kolom kunci; kosongkan kolom bobot",
                "A TKP item is scored by the option weights in the key column; leave points empty",
            )
        else:
            try:
                points = _points(record.get("points"))
            except FieldError as err:
                row.problems.append(located(record, "points", row.source, err))
    params: dict[str, Any] = {**_params(row, kind), **more_params}
    if row.problems or kind is None:
        return None
    raw: dict[str, Any] = {
        "_row": record.row,
        "code": code,
        "section": section,
        "kind": kind,
        "points": points,
        "options": ids,
        "key": key,
        "params": params,
    }
    if points is None:
        del raw["points"]  # a practical task's points are its rubric's sum
    try:
        build_item(raw)
    except ProblemsError as exc:
        row.problems += [_relocate(p, record, row.source, kind) for p in exc.problems]
        return None
    return BankItem(
        code=code,
        section=section,
        kind=kind,
        text=text,
        image=image,
        options=tuple(options) if kind not in kinds.NO_OPTIONS else (),
        raw=raw,
        extra=MappingProxyType(extra),
    )


_NEWER = frozenset({"short_text", "numeric", "ordering", "matching", "typing", "document", "spreadsheet"})
# The columns each newer kind reads besides the key (any other of these columns must stay empty).
_NEWER_COLUMNS = {
    "short_text": ("pattern",),
    "numeric": ("tolerance",),
    "matching": ("left",),
    "typing": ("typing_text", "time_limit"),
    "document": ("start_file",),
    "spreadsheet": ("start_file",),
}
_ALL_NEWER_COLUMNS = ("pattern", "tolerance", "left", "typing_text", "time_limit", "start_file")


def _newer_column(kind: str | None) -> str:
    return "typing_text" if kind == "typing" else "key"


def _unused_columns(row: RecordReader, kind: str | None) -> None:
    allowed = _NEWER_COLUMNS.get(kind or "", ())
    for name in _ALL_NEWER_COLUMNS:
        if name not in allowed and row.record.get(name) not in (None, ""):
            row.bad(
                name,
                "column.not_allowed",
                f"Kolom ini tidak dipakai soal jenis {kind}; kosongkan",
                f"This column is not used by a {kind} item; leave it empty",
            )


def _newer(
    row: RecordReader, kind: str, options: list[str], resolver: ImageResolver
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Key, candidate-visible extras and parameters of a newer kind; raises FieldError at the key column."""
    record = row.record
    value = record.get("key")
    if kind == "typing":
        if value not in (None, ""):
            row.bad(
                "key",
                "key.not_allowed",
                "Soal mengetik tidak memakai kunci; teks yang diketik ada di kolom teks_ketik",
                "A typing item has no key; the text to type goes in the typing_text column",
            )
        text = row.text("typing_text", multiline=True, limit=2000)
        try:
            return None, {}, kinds.typing_params(text, record.get("time_limit"))
        except FieldError as err:
            name = "typing_text" if err.code.startswith("typing_text") else "time_limit"
            row.problems.append(located(record, name, row.source, err))
            return None, {}, {}
    if kind == "short_text":
        return kinds.short_text_key(value, row.text("pattern")), {}, {}
    if value is None or value == "":
        raise FieldError("key.empty", "Kunci jawaban kosong", "The answer key is empty")
    if kind == "numeric":
        key = kinds.decimal_text(value, what_id="Kunci", what_en="Key")
        try:
            params = kinds.numeric_params(record.get("tolerance"))
        except FieldError as err:
            row.problems.append(located(record, "tolerance", row.source, err))
            params = {}
        return (str(key) if isinstance(key, int) else key), {}, params
    if kind == "ordering":
        letters = _letters(value)
        _check_members(letters, options)
        return letters, {}, {}
    if kind == "matching":
        try:
            left = kinds.left_items(record.get("left"))
        except FieldError as err:
            row.problems.append(located(record, "left", row.source, err))
            return None, {}, {}
        return kinds.matching_key(value, left, options), {"left": left}, {}
    # document / spreadsheet
    rubric = kinds.rubric_key(value)
    ref = row.text("start_file")
    if not ref:
        return rubric, {}, {}
    start = kinds.start_file(ref, kind, resolver.files, resolver.find)
    resolver.media.setdefault(start.sha256, start.media)
    return rubric, {"start_file": {"sha256": start.sha256, "name": start.name}}, {"start_sha256": start.sha256}


def _relocate(p: Problem, record: Record, source: str, kind: str | None = None) -> Problem:
    """A grader problem at this row, under the committee's column name."""
    column = RAW_TO_COLUMN.get(p.field or "")
    if p.field == "params" and kind in _PARAMS_COLUMN and not (kind == "numeric" and "partial" in p.en):
        column = _PARAMS_COLUMN[kind]
    written = record.headers.get(column, p.field) if column else p.field
    return dataclasses.replace(p, row=record.row, field=written, source=p.source or source)


# ---- entry points -------------------------------------------------------------------------------------


def load_bank(data: bytes, filename: str, images: Mapping[str, bytes] | None = None) -> Bank:
    """Read a question bank (XLSX, CSV or JSON); images are looked up by file name in ``images``.

    All or nothing: every problem of every row is raised together as one ``ProblemsError``.
    """
    table = read_table(data, filename, BANK_LAYOUT, sheet="soal", allow_json=True)
    resolver = ImageResolver(images)
    problems = list(table.problems)
    seen: dict[str, int] = {}
    items = []
    for record in table.records:
        row = RecordReader(record, filename)
        item = _item(row, resolver, seen)
        problems += row.problems
        if item is not None:
            items.append(item)
    if not table.records:
        problems.append(
            problem(
                "bank.empty",
                f"Berkas {filename} tidak berisi soal",
                f"File {filename} contains no items",
                source=filename,
            )
        )
    raise_if(problems)
    columns = table.headers or (table.records[0].headers if table.records else {})
    return Bank(
        items=tuple(items),
        media=MappingProxyType(dict(resolver.media)),
        source=filename,
        columns=MappingProxyType(dict(columns)),
    )


class _ZipImages(Mapping[str, bytes]):
    """Images inside a ZIP, read only when a row references them and never beyond the size limit."""

    def __init__(self, zf: zipfile.ZipFile, infos: Mapping[str, zipfile.ZipInfo]) -> None:
        self._zf = zf
        self._infos = infos

    def __getitem__(self, name: str) -> bytes:
        try:
            with self._zf.open(self._infos[name]) as f:
                return f.read(MAX_IMAGE_BYTES + 1)
        except KeyError:
            raise
        except Exception as exc:  # damaged or encrypted entry: a problem at the row, not a crash
            raise ImageError(
                "image.unreadable",
                f"Gambar '{name}' di ZIP tidak dapat dibaca ({exc})",
                f"Image '{name}' in the ZIP cannot be read ({exc})",
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)


def _hidden(path: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in path.split("/"))


def load_bank_zip(data: bytes, filename: str) -> Bank:
    """A ZIP with exactly one bank file (``.xlsx``/``.csv``/``.json``) and its images beside it."""
    check_size(data, filename, MAX_ZIP_BYTES)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir() and not _hidden(i.filename.replace("\\", "/"))]
            if any(i.filename == "xl/workbook.xml" for i in infos):
                return load_bank(data, filename)  # the bank itself was uploaded, not a ZIP around it
            _check_zip(zf, filename)
            banks = [i for i in infos if suffix(i.filename) in _BANK_EXTS]
            bank = _one_bank(banks, filename)
            bank_path = bank.filename.replace("\\", "/")
            base = str(PurePosixPath(bank_path).parent)
            prefix = "" if base == "." else base + "/"
            images = {
                i.filename.replace("\\", "/")[len(prefix) :]: i
                for i in infos
                if i is not bank and i.filename.replace("\\", "/").startswith(prefix)
            }
            source = f"{filename}:{bank_path}"
            if bank.file_size > MAX_FILE_BYTES:
                raise file_problem(
                    "file.too_large",
                    f"Berkas {source} terlalu besar (batas {MAX_FILE_BYTES // (1024 * 1024)} MB)",
                    f"File {source} is too large (limit {MAX_FILE_BYTES // (1024 * 1024)} MB)",
                    source,
                )
            bank_bytes = zf.read(bank)
            return load_bank(bank_bytes, source, _ZipImages(zf, images))
    except ProblemsError:
        raise
    except Exception as exc:  # zipfile raises several types for damaged archives
        raise file_problem(
            "file.not_zip",
            f"Berkas {filename} bukan arsip ZIP yang sah atau rusak ({type(exc).__name__}: {exc})"[:400],
            f"File {filename} is not a valid ZIP archive or is damaged ({type(exc).__name__}: {exc})"[:400],
            filename,
        ) from None


def _check_zip(zf: zipfile.ZipFile, filename: str) -> None:
    infos = zf.infolist()
    total = sum(i.file_size for i in infos)
    if len(infos) > MAX_ZIP_ENTRIES or total > MAX_ZIP_UNCOMPRESSED:
        raise file_problem(
            "file.zip_bomb",
            f"Arsip {filename} terlalu besar setelah dibuka ({len(infos)} berkas, {total:,} byte; batas "
            f"{MAX_ZIP_ENTRIES} berkas dan {MAX_ZIP_UNCOMPRESSED // (1024 * 1024)} MB)",
            f"Archive {filename} is too large once unpacked ({len(infos)} files, {total:,} bytes; limit "
            f"{MAX_ZIP_ENTRIES} files and {MAX_ZIP_UNCOMPRESSED // (1024 * 1024)} MB)",
            filename,
        )


def _one_bank(banks: list[zipfile.ZipInfo], filename: str) -> zipfile.ZipInfo:
    if len(banks) == 1:
        return banks[0]
    if not banks:
        raise file_problem(
            "zip.no_bank",
            f"Arsip {filename} tidak berisi berkas soal (.xlsx, .csv atau .json)",
            f"Archive {filename} contains no bank file (.xlsx, .csv or .json)",
            filename,
        )
    names = ", ".join(sorted(i.filename for i in banks)[:10])
    raise file_problem(
        "zip.many_banks",
        f"Arsip {filename} berisi lebih dari satu berkas soal ({names}); sisakan satu",
        f"Archive {filename} contains more than one bank file ({names}); keep only one",
        filename,
    )
