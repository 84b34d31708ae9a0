"""Shared pieces of the importers: limits, bilingual problems, text cleaning, header aliases."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from grader.problems import Problem, ProblemsError

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Any one import file (definition, bank, roster, XLSX)."""
MAX_XLSX_UNCOMPRESSED = 50 * 1024 * 1024
"""Sum of the uncompressed sizes in an XLSX's zip directory (zip-bomb guard)."""
MAX_ZIP_BYTES = 100 * 1024 * 1024
"""A bank ZIP (bank file plus images)."""
MAX_ZIP_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 5000
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 100
MAX_QUESTION_CHARS = 5000
MAX_OPTION_CHARS = 1000
MAX_SHORT_CHARS = 200
"""Names, villages, positions, titles, file names."""
MAX_CODE_CHARS = 40
MAX_INSTRUCTIONS_CHARS = 10_000

_DROP = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0/C1 controls except tab and newlines
    "\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks/overrides: they can disguise text
    "\ufeff\ufff9-\ufffb]"
)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


def problem(
    code: str,
    id: str,
    en: str,
    *,
    row: int | None = None,
    field: str | None = None,
    source: str | None = None,
) -> Problem:
    """A bilingual problem (Indonesian first)."""
    return Problem(code=code, id=id, en=en, row=row, field=field, source=source)


def raise_if(problems: Iterable[Problem]) -> None:
    """Raise every collected problem at once; do nothing if there are none."""
    found = list(problems)
    if found:
        raise ProblemsError(found)


def clean_text(value: str, *, multiline: bool = True) -> str:
    """Plain text as we store it: NFC, no control or bidi-override characters, ``\\n`` line ends, trimmed.

    Tabs become spaces. Single-line fields also fold newlines into spaces.
    """
    text = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = unicodedata.normalize("NFC", _DROP.sub("", text))
    text = " ".join(text.split()) if not multiline else "\n".join(line.rstrip() for line in text.split("\n"))
    return text.strip()


def valid_code(value: str) -> bool:
    """Codes appear in URLs, logs and receipts: letters, digits and ``. _ / -`` only."""
    return 0 < len(value) <= MAX_CODE_CHARS and bool(_CODE.match(value))


def norm_header(name: str) -> str:
    """Compare column/key names ignoring case, spaces, underscores and dashes: ``Opsi A`` == ``opsi_a``."""
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKC", name).casefold())


def alias_table(aliases: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Normalized alias -> canonical field name."""
    table: dict[str, str] = {}
    for canonical, names in aliases.items():
        for name in names:
            table[norm_header(name)] = canonical
    return table


def too_long(text: str, limit: int, *, row: int | None, field: str, source: str) -> Problem | None:
    if len(text) <= limit:
        return None
    return problem(
        "text.too_long",
        f"Teks terlalu panjang: {len(text)} karakter (batas {limit})",
        f"Text is too long: {len(text)} characters (limit {limit})",
        row=row,
        field=field,
        source=source,
    )


def file_problem(code: str, id: str, en: str, source: str) -> ProblemsError:
    """A whole-file problem, ready to raise."""
    return ProblemsError([problem(code, id, en, source=source)])


def check_size(data: bytes, source: str, limit: int = MAX_FILE_BYTES) -> None:
    if not data:
        raise file_problem("file.empty", f"Berkas {source} kosong", f"File {source} is empty", source)
    if len(data) > limit:
        mb = limit // (1024 * 1024)
        raise file_problem(
            "file.too_large",
            f"Berkas {source} terlalu besar ({len(data):,} byte; batas {mb} MB)",
            f"File {source} is too large ({len(data):,} bytes; limit {mb} MB)",
            source,
        )
