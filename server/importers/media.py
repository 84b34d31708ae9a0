"""Question images: resolved by file name, verified by magic bytes, stored by SHA-256."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from server.importers.common import MAX_IMAGE_BYTES


@dataclass(frozen=True, slots=True)
class Media:
    """One verified image; the renderer serves it with this content type."""

    content_type: str
    data: bytes


def image_type(data: bytes) -> str | None:
    """The content type of a PNG/JPEG/GIF/WebP image by its magic bytes, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class ImageError(Exception):
    """Why a referenced image cannot be used (bilingual)."""

    def __init__(self, code: str, id: str, en: str) -> None:
        super().__init__(en)
        self.code = code
        self.id = id
        self.en = en


def _norm(name: str) -> str:
    path = unicodedata.normalize("NFC", name.replace("\\", "/")).strip()
    while path.startswith("./"):
        path = path[2:]
    return path.strip("/")


class ImageResolver:
    """Finds a referenced file among the provided images: exact path, then case-insensitive, then by
    file name alone when that is unambiguous (``logo.png`` finds ``gambar/logo.png``)."""

    def __init__(self, images: Mapping[str, bytes] | None) -> None:
        self._images = images or {}
        self._exact = {_norm(k): k for k in self._images}
        self._folded: dict[str, list[str]] = {}
        self._base: dict[str, list[str]] = {}
        for key in self._images:
            norm = _norm(key)
            self._folded.setdefault(norm.casefold(), []).append(key)
            self._base.setdefault(norm.rsplit("/", 1)[-1].casefold(), []).append(key)
        self.media: dict[str, Media] = {}

    @property
    def files(self) -> Mapping[str, bytes]:
        return self._images

    def find(self, ref: str) -> str:
        """The key of the provided file ``ref`` names (for starting files, which are not images)."""
        return self._find(ref)

    def _find(self, ref: str) -> str:
        norm = _norm(ref)
        if norm in self._exact:
            return self._exact[norm]
        for candidates in (
            self._folded.get(norm.casefold(), []),
            [] if "/" in norm else self._base.get(norm.casefold(), []),
        ):
            if len(candidates) == 1:
                return candidates[0]
            if len(candidates) > 1:
                listed = ", ".join(sorted(candidates)[:5])
                raise ImageError(
                    "image.ambiguous",
                    f"Nama gambar '{ref}' cocok dengan beberapa berkas ({listed}); tulis jalurnya lengkap",
                    f"Image name '{ref}' matches several files ({listed}); write its full path",
                )
        if not self._images:
            raise ImageError(
                "image.missing",
                f"Berkas gambar '{ref}' tidak ditemukan: tidak ada gambar yang diunggah (unggah ZIP berisi "
                "berkas soal dan gambarnya)",
                f"Image file '{ref}' was not found: no images were uploaded (upload a ZIP with the bank file "
                "and its images)",
            )
        raise ImageError(
            "image.missing",
            f"Berkas gambar '{ref}' tidak ditemukan di antara gambar yang diunggah",
            f"Image file '{ref}' was not found among the uploaded images",
        )

    def resolve(self, ref: str) -> str:
        """The SHA-256 (hex) of the verified image ``ref`` names; raises ImageError."""
        data = self._images[self._find(ref)]  # lazy mappings raise ImageError if unreadable
        if len(data) > MAX_IMAGE_BYTES:
            raise ImageError(
                "image.too_large",
                f"Gambar '{ref}' terlalu besar (lebih dari {MAX_IMAGE_BYTES // (1024 * 1024)} MB); perkecil dulu",
                f"Image '{ref}' is too large (over {MAX_IMAGE_BYTES // (1024 * 1024)} MB); make it smaller",
            )
        content_type = image_type(data)
        if content_type is None:
            raise ImageError(
                "image.not_image",
                f"Berkas '{ref}' bukan gambar PNG, JPEG, GIF atau WebP",
                f"File '{ref}' is not a PNG, JPEG, GIF or WebP image",
            )
        digest = hashlib.sha256(data).hexdigest()
        self.media.setdefault(digest, Media(content_type=content_type, data=bytes(data)))
        return digest
