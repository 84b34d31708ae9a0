"""Raw items of the newer kinds (short_text, numeric, ordering, matching, typing, document, spreadsheet)."""

from __future__ import annotations

from typing import Any

TYPING_TEXT = "Pemerintah desa melayani warga dengan ramah, cepat dan terbuka setiap hari kerja."


def short_text(code: str = "ISI-1", key: Any = None, **overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "code": code,
        "section": "TIK",
        "kind": "short_text",
        "points": 3,
        "key": ["Microsoft Excel", "MS Excel"] if key is None else key,
    }
    raw.update(overrides)
    return raw


def numeric(code: str = "ANG-1", key: Any = "3.5", **overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {"code": code, "section": "TIK", "kind": "numeric", "points": 4, "key": key}
    raw.update(overrides)
    return raw


def ordering(code: str = "URUT-1", key: Any = None, partial: str | None = None, **overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "code": code,
        "section": "TIK",
        "kind": "ordering",
        "points": 6,
        "options": ["A", "B", "C", "D"],
        "key": ["C", "A", "D", "B"] if key is None else key,
    }
    if partial:
        raw["params"] = {"partial": partial}
    raw.update(overrides)
    return raw


def matching(code: str = "JODOH-1", key: Any = None, partial: str | None = None, **overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "code": code,
        "section": "TIK",
        "kind": "matching",
        "points": 4,
        "options": ["P", "Q", "R", "S", "T"],
        "key": {"1": "Q", "2": "P", "3": "S", "4": "R"} if key is None else key,
    }
    if partial:
        raw["params"] = {"partial": partial}
    raw.update(overrides)
    return raw


def typing(code: str = "KETIK-1", text: str = TYPING_TEXT, **params: Any) -> dict[str, Any]:
    return {
        "code": code,
        "section": "TIK",
        "kind": "typing",
        "points": 10,
        "params": {"text": text, "time_limit_s": 60, **params},
    }


def typed(text: str, elapsed_ms: int = 30_000, pasted: bool = False) -> dict[str, Any]:
    """A typing response with one keystroke per character, evenly spaced."""
    step = max(1, elapsed_ms // max(1, len(text)))
    return {
        "typed": text,
        "elapsed_ms": elapsed_ms,
        "pasted": pasted,
        "keystrokes": [[n * step, ch] for n, ch in enumerate(text)],
    }


def line(line_id: str, check: str, points: int = 1, **args: Any) -> dict[str, Any]:
    return {
        "id": line_id,
        "check": check,
        "args": args,
        "points": points,
        "description_id": f"Baris {line_id}",
        "description_en": f"Line {line_id}",
    }


DOC_RUBRIC = [
    line("L1", "text_present", text="Laporan Kegiatan Desa Sukamaju"),
    line("L2", "paragraph_style", 2, text="Laporan Kegiatan", style="Judul 1"),
    line("L3", "text_format", text="Dana Desa", bold=True),
    line("L4", "text_format", text="pembangunan jalan", italic=True, underline=True),
    line("L5", "font_size", text="Ringkasan anggaran", size="14"),
    line("L6", "alignment", text="Laporan Kegiatan", align="center"),
    line("L7", "table_with_rows", 2, rows=4, cols=3, header=["No", "Kegiatan", "Biaya"]),
    line("L8", "orientation", orientation="landscape"),
    line("L9", "header_text", text="Pemerintah Desa"),
    line("L10", "footer_text", text="Halaman"),
]
XLSX_RUBRIC = [
    line("X1", "cell_formula", 3, cell="B7", functions=["SUM"], value="1500"),
    line("X2", "number_format", cell="C2:C6", kind="percent", decimals=1),
    line("X3", "number_format", cell="B2:B6", kind="currency"),
    line("X4", "sorted_range", range="A2:B6", column="B", order="desc"),
    line("X5", "chart_kind", 2, kind="column", sheet="Data"),
]


def document(code: str = "PRAK-DOC", rubric: list[dict[str, Any]] | None = None, **overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "code": code,
        "section": "PRAKTIK",
        "kind": "document",
        "key": DOC_RUBRIC if rubric is None else rubric,
    }
    raw.update(overrides)
    return raw


def spreadsheet(code: str = "PRAK-XLS", rubric: list[dict[str, Any]] | None = None, **overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "code": code,
        "section": "PRAKTIK",
        "kind": "spreadsheet",
        "key": XLSX_RUBRIC if rubric is None else rubric,
    }
    raw.update(overrides)
    return raw
