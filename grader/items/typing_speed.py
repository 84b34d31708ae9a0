"""``typing``: type a given text within a time limit; scored from net words per minute and accuracy."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from grader.canonical import JsonValue
from grader.exact import round_half_up
from grader.files import Files
from grader.items.base import (
    Collector,
    ItemOutcome,
    ItemRule,
    full_marks,
    parse_identity,
    parse_points,
    register,
    wrong_type_problem,
)
from grader.items.params import Param, param_fraction, parse_typed_params
from grader.model import ItemSpec
from grader.problems import Problem

MAX_TEXT_CHARS = 2000
MAX_TYPED_CHARS = 4000
MAX_KEYSTROKES = 50_000
MAX_KEY_CHARS = 32
PARAMS = {
    "text": Param("text", low=1, high=MAX_TEXT_CHARS, required=True),
    "time_limit_s": Param("int", low=10, high=3600, required=True),
    "full_wpm": Param("int", default=30, low=1, high=300),
    "full_accuracy": Param("decimal", default="95", low=1, high=100),
    "min_accuracy": Param("decimal", default="80", low=0, high=100),
}


@dataclass(frozen=True, slots=True)
class TypingMeasure:
    """What the formula is applied to; all exact."""

    typed_chars: int
    """n: characters in the typed text (NFC)."""
    attempted_chars: int
    """j: length of the target's beginning the typed text is closest to."""
    errors: int
    """E: edit distance (insertions, deletions, substitutions) between the typed text and that beginning."""
    minutes: Fraction
    """min(elapsed, time limit) in minutes (at least one second)."""

    @property
    def gross_wpm(self) -> Fraction:
        return Fraction(self.typed_chars, 5) / self.minutes

    @property
    def net_wpm(self) -> Fraction:
        return max(Fraction(0), (Fraction(self.typed_chars, 5) - self.errors) / self.minutes)

    @property
    def accuracy(self) -> Fraction:
        """max(0, n − E) / n: the share of typed characters that were not errors; 0 if nothing was typed."""
        n = self.typed_chars
        return Fraction(max(0, n - self.errors), n) if n else Fraction(0)


def prefix_edit_distance(typed: str, target: str) -> tuple[int, int]:
    """(E, j): the least edit distance between ``typed`` and any beginning ``target[:j]``, smallest such j.

    Myers' bit-parallel algorithm (1999) in its global form (Hyyrö 2001): one column of the
    dynamic-programming table per target character, held as bit vectors, so O(len(target)) big-integer
    operations over len(typed) bits. Identical to the textbook O(n·m) table (the tests compare them).
    """
    m = len(typed)
    if m == 0:
        return 0, 0
    full = (1 << m) - 1
    high = 1 << (m - 1)
    peq: dict[str, int] = {}
    for index, ch in enumerate(typed):
        peq[ch] = peq.get(ch, 0) | (1 << index)
    pv, mv, score = full, 0, m
    best, best_j = m, 0
    for j, ch in enumerate(target, start=1):
        if j - m > best:  # D[m][j] ≥ j − m: no later column can do better
            break
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & full)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = mh | (~(xv | ph) & full)
        mv = ph & xv
        if score < best:
            best, best_j = score, j
    return best, best_j


def measure(item: ItemSpec, typed: str, elapsed_ms: int) -> TypingMeasure:
    target = unicodedata.normalize("NFC", str(item.param("text")))
    text = unicodedata.normalize("NFC", typed)
    errors, attempted = prefix_edit_distance(text, target)
    limit_ms = int(item.param("time_limit_s") or 0) * 1000
    minutes = Fraction(min(max(elapsed_ms, 1000), limit_ms), 60_000)
    return TypingMeasure(len(text), attempted, errors, minutes)


def share(item: ItemSpec, m: TypingMeasure) -> Fraction:
    """speed share × accuracy share, each in [0, 1] (see docs/grading-rules.md)."""
    speed = min(Fraction(1), m.net_wpm / int(item.param("full_wpm") or 1))
    full_acc = param_fraction(item.param("full_accuracy")) / 100
    min_acc = param_fraction(item.param("min_accuracy")) / 100
    if m.accuracy >= full_acc:
        accuracy = Fraction(1)
    elif m.accuracy <= min_acc:
        accuracy = Fraction(0)
    else:
        accuracy = (m.accuracy - min_acc) / (full_acc - min_acc)
    return speed * accuracy


def one_decimal(value: Fraction) -> str:
    """Half-up to one decimal, as text (``"31.2"``)."""
    tenths = round_half_up(value * 10)
    return f"{tenths // 10}.{tenths % 10}"


@register
class TypingRule(ItemRule):
    kind = "typing"

    def parse(self, raw: Mapping[str, object]) -> ItemSpec:
        p = Collector(raw)
        code, section = parse_identity(raw, p)
        points = parse_points(raw, p)
        for field in ("options", "key"):
            if raw.get(field) not in (None, []):
                p.add(
                    f"{field}.not_empty",
                    f"Soal mengetik tidak memakai '{field}'; teks yang diketik ada di params.text",
                    f"A typing item takes no '{field}'; the text to type goes in params.text",
                    field,
                )
        params = parse_typed_params(raw, p, PARAMS)
        values = dict(params)
        full_acc, min_acc = values.get("full_accuracy"), values.get("min_accuracy")
        if isinstance(full_acc, str) and isinstance(min_acc, str) and Fraction(min_acc) >= Fraction(full_acc):
            p.add(
                "params.invalid_value",
                "min_accuracy harus lebih kecil dari full_accuracy",
                "min_accuracy must be below full_accuracy",
                "params",
            )
        if p.problems or code is None or section is None or points is None:
            raise p.error()
        return ItemSpec(code, section, self.kind, points, (), None, params)

    def max_milli(self, item: ItemSpec) -> int:
        return full_marks(item)

    def check_response(self, item: ItemSpec, value: object) -> Problem | None:
        if value is None:
            return None
        expected_id = 'objek {"typed", "elapsed_ms", "keystrokes", "pasted"}'
        expected_en = 'an object {"typed", "elapsed_ms", "keystrokes", "pasted"}'
        if not isinstance(value, dict) or set(value) != {"typed", "elapsed_ms", "keystrokes", "pasted"}:
            return wrong_type_problem(item, value, expected_id, expected_en)
        typed, elapsed, keys, pasted = value["typed"], value["elapsed_ms"], value["keystrokes"], value["pasted"]
        if not isinstance(typed, str) or len(typed) > MAX_TYPED_CHARS:
            return _bad(item, "typed", f"teks ≤ {MAX_TYPED_CHARS} karakter", f"text ≤ {MAX_TYPED_CHARS} chars")
        if not isinstance(elapsed, int) or isinstance(elapsed, bool) or not 0 <= elapsed <= 24 * 3600_000:
            return _bad(item, "elapsed_ms", "bilangan bulat milidetik", "whole milliseconds")
        if not isinstance(pasted, bool):
            return _bad(item, "pasted", "true atau false", "true or false")
        if not _keystrokes_ok(keys):
            return _bad(
                item,
                "keystrokes",
                f"daftar [t_ms, tombol] berurutan waktu, paling banyak {MAX_KEYSTROKES}",
                f"a time-ordered list of [t_ms, key], at most {MAX_KEYSTROKES}",
            )
        return None

    def outcome(self, item: ItemSpec, value: object, files: Files | None = None) -> ItemOutcome:
        if not self.answered(item, value):
            return ItemOutcome(0, False)
        assert isinstance(value, dict)
        keystrokes = str(len(value["keystrokes"]))
        if value["pasted"]:
            return ItemOutcome(0, True, (), (("keystrokes", keystrokes), ("reason", "pasted")))
        m = measure(item, value["typed"], value["elapsed_ms"])
        detail = (
            ("accuracy_pct", one_decimal(m.accuracy * 100)),
            ("attempted_chars", str(m.attempted_chars)),
            ("elapsed_ms", str(round_half_up(m.minutes * 60_000))),
            ("errors", str(m.errors)),
            ("gross_wpm", one_decimal(m.gross_wpm)),
            ("keystrokes", keystrokes),
            ("net_wpm", one_decimal(m.net_wpm)),
            ("typed_chars", str(m.typed_chars)),
        )
        return ItemOutcome(round_half_up(share(item, m) * self.max_milli(item)), True, (), detail)

    def _score(self, item: ItemSpec, value: object) -> Fraction:
        assert isinstance(value, dict)
        if value["pasted"]:
            return Fraction(0)
        return share(item, measure(item, value["typed"], value["elapsed_ms"]))

    def raw_key(self, item: ItemSpec) -> JsonValue:
        return None


def _keystrokes_ok(keys: object) -> bool:
    if not isinstance(keys, list) or len(keys) > MAX_KEYSTROKES:
        return False
    last = 0
    for entry in keys:
        if not isinstance(entry, list) or len(entry) != 2:
            return False
        t, key = entry
        if not isinstance(t, int) or isinstance(t, bool) or t < last:
            return False
        if not (isinstance(key, str) and 0 < len(key) <= MAX_KEY_CHARS) and not (
            isinstance(key, int) and not isinstance(key, bool)
        ):
            return False
        last = t
    return True


def _bad(item: ItemSpec, field: str, expected_id: str, expected_en: str) -> Problem:
    return Problem(
        code="response.invalid",
        id=f"Jawaban soal {item.code}: '{field}' harus {expected_id}",
        en=f"The answer to item {item.code}: '{field}' must be {expected_en}",
    )
