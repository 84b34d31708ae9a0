"""Uploaded office files as checked zip packages: real type, no macros, no encryption, no zip bombs."""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from grader.office.errors import OfficeError, fail
from grader.office.xmlsafe import check_xml, parse_xml
from grader.problems import Problem

FORMATS = ("docx", "xlsx", "odt", "ods")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_UNPACKED = 100 * 1024 * 1024
"""Total declared uncompressed size allowed, and the cap on what is actually inflated."""
MAX_PART = 40 * 1024 * 1024
MAX_ENTRIES = 4000
MAX_RATIO = 1000
"""An entry over 1 MiB inflating more than this many times its stored size is refused."""

CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": "dotx",
    "application/vnd.ms-word.document.macroEnabled.main+xml": "docm",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml": "dotm",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "xltx",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": "xlsm",
    "application/vnd.ms-excel.template.macroEnabled.main+xml": "xltm",
    "application/vnd.ms-excel.sheet.binary.macroEnabled.main": "xlsb",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
MACRO_FORMATS = frozenset({"docm", "dotm", "xlsm", "xltm", "xlsb"})
ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "odt": "content.xml", "ods": "content.xml"}
_DESCRIBE = {
    "docx": ("dokumen Word (.docx)", "a Word document (.docx)"),
    "xlsx": ("lembar kerja Excel (.xlsx)", "an Excel workbook (.xlsx)"),
    "odt": ("dokumen OpenDocument (.odt)", "an OpenDocument text (.odt)"),
    "ods": ("lembar kerja OpenDocument (.ods)", "an OpenDocument spreadsheet (.ods)"),
    "pptx": ("presentasi (.pptx)", "a presentation (.pptx)"),
    "odp": ("presentasi (.odp)", "a presentation (.odp)"),
    "dotx": ("templat Word (.dotx)", "a Word template (.dotx)"),
    "xltx": ("templat Excel (.xltx)", "an Excel template (.xltx)"),
}
_SAVE_AS = {
    "docx": (
        "Di LibreOffice pilih File › Simpan Sebagai › Word 2007-365 (.docx).",
        "In LibreOffice choose File › Save As › Word 2007-365 (.docx).",
    ),
    "xlsx": (
        "Di LibreOffice pilih File › Simpan Sebagai › Excel 2007-365 (.xlsx).",
        "In LibreOffice choose File › Save As › Excel 2007-365 (.xlsx).",
    ),
    "odt": ("Simpan sebagai ODF Text Document (.odt).", "Save as ODF Text Document (.odt)."),
    "ods": ("Simpan sebagai ODF Spreadsheet (.ods).", "Save as ODF Spreadsheet (.ods)."),
}


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_unpacked: int = MAX_UNPACKED
    max_part: int = MAX_PART
    max_entries: int = MAX_ENTRIES


class Package:
    """A zip package whose directory was checked; parts are inflated on demand, within the caps."""

    def __init__(self, data: bytes, limits: Limits) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise fail("upload.corrupt", why=f"zip: {exc}") from None
        if len(infos) > limits.max_entries:
            raise fail("upload.zip_bomb", why=f"{len(infos)} entries")
        self._limits = limits
        self._infos: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise fail("upload.encrypted")
            if info.filename in self._infos:
                raise fail("upload.corrupt", why=f"duplicate entry {info.filename}")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise fail("upload.corrupt", why=f"unsupported compression in {info.filename}")
            total += info.file_size
            if info.file_size > 1 << 20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise fail("upload.zip_bomb", why=f"{info.filename} ratio")
            self._infos[info.filename] = info
        if total > limits.max_unpacked:
            raise fail("upload.zip_bomb", why=f"{total} bytes declared")
        self._inflated = 0
        self._trees: dict[str, Element] = {}

    def names(self) -> tuple[str, ...]:
        return tuple(self._infos)

    def has(self, name: str) -> bool:
        return name in self._infos

    def read(self, name: str) -> bytes:
        """The part's bytes, streamed with a cap: more than declared, or over the limits, is refused."""
        info = self._infos.get(name)
        if info is None:
            raise fail("upload.corrupt", why=f"missing {name}")
        cap = min(info.file_size, self._limits.max_part, self._limits.max_unpacked - self._inflated)
        if info.file_size > cap:
            raise fail("upload.zip_bomb", why=name)
        chunks: list[bytes] = []
        size = 0
        try:
            with self._zip.open(info) as stream:
                while chunk := stream.read(min(65536, cap + 1 - size)):
                    size += len(chunk)
                    if size > cap:
                        raise fail("upload.zip_bomb", why=name)
                    chunks.append(chunk)
        except OfficeError:
            raise
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
            raise fail("upload.corrupt", why=f"{name}: {exc}") from None
        self._inflated += size
        return b"".join(chunks)

    def xml(self, name: str) -> Element:
        """The part parsed (once; later calls share the tree, which callers must not modify)."""
        tree = self._trees.get(name)
        if tree is None:
            tree = self._trees[name] = parse_xml(self.read(name), name)
        return tree

    def xml_or_none(self, name: str) -> Element | None:
        return self.xml(name) if name in self._infos else None


def sniff(data: bytes, expected: str) -> None:
    """Refuse what is plainly not a zip package, naming what it is."""
    if not data:
        raise fail("upload.empty")
    if data.startswith(b"%PDF"):
        raise fail("upload.pdf", want=expected)
    if data.startswith((b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"#!")):
        raise fail("upload.executable")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # Office 2007+ files with a password are OLE containers holding an "EncryptedPackage" stream.
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise fail("upload.encrypted")
        raise fail("upload.legacy_office", want=expected)
    if not data.startswith(b"PK\x03\x04"):
        raise fail("upload.not_office", want=expected)


def open_package(data: bytes, expected: str, limits: Limits | None = None) -> Package:
    """A checked package of the ``expected`` format; ``OfficeError`` says why not."""
    if expected not in FORMATS:
        raise ValueError(f"expected must be one of {FORMATS}")
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise fail("upload.too_large", limit=f"{limits.max_bytes // (1024 * 1024)} MB")
    sniff(data, expected)
    package = Package(data, limits)
    got = _real_type(package, expected)
    if got in MACRO_FORMATS or _has_macros(package):
        raise fail("upload.macro", want=expected)
    if got != expected:
        got_id, got_en = _DESCRIBE.get(got, (got, got))
        advice_id, advice_en = _SAVE_AS[expected]
        raise fail(
            "upload.wrong_type", want=expected, got_id=got_id, got_en=got_en, advice_id=advice_id, advice_en=advice_en
        )
    if not package.has(MAIN_PART[expected]):
        raise fail("upload.corrupt", why=f"missing {MAIN_PART[expected]}")
    return package


def _real_type(package: Package, expected: str) -> str:
    if package.has("mimetype"):
        mimetype = package.read("mimetype").decode("ascii", "replace").strip()
        if mimetype in ODF_TYPES:
            if package.has("META-INF/manifest.xml"):
                manifest = package.read("META-INF/manifest.xml")
                check_xml(manifest, "META-INF/manifest.xml")
                if b"encryption-data" in manifest:
                    raise fail("upload.encrypted")
            return ODF_TYPES[mimetype]
    if not package.has("[Content_Types].xml"):
        raise fail("upload.not_office", want=expected)
    types = package.xml("[Content_Types].xml")
    found = "unknown"
    for override in types.iter(f"{CT}Override"):
        content_type = override.get("ContentType", "")
        if "vbaProject" in content_type or "macroEnabled" in content_type:
            raise fail("upload.macro", want=expected)
        found = MAIN_TYPES.get(content_type, found) if found == "unknown" else found
    for default in types.iter(f"{CT}Default"):
        if "vbaProject" in default.get("ContentType", ""):
            raise fail("upload.macro", want=expected)
    if found == "unknown":
        raise fail("upload.not_office", want=expected)
    return found


def _has_macros(package: Package) -> bool:
    for name in package.names():
        lower = name.lower()
        base = posixpath.basename(lower)
        if base in ("vbaproject.bin", "vbadata.xml") or lower.startswith(("basic/", "scripts/")):
            return True
        if "/activex/" in f"/{lower}":
            return True
    return False


def check_upload(
    data: bytes, expected: str, max_bytes: int = DEFAULT_MAX_BYTES, limits: Limits | None = None
) -> Problem | None:
    """Why this upload cannot be accepted for a task wanting ``expected`` (docx, xlsx, odt, ods), or None.

    Checks, in order: size, real type by magic bytes (PDF, programs, old/encrypted OLE files), the zip
    directory (entries, declared sizes, ratios, encryption flags), the content types / ODF mimetype
    (real format, macro-enabled variants), macro parts (vbaProject.bin, Basic/, ActiveX), and then
    every XML part is inflated within the caps and refused if it has a DOCTYPE/ENTITY or is not UTF-8;
    the main part must parse. Nothing in the file is executed.
    """
    base = limits or Limits()
    limits = Limits(max_bytes, base.max_unpacked, base.max_part, base.max_entries)
    try:
        package = open_package(data, expected, limits)
        for name in package.names():
            if name.endswith((".xml", ".rels")):
                check_xml(package.read(name), name)
        package.xml(MAIN_PART[expected])
    except OfficeError as exc:
        return exc.problem
    return None
