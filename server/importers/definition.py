"""The exam definition (``ujian.toml`` or JSON): title, timing, shuffling, sections and thresholds."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from grader.problems import Problem, ProblemsError
from server.importers.common import (
    MAX_INSTRUCTIONS_CHARS,
    MAX_SHORT_CHARS,
    alias_table,
    check_size,
    clean_text,
    file_problem,
    norm_header,
    problem,
    raise_if,
    valid_code,
)
from server.importers.tabular import decode_text, load_json

PUBLIC_FIELDS = ("number", "name", "village", "position")
MAX_DURATION_MINUTES = 600

_TOP = {
    "code": ("kode", "code"),
    "title": ("judul", "title"),
    "instructions_id": ("petunjuk", "instructions_id", "petunjuk_id"),
    "instructions_en": ("petunjuk_en", "instructions_en"),
    "duration_minutes": ("durasi_menit", "duration_minutes"),
    "shuffle_items": ("acak_soal", "shuffle_items"),
    "shuffle_options": ("acak_opsi", "shuffle_options"),
    "sections": ("bagian", "sections"),
    "pass_total_min": ("lulus_total_min", "pass_total_min"),
    "public_fields": ("kolom_publik", "public_fields"),
    "scoring": ("penilaian", "scoring"),
    "regrade_approvals": ("persetujuan_koreksi", "regrade_approvals"),
}
DEFAULT_REGRADE_APPROVALS = 2
MAX_REGRADE_APPROVALS = 9
_SECTION = {
    "code": ("kode", "code"),
    "title": ("judul", "title"),
    "weight": ("bobot", "weight"),
    "pass_min": ("lulus_min", "pass_min"),
}
_PUBLIC = {
    "number": ("nomor", "no_peserta", "number"),
    "name": ("nama", "name"),
    "village": ("desa", "village"),
    "position": ("jabatan", "formasi", "position"),
}
_DECIMAL = re.compile(r"\d+(\.\d+)?")


@dataclass(frozen=True, slots=True)
class SectionDef:
    code: str
    title: str
    weight: str
    """Decimal string > 0, e.g. ``"1"`` or ``"1.5"``."""
    pass_min: str | None
    """Minimum section score in points (decimal string), or None."""


@dataclass(frozen=True, slots=True)
class ExamDefinition:
    code: str
    title: str
    instructions_id: str
    instructions_en: str
    duration_s: int
    shuffle_items: bool
    shuffle_options: bool
    sections: tuple[SectionDef, ...]
    pass_total_min: str | None
    public_fields: tuple[str, ...]
    """Subset of ``number``, ``name``, ``village``, ``position`` shown on the public board, in that order."""
    source: str = ""
    scoring: Mapping[str, Any] | None = None
    """The committee's scoring rules (components, bonus, cap, tie-breaks) as written, decimals as text;
    ``grader.components.build_rules`` checks them against the exam. None: the exam total alone."""
    regrade_approvals: int = DEFAULT_REGRADE_APPROVALS
    """How many committee members other than the proposer must approve a key correction."""


class _Obj:
    """One TOML/JSON table with its keys mapped to canonical names; problems name keys as written."""

    def __init__(
        self,
        obj: Mapping[str, Any],
        aliases: Mapping[str, tuple[str, ...]],
        prefix: str,
        source: str,
        problems: list[Problem],
    ) -> None:
        self.source = source
        self.problems = problems
        self.prefix = prefix
        self.aliases = aliases
        self.values: dict[str, Any] = {}
        self.written: dict[str, str] = {}
        table = alias_table(aliases)
        for key, value in obj.items():
            canonical = table.get(norm_header(str(key)))
            if canonical is None:
                known = ", ".join(names[0] for names in aliases.values())
                self.bad(
                    str(key),
                    "def.unknown_key",
                    f"Kunci '{key}' tidak dikenal (yang dikenal: {known})",
                    f"Key '{key}' is unknown (known keys: {known})",
                )
            elif canonical in self.written:
                self.bad(
                    str(key),
                    "def.duplicate_key",
                    f"Kunci '{key}' sama dengan '{self.written[canonical]}'; tulis satu saja",
                    f"Key '{key}' duplicates '{self.written[canonical]}'; write only one",
                )
            else:
                self.values[canonical] = value
                self.written[canonical] = str(key)

    def name(self, canonical: str) -> str:
        return self.prefix + self.written.get(canonical, self.aliases[canonical][0])

    def bad(self, key: str, code: str, id: str, en: str) -> None:
        self.problems.append(problem(code, id, en, field=self.prefix + key, source=self.source))

    def bad_field(self, canonical: str, code: str, id: str, en: str) -> None:
        self.problems.append(problem(code, id, en, field=self.name(canonical), source=self.source))

    def missing(self, canonical: str) -> None:
        self.bad_field(
            canonical,
            "def.missing",
            f"'{self.name(canonical)}' wajib diisi",
            f"'{self.name(canonical)}' is required",
        )

    def wrong_type(self, canonical: str, id_type: str, en_type: str) -> None:
        self.bad_field(
            canonical,
            "def.type",
            f"'{self.name(canonical)}' harus {id_type}",
            f"'{self.name(canonical)}' must be {en_type}",
        )

    def text(self, canonical: str, *, required: bool, limit: int = MAX_SHORT_CHARS, multiline: bool = False) -> str:
        value = self.values.get(canonical)
        if value is None:
            if required:
                self.missing(canonical)
            return ""
        if not isinstance(value, str):
            self.wrong_type(canonical, "teks", "text")
            return ""
        text = clean_text(value, multiline=multiline)
        if required and not text:
            self.missing(canonical)
        if len(text) > limit:
            self.bad_field(
                canonical,
                "text.too_long",
                f"Teks terlalu panjang: {len(text)} karakter (batas {limit})",
                f"Text is too long: {len(text)} characters (limit {limit})",
            )
        return text

    def code(self, canonical: str) -> str:
        code = self.text(canonical, required=True)
        if code and not valid_code(code):
            self.bad_field(
                canonical,
                "def.code_invalid",
                f"Kode '{code}' tidak sah: pakai huruf, angka, titik, garis bawah atau tanda minus",
                f"Code '{code}' is invalid: use letters, digits, dot, underscore or dash",
            )
        return code

    def flag(self, canonical: str, default: bool) -> bool:
        value = self.values.get(canonical, default)
        if not isinstance(value, bool):
            self.wrong_type(canonical, "true atau false", "true or false")
            return default
        return value

    def decimal(self, canonical: str, *, positive: bool, places: int, maximum: int) -> str | None:
        """A decimal given as int, TOML/JSON number (kept exact) or string; returned as a plain string."""
        value = self.values.get(canonical)
        if value is None:
            return None
        number: Decimal | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = Decimal(value)
        elif isinstance(value, Decimal) and value.is_finite():
            number = value
        elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                number = None
        exponent = number.as_tuple().exponent if number is not None else 0
        if (
            number is None
            or number < 0
            or (positive and number == 0)
            or number > maximum
            or not isinstance(exponent, int)
            or -exponent > places
        ):
            low = "lebih dari 0" if positive else "0 atau lebih"
            low_en = "greater than 0" if positive else "0 or more"
            self.bad_field(
                canonical,
                "def.decimal",
                f"'{self.name(canonical)}' harus bilangan {low} sampai {maximum}, paling banyak {places} "
                f'angka di belakang titik, mis. "1.5" (tertulis: {value!s})',
                f"'{self.name(canonical)}' must be a number {low_en} up to {maximum} with at most {places} "
                f'decimals, e.g. "1.5" (written: {value!s})',
            )
            return None
        text = format(number, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text


def _parse_document(data: bytes, filename: str) -> Any:
    check_size(data, filename, 1024 * 1024)
    text = decode_text(data, filename)
    if text.lstrip().startswith("{") or filename.lower().endswith(".json"):
        return load_json(data, filename)
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ProblemsError(
            [
                problem(
                    "file.toml_syntax",
                    f"Berkas {filename} bukan TOML yang sah: {exc}",
                    f"File {filename} is not valid TOML: {exc}",
                    row=int(match[1]) if match else None,
                    source=filename,
                )
            ]
        ) from None
    except RecursionError:
        raise file_problem(
            "file.toml_syntax",
            f"Berkas {filename} terlalu bersarang",
            f"File {filename} is nested too deeply",
            filename,
        ) from None


def _sections(top: _Obj, problems: list[Problem], source: str) -> tuple[SectionDef, ...]:
    value = top.values.get("sections")
    if value is None:
        top.missing("sections")
        return ()
    if not isinstance(value, list) or not value:
        top.wrong_type(
            "sections",
            "daftar bagian yang tidak kosong ([[bagian]] di TOML)",
            "a non-empty list of sections ([[bagian]] in TOML)",
        )
        return ()
    sections = []
    seen: set[str] = set()
    for number, raw in enumerate(value, start=1):
        prefix = f"{top.name('sections')}[{number}]."
        if not isinstance(raw, dict):
            top.bad_field(
                "sections",
                "def.type",
                f"Bagian ke-{number} harus berupa tabel",
                f"Section {number} must be a table",
            )
            continue
        sec = _Obj(raw, _SECTION, prefix, source, problems)
        code = sec.code("code")
        if code and code.casefold() in seen:
            sec.bad_field(
                "code",
                "def.duplicate_section",
                f"Kode bagian '{code}' ditulis dua kali",
                f"Section code '{code}' appears twice",
            )
        seen.add(code.casefold())
        title = sec.text("title", required=True)
        weight = sec.decimal("weight", positive=True, places=6, maximum=100) if "weight" in sec.values else "1"
        pass_min = sec.decimal("pass_min", positive=False, places=3, maximum=100_000)
        if weight is not None:
            sections.append(SectionDef(code=code, title=title, weight=weight, pass_min=pass_min))
    return tuple(sections)


def _public_fields(top: _Obj) -> tuple[str, ...]:
    value = top.values.get("public_fields")
    if value is None:
        return PUBLIC_FIELDS
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        top.wrong_type(
            "public_fields",
            'daftar teks, mis. ["nomor", "nama", "desa", "jabatan"]',
            'a list of text, e.g. ["number", "name", "village", "position"]',
        )
        return PUBLIC_FIELDS
    table = alias_table(_PUBLIC)
    chosen: list[str] = []
    for name in value:
        canonical = table.get(norm_header(name))
        if canonical is None:
            top.bad_field(
                "public_fields",
                "def.public_field",
                f"Kolom publik '{name}' tidak dikenal (pilihan: nomor, nama, desa, jabatan)",
                f"Public field '{name}' is unknown (choices: number, name, village, position)",
            )
        elif canonical in chosen:
            top.bad_field(
                "public_fields",
                "def.public_field_duplicate",
                f"Kolom publik '{name}' ditulis dua kali",
                f"Public field '{name}' appears twice",
            )
        else:
            chosen.append(canonical)
    return tuple(f for f in PUBLIC_FIELDS if f in chosen)


def load_definition(data: bytes, filename: str) -> ExamDefinition:
    """Read ``ujian.toml`` (or a JSON object with the same keys); all problems are raised together."""
    doc = _parse_document(data, filename)
    if not isinstance(doc, dict):
        raise file_problem(
            "def.shape",
            f"Berkas {filename} harus berisi satu objek/tabel",
            f"File {filename} must contain one object/table",
            filename,
        )
    problems: list[Problem] = []
    top = _Obj(doc, _TOP, "", filename, problems)
    code = top.code("code")
    title = top.text("title", required=True)
    instructions_id = top.text("instructions_id", required=True, limit=MAX_INSTRUCTIONS_CHARS, multiline=True)
    instructions_en = top.text("instructions_en", required=False, limit=MAX_INSTRUCTIONS_CHARS, multiline=True)
    minutes = top.values.get("duration_minutes")
    if minutes is None:
        top.missing("duration_minutes")
    elif isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_DURATION_MINUTES:
        top.bad_field(
            "duration_minutes",
            "def.duration",
            f"Durasi harus bilangan bulat 1–{MAX_DURATION_MINUTES} menit (tertulis: {minutes!s})",
            f"The duration must be a whole number of 1–{MAX_DURATION_MINUTES} minutes (written: {minutes!s})",
        )
        minutes = None
    shuffle_items = top.flag("shuffle_items", True)
    shuffle_options = top.flag("shuffle_options", True)
    sections = _sections(top, problems, filename)
    pass_total_min = top.decimal("pass_total_min", positive=False, places=3, maximum=1_000_000)
    public_fields = _public_fields(top)
    scoring = _scoring(top)
    approvals = top.values.get("regrade_approvals", DEFAULT_REGRADE_APPROVALS)
    if isinstance(approvals, bool) or not isinstance(approvals, int) or not 1 <= approvals <= MAX_REGRADE_APPROVALS:
        top.bad_field(
            "regrade_approvals",
            "def.regrade_approvals",
            f"Jumlah persetujuan koreksi harus bilangan bulat 1–{MAX_REGRADE_APPROVALS} (tertulis: {approvals!s})",
            f"The number of approvals for a correction must be a whole number 1–{MAX_REGRADE_APPROVALS} "
            f"(written: {approvals!s})",
        )
        approvals = DEFAULT_REGRADE_APPROVALS
    raise_if(problems)
    assert isinstance(minutes, int)  # a missing/invalid duration is a problem above
    return ExamDefinition(
        code=code,
        title=title,
        instructions_id=instructions_id,
        instructions_en=instructions_en,
        duration_s=minutes * 60,
        shuffle_items=shuffle_items,
        shuffle_options=shuffle_options,
        sections=sections,
        pass_total_min=pass_total_min,
        public_fields=public_fields,
        source=filename,
        scoring=scoring,
        regrade_approvals=approvals,
    )


def _scoring(top: _Obj) -> Mapping[str, Any] | None:
    """The ``[penilaian]`` table as written, TOML decimals turned into text (the grader reads decimals as
    text so that nothing is rounded); checked against the exam in ``build_package``."""
    value = top.values.get("scoring")
    if value is None:
        return None
    if not isinstance(value, dict):
        top.wrong_type("scoring", "tabel [penilaian]", "a [scoring] table")
        return None
    converted: dict[str, Any] = _decimals_as_text(value)
    return converted


def _decimals_as_text(value: Any) -> Any:
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, dict):
        return {str(k): _decimals_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals_as_text(v) for v in value]
    return value
