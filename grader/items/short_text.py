"""``short_text``: a typed answer matched, after normalisation, against accepted answers or a pattern."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from fractions import Fraction
from functools import lru_cache

from grader.canonical import JsonValue
from grader.items.base import (
    Collector,
    ItemRule,
    full_marks,
    key_missing,
    parse_identity,
    parse_points,
    refuse_options,
    register,
    show,
    type_name_en,
    type_name_id,
    wrong_type_problem,
)
from grader.items.params import Param, parse_typed_params
from grader.model import ItemSpec, TextKey
from grader.problems import Problem

MAX_ANSWER_CHARS = 200
"""Longest accepted answer and longest response (after trimming) the rule looks at."""
MAX_PATTERN_CHARS = 200
MAX_ANSWERS = 50
_SPACE = re.compile(r"\s+")
# Backreferences (\1, (?P=x), \g<x>) and lookarounds make matching cost unbounded or opaque; refused.
_FORBIDDEN = re.compile(r"\\[1-9]|\(\?P=|\\g<|\(\?<?[=!]")
PARAMS = {"strip_punctuation": Param("bool", default=False)}


def normalise(text: str, strip_punctuation: bool) -> str:
    """NFC, casefold, optional removal of punctuation (Unicode P*), trim, whitespace runs → one space."""
    text = unicodedata.normalize("NFC", text).casefold()
    if strip_punctuation:
        text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    return _SPACE.sub(" ", text).strip()


def pattern_problem(pattern: str) -> str | None:
    """Why a pattern is refused (English), or None: too long, backreferences, nested quantifiers, syntax."""
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"longer than {MAX_PATTERN_CHARS} characters"
    if _FORBIDDEN.search(pattern):
        return "backreferences and lookarounds are not allowed"
    if _nested_quantifier(pattern):
        return "a repeated group containing a repetition, e.g. (a+)+, can take exponential time"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"not a valid regular expression ({exc})"
    return None


def _nested_quantifier(pattern: str) -> bool:
    """A group that contains a quantifier and is itself quantified (the shape of catastrophic patterns)."""
    stack: list[bool] = [False]
    i = 0
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            stack.append(False)
        elif ch == ")" and len(stack) > 1:
            inner = stack.pop()
            following = pattern[i + 1 : i + 2]
            if inner and following in ("*", "+", "?", "{"):
                return True
            stack[-1] = stack[-1] or inner
        elif ch in "*+{" or (ch == "?" and i > 0 and pattern[i - 1] not in "(*+?}"):
            stack[-1] = True
        i += 1
    return False


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


@lru_cache(maxsize=4096)
def _accepted(answers: tuple[str, ...], strip_punctuation: bool) -> frozenset[str]:
    return frozenset(normalise(answer, strip_punctuation) for answer in answers)


def _parse_key(raw: Mapping[str, object], strip: bool, p: Collector) -> TextKey | None:
    if key_missing(raw, p):
        return None
    key = raw["key"]
    pattern: object = None
    answers: object = key
    if isinstance(key, dict):
        unknown = sorted(k for k in key if k not in ("answers", "pattern"))
        if unknown:
            p.add(
                "key.invalid",
                f"Kunci hanya boleh memuat 'answers' dan 'pattern' (ada {', '.join(unknown)})",
                f"The key may hold only 'answers' and 'pattern' (found {', '.join(unknown)})",
                "key",
            )
            return None
        answers, pattern = key.get("answers", []), key.get("pattern")
    if isinstance(answers, str):
        answers = [answers]
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        p.add(
            "key.invalid",
            f'Kunci isian harus berupa daftar jawaban, mis. ["Jakarta"], bukan {type_name_id(answers)}',
            f'A short-text key must be a list of answers, e.g. ["Jakarta"], not {type_name_en(answers)}',
            "key",
        )
        return None
    ok = True
    if len(answers) > MAX_ANSWERS:
        ok = False
        p.add(
            "key.invalid",
            f"Paling banyak {MAX_ANSWERS} jawaban yang diterima",
            f"At most {MAX_ANSWERS} accepted answers",
            "key",
        )
    for answer in answers:
        assert isinstance(answer, str)
        if not normalise(answer, strip) or len(answer) > MAX_ANSWER_CHARS:
            ok = False
            p.add(
                "key.invalid",
                f"Jawaban {show(answer)} tidak sah: harus teks 1–{MAX_ANSWER_CHARS} karakter",
                f"Answer {show(answer)} is invalid: it must be text of 1–{MAX_ANSWER_CHARS} characters",
                "key",
            )
    if pattern is not None:
        why = pattern_problem(pattern) if isinstance(pattern, str) and pattern else "it must be text"
        if why is not None:
            ok = False
            p.add(
                "key.pattern",
                f"Pola {show(pattern)} ditolak: {why}",
                f"Pattern {show(pattern)} is refused: {why}",
                "key",
            )
    if ok and not answers and pattern is None:
        p.add("key.empty", "Kunci harus memuat jawaban atau pola", "The key needs answers or a pattern", "key")
        return None
    if not ok:
        return None
    return TextKey(tuple(str(a) for a in answers), pattern if isinstance(pattern, str) else None)


@register
class ShortTextRule(ItemRule):
    kind = "short_text"

    def parse(self, raw: Mapping[str, object]) -> ItemSpec:
        p = Collector(raw)
        code, section = parse_identity(raw, p)
        points = parse_points(raw, p)
        refuse_options(raw, p, "Soal isian singkat", "A short-text item")
        params = parse_typed_params(raw, p, PARAMS)
        key = _parse_key(raw, dict(params).get("strip_punctuation") is True, p)
        if p.problems or code is None or section is None or points is None or key is None:
            raise p.error()
        return ItemSpec(code, section, self.kind, points, (), key, params)

    def max_milli(self, item: ItemSpec) -> int:
        return full_marks(item)

    def check_response(self, item: ItemSpec, value: object) -> Problem | None:
        if value is None:
            return None
        if not isinstance(value, str):
            return wrong_type_problem(item, value, "teks", "text")
        if len(value) > 4 * MAX_ANSWER_CHARS:
            return Problem(
                code="response.too_long",
                id=f"Jawaban soal {item.code} terlalu panjang (paling banyak {MAX_ANSWER_CHARS} karakter)",
                en=f"The answer to item {item.code} is too long (at most {MAX_ANSWER_CHARS} characters)",
            )
        return None

    def answered(self, item: ItemSpec, value: object) -> bool:
        return isinstance(value, str) and self.check_response(item, value) is None and value.strip() != ""

    def _score(self, item: ItemSpec, value: object) -> Fraction:
        assert isinstance(value, str)
        assert isinstance(item.key, TextKey)
        strip = item.param("strip_punctuation") is True
        given = normalise(value, strip)
        if len(given) > MAX_ANSWER_CHARS:
            return Fraction(0)
        if given in _accepted(item.key.answers, strip):
            return Fraction(1)
        if item.key.pattern is not None and _compiled(item.key.pattern).fullmatch(given):
            return Fraction(1)
        return Fraction(0)

    def raw_key(self, item: ItemSpec) -> JsonValue:
        assert isinstance(item.key, TextKey)
        answers: list[JsonValue] = list(item.key.answers)
        if item.key.pattern is None:
            return answers
        return {"answers": answers, "pattern": item.key.pattern}
