"""Practical file tasks: the candidate uploads a file; a rubric of named checks awards points per line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from fractions import Fraction
from typing import ClassVar

from grader.canonical import JsonValue
from grader.exact import MILLI
from grader.files import SHA256_HEX, CachedFiles, Files, fetch
from grader.items.base import (
    MAX_POINTS,
    Collector,
    ItemOutcome,
    ItemRule,
    key_missing,
    parse_identity,
    refuse_options,
    show,
    type_name_en,
    type_name_id,
    valid_option_id,
    wrong_type_problem,
)
from grader.items.params import Param, parse_typed_params
from grader.model import ItemSpec, RubricKey, RubricLine, RubricLineResult
from grader.office import ACCEPTS, CHECKS, DocumentView, OfficeError, SheetView, open_package, open_reader
from grader.office.checks import CheckResult, arg_problem, frozen_arg
from grader.office.errors import problem as office_problem
from grader.office.package import Limits
from grader.problems import Problem

LINE_FIELDS = frozenset({"id", "check", "args", "points", "description_id", "description_en"})
MAX_LINES = 50
MAX_DESCRIPTION = 300
MAX_NAME = 255
PARAMS = {
    "max_mb": Param("int", default=10, low=1, high=50),
    "start_sha256": Param("text", low=64, high=64),
}


class PracticalRule(ItemRule):
    """Shared by ``document`` (.docx or .odt) and ``spreadsheet`` (.xlsx or .ods)."""

    format: ClassVar[str]
    """The rubric's vocabulary: ``docx`` or ``xlsx`` checks; ``ACCEPTS[format]`` are the file formats graded."""
    uses_files = True

    def parse(self, raw: Mapping[str, object]) -> ItemSpec:
        p = Collector(raw)
        code, section = parse_identity(raw, p)
        refuse_options(raw, p, "Tugas praktik", "A practical task")
        params = parse_typed_params(raw, p, PARAMS)
        start = dict(params).get("start_sha256")
        if isinstance(start, str) and not SHA256_HEX.fullmatch(start):
            p.add(
                "params.invalid_value",
                "start_sha256 harus 64 digit heksadesimal huruf kecil",
                "start_sha256 must be 64 lowercase hex digits",
                "params",
            )
        key = self._parse_rubric(raw, p)
        total = sum(line.points for line in key.lines) if key else None
        points = raw.get("points")
        if total is not None and total > MAX_POINTS:
            p.add(
                "points.invalid",
                f"Jumlah poin rubrik {total} melebihi {MAX_POINTS}",
                f"The rubric's points add up to {total}, above {MAX_POINTS}",
                "points",
            )
        elif points is not None and total is not None and points != total:
            p.add(
                "points.rubric_mismatch",
                f"Poin soal {show(points)} tidak sama dengan jumlah poin rubrik ({total})",
                f"Item points {show(points)} differ from the rubric's total ({total})",
                "points",
            )
        if p.problems or code is None or section is None or key is None or total is None:
            raise p.error()
        return ItemSpec(code, section, self.kind, total, (), key, params)

    def _parse_rubric(self, raw: Mapping[str, object], p: Collector) -> RubricKey | None:
        if key_missing(raw, p):
            return None
        lines = raw["key"]
        if not isinstance(lines, list) or not lines or len(lines) > MAX_LINES:
            p.add(
                "key.invalid",
                f"Kunci tugas praktik harus daftar baris rubrik (1–{MAX_LINES}), bukan {type_name_id(lines)}",
                f"A practical task's key must be a list of rubric lines (1–{MAX_LINES}), not {type_name_en(lines)}",
                "key",
            )
            return None
        parsed = [self._parse_line(n, line, p) for n, line in enumerate(lines, start=1)]
        ids = Counter(line.id for line in parsed if line is not None)
        for line_id, count in sorted(ids.items()):
            if count > 1:
                p.add(
                    "key.duplicate",
                    f"Kode baris rubrik '{line_id}' dipakai lebih dari sekali",
                    f"Rubric line id '{line_id}' is used more than once",
                    "key",
                )
        if any(line is None for line in parsed) or any(n > 1 for n in ids.values()):
            return None
        return RubricKey(tuple(line for line in parsed if line is not None))

    def _parse_line(self, number: int, raw: object, p: Collector) -> RubricLine | None:
        def bad(code: str, id_text: str, en_text: str) -> None:
            p.add(code, f"Baris rubrik {number}: {id_text}", f"Rubric line {number}: {en_text}", "key")

        if not isinstance(raw, dict):
            bad("key.invalid", "harus berupa objek", "must be an object")
            return None
        ok = True
        for name in sorted(k for k in raw if k not in LINE_FIELDS):
            ok = False
            bad("key.unknown_field", f"kolom '{name}' tidak dikenal", f"field '{name}' is unknown")
        line_id, check_name, args = raw.get("id"), raw.get("check"), raw.get("args", {})
        points, desc_id, desc_en = raw.get("points"), raw.get("description_id"), raw.get("description_en")
        if not valid_option_id(line_id):
            ok = False
            bad(
                "key.invalid",
                f"kode {show(line_id)} tidak sah (1–16 karakter tanpa spasi)",
                f"id {show(line_id)} is invalid (1–16 characters without spaces)",
            )
        check = CHECKS.get(check_name) if isinstance(check_name, str) else None
        if check is None or check.format != self.format:
            ok = False
            known = ", ".join(sorted(n for n, c in CHECKS.items() if c.format == self.format))
            bad(
                "key.check_unknown",
                f"pemeriksaan {show(check_name)} tidak dikenal (pilihan: {known})",
                f"check {show(check_name)} is unknown (choices: {known})",
            )
        if not isinstance(points, int) or isinstance(points, bool) or not 1 <= points <= MAX_POINTS:
            ok = False
            bad(
                "key.points",
                f"poin {show(points)} harus bilangan bulat 1–{MAX_POINTS}",
                f"points {show(points)} must be a whole number 1–{MAX_POINTS}",
            )
        for name, text in (("description_id", desc_id), ("description_en", desc_en)):
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_DESCRIPTION:
                ok = False
                bad(
                    "key.description",
                    f"{name} wajib diisi (teks 1–{MAX_DESCRIPTION} karakter)",
                    f"{name} is required (text of 1–{MAX_DESCRIPTION} characters)",
                )
        if not isinstance(args, dict):
            ok = False
            bad("key.args", "args harus berupa objek", "args must be an object")
            args = {}
        frozen: dict[str, object] = {}
        if check is not None:
            for name, value in sorted(args.items()):
                spec = check.args.get(name)
                why = "unknown argument" if spec is None else arg_problem(spec, value)
                if why is not None:
                    ok = False
                    bad(
                        "key.args",
                        f"argumen {name} = {show(value)} tidak sah ({why})",
                        f"argument {name} = {show(value)} is invalid ({why})",
                    )
                else:
                    frozen[name] = frozen_arg(value)
            for name, spec in sorted(check.args.items()):
                if spec.required and name not in args:
                    ok = False
                    bad(
                        "key.args",
                        f"argumen '{name}' wajib untuk {check.name}",
                        f"argument '{name}' is required for {check.name}",
                    )
            if check.at_least_one_of and not any(n in args for n in check.at_least_one_of):
                ok = False
                names = ", ".join(check.at_least_one_of)
                bad(
                    "key.args",
                    f"{check.name} memerlukan salah satu dari: {names}",
                    f"{check.name} needs at least one of: {names}",
                )
        if not ok:
            return None
        assert isinstance(line_id, str)
        assert isinstance(check_name, str)
        assert isinstance(points, int)
        assert isinstance(desc_id, str)
        assert isinstance(desc_en, str)
        return RubricLine(
            line_id, check_name, tuple(sorted((k, frozen_arg(v)) for k, v in frozen.items())), points, desc_id, desc_en
        )

    def max_milli(self, item: ItemSpec) -> int:
        return item.points * MILLI

    def check_response(self, item: ItemSpec, value: object) -> Problem | None:
        if value is None:
            return None
        if (
            not isinstance(value, dict)
            or set(value) != {"sha256", "name"}
            or not isinstance(value["sha256"], str)
            or not SHA256_HEX.fullmatch(value["sha256"])
            or not isinstance(value["name"], str)
            or not 0 < len(value["name"]) <= MAX_NAME
        ):
            return wrong_type_problem(
                item, value, 'objek {"sha256", "name"} berkas unggahan', 'an uploaded file {"sha256", "name"}'
            )
        return None

    def outcome(self, item: ItemSpec, value: object, files: Files | None = None) -> ItemOutcome:
        if not self.answered(item, value):
            return ItemOutcome(
                0, False, self._all_failed(item, "Tidak ada berkas yang diunggah", "No file was uploaded")
            )
        assert isinstance(value, dict)
        sha = value["sha256"]
        if isinstance(files, CachedFiles):
            # Grading is a pure function of (item, file bytes); identical uploads share the work.
            graded = files.memo(sha, self.memo_key(item), lambda: self.grade_file(item, sha, files))
        else:
            graded = self.grade_file(item, sha, files)
        lines, problem_code = graded
        detail = [("file_name", value["name"]), ("file_sha256", sha)]
        if problem_code:
            detail.append(("problem", problem_code))
        score = sum(line.score_milli for line in lines)
        return ItemOutcome(score, True, lines, tuple(sorted(detail)))

    def memo_key(self, item: ItemSpec) -> tuple[object, ...]:
        """What a file's rubric result depends on besides its bytes (the ``CachedFiles.memo`` key)."""
        return ("rubric", self.kind, item.key, item.params)

    def grade_file(self, item: ItemSpec, sha: str, files: Files | None) -> tuple[tuple[RubricLineResult, ...], str]:
        """Every rubric line's result for the file ``sha`` (read from ``files``), and the refusal code or ""."""
        data = fetch(files, sha)
        if data is None:
            found = office_problem("upload.missing")
            return self._all_failed(item, found.id, found.en), found.code
        if item.param("start_sha256") == sha:
            return self._all_failed(
                item,
                "Berkas sama persis dengan berkas awal (belum dikerjakan)",
                "The file is identical to the starting file (not worked on)",
            ), "upload.unchanged"
        max_mb = item.param("max_mb")
        try:
            package = open_package(data, ACCEPTS[self.format], Limits(max_bytes=int(max_mb or 10) * 1024 * 1024))
            reader = open_reader(package)
        except OfficeError as exc:
            return self._all_failed(item, exc.problem.id, exc.problem.en), exc.problem.code
        assert isinstance(item.key, RubricKey)
        return tuple(self._line(line, reader) for line in item.key.lines), ""

    def _line(self, line: RubricLine, reader: DocumentView | SheetView) -> RubricLineResult:
        try:
            result = CHECKS[line.check].run(reader, dict(line.args))
        except OfficeError as exc:
            result = CheckResult(False, exc.problem.id, exc.problem.en)
        except (ValueError, KeyError, IndexError, TypeError, ArithmeticError, RecursionError) as exc:
            # Never raise while grading: an unreadable detail fails this line and says so.
            result = CheckResult(
                False,
                f"Berkas tidak dapat diperiksa ({type(exc).__name__})",
                f"The file could not be checked ({type(exc).__name__})",
            )
        return _line_result(line, result)

    def _all_failed(self, item: ItemSpec, detail_id: str, detail_en: str) -> tuple[RubricLineResult, ...]:
        assert isinstance(item.key, RubricKey)
        return tuple(_line_result(line, CheckResult(False, detail_id, detail_en)) for line in item.key.lines)

    def _score(self, item: ItemSpec, value: object) -> Fraction:
        return Fraction(0)  # never used: ``outcome`` is overridden (file bytes are needed)

    def raw_key(self, item: ItemSpec) -> JsonValue:
        assert isinstance(item.key, RubricKey)
        lines: list[JsonValue] = []
        for line in item.key.lines:
            args: dict[str, JsonValue] = {
                name: list(value) if isinstance(value, tuple) else value for name, value in line.args
            }
            lines.append(
                {
                    "id": line.id,
                    "check": line.check,
                    "args": args,
                    "points": line.points,
                    "description_id": line.description_id,
                    "description_en": line.description_en,
                }
            )
        return lines


def _line_result(line: RubricLine, result: CheckResult) -> RubricLineResult:
    return RubricLineResult(
        id=line.id,
        check=line.check,
        passed=result.passed,
        score_milli=line.points * MILLI if result.passed else 0,
        max_milli=line.points * MILLI,
        description_id=line.description_id,
        description_en=line.description_en,
        detail_id=result.detail_id,
        detail_en=result.detail_en,
    )
