"""Bilingual problems: what is wrong and where, in Indonesian and English."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, located precisely (file, row, field)."""

    code: str
    """Stable machine code, e.g. ``"key.unknown_option"``."""
    id: str
    """Message in Bahasa Indonesia."""
    en: str
    """Message in English."""
    row: int | None = None
    """1-based row in the source file (spreadsheet row number as the user sees it)."""
    field: str | None = None
    """Column/field name as the user wrote it."""
    source: str | None = None
    """File or sheet name."""

    def located(self, *, row: int | None = None, field: str | None = None, source: str | None = None) -> Problem:
        """Return a copy with location filled in where it is still missing."""
        return Problem(
            code=self.code,
            id=self.id,
            en=self.en,
            row=self.row if self.row is not None else row,
            field=self.field if self.field is not None else field,
            source=self.source if self.source is not None else source,
        )

    def where(self) -> str:
        """Human location, e.g. ``bank.xlsx row 7, field 'kunci'``."""
        parts = []
        if self.source:
            parts.append(self.source)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)

    def as_json(self) -> dict[str, str | int | None]:
        return {
            "code": self.code,
            "id": self.id,
            "en": self.en,
            "row": self.row,
            "field": self.field,
            "source": self.source,
        }


class ProblemsError(ValueError):
    """Raised with every problem found; callers apply nothing when it is raised."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        first = problems[0] if problems else None
        summary = f"{len(problems)} problem(s)" + (f"; first: {first.where()} {first.en}" if first else "")
        super().__init__(summary)
