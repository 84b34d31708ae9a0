"""Builders of raw items and exams (the dicts importers produce) and hypothesis strategies for them."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

ABCDE = ["A", "B", "C", "D", "E"]
TKP_WEIGHTS = {"A": 5, "B": 4, "C": 3, "D": 2, "E": 1}


def single(code: str = "TIK-001", key: Any = "C", **overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "code": code,
        "section": "TIK",
        "kind": "single",
        "points": 5,
        "options": list(ABCDE),
        "key": key,
        "params": {},
    }
    raw.update(overrides)
    return raw


def multi(code: str = "TIK-002", key: Any = None, partial: str | None = None, **overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "code": code,
        "section": "TIK",
        "kind": "multi",
        "points": 4,
        "options": list(ABCDE),
        "key": ["A", "C"] if key is None else key,
        "params": {} if partial is None else {"partial": partial},
    }
    raw.update(overrides)
    return raw


def tkp(code: str = "TKP-001", key: Any = None, **overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "code": code,
        "section": "TKP",
        "kind": "tkp",
        "options": list(ABCDE),
        "key": dict(TKP_WEIGHTS) if key is None else key,
    }
    raw.update(overrides)
    return raw


def truefalse(code: str = "TIK-003", key: Any = True, **overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "code": code,
        "section": "TIK",
        "kind": "truefalse",
        "points": 2,
        "options": [],
        "key": key,
    }
    raw.update(overrides)
    return raw


def section(code: str = "TIK", weight: Any = "1", pass_min: Any = None, **overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {"code": code, "title": f"Bagian {code}", "weight": weight, "pass_min": pass_min}
    raw.update(overrides)
    return raw


def exam(
    items: list[dict[str, Any]] | None = None,
    sections: list[dict[str, Any]] | None = None,
    pass_total_min: Any = None,
    **overrides: Any,
) -> dict[str, Any]:
    """An exam; by default sections TIK and TKP and one item of each kind."""
    raw: dict[str, Any] = {
        "code": "PD-2026",
        "title": "Seleksi Perangkat Desa 2026",
        "sections": [section("TIK"), section("TKP")] if sections is None else sections,
        "pass_total_min": pass_total_min,
        "items": [single(), multi(), truefalse(), tkp()] if items is None else items,
    }
    raw.update(overrides)
    return raw


# ---- hypothesis strategies ---------------------------------------------------------------------------

option_ids = st.text(alphabet="ABCDEFGHabcdefgh123", min_size=1, max_size=3)
options_lists = st.lists(option_ids, min_size=2, max_size=7, unique=True)


@st.composite
def raw_items(draw: st.DrawFn, code: str = "Q-1", section_code: str = "TIK") -> dict[str, Any]:
    """A valid raw item of any kind."""
    kind = draw(st.sampled_from(["single", "multi", "tkp", "truefalse"]))
    points = draw(st.integers(1, 1000))
    if kind == "truefalse":
        return truefalse(code, key=draw(st.booleans()), points=points, section=section_code)
    options = draw(options_lists)
    if kind == "single":
        return single(code, key=draw(st.sampled_from(options)), points=points, options=options, section=section_code)
    if kind == "multi":
        key = draw(st.lists(st.sampled_from(options), min_size=1, unique=True))
        partial = draw(st.sampled_from(["all_or_nothing", "per_option", "right_minus_wrong"]))
        return multi(code, key=key, partial=partial, points=points, options=options, section=section_code)
    weights = {option: draw(st.integers(1, 5)) for option in options}
    return tkp(code, key=weights, options=options, section=section_code)


json_scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=8)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)
"""Anything canonical JSON can hold."""


def responses_for(raw: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Well-formed responses to a raw item, plus arbitrary garbage."""
    options: list[str] = raw.get("options") or []
    if raw["kind"] == "truefalse":
        good: st.SearchStrategy[Any] = st.none() | st.booleans()
    elif raw["kind"] == "multi":
        good = st.none() | st.lists(st.sampled_from(options), unique=True)
    else:
        good = st.none() | st.sampled_from(options)
    garbage = (
        json_values
        | st.floats(allow_nan=True)
        | st.lists(st.sampled_from(options) if options else st.text(max_size=2), max_size=6)
        | st.sampled_from([*options, "Z", "", " A", "a"] if options else ["A", "true"])
    )
    return good | garbage
