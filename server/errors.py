"""Errors the HTTP layer turns into bilingual JSON answers with the right status."""

from __future__ import annotations

from grader.problems import Problem


class ApiError(Exception):
    """A refusal the user can understand: status, stable code, Indonesian and English text."""

    def __init__(
        self,
        status: int,
        code: str,
        id_: str,
        en: str,
        *,
        field: str | None = None,
        problems: tuple[Problem, ...] = (),
        retry_after: int | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {en}")
        self.status = status
        self.code = code
        self.id = id_
        self.en = en
        self.field = field
        self.problems = problems
        self.retry_after = retry_after

    def as_json(self) -> dict[str, object]:
        return {
            "error": {
                "code": self.code,
                "id": self.id,
                "en": self.en,
                "field": self.field,
                "problems": [p.as_json() for p in self.problems],
            }
        }


def bad_request(code: str, id_: str, en: str, *, field: str | None = None) -> ApiError:
    return ApiError(400, code, id_, en, field=field)


def conflict(code: str, id_: str, en: str) -> ApiError:
    return ApiError(409, code, id_, en)


def not_found(what_id: str, what_en: str) -> ApiError:
    return ApiError(404, "not_found", f"{what_id} tidak ditemukan", f"{what_en} not found")


UNAUTHORIZED = ApiError(401, "auth.required", "Silakan masuk terlebih dahulu", "Please log in first")
FORBIDDEN = ApiError(
    403, "auth.forbidden", "Peran Anda tidak diizinkan melakukan ini", "Your role is not allowed to do this"
)
