"""The item-rule interface, the registry of rules by kind, and the field checks every rule shares."""

from __future__ import annotations

import itertools
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar, TypeVar

from grader.canonical import JsonValue
from grader.exact import MILLI, round_half_up
from grader.files import Files
from grader.model import ItemKey, ItemSpec, ParamValue, RubricLineResult
from grader.problems import Problem, ProblemsError

ITEM_FIELDS = frozenset({"code", "section", "kind", "points", "options", "key", "params"})
"""Fields a raw item may carry; names starting with ``_`` (e.g. ``_row``) are importer annotations."""

MAX_POINTS = 1000
MAX_CODE_CHARS = 64
MAX_OPTION_CHARS = 16
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """Everything grading one response produces (what ``ItemResult`` carries besides code and section)."""

    score_milli: int
    answered: bool
    lines: tuple[RubricLineResult, ...] = ()
    detail: tuple[tuple[str, str], ...] = ()


UNANSWERED = ItemOutcome(0, False)


class ItemRule(ABC):
    """How one kind of item is validated and scored. Instances are stateless singletons."""

    kind: ClassVar[str]
    uses_files: ClassVar[bool] = False
    """True for practical file tasks, whose response names an uploaded file (graded from its bytes)."""

    @abstractmethod
    def parse(self, raw: Mapping[str, object]) -> ItemSpec:
        """Validate a raw item dict; every problem found is raised together as ``ProblemsError``."""

    @abstractmethod
    def max_milli(self, item: ItemSpec) -> int:
        """The best possible score in milli-points."""

    @abstractmethod
    def check_response(self, item: ItemSpec, value: object) -> Problem | None:
        """Why ``value`` is not a well-formed answer to this item, or None. ``None`` (unanswered) is fine."""

    @abstractmethod
    def _score(self, item: ItemSpec, value: object) -> Fraction:
        """Fraction of ``max_milli`` earned by a well-formed, non-null value, in [0, 1]."""

    @abstractmethod
    def raw_key(self, item: ItemSpec) -> JsonValue:
        """The key as it appears in a raw item (inverse of parsing it)."""

    def answered(self, item: ItemSpec, value: object) -> bool:
        """Whether ``value`` counts as an answer: present and well-formed."""
        return value is not None and self.check_response(item, value) is None

    def score_milli(self, item: ItemSpec, value: object) -> int:
        """Deterministic score in [0, max]; unanswered or malformed values score 0, never raise.

        File kinds score 0 here (no file bytes are given); grade them with ``outcome(..., files)``.
        """
        return self.outcome(item, value).score_milli

    def outcome(self, item: ItemSpec, value: object, files: Files | None = None) -> ItemOutcome:
        """Score plus explanation (rubric lines, measurements). ``files`` is only used by file kinds."""
        if not self.answered(item, value):
            return UNANSWERED
        return ItemOutcome(self._earned_milli(item, value), True, (), self.detail(item, value))

    def detail(self, item: ItemSpec, value: object) -> tuple[tuple[str, str], ...]:
        """Measurements to show next to the score (sorted by name); none for most kinds."""
        return ()

    def _earned_milli(self, item: ItemSpec, value: object) -> int:
        earned = self._score(item, value)
        earned = min(max(earned, Fraction(0)), Fraction(1))
        return round_half_up(earned * self.max_milli(item))


_RULES: dict[str, ItemRule] = {}
R = TypeVar("R", bound=ItemRule)


def register(cls: type[R]) -> type[R]:
    """Class decorator: make one instance of the rule the handler of ``cls.kind``."""
    if cls.kind in _RULES:
        raise ValueError(f"item kind {cls.kind!r} is already registered")
    _RULES[cls.kind] = cls()
    return cls


def kinds() -> tuple[str, ...]:
    """Registered kinds, sorted."""
    return tuple(sorted(_RULES))


def rule_for(kind: str) -> ItemRule:
    """The rule for ``kind``; an unknown kind is a ``ProblemsError`` (field ``kind``)."""
    rule = _RULES.get(kind) if isinstance(kind, str) else None
    if rule is None:
        raise ProblemsError([unknown_kind_problem(kind)])
    return rule


def unknown_kind_problem(kind: object) -> Problem:
    known = ", ".join(kinds())
    return Problem(
        code="kind.unknown",
        id=f"Jenis soal {show(kind)} tidak dikenal (yang dikenal: {known})",
        en=f"Item kind {show(kind)} is unknown (known kinds: {known})",
        field="kind",
    )


# ---- shared helpers for rules ------------------------------------------------------------------------


def show(value: object) -> str:
    """A short, readable rendering of a user's value for messages."""
    if isinstance(value, str):
        text = f"'{value}'"
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def show_options(options: tuple[str, ...]) -> str:
    """``A–E`` for consecutive single letters, else ``A, B, X``."""
    letters = all(len(o) == 1 and o.isalpha() for o in options)
    if len(options) > 2 and letters and all(ord(b) - ord(a) == 1 for a, b in itertools.pairwise(options)):
        return f"{options[0]}–{options[-1]}"
    return ", ".join(options)


def type_name_id(value: object) -> str:
    """Indonesian name of a JSON type, for messages."""
    names = {bool: "boolean", int: "bilangan", float: "pecahan (float)", str: "teks", list: "daftar"}
    return names.get(type(value), "objek" if isinstance(value, dict) else type(value).__name__)


def type_name_en(value: object) -> str:
    names = {bool: "boolean", int: "integer", float: "float", str: "text", list: "list"}
    return names.get(type(value), "object" if isinstance(value, dict) else type(value).__name__)


class Collector:
    """Collects problems for one item; messages are prefixed with the item's code when it has one."""

    def __init__(self, raw: Mapping[str, object]) -> None:
        code = raw.get("code")
        self._prefix_id = f"Soal {code}: " if valid_code(code) else ""
        self._prefix_en = f"Item {code}: " if valid_code(code) else ""
        self.problems: list[Problem] = []

    def add(self, code: str, id: str, en: str, field: str | None) -> None:
        self.problems.append(Problem(code=code, id=self._prefix_id + id, en=self._prefix_en + en, field=field))

    def error(self) -> ProblemsError:
        return ProblemsError(self.problems)


def valid_code(value: object) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_CODE_CHARS
        and value == value.strip()
        and not _CONTROL.search(value)
    )


def valid_option_id(value: object) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_OPTION_CHARS
        and value == value.strip()
        and not any(ch.isspace() for ch in value)
        and not _CONTROL.search(value)
    )


def parse_identity(raw: Mapping[str, object], p: Collector) -> tuple[str | None, str | None]:
    """Check ``code``, ``section`` and that no unknown fields are present."""
    for name in sorted(k for k in raw if k not in ITEM_FIELDS and not k.startswith("_")):
        p.add(
            "item.unknown_field",
            f"Kolom '{name}' tidak dikenal (yang dikenal: {', '.join(sorted(ITEM_FIELDS))})",
            f"Field '{name}' is unknown (known fields: {', '.join(sorted(ITEM_FIELDS))})",
            name,
        )
    code = raw.get("code")
    if not valid_code(code):
        p.add(
            "code.invalid",
            f"Kode soal {show(code)} tidak sah: harus teks 1–{MAX_CODE_CHARS} karakter tanpa spasi di awal/akhir",
            f"Item code {show(code)} is invalid: it must be text of 1–{MAX_CODE_CHARS} characters "
            "without leading/trailing spaces",
            "code",
        )
    section = raw.get("section")
    if not valid_code(section):
        p.add(
            "section.invalid",
            f"Kode bagian {show(section)} tidak sah: harus teks, mis. 'TIK'",
            f"Section code {show(section)} is invalid: it must be text, e.g. 'TIK'",
            "section",
        )
    return (
        code if isinstance(code, str) and valid_code(code) else None,
        section if isinstance(section, str) and valid_code(section) else None,
    )


def parse_points(raw: Mapping[str, object], p: Collector) -> int | None:
    points = raw.get("points")
    if isinstance(points, int) and not isinstance(points, bool) and 1 <= points <= MAX_POINTS:
        return points
    p.add(
        "points.invalid",
        f"Poin {show(points)} tidak sah: harus bilangan bulat 1–{MAX_POINTS}",
        f"Points {show(points)} are invalid: they must be a whole number 1–{MAX_POINTS}",
        "points",
    )
    return None


def parse_options(raw: Mapping[str, object], p: Collector) -> tuple[str, ...] | None:
    """Options of a choice item: at least 2 distinct ids such as ``A``..``E``."""
    options = raw.get("options")
    if not isinstance(options, list):
        p.add(
            "options.invalid",
            f'Opsi harus berupa daftar, mis. ["A","B","C","D","E"], bukan {type_name_id(options)}',
            f'Options must be a list, e.g. ["A","B","C","D","E"], not {type_name_en(options)}',
            "options",
        )
        return None
    if len(options) < 2:
        p.add(
            "options.too_few",
            f"Soal pilihan memerlukan paling sedikit 2 opsi (ada {len(options)})",
            f"A choice item needs at least 2 options (it has {len(options)})",
            "options",
        )
        return None
    ok = True
    for option in options:
        if not valid_option_id(option):
            ok = False
            p.add(
                "options.invalid_id",
                f"Opsi {show(option)} tidak sah: harus teks 1–{MAX_OPTION_CHARS} karakter tanpa spasi",
                f"Option {show(option)} is invalid: it must be text of 1–{MAX_OPTION_CHARS} characters without spaces",
                "options",
            )
    if not ok:
        return None
    duplicates = sorted(o for o, n in Counter(options).items() if n > 1)
    if duplicates:
        p.add(
            "options.duplicate",
            f"Opsi ganda: {', '.join(duplicates)}",
            f"Duplicate options: {', '.join(duplicates)}",
            "options",
        )
        return None
    return tuple(options)


def refuse_options(raw: Mapping[str, object], p: Collector, what_id: str, what_en: str) -> None:
    """Kinds answered without options (typed text, numbers, files) refuse an options column."""
    if raw.get("options") not in (None, []):
        p.add(
            "options.not_empty",
            f"{what_id} tidak memakai opsi; kosongkan kolom opsi",
            f"{what_en} takes no options; leave the options empty",
            "options",
        )


ParamsParser = Callable[[Mapping[str, object], Collector], tuple[tuple[str, ParamValue], ...]]
KeyParser = Callable[[Mapping[str, object], tuple[str, ...] | None, "Collector"], ItemKey | None]


def parse_option_item(kind: str, raw: Mapping[str, object], params: ParamsParser, key: KeyParser) -> ItemSpec:
    """The common shape of an item over options: identity, points, options, params and a key, every
    problem collected before raising."""
    p = Collector(raw)
    code, section = parse_identity(raw, p)
    points = parse_points(raw, p)
    options = parse_options(raw, p)
    parsed_params = params(raw, p)
    parsed_key = key(raw, options, p)
    if p.problems or code is None or section is None or points is None or options is None or parsed_key is None:
        raise p.error()
    return ItemSpec(code, section, kind, points, options, parsed_key, parsed_params)


def parse_no_params(raw: Mapping[str, object], p: Collector) -> tuple[tuple[str, ParamValue], ...]:
    """For kinds without parameters: ``params`` absent or ``{}``."""
    return parse_params(raw, p, {})


def params_object(
    raw: Mapping[str, object], p: Collector, *, example: str = "", example_en: str = ""
) -> Mapping[str, object] | None:
    """``raw["params"]`` (absent or null: ``{}``), or None with a problem when it is not an object."""
    params = raw.get("params", {})
    if params is None:
        return {}
    if not isinstance(params, dict):
        p.add(
            "params.invalid",
            f"Parameter harus berupa objek,{example} bukan {type_name_id(params)}",
            f"Params must be an object,{example_en} not {type_name_en(params)}",
            "params",
        )
        return None
    return params


def parse_params(
    raw: Mapping[str, object], p: Collector, allowed: Mapping[str, tuple[str, ...]]
) -> tuple[tuple[str, ParamValue], ...]:
    """Parameters whose values are one of the allowed choices; the first choice is the default."""
    params = params_object(
        raw, p, example=' mis. {"partial": "per_option"},', example_en=' e.g. {"partial": "per_option"},'
    )
    if params is None:
        return ()
    result: dict[str, ParamValue] = {name: choices[0] for name, choices in allowed.items()}
    for name, value in params.items():
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "tidak ada"
            known_en = ", ".join(sorted(allowed)) or "none"
            p.add(
                "params.unknown",
                f"Parameter {show(name)} tidak dikenal untuk jenis soal ini (yang dikenal: {known})",
                f"Parameter {show(name)} is unknown for this item kind (known: {known_en})",
                "params",
            )
        elif not isinstance(value, str) or value not in allowed[name]:
            choices = ", ".join(allowed[name])
            p.add(
                "params.invalid_value",
                f"Nilai parameter {name} = {show(value)} tidak sah (pilihan: {choices})",
                f"Parameter {name} = {show(value)} is invalid (choices: {choices})",
                "params",
            )
        else:
            result[name] = value
    return tuple(sorted(result.items()))


def key_missing(raw: Mapping[str, object], p: Collector) -> bool:
    if raw.get("key") is None:
        p.add("key.missing", "Kunci jawaban belum diisi", "The answer key is missing", "key")
        return True
    return False


def not_an_option_problem(item: ItemSpec, value: object) -> Problem:
    return Problem(
        code="response.unknown_option",
        id=f"Jawaban {show(value)} bukan salah satu opsi soal {item.code} ({show_options(item.options)})",
        en=f"Answer {show(value)} is not one of the options of item {item.code} ({show_options(item.options)})",
    )


def wrong_type_problem(item: ItemSpec, value: object, expected_id: str, expected_en: str) -> Problem:
    return Problem(
        code="response.invalid",
        id=f"Jawaban soal {item.code} harus {expected_id}, bukan {type_name_id(value)}",
        en=f"The answer to item {item.code} must be {expected_en}, not {type_name_en(value)}",
    )


def full_marks(item: ItemSpec) -> int:
    return item.points * MILLI
