"""A formation's final score: weighted components (exam parts and committee-entered marks), bonus, caps."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from grader.canonical import JsonValue
from grader.exact import DecimalError, decimal_text, parse_decimal, points_to_milli, round_half_up
from grader.items.base import show, valid_code
from grader.model import AttemptResult, ExamSpec, SectionResult
from grader.problems import Problem, ProblemsError

_Add = Callable[[str, str, str, str], None]
EXAM = "exam"
ENTERED = "entered"
BONUS = "bonus"
"""The code under which the committee enters a candidate's bonus points (never a component's code)."""
RULES_FIELDS = frozenset({"components", "bonus_max", "total_cap", "pass_total_min", "tie_breaks"})
COMPONENT_FIELDS = frozenset({"code", "title", "source", "sections", "weight", "max", "pass_min"})
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
UNSCALED = ("exam", "ujian")
"""``max`` words (TOML has no null) for an exam component on the exam's own points, unscaled."""
TIE_BREAKS = ("finish_time", "age:older", "age:younger", "retest")
"""Plus ``component:<code>`` (higher value first)."""


@dataclass(frozen=True, slots=True)
class ComponentSpec:
    """One part of the final score, expressed on its own scale 0..``max_milli``."""

    code: str
    title: str
    source: str
    """``"exam"`` (from the graded attempt) or ``"entered"`` (interview, socio-cultural assessment…)."""
    weight: Fraction
    """Percent of the final score: ``contribution = value × weight / 100``."""
    max_milli: int | None
    """The component's scale. ``None`` (``"max": null``, only for ``exam``): the exam's own weighted points,
    unscaled — so an exam-only rule gives exactly the exam total."""
    pass_min_milli: int | None = None
    sections: tuple[str, ...] = ()
    """For ``exam``: the exam sections whose weighted scores make it up (``()`` = the whole exam)."""


@dataclass(frozen=True, slots=True)
class FormationRules:
    """How every formation of an exam is scored and ranked (the committee's scoring rules)."""

    components: tuple[ComponentSpec, ...]
    bonus_max_milli: int = 0
    total_cap_milli: int | None = None
    """The legal maximum: no final total may exceed it (bonus included)."""
    pass_total_min_milli: int | None = None
    tie_breaks: tuple[str, ...] = ()

    def markable(self) -> dict[str, int | None]:
        """What the committee may enter marks for, with each maximum: the ``entered`` components, and ``bonus``."""
        return {**{c.code: c.max_milli for c in self.components if c.source == ENTERED}, BONUS: self.bonus_max_milli}

    def component(self, code: str) -> ComponentSpec:
        for component in self.components:
            if component.code == code:
                return component
        raise KeyError(code)


@dataclass(frozen=True, slots=True)
class CandidateScore:
    """Everything ranking needs about one candidate of one formation."""

    candidate: str
    formation: str
    """The formation's code (village × position), e.g. ``"SUKAMAJU/SEKDES"``."""
    present: bool
    exam_sections: tuple[tuple[str, int, int], ...] = ()
    """(section code, weighted score, weighted maximum) in milli-points from the graded attempt;
    ``()`` if the candidate has no graded attempt."""
    entered: tuple[tuple[str, int], ...] = ()
    """(component code, value in milli-points on that component's scale) entered by the committee."""
    bonus_milli: int = 0
    finished_ms: int | None = None
    """When the attempt was submitted (server clock, ms since the epoch); earlier ranks first on a tie."""
    birth_date: str | None = None
    """``YYYY-MM-DD``."""
    exam_passed: bool = True
    """The exam's own thresholds (section and total pass marks of the definition) were met."""

    @classmethod
    def from_attempt(
        cls,
        candidate: str,
        formation: str,
        exam: ExamSpec,
        result: AttemptResult | None,
        *,
        present: bool = True,
        entered: Mapping[str, int] | None = None,
        bonus_milli: int = 0,
        finished_ms: int | None = None,
        birth_date: str | None = None,
    ) -> CandidateScore:
        return cls.from_sections(
            candidate,
            formation,
            exam,
            result.sections if result is not None else None,
            passed=result.passed if result is not None else True,
            present=present,
            marks={**(entered or {}), BONUS: bonus_milli},
            finished_ms=finished_ms,
            birth_date=birth_date,
        )

    @classmethod
    def from_sections(
        cls,
        candidate: str,
        formation: str,
        exam: ExamSpec,
        sections: Iterable[SectionResult] | None,
        *,
        passed: bool = True,
        present: bool = True,
        marks: Mapping[str, int] | None = None,
        finished_ms: int | None = None,
        birth_date: str | None = None,
    ) -> CandidateScore:
        """From a graded attempt's sections (``None``: no graded attempt) and the committee's ``marks`` by
        component, ``bonus`` among them: what the server (from stored grades) and the verifier (from its
        own) both rank by."""
        entered = dict(marks or {})
        bonus = entered.pop(BONUS, 0)
        return cls(
            candidate,
            formation,
            present,
            exam_sections(exam, sections) if sections is not None else (),
            tuple(sorted(entered.items())),
            bonus,
            finished_ms,
            birth_date,
            passed,
        )


def marks_in_force(entries: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """Candidate → component → the latest committee mark, from ``score.entered`` data in log order; a
    ``value_milli`` of null withdraws the mark. The exam server and the verifier replay marks with this."""
    marks: dict[str, dict[str, int]] = {}
    for data in entries:
        mine = marks.setdefault(str(data.get("candidate")), {})
        if data.get("value_milli") is None:
            mine.pop(str(data.get("component")), None)
        else:
            mine[str(data.get("component"))] = int(data["value_milli"])
    return marks


def exam_sections(exam: ExamSpec, sections: Iterable[SectionResult]) -> tuple[tuple[str, int, int], ...]:
    """(section code, weighted score, weighted maximum) of a graded attempt, as ``CandidateScore`` holds them."""
    return tuple(
        (s.code, s.weighted_milli, round_half_up(Fraction(s.max_milli) * exam.section(s.code).weight)) for s in sections
    )


@dataclass(frozen=True, slots=True)
class ComponentScore:
    code: str
    value_milli: int | None
    """On the component's scale; None when missing (not entered / no attempt)."""
    contribution_milli: int | None
    """``round_half_up(value × weight / 100)``, shown for reading; the total sums exact contributions."""
    passed: bool

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "code": self.code,
            "value_milli": self.value_milli,
            "contribution_milli": self.contribution_milli,
            "passed": self.passed,
        }


@dataclass(frozen=True, slots=True)
class FinalScore:
    components: tuple[ComponentScore, ...]
    before_bonus_milli: int
    bonus_milli: int
    total_milli: int
    capped: bool
    complete: bool
    passed: bool


def final_score(rules: FormationRules, candidate: CandidateScore) -> FinalScore:
    """Components, bonus (at most ``bonus_max``), cap (the legal maximum) and thresholds of one candidate."""
    exam = {code: (score, maximum) for code, score, maximum in candidate.exam_sections}
    entered = dict(candidate.entered)
    scores: list[ComponentScore] = []
    exact_total = Fraction(0)
    complete = True
    passed = True
    for component in rules.components:
        value = _component_value(component, exam, entered)
        if value is None:
            complete = False
            scores.append(ComponentScore(component.code, None, None, False))
            continue
        contribution = value * component.weight / 100
        exact_total += contribution
        ok = component.pass_min_milli is None or value >= component.pass_min_milli
        passed = passed and ok
        scores.append(ComponentScore(component.code, value, round_half_up(contribution), ok))
    before = round_half_up(exact_total)
    bonus = max(0, min(candidate.bonus_milli, rules.bonus_max_milli))
    total = before + bonus
    capped = rules.total_cap_milli is not None and total > rules.total_cap_milli
    if capped and rules.total_cap_milli is not None:
        total = rules.total_cap_milli
    if rules.pass_total_min_milli is not None and total < rules.pass_total_min_milli:
        passed = False
    if any(c.source == EXAM for c in rules.components) and not candidate.exam_passed:
        passed = False
    return FinalScore(tuple(scores), before, bonus, total, capped, complete, passed and complete)


def _component_value(
    component: ComponentSpec, exam: Mapping[str, tuple[int, int]], entered: Mapping[str, int]
) -> int | None:
    if component.source == ENTERED:
        value = entered.get(component.code)
        if value is None:
            return None
        return max(0, value if component.max_milli is None else min(value, component.max_milli))
    if not exam:
        return None
    codes = component.sections or tuple(exam)
    score = sum(exam[c][0] for c in codes if c in exam)
    maximum = sum(exam[c][1] for c in codes if c in exam)
    if component.max_milli is None:
        return score
    if maximum == 0:
        return 0
    return round_half_up(Fraction(score * component.max_milli, maximum))


# ---- building the rules from the committee's definition ---------------------------------------------


def build_rules(raw: object, exam: ExamSpec | None = None) -> FormationRules:
    """Validate the scoring rules (raw JSON); every problem at once as ``ProblemsError``.

    ``{"components": [{"code": "tertulis", "title": "Tes tertulis", "source": "exam",
    "sections": ["TIK"], "weight": "60", "max": "100", "pass_min": "60"}, ...],
    "bonus_max": "5", "total_cap": "100", "pass_total_min": null,
    "tie_breaks": ["component:tertulis", "finish_time", "age:older", "retest"]}``
    """
    problems: list[Problem] = []

    def add(code: str, id_text: str, en_text: str, field: str) -> None:
        problems.append(Problem(code=code, id=id_text, en=en_text, field=field))

    if not isinstance(raw, Mapping):
        raise ProblemsError(
            [Problem("rules.not_object", "Aturan penilaian harus berupa objek", "The scoring rules must be an object")]
        )
    for name in sorted(k for k in raw if k not in RULES_FIELDS and not str(k).startswith("_")):
        add("field.unknown", f"Kolom '{name}' tidak dikenal", f"Field '{name}' is unknown", str(name))
    components: list[ComponentSpec] = []
    raw_components = raw.get("components")
    if not isinstance(raw_components, list) or not raw_components:
        add(
            "components.empty",
            "Paling sedikit satu komponen nilai",
            "At least one score component is needed",
            "components",
        )
        raw_components = []
    for entry in raw_components:
        component = _build_component(entry, exam, add)
        if component is not None:
            components.append(component)
    codes = [c.code for c in components]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        add(
            "component.duplicate",
            f"Kode komponen '{code}' dipakai lebih dari sekali",
            f"Component code '{code}' is used more than once",
            "components",
        )
    if components and len(components) == len(raw_components) and sum(c.weight for c in components) != 100:
        total = decimal_text(sum((c.weight for c in components), Fraction(0)))
        add(
            "weights.sum",
            f"Jumlah bobot komponen harus 100 (sekarang {total})",
            f"Component weights must add up to 100 (they add up to {total})",
            "components",
        )
    bonus = _points(raw.get("bonus_max", 0), "bonus_max", add) or 0
    cap = _points(raw.get("total_cap"), "total_cap", add)
    pass_total = _points(raw.get("pass_total_min"), "pass_total_min", add)
    tie_breaks = _tie_breaks(raw.get("tie_breaks", []), set(codes), add)
    if problems:
        raise ProblemsError(problems)
    return FormationRules(tuple(components), bonus, cap, pass_total, tie_breaks)


def _build_component(entry: object, exam: ExamSpec | None, add: _Add) -> ComponentSpec | None:
    if not isinstance(entry, Mapping):
        add("component.not_object", "Komponen harus berupa objek", "A component must be an object", "components")
        return None
    ok = True

    def bad(code: str, id_text: str, en_text: str, field: str) -> None:
        nonlocal ok
        ok = False
        add(code, id_text, en_text, field)

    for name in sorted(k for k in entry if k not in COMPONENT_FIELDS and not str(k).startswith("_")):
        bad(
            "field.unknown", f"Kolom komponen '{name}' tidak dikenal", f"Component field '{name}' is unknown", str(name)
        )
    code, title, source = entry.get("code"), entry.get("title", ""), entry.get("source")
    if code == BONUS:
        bad(
            "component.code.reserved",
            f"Kode komponen '{BONUS}' dipakai untuk nilai tambahan; pilih kode lain",
            f"Component code '{BONUS}' is reserved for bonus points; choose another code",
            "code",
        )
    elif not valid_code(code):
        bad(
            "component.code.invalid",
            f"Kode komponen {show(code)} tidak sah",
            f"Component code {show(code)} is invalid",
            "code",
        )
    if not isinstance(title, str):
        bad("component.title.invalid", "Judul komponen harus teks", "The component title must be text", "title")
    if source not in (EXAM, ENTERED):
        bad(
            "component.source.invalid",
            f"Sumber {show(source)} harus 'exam' atau 'entered'",
            f"Source {show(source)} must be 'exam' or 'entered'",
            "source",
        )
    sections = entry.get("sections", [])
    if (
        not isinstance(sections, list)
        or not all(isinstance(s, str) for s in sections)
        or (sections and source == ENTERED)
    ):
        bad(
            "component.sections.invalid",
            "sections harus daftar kode bagian ujian (hanya untuk sumber 'exam')",
            "sections must be a list of exam section codes (only for source 'exam')",
            "sections",
        )
        sections = []
    elif exam is not None:
        for section in sections:
            try:
                exam.section(section)
            except KeyError:
                bad(
                    "component.section.unknown",
                    f"Bagian ujian '{section}' tidak ada",
                    f"Exam section '{section}' does not exist",
                    "sections",
                )
    weight = _decimal(entry.get("weight"), "weight", add)
    unscaled = entry.get("max", 100) is None or entry.get("max") in UNSCALED
    if unscaled and source != EXAM:
        bad(
            "max.missing",
            "Komponen yang diisi panitia memerlukan nilai maksimum",
            "A committee-entered component needs a maximum",
            "max",
        )
    maximum = None if unscaled else _points(entry.get("max", 100), "max", add)
    pass_min = _points(entry.get("pass_min"), "pass_min", add)
    if weight is None or (maximum is None and not unscaled):
        ok = False
    elif maximum == 0:
        bad("max.invalid", "Nilai maksimum komponen harus lebih dari 0", "A component's maximum must be above 0", "max")
    elif pass_min is not None and maximum is not None and pass_min > maximum:
        bad(
            "pass_min.above_max",
            "Nilai ambang melebihi nilai maksimum komponen",
            "The pass mark is above the component's maximum",
            "pass_min",
        )
    if not ok or weight is None:
        return None
    assert isinstance(code, str)
    assert isinstance(title, str)
    assert isinstance(source, str)
    return ComponentSpec(code, title, source, weight, maximum, pass_min, tuple(str(s) for s in sections))


def _decimal(value: object, field: str, add: _Add) -> Fraction | None:
    try:
        return parse_decimal(value)
    except DecimalError:
        add(
            f"{field}.invalid",
            f'{field} {show(value)} harus angka desimal sebagai teks, mis. "60"',
            f'{field} {show(value)} must be a decimal as text, e.g. "60"',
            field,
        )
        return None


def _points(value: object, field: str, add: _Add) -> int | None:
    if value is None:
        return None
    number = _decimal(value, field, add)
    if number is None:
        return None
    try:
        return points_to_milli(number)
    except ValueError:
        add(
            f"{field}.too_precise",
            f"{field} {show(value)} lebih dari 3 angka desimal",
            f"{field} {show(value)} has more than 3 decimals",
            field,
        )
        return None


def _tie_breaks(value: object, components: set[str], add: _Add) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        add(
            "tie_breaks.invalid",
            "tie_breaks harus berupa daftar teks",
            "tie_breaks must be a list of text",
            "tie_breaks",
        )
        return ()
    steps: list[str] = []
    for step in value:
        if (step.startswith("component:") and step[len("component:") :] in components) or step in TIE_BREAKS:
            steps.append(step)
        else:
            choices = ", ".join([*(f"component:{c}" for c in sorted(components)), *TIE_BREAKS])
            add(
                "tie_breaks.unknown",
                f"Urutan penentu {show(step)} tidak dikenal (pilihan: {choices})",
                f"Tie-break {show(step)} is unknown (choices: {choices})",
                "tie_breaks",
            )
    if "retest" in steps and steps.index("retest") != len(steps) - 1:
        add(
            "tie_breaks.retest_last",
            "'retest' harus menjadi langkah terakhir",
            "'retest' must be the last step",
            "tie_breaks",
        )
    if len(set(steps)) != len(steps):
        add("tie_breaks.duplicate", "Langkah penentu ganda", "A tie-break step is repeated", "tie_breaks")
    return tuple(steps)


def rules_to_raw(rules: FormationRules) -> dict[str, JsonValue]:
    """The raw form that builds back to equal rules (for ``scoring.json``)."""

    def text(milli: int | None) -> JsonValue:
        return None if milli is None else decimal_text(Fraction(milli, 1000))

    components: list[JsonValue] = []
    for c in rules.components:
        components.append(
            {
                "code": c.code,
                "title": c.title,
                "source": c.source,
                "sections": list(c.sections),
                "weight": decimal_text(c.weight),
                "max": text(c.max_milli),
                "pass_min": text(c.pass_min_milli),
            }
        )
    return {
        "components": components,
        "bonus_max": text(rules.bonus_max_milli),
        "total_cap": text(rules.total_cap_milli),
        "pass_total_min": text(rules.pass_total_min_milli),
        "tie_breaks": list(rules.tie_breaks),
    }


def default_rules() -> FormationRules:
    """The rules of an exam whose committee set none: the exam total alone (unscaled, so the final score is
    the exam score), the exam's own pass marks, and no tie-break (equal totals share a rank)."""
    return FormationRules((ComponentSpec("ujian", "Nilai ujian", EXAM, Fraction(100), None),))


def uses_age(rules: FormationRules) -> bool:
    """Whether the tie-break cascade compares birth dates (which the record must then publish)."""
    return any(step.startswith("age:") for step in rules.tie_breaks)


def valid_birth_date(value: str | None) -> bool:
    return value is not None and _DATE.fullmatch(value) is not None


__all__: Sequence[str] = [
    "BONUS",
    "CandidateScore",
    "ComponentScore",
    "ComponentSpec",
    "FinalScore",
    "FormationRules",
    "build_rules",
    "default_rules",
    "exam_sections",
    "final_score",
    "marks_in_force",
    "rules_to_raw",
    "uses_age",
]
