"""Cross-checks the three imports into one exam package, and loads a committee folder in one go."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from grader.build import build_exam
from grader.components import FormationRules, build_rules, default_rules
from grader.problems import Problem, ProblemsError
from server.importers.bank import BANK_NAMES, RAW_TO_COLUMN, Bank, load_bank
from server.importers.common import MAX_FILE_BYTES, MAX_IMAGE_BYTES, problem, raise_if
from server.importers.definition import ExamDefinition, load_definition
from server.importers.media import ImageError
from server.importers.roster import ROSTER_NAMES, Roster, load_roster

if TYPE_CHECKING:
    from grader.model import ExamSpec

DEFINITION_NAMES = ("ujian.toml", "ujian.json")
_DEFINITION_KEYS = {
    "code": "kode",
    "title": "judul",
    "sections": "bagian",
    "pass_total_min": "lulus_total_min",
}
_SECTION_KEYS = {"code": "kode", "title": "judul", "weight": "bobot", "pass_min": "lulus_min"}
IMAGE_DIR = "gambar"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ExamPackage:
    """Everything the server stores, in one transaction, to set up an exam."""

    definition: ExamDefinition
    exam_spec: ExamSpec
    bank: Bank
    roster: Roster
    rules: FormationRules = dataclasses.field(default_factory=default_rules)
    """How every formation's final score and rank are computed (public from the opening checkpoint)."""


def _item_row(raw: Mapping[str, Any]) -> int | None:
    row = raw.get("_row")
    return row if isinstance(row, int) else None


def build_package(definition: ExamDefinition, bank: Bank, roster: Roster) -> ExamPackage:
    """Check that the three files agree and build the grader's ExamSpec; raises ProblemsError with all."""
    problems: list[Problem] = []
    codes = [s.code for s in definition.sections]
    section_column = bank.columns.get("section", "bagian")
    for item in bank.items:
        if item.section not in codes:
            problems.append(
                problem(
                    "section.unknown",
                    f"Soal {item.code}: bagian '{item.section}' tidak ada di definisi ujian "
                    f"(bagian yang ada: {', '.join(codes)})",
                    f"Item {item.code}: section '{item.section}' is not in the exam definition "
                    f"(defined sections: {', '.join(codes)})",
                    row=_item_row(item.raw),
                    field=section_column,
                    source=bank.source or None,
                )
            )
    used = {item.section for item in bank.items}
    for number, section in enumerate(definition.sections, start=1):
        if section.code not in used:
            problems.append(
                problem(
                    "section.no_items",
                    f"Bagian '{section.code}' tidak punya soal di bank soal",
                    f"Section '{section.code}' has no items in the question bank",
                    field=f"bagian[{number}].kode",
                    source=definition.source or None,
                )
            )
    if not roster.rows:
        problems.append(
            problem("roster.empty", "Daftar peserta kosong", "The roster is empty", source=roster.source or None)
        )
    for row in roster.rows:
        if not row.session.strip():
            problems.append(
                problem(
                    "session.empty",
                    "Sesi kosong",
                    "The session is empty",
                    row=row.row,
                    field="sesi",
                    source=roster.source or None,
                )
            )
    raise_if(problems)
    raw_exam = {
        "code": definition.code,
        "title": definition.title,
        "sections": [
            {"code": s.code, "title": s.title, "weight": s.weight, "pass_min": s.pass_min} for s in definition.sections
        ],
        "pass_total_min": definition.pass_total_min,
        "items": [dict(item.raw) for item in bank.items],
    }
    try:
        exam_spec = build_exam(raw_exam)
    except ProblemsError as exc:
        raise ProblemsError([_locate(p, definition, bank) for p in exc.problems]) from None
    rules = _rules(definition, exam_spec)
    return ExamPackage(definition=definition, exam_spec=exam_spec, bank=bank, roster=roster, rules=rules)


def _rules(definition: ExamDefinition, exam_spec: ExamSpec) -> FormationRules:
    """The committee's scoring rules checked against the exam; problems under ``penilaian.<field>``."""
    if definition.scoring is None:
        return default_rules()
    try:
        return build_rules(definition.scoring, exam_spec)
    except ProblemsError as exc:
        raise ProblemsError(
            [
                dataclasses.replace(
                    p, field=f"penilaian.{p.field}" if p.field else "penilaian", source=definition.source or None
                )
                for p in exc.problems
            ]
        ) from None


def _locate(p: Problem, definition: ExamDefinition, bank: Bank) -> Problem:
    """A grader problem about an item belongs to the bank file (under the committee's column name);
    anything else to the definition (under its TOML key)."""
    if p.row is not None:
        column = RAW_TO_COLUMN.get(p.field or "")
        field = bank.columns.get(column, p.field) if column else p.field
        return dataclasses.replace(p, field=field, source=p.source or bank.source or None)
    field = _DEFINITION_KEYS.get(p.field or "", p.field)
    for number, section in enumerate(definition.sections, start=1):
        if p.en.startswith((f"Section {section.code}:", f"Section {section.code} ")):
            field = f"bagian[{number}].{_SECTION_KEYS.get(p.field or '', p.field)}"
    return dataclasses.replace(p, field=field, source=p.source or definition.source or None)


# ---- a committee folder -------------------------------------------------------------------------------


def _too_large(path: Path, limit: int) -> Problem:
    return problem(
        "file.too_large",
        f"Berkas {path.name} terlalu besar (batas {limit // (1024 * 1024)} MB)",
        f"File {path.name} is too large (limit {limit // (1024 * 1024)} MB)",
        source=path.name,
    )


def _read(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    try:
        if path.stat().st_size > limit:
            raise ProblemsError([_too_large(path, limit)])
        return path.read_bytes()
    except OSError as exc:
        raise ProblemsError(
            [
                problem(
                    "file.unreadable",
                    f"Berkas {path.name} tidak dapat dibaca ({exc.strerror})",
                    f"File {path.name} cannot be read ({exc.strerror})",
                    source=path.name,
                )
            ]
        ) from None


class _DirImages(Mapping[str, bytes]):
    """Image files under a folder, by relative path, read lazily and never beyond the size limit."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._paths: dict[str, Path] = {}
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink() and not path.name.startswith("."):
                    self._paths[path.relative_to(root).as_posix()] = path

    def __getitem__(self, name: str) -> bytes:
        path = self._paths[name]
        try:
            with path.open("rb") as f:
                return f.read(MAX_IMAGE_BYTES + 1)
        except OSError as exc:
            raise ImageError(
                "image.unreadable",
                f"Gambar '{name}' tidak dapat dibaca ({exc.strerror})",
                f"Image '{name}' cannot be read ({exc.strerror})",
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def _one(folder: Path, names: tuple[str, ...], what_id: str, what_en: str) -> Path:
    found = [folder / n for n in names if (folder / n).is_file()]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ProblemsError(
            [
                problem(
                    "dir.missing",
                    f"{what_id} tidak ada di folder {folder.name}: perlu salah satu dari {', '.join(names)}",
                    f"{what_en} is missing from folder {folder.name}: one of {', '.join(names)} is needed",
                    source=folder.name,
                )
            ]
        )
    listed = ", ".join(p.name for p in found)
    raise ProblemsError(
        [
            problem(
                "dir.ambiguous",
                f"Folder {folder.name} berisi lebih dari satu {what_id.lower()} ({listed}); sisakan satu",
                f"Folder {folder.name} holds more than one {what_en.lower()} ({listed}); keep only one",
                source=folder.name,
            )
        ]
    )


def _collect(problems: list[Problem], load: Callable[[], T]) -> T | None:
    try:
        return load()
    except ProblemsError as exc:
        problems.extend(exc.problems)
        return None


def load_dir(path: str | Path) -> ExamPackage:
    """Load ``ujian.toml``, ``soal.xlsx|csv|json`` (+ ``gambar/``) and ``peserta.xlsx|csv`` from a folder.

    Problems of all three files are reported together.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise ProblemsError(
            [
                problem(
                    "dir.missing",
                    f"Folder {folder} tidak ada",
                    f"Folder {folder} does not exist",
                    source=str(folder),
                )
            ]
        )
    problems: list[Problem] = []

    def definition() -> ExamDefinition:
        file = _one(folder, DEFINITION_NAMES, "Definisi ujian", "Exam definition")
        return load_definition(_read(file), file.name)

    def bank() -> Bank:
        file = _one(folder, BANK_NAMES, "Bank soal", "Question bank")
        return load_bank(_read(file), file.name, _DirImages(folder / IMAGE_DIR))

    def roster() -> Roster:
        file = _one(folder, ROSTER_NAMES, "Daftar peserta", "Roster")
        return load_roster(_read(file), file.name)

    loaded = (_collect(problems, definition), _collect(problems, bank), _collect(problems, roster))
    d, b, r = loaded
    if d is None or b is None or r is None:
        raise ProblemsError(problems)
    return build_package(d, b, r)
