"""Why an uploaded office file is refused: stable codes with Indonesian and English messages."""

from __future__ import annotations

from grader.problems import Problem

AGAIN_ID = " Silakan perbaiki lalu unggah ulang selama waktu masih ada."
AGAIN_EN = " Please fix it and upload again while time remains."

_MESSAGES: dict[str, tuple[str, str]] = {
    "upload.empty": ("Berkas kosong.", "The file is empty."),
    "upload.too_large": ("Berkas terlalu besar (paling besar {limit}).", "The file is too large (at most {limit})."),
    "upload.pdf": (
        "Berkas ini PDF, bukan dokumen .{want}. Simpan dari program perkantoran sebagai .{want}.",
        "This file is a PDF, not a .{want} document. Save it from the office program as .{want}.",
    ),
    "upload.executable": (
        "Berkas ini program (exe/elf), bukan dokumen. Berkas ditolak.",
        "This file is a program (exe/elf), not a document. It is refused.",
    ),
    "upload.legacy_office": (
        "Berkas ini format lama (.doc/.xls). Simpan ulang sebagai .{want}.",
        "This file is an old format (.doc/.xls). Save it again as .{want}.",
    ),
    "upload.encrypted": (
        "Berkas dilindungi kata sandi atau terenkripsi. Simpan ulang tanpa kata sandi.",
        "The file is password-protected or encrypted. Save it again without a password.",
    ),
    "upload.not_office": (
        "Berkas ini bukan dokumen .{want}. Simpan dari program perkantoran sebagai .{want}.",
        "This file is not a .{want} document. Save it from the office program as .{want}.",
    ),
    "upload.corrupt": (
        "Berkas rusak atau tidak lengkap ({why}).",
        "The file is damaged or incomplete ({why}).",
    ),
    "upload.zip_bomb": (
        "Isi berkas terlalu besar setelah dibuka ({why}); berkas ditolak demi keamanan.",
        "The file's contents are too large once unpacked ({why}); it is refused for safety.",
    ),
    "upload.too_many_cells": (
        "Lembar kerja berisi terlalu banyak sel terisi (lebih dari {limit}); hapus isi yang tidak diperlukan.",
        "The workbook has too many filled cells (more than {limit}); delete what is not needed.",
    ),
    "upload.odf_mimetype": (
        "Berkas OpenDocument tidak sah: {why}. Simpan ulang dari LibreOffice (File › Simpan Sebagai).",
        "Not a valid OpenDocument file: {why}. Save it again from LibreOffice (File › Save As).",
    ),
    "upload.macro": (
        "Berkas berisi makro (VBA/Basic/skrip). Makro tidak diizinkan: simpan sebagai .{want} biasa.",
        "The file contains macros (VBA/Basic/scripts). Macros are not allowed: save as a plain .{want}.",
    ),
    "upload.unsafe_xml": (
        "Berkas berisi XML yang tidak aman (DOCTYPE/ENTITY atau encoding selain UTF-8) di {why}.",
        "The file contains unsafe XML (DOCTYPE/ENTITY or an encoding other than UTF-8) in {why}.",
    ),
    "upload.wrong_type": (
        "Berkas ini {got_id}, padahal tugas meminta .{want}. {advice_id}",
        "This file is {got_en}, but the task asks for .{want}. {advice_en}",
    ),
    "upload.missing": (
        "Berkas jawaban tidak ditemukan di penyimpanan (sidik SHA-256 tidak cocok).",
        "The answer file was not found in storage (SHA-256 fingerprint does not match).",
    ),
}


class OfficeError(Exception):
    """Raised inside the readers; carries the Problem to show."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.en)
        self.problem = problem


def problem(code: str, **values: str) -> Problem:
    """The Problem for ``code`` with its placeholders filled in; the retry hint is appended.

    A placeholder ``x`` may be given once (``x=...``, the same in both languages) or per language
    (``x_id=...`` and ``x_en=...``).
    """
    id_text, en_text = _MESSAGES[code]
    values.setdefault("want", "")
    retry = code not in ("upload.missing",)
    return Problem(
        code=code,
        id=id_text.format(**_language(values, "_id")) + (AGAIN_ID if retry else ""),
        en=en_text.format(**_language(values, "_en")) + (AGAIN_EN if retry else ""),
        field="file",
    )


def _language(values: dict[str, str], suffix: str) -> dict[str, str]:
    chosen = dict(values)
    for key, value in values.items():
        if key.endswith(suffix):
            chosen[key[: -len(suffix)]] = value
    return chosen


def fail(code: str, **values: str) -> OfficeError:
    return OfficeError(problem(code, **values))
