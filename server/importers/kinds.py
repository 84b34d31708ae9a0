"""Bank columns for the newer item kinds: short text, numbers, ordering, matching, typing, practical files."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from grader.office import ACCEPTS, check_upload, open_package
from server.importers.common import MAX_IMAGE_BYTES, MAX_OPTION_CHARS, norm_header
from server.importers.media import ImageError, Media
from server.importers.tabular import FieldError, as_text

# Kinds whose candidates see no option list (the option columns must stay empty).
NO_OPTIONS = frozenset({"truefalse", "short_text", "numeric", "typing", "document", "spreadsheet"})
PRACTICAL = {"document": "docx", "spreadsheet": "xlsx"}
MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
MAX_START_BYTES = MAX_IMAGE_BYTES
MAX_LEFT = 20

KIND_ALIASES = {
    **dict.fromkeys(("isian", "isiansingkat", "shorttext"), "short_text"),
    **dict.fromkeys(("angka", "isianangka", "numeric"), "numeric"),
    **dict.fromkeys(("urut", "urutan", "mengurutkan", "ordering"), "ordering"),
    **dict.fromkeys(("jodoh", "menjodohkan", "matching"), "matching"),
    **dict.fromkeys(("ketik", "mengetik", "typing"), "typing"),
    **dict.fromkeys(("dokumen", "praktikdokumen", "document"), "document"),
    **dict.fromkeys(("lembarkerja", "praktiklembarkerja", "spreadsheet"), "spreadsheet"),
}
KIND_NAMES = (
    "isian/short_text, angka/numeric, urutan/ordering, jodoh/matching, ketik/typing, dokumen/document, "
    "lembar_kerja/spreadsheet"
)

PARTIAL = {
    "ordering": {
        **dict.fromkeys(("semua", "semuaatautidak", "allornothing"), "all_or_nothing"),
        **dict.fromkeys(("pasangan", "pasanganberurutan", "adjacentpairs"), "adjacent_pairs"),
        "kendall": "kendall",
    },
    "matching": {
        **dict.fromkeys(("perpasangan", "perpair"), "per_pair"),
        **dict.fromkeys(("semua", "semuaatautidak", "allornothing"), "all_or_nothing"),
    },
}
PARTIAL_NAMES = {
    "ordering": "semua/all_or_nothing, pasangan/adjacent_pairs, kendall",
    "matching": "per_pasangan/per_pair, semua/all_or_nothing",
}


def partial_of(kind: str, written: str) -> str | None:
    return PARTIAL.get(kind, {}).get(norm_header(written))


# ---- keys ---------------------------------------------------------------------------------------------


def short_text_key(value: Any, pattern: str) -> Any:
    """``Jakarta | DKI Jakarta`` (or a JSON list) plus an optional pattern column."""
    if isinstance(value, list):
        answers = [as_text(v) for v in value]
    elif value is None:
        answers = []
    else:
        answers = [a.strip() for a in re.split(r"[|\n]", as_text(value, multiline=True))]
    answers = [a for a in answers if a]
    if not answers and not pattern:
        raise FieldError(
            "key.empty",
            "Kunci isian kosong: tulis jawaban yang diterima, dipisah |, mis. Ctrl+C | Control+C",
            "The short-text key is empty: write the accepted answers separated by |, e.g. Ctrl+C | Control+C",
        )
    return {"answers": answers, "pattern": pattern} if pattern else answers


_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def decimal_text(value: Any, *, what_id: str, what_en: str) -> str | int:
    """A number from a cell: ints stay ints; ``3,5`` and ``3.5`` become ``"3.5"`` (no thousands separators)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return int(text) if re.fullmatch(r"-?\d+", text) else text
    text = as_text(value).replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not _NUMBER.fullmatch(text):
        raise FieldError(
            "key.syntax",
            f"{what_id} '{as_text(value)}' bukan angka; tulis mis. 3,5 atau 3.5 tanpa pemisah ribuan",
            f"{what_en} '{as_text(value)}' is not a number; write e.g. 3.5 or 3,5 without thousands separators",
        )
    return int(text) if "." not in text else text


def numeric_params(tolerance: Any) -> dict[str, Any]:
    """``0.5`` → absolute tolerance; ``2%`` → percent of the key."""
    if tolerance is None or as_text(tolerance) == "":
        return {}
    text = as_text(tolerance).strip()
    percent = text.endswith("%")
    number = decimal_text(text[:-1] if percent else tolerance, what_id="Toleransi", what_en="Tolerance")
    if (isinstance(number, str) and number.startswith("-")) or (isinstance(number, int) and number < 0):
        raise FieldError("tolerance.negative", "Toleransi tidak boleh negatif", "The tolerance may not be negative")
    out: dict[str, Any] = {"tolerance": str(number)}
    if percent:
        out["tolerance_mode"] = "percent"
    return out


def left_items(value: Any) -> list[dict[str, str]]:
    """Matching: the left-hand entries, one per line or separated by ``|``; numbered 1, 2, 3 ..."""
    if isinstance(value, list):
        parts = [as_text(v) for v in value]
    else:
        parts = re.split(r"[|\n]", as_text(value, multiline=True))
    texts = [p.strip() for p in parts if p.strip()]
    if not texts:
        raise FieldError(
            "left.empty",
            "Soal menjodohkan memerlukan pernyataan sisi kiri (satu per baris atau dipisah |)",
            "A matching item needs left-hand entries (one per line or separated by |)",
        )
    if len(texts) > MAX_LEFT:
        raise FieldError(
            "left.too_many",
            f"Paling banyak {MAX_LEFT} pernyataan sisi kiri",
            f"At most {MAX_LEFT} left-hand entries",
        )
    for text in texts:
        if len(text) > MAX_OPTION_CHARS:
            raise FieldError(
                "left.too_long",
                f"Pernyataan sisi kiri terlalu panjang (maks. {MAX_OPTION_CHARS} karakter)",
                f"A left-hand entry is too long (at most {MAX_OPTION_CHARS} characters)",
            )
    return [{"id": str(n), "text": t} for n, t in enumerate(texts, start=1)]


def matching_key(value: Any, left: list[dict[str, str]], options: list[str]) -> dict[str, str]:
    """``1=B, 2=A, 3=D`` (or a JSON object): every left entry paired with one option letter."""
    if isinstance(value, dict):
        pairs = [(str(k).strip(), as_text(v).strip().upper()) for k, v in value.items()]
    else:
        pairs = []
        text = re.sub(r"\s*([=:])\s*", r"\1", as_text(value))
        for part in filter(None, re.split(r"[,;\s]+", text)):
            match = re.fullmatch(r"(\d+)[=:]([A-Za-z])", part)
            if not match:
                raise FieldError(
                    "key.syntax",
                    f"Bagian kunci menjodohkan '{part}' tidak sah; tulis seperti 1=B, 2=A, 3=D",
                    f"Matching key part '{part}' is invalid; write it like 1=B, 2=A, 3=D",
                )
            pairs.append((match.group(1), match.group(2).upper()))
    key: dict[str, str] = {}
    for left_id, letter in pairs:
        if left_id in key:
            raise FieldError(
                "key.duplicate",
                f"Pernyataan {left_id} ditulis dua kali di kunci",
                f"Entry {left_id} appears twice in the key",
            )
        if letter not in options:
            raise FieldError(
                "key.unknown_option",
                f"Pasangan {left_id}={letter}: {letter} bukan opsi yang terisi ({', '.join(options) or '-'})",
                f"Pair {left_id}={letter}: {letter} is not a filled-in option ({', '.join(options) or '-'})",
            )
        key[left_id] = letter
    ids = [entry["id"] for entry in left]
    if sorted(key, key=_num) != ids:
        raise FieldError(
            "key.pairs",
            f"Kunci harus memasangkan tepat pernyataan {', '.join(ids)} (tertulis: {', '.join(key) or '-'})",
            f"The key must pair exactly entries {', '.join(ids)} (written: {', '.join(key) or '-'})",
        )
    return key


def _num(text: str) -> int:
    return int(text) if text.isdigit() else 10**9


def typing_params(text: str, time_limit: Any) -> dict[str, Any]:
    if not text:
        raise FieldError(
            "typing_text.empty",
            "Soal mengetik memerlukan teks yang harus diketik (kolom teks_ketik)",
            "A typing item needs the text to type (column teks_ketik / typing_text)",
        )
    limit = time_limit
    if isinstance(limit, Decimal) and limit == limit.to_integral_value():
        limit = int(limit)
    elif isinstance(limit, str) and limit.strip().isdigit():
        limit = int(limit.strip())
    if not isinstance(limit, int) or isinstance(limit, bool) or not 10 <= limit <= 3600:
        raise FieldError(
            "time_limit.invalid",
            f"Batas waktu mengetik '{as_text(time_limit)}' harus bilangan bulat detik 10–3600, mis. 120",
            f"The typing time limit '{as_text(time_limit)}' must be whole seconds 10–3600, e.g. 120",
        )
    return {"text": text, "time_limit_s": limit}


def rubric_key(value: Any) -> Any:
    """A practical task's rubric: a JSON list of lines (a cell holds the JSON text)."""
    if isinstance(value, list):
        return value
    text = as_text(value, multiline=True)
    try:
        parsed = json.loads(text)
    except ValueError as exc:
        raise FieldError(
            "key.json",
            f'Rubrik harus berupa daftar JSON baris rubrik ([{{"id": "L1", "check": ...}}]): {exc}',
            f'The rubric must be a JSON list of rubric lines ([{{"id": "L1", "check": ...}}]): {exc}',
        ) from None
    return parsed


# ---- starting files -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StartFile:
    sha256: str
    name: str
    media: Media


def start_file(ref: str, kind: str, files: Mapping[str, bytes] | None, find: Any) -> StartFile:
    """The practical task's starting file, found like an image (``find(ref)`` → the mapping key) and checked
    like an upload (a real .docx/.odt or .xlsx/.ods, no macros, no password)."""
    name = find(ref)
    assert files is not None
    data = files[name]
    if len(data) > MAX_START_BYTES:
        raise ImageError(
            "start_file.too_large",
            f"Berkas awal '{ref}' terlalu besar (lebih dari {MAX_START_BYTES // (1024 * 1024)} MB)",
            f"Starting file '{ref}' is too large (over {MAX_START_BYTES // (1024 * 1024)} MB)",
        )
    accepted = ACCEPTS[PRACTICAL[kind]]
    problem = check_upload(bytes(data), accepted, MAX_START_BYTES)
    if problem is not None:
        raise ImageError(
            f"start_file.{problem.code}", f"Berkas awal '{ref}': {problem.id}", f"Starting file '{ref}': {problem.en}"
        )
    found = open_package(bytes(data), accepted).format  # .docx or .odt, .xlsx or .ods: served as what it is
    digest = hashlib.sha256(data).hexdigest()
    return StartFile(digest, name.rsplit("/", 1)[-1], Media(content_type=MIME[found], data=bytes(data)))
