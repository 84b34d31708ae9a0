"""Build validated specs from raw dicts (what importers produce), reporting every problem at once."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from grader.canonical import JsonValue
from grader.exact import DecimalError, decimal_text, parse_decimal, points_to_milli, round_half_up
from grader.items.base import (
    Collector,
    kinds,
    parse_identity,
    rule_for,
    show,
    type_name_en,
    type_name_id,
    unknown_kind_problem,
    valid_code,
)
from grader.model import ExamSpec, ItemSpec, SectionSpec
from grader.problems import Problem, ProblemsError

EXAM_FIELDS = frozenset({"code", "title", "sections", "pass_total_min", "items"})
SECTION_FIELDS = frozenset({"code", "title", "weight", "pass_min"})
ROW_FIELD = "_row"
"""Importers put the spreadsheet row of an item or section here; it locates that entry's problems."""


def build_item(raw: object) -> ItemSpec:
    """Validate one raw item; ``ProblemsError`` with every problem (located at ``raw["_row"]`` if given)."""
    row = _row_of(raw)
    try:
        return _build_item(raw)
    except ProblemsError as exc:
        raise ProblemsError([problem.located(row=row) for problem in exc.problems]) from None


def _build_item(raw: object) -> ItemSpec:
    if not isinstance(raw, Mapping):
        raise ProblemsError([_not_object("item", "soal", "an item", raw)])
    kind = raw.get("kind")
    if isinstance(kind, str) and kind in kinds():
        return rule_for(kind).parse(raw)
    p = Collector(raw)
    parse_identity(raw, p)
    if kind is None:
        p.problems.append(
            Problem(
                code="kind.missing",
                id=f"Jenis soal belum diisi (pilihan: {', '.join(kinds())})",
                en=f"The item kind is missing (choices: {', '.join(kinds())})",
                field="kind",
            )
        )
    else:
        p.problems.append(unknown_kind_problem(kind))
    raise p.error()


def build_exam(raw: object) -> ExamSpec:
    """Validate a whole exam definition; nothing is returned unless every part is right."""
    if not isinstance(raw, Mapping):
        raise ProblemsError([_not_object("exam", "ujian", "an exam", raw)])
    problems: list[Problem] = []
    for name in sorted(k for k in raw if k not in EXAM_FIELDS and not k.startswith("_")):
        problems.append(_unknown_field(name, EXAM_FIELDS))
    code = raw.get("code")
    if not valid_code(code):
        problems.append(
            Problem(
                code="exam.code.invalid",
                id=f"Kode ujian {show(code)} tidak sah: harus teks, mis. 'PD-2026'",
                en=f"Exam code {show(code)} is invalid: it must be text, e.g. 'PD-2026'",
                field="code",
            )
        )
    title = raw.get("title", "")
    if not isinstance(title, str):
        problems.append(
            Problem(
                code="exam.title.invalid",
                id="Judul ujian harus berupa teks",
                en="The exam title must be text",
                field="title",
            )
        )
    sections = _build_sections(raw.get("sections"), problems)
    raw_sections = raw.get("sections")
    declared = [c for c in map(_declared_code, raw_sections if isinstance(raw_sections, list) else []) if c]
    pass_total_min = _threshold(raw.get("pass_total_min"), "pass_total_min", "", "", problems)
    items = _build_items(raw.get("items"), declared, problems)
    if problems or not isinstance(code, str) or not isinstance(title, str):
        raise ProblemsError(problems)
    exam = ExamSpec(code, title, tuple(sections), tuple(items), pass_total_min)
    problems.extend(_reachability_problems(exam, raw))
    if problems:
        raise ProblemsError(problems)
    return exam


def item_to_raw(item: ItemSpec) -> dict[str, JsonValue]:
    """The raw dict that builds back to an equal item (for ``scoring.json`` in the bundle)."""
    raw: dict[str, JsonValue] = {
        "code": item.code,
        "section": item.section,
        "kind": item.kind,
        "points": item.points,
        "options": list(item.options),
        "key": rule_for(item.kind).raw_key(item),
        "params": dict(item.params),
    }
    return raw


def exam_to_raw(exam: ExamSpec) -> dict[str, JsonValue]:
    """The raw dict that builds back to an equal exam; weights and thresholds as decimal strings."""
    sections: list[JsonValue] = []
    for section in exam.sections:
        sections.append(
            {
                "code": section.code,
                "title": section.title,
                "weight": decimal_text(section.weight),
                "pass_min": _milli_text(section.pass_min_milli),
            }
        )
    return {
        "code": exam.code,
        "title": exam.title,
        "sections": sections,
        "pass_total_min": _milli_text(exam.pass_total_min_milli),
        "items": [item_to_raw(item) for item in exam.items],
    }


# ---- sections ----------------------------------------------------------------------------------------


def _build_sections(raw: object, problems: list[Problem]) -> list[SectionSpec]:
    if not isinstance(raw, list) or not raw:
        problems.append(
            Problem(
                code="sections.empty",
                id="Ujian harus memiliki paling sedikit satu bagian (daftar 'sections')",
                en="The exam needs at least one section (a 'sections' list)",
                field="sections",
            )
        )
        return []
    built: list[SectionSpec] = []
    seen: set[str] = set()
    for entry in raw:
        section = _build_section(entry, problems)
        if section is not None:
            built.append(section)
        section_code = _declared_code(entry)
        if section_code is not None and section_code in seen:
            problems.append(
                Problem(
                    code="section.code.duplicate",
                    id=f"Kode bagian '{section_code}' dipakai lebih dari sekali",
                    en=f"Section code '{section_code}' is used more than once",
                    row=_row_of(entry),
                    field="code",
                )
            )
        if section_code is not None:
            seen.add(section_code)
    return built


def _declared_code(raw: object) -> str | None:
    """The code an entry declares, even if the rest of it is wrong (so later checks do not cascade)."""
    code = raw.get("code") if isinstance(raw, Mapping) else None
    return code if isinstance(code, str) and valid_code(code) else None


def _build_section(raw: object, problems: list[Problem]) -> SectionSpec | None:
    if not isinstance(raw, Mapping):
        problems.append(_not_object("section", "bagian", "a section", raw))
        return None
    row = _row_of(raw)
    found: list[Problem] = []
    for name in sorted(k for k in raw if k not in SECTION_FIELDS and not k.startswith("_")):
        found.append(_unknown_field(name, SECTION_FIELDS))
    code = raw.get("code")
    prefix_id, prefix_en = (f"Bagian {code}: ", f"Section {code}: ") if valid_code(code) else ("", "")
    if not valid_code(code):
        found.append(
            Problem(
                code="section.code.invalid",
                id=f"Kode bagian {show(code)} tidak sah: harus teks, mis. 'TIK'",
                en=f"Section code {show(code)} is invalid: it must be text, e.g. 'TIK'",
                field="code",
            )
        )
    title = raw.get("title", "")
    if not isinstance(title, str):
        found.append(
            Problem(
                code="section.title.invalid",
                id=prefix_id + "judul bagian harus berupa teks",
                en=prefix_en + "the section title must be text",
                field="title",
            )
        )
    weight = _weight(raw.get("weight", 1), prefix_id, prefix_en, found)
    pass_min = _threshold(raw.get("pass_min"), "pass_min", prefix_id, prefix_en, found)
    problems.extend(problem.located(row=row) for problem in found)
    if found or not isinstance(code, str) or not isinstance(title, str) or weight is None:
        return None
    return SectionSpec(code, title, weight, pass_min)


def _weight(value: object, prefix_id: str, prefix_en: str, problems: list[Problem]) -> Fraction | None:
    try:
        weight = parse_decimal(value)
    except DecimalError as exc:
        problems.append(
            _decimal_problem("weight", value, exc, prefix_id + "bobot bagian", prefix_en + "the section weight")
        )
        return None
    if weight <= 0:
        problems.append(
            Problem(
                code="weight.not_positive",
                id=prefix_id + f"bobot bagian harus lebih dari 0 (isinya {show(value)})",
                en=prefix_en + f"the section weight must be more than 0 (it is {show(value)})",
                field="weight",
            )
        )
        return None
    return weight


def _threshold(value: object, field: str, prefix_id: str, prefix_en: str, problems: list[Problem]) -> int | None:
    """A pass threshold in points (decimal, at most 3 decimals) as milli-points; None means no threshold."""
    if value is None:
        return None
    what_id = prefix_id + ("nilai ambang bagian" if field == "pass_min" else "nilai ambang total")
    what_en = prefix_en + ("the section pass mark" if field == "pass_min" else "the total pass mark")
    try:
        return points_to_milli(parse_decimal(value))
    except DecimalError as exc:
        problems.append(_decimal_problem(field, value, exc, what_id, what_en))
    except ValueError:
        problems.append(
            Problem(
                code=f"{field}.too_precise",
                id=f"{_cap(what_id)} {show(value)} memiliki lebih dari 3 angka desimal",
                en=f"{_cap(what_en)} {show(value)} has more than 3 decimals",
                field=field,
            )
        )
    return None


# ---- items -------------------------------------------------------------------------------------------


def _build_items(raw: object, sections: list[str], problems: list[Problem]) -> list[ItemSpec]:
    if not isinstance(raw, list) or not raw:
        problems.append(
            Problem(
                code="items.empty",
                id="Ujian harus memiliki paling sedikit satu soal (daftar 'items')",
                en="The exam needs at least one item (an 'items' list)",
                field="items",
            )
        )
        return []
    section_codes = set(sections)
    defined = ", ".join(dict.fromkeys(sections))
    built: list[ItemSpec] = []
    rows: dict[str, list[int | None]] = {}
    for entry in raw:
        try:
            built.append(build_item(entry))
        except ProblemsError as exc:
            problems.extend(exc.problems)
        # Cross-item checks run on the raw fields too, so a broken item still reports these.
        if not isinstance(entry, Mapping):
            continue
        item_code, section, row = _declared_code(entry), entry.get("section"), _row_of(entry)
        if item_code is not None:
            rows.setdefault(item_code, []).append(row)
        if sections and isinstance(section, str) and valid_code(section) and section not in section_codes:
            label_id = f"Soal {item_code}: " if item_code else ""
            label_en = f"Item {item_code}: " if item_code else ""
            problems.append(
                Problem(
                    code="item.section.unknown",
                    id=f"{label_id}bagian '{section}' tidak ada (yang ada: {defined})",
                    en=f"{label_en}section '{section}' does not exist (defined: {defined})",
                    row=row,
                    field="section",
                )
            )
    for item_code, item_rows in rows.items():
        for row in item_rows[1:]:
            problems.append(
                Problem(
                    code="item.code.duplicate",
                    id=f"Kode soal '{item_code}' dipakai lebih dari sekali",
                    en=f"Item code '{item_code}' is used more than once",
                    row=row,
                    field="code",
                )
            )
    return built


def _reachability_problems(exam: ExamSpec, raw: Mapping[str, object]) -> list[Problem]:
    """Sections without items and pass marks above the maximum would make an exam nobody can pass."""
    problems: list[Problem] = []
    raw_sections = raw.get("sections")
    section_rows = [_row_of(s) for s in raw_sections] if isinstance(raw_sections, list) else []
    max_total = 0
    for index, section in enumerate(exam.sections):
        row = section_rows[index] if index < len(section_rows) else None
        items = exam.section_items(section.code)
        section_max = sum(rule_for(item.kind).max_milli(item) for item in items)
        max_total += _weighted(section_max, section.weight)
        if not items:
            problems.append(
                Problem(
                    code="section.no_items",
                    id=f"Bagian {section.code} tidak memiliki soal",
                    en=f"Section {section.code} has no items",
                    row=row,
                    field="code",
                )
            )
        elif section.pass_min_milli is not None and section.pass_min_milli > section_max:
            problems.append(
                Problem(
                    code="pass_min.above_max",
                    id=f"Bagian {section.code}: nilai ambang {_milli_text(section.pass_min_milli)} melebihi "
                    f"nilai maksimum {_milli_text(section_max)}",
                    en=f"Section {section.code}: pass mark {_milli_text(section.pass_min_milli)} "
                    f"is above the maximum score {_milli_text(section_max)}",
                    row=row,
                    field="pass_min",
                )
            )
    if exam.pass_total_min_milli is not None and exam.pass_total_min_milli > max_total:
        problems.append(
            Problem(
                code="pass_total_min.above_max",
                id=f"Nilai ambang total {_milli_text(exam.pass_total_min_milli)} melebihi "
                f"nilai total maksimum {_milli_text(max_total)}",
                en=f"The total pass mark {_milli_text(exam.pass_total_min_milli)} is above the maximum total "
                f"{_milli_text(max_total)}",
                field="pass_total_min",
            )
        )
    return problems


# ---- helpers -----------------------------------------------------------------------------------------


def _weighted(milli: int, weight: Fraction) -> int:
    return round_half_up(milli * weight)


def _row_of(raw: object) -> int | None:
    if isinstance(raw, Mapping):
        row = raw.get(ROW_FIELD)
        if isinstance(row, int) and not isinstance(row, bool):
            return row
    return None


def _milli_text(milli: int | None) -> str | None:
    return None if milli is None else decimal_text(Fraction(milli, 1000))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _not_object(code: str, what_id: str, what_en: str, value: object) -> Problem:
    return Problem(
        code=f"{code}.not_object",
        id=f"Data {what_id} harus berupa objek (kolom: nilai), bukan {type_name_id(value)}",
        en=f"The data of {what_en} must be an object (field: value), not {type_name_en(value)}",
    )


def _unknown_field(name: str, known: frozenset[str]) -> Problem:
    listed = ", ".join(sorted(known))
    return Problem(
        code="field.unknown",
        id=f"Kolom '{name}' tidak dikenal (yang dikenal: {listed})",
        en=f"Field '{name}' is unknown (known fields: {listed})",
        field=name,
    )


def _decimal_problem(field: str, value: object, exc: DecimalError, what_id: str, what_en: str) -> Problem:
    if exc.hint == "float":
        tail_id = 'jangan pakai bilangan pecahan (float); tulis sebagai teks desimal, mis. "0.6"'
        tail_en = 'do not use a float; write it as a decimal string, e.g. "0.6"'
    elif exc.hint == "comma":
        fixed = str(value).replace(",", ".")
        tail_id = f'gunakan titik sebagai pemisah desimal: "{fixed}"'
        tail_en = f'use a point as the decimal separator: "{fixed}"'
    else:
        tail_id = 'harus angka desimal tidak negatif, mis. "0.6" atau "60"'
        tail_en = 'it must be a non-negative decimal number, e.g. "0.6" or "60"'
    return Problem(
        code=f"{field}.invalid",
        id=f"{_cap(what_id)} {show(value)} tidak sah: {tail_id}",
        en=f"{_cap(what_en)} {show(value)} is invalid: {tail_en}",
        field=field,
    )
