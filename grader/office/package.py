"""Uploaded office files as checked zip packages: real type, no macros, no encryption, no zip bombs."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from grader.office.errors import OfficeError, fail
from grader.office.odf import MAX_CELLS, filled_cells
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
ODF_PREFIX = "application/vnd.oasis.opendocument."
ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.oasis.opendocument.graphics": "odg",
    "application/vnd.oasis.opendocument.text-template": "ott",
    "application/vnd.oasis.opendocument.spreadsheet-template": "ots",
    "application/vnd.oasis.opendocument.text-master": "odm",
}
MANIFEST = "META-INF/manifest.xml"
MF = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}"
_ODF_SCRIPT = re.compile(rb"vnd\.sun\.star\.(?:script|basic):|macro://|<[A-Za-z_][\w.-]*:event-listener\b")
"""Script bindings in ODF content: event listeners (form controls, images) and script/macro links."""
_SCRIPT_MARKERS = (b"vnd.sun.star.", b"macro://", b":event-listener")
MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "odt": "content.xml", "ods": "content.xml"}
_DESCRIBE = {
    "docx": ("dokumen Word (.docx)", "a Word document (.docx)"),
    "xlsx": ("lembar kerja Excel (.xlsx)", "an Excel workbook (.xlsx)"),
    "odt": ("dokumen OpenDocument (.odt)", "an OpenDocument text (.odt)"),
    "ods": ("lembar kerja OpenDocument (.ods)", "an OpenDocument spreadsheet (.ods)"),
    "pptx": ("presentasi (.pptx)", "a presentation (.pptx)"),
    "odp": ("presentasi (.odp)", "a presentation (.odp)"),
    "odg": ("gambar OpenDocument (.odg)", "an OpenDocument drawing (.odg)"),
    "odm": ("dokumen induk OpenDocument (.odm)", "an OpenDocument master document (.odm)"),
    "ott": ("templat OpenDocument (.ott)", "an OpenDocument template (.ott)"),
    "ots": ("templat lembar kerja OpenDocument (.ots)", "an OpenDocument spreadsheet template (.ots)"),
    "odf-other": ("dokumen OpenDocument jenis lain", "another kind of OpenDocument file"),
    "dotx": ("templat Word (.dotx)", "a Word template (.dotx)"),
    "xltx": ("templat Excel (.xltx)", "an Excel template (.xltx)"),
}
_SAVE_AS: dict[str | tuple[str, ...], tuple[str, str]] = {
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
    ("docx", "odt"): (
        "Simpan dari pengolah kata sebagai .docx (Word) atau .odt (LibreOffice Writer), bukan templat.",
        "Save it from the word processor as .docx (Word) or .odt (LibreOffice Writer), not as a template.",
    ),
    ("xlsx", "ods"): (
        "Simpan dari program lembar kerja sebagai .xlsx (Excel) atau .ods (LibreOffice Calc), bukan templat.",
        "Save it from the spreadsheet program as .xlsx (Excel) or .ods (LibreOffice Calc), not as a template.",
    ),
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
        self._bytes: dict[str, bytes] = {}
        self.format = ""
        """The real format found by ``open_package`` (docx, xlsx, odt or ods)."""

    def names(self) -> tuple[str, ...]:
        return tuple(self._infos)

    def has(self, name: str) -> bool:
        return name in self._infos

    def read(self, name: str) -> bytes:
        """The part's bytes, streamed with a cap: more than declared, or over the limits, is refused.

        Inflated once: later reads share the bytes (and count once against the limits)."""
        cached = self._bytes.get(name)
        if cached is not None:
            return cached
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
        data = self._bytes[name] = b"".join(chunks)
        return data

    def info(self, name: str) -> zipfile.ZipInfo | None:
        return self._infos.get(name)

    def xml(self, name: str) -> Element:
        """The part parsed (once; later calls share the tree, which callers must not modify)."""
        tree = self._trees.get(name)
        if tree is None:
            tree = self._trees[name] = parse_xml(self.read(name), name)
        return tree

    def xml_or_none(self, name: str) -> Element | None:
        return self.xml(name) if name in self._infos else None


def sniff(data: bytes, want: dict[str, str]) -> None:
    """Refuse what is plainly not a zip package, naming what it is."""
    if not data:
        raise fail("upload.empty")
    if data.startswith(b"%PDF"):
        raise fail("upload.pdf", **want)
    if data.startswith((b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"#!")):
        raise fail("upload.executable")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # Office 2007+ files with a password are OLE containers holding an "EncryptedPackage" stream.
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise fail("upload.encrypted")
        raise fail("upload.legacy_office", **want)
    if not data.startswith(b"PK\x03\x04"):
        raise fail("upload.not_office", **want)


def accepted_formats(expected: str | Sequence[str]) -> tuple[str, ...]:
    """``"docx"`` or a sequence such as ``("docx", "odt")`` as a checked tuple of formats."""
    wanted = (expected,) if isinstance(expected, str) else tuple(expected)
    if not wanted or any(f not in FORMATS for f in wanted):
        raise ValueError(f"expected must be one or more of {FORMATS}")
    return wanted


def open_package(data: bytes, expected: str | Sequence[str], limits: Limits | None = None) -> Package:
    """A checked package of the ``expected`` format (or of one of several, e.g. ``("docx", "odt")``);
    ``OfficeError`` says why not. ``Package.format`` is the format found."""
    wanted = accepted_formats(expected)
    want = {"want_id": " atau .".join(wanted), "want_en": " or .".join(wanted)}
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise fail("upload.too_large", limit=f"{limits.max_bytes // (1024 * 1024)} MB")
    sniff(data, want)
    package = Package(data, limits)
    got = _real_type(package, want)
    if got in MACRO_FORMATS or _has_macros(package):
        raise fail("upload.macro", **want)
    if got not in wanted:
        got_id, got_en = _DESCRIBE.get(got, (got, got))
        advice_id, advice_en = _SAVE_AS.get(wanted if len(wanted) > 1 else wanted[0], ("", ""))
        raise fail("upload.wrong_type", got_id=got_id, got_en=got_en, advice_id=advice_id, advice_en=advice_en, **want)
    if not package.has(MAIN_PART[got]):
        raise fail("upload.corrupt", why=f"missing {MAIN_PART[got]}")
    if got in ("odt", "ods") and _has_scripts(package):
        raise fail("upload.macro", **want)
    package.format = got
    return package


def _real_type(package: Package, want: dict[str, str]) -> str:
    if package.has("mimetype") or (package.has(MANIFEST) and not package.has("[Content_Types].xml")):
        return _odf_type(package, want)
    if not package.has("[Content_Types].xml"):
        raise fail("upload.not_office", **want)
    types = package.xml("[Content_Types].xml")
    found = "unknown"
    for override in types.iter(f"{CT}Override"):
        content_type = override.get("ContentType", "")
        if "vbaProject" in content_type or "macroEnabled" in content_type:
            raise fail("upload.macro", **want)
        found = MAIN_TYPES.get(content_type, found) if found == "unknown" else found
    for default in types.iter(f"{CT}Default"):
        if "vbaProject" in default.get("ContentType", ""):
            raise fail("upload.macro", **want)
    if found == "unknown":
        raise fail("upload.not_office", **want)
    return found


def _odf_type(package: Package, want: dict[str, str]) -> str:
    """An OpenDocument package's format, from its ``mimetype`` entry (first, stored, exact) and manifest."""
    info = package.info("mimetype")
    if info is None:
        raise _bad_mimetype("berkas 'mimetype' tidak ada", "the 'mimetype' entry is missing")
    if package.names()[0] != "mimetype":
        raise _bad_mimetype("berkas 'mimetype' bukan entri pertama", "the 'mimetype' entry is not the first one")
    if info.compress_type != zipfile.ZIP_STORED:
        raise _bad_mimetype("berkas 'mimetype' dikompresi", "the 'mimetype' entry is compressed")
    mimetype = package.read("mimetype").decode("ascii", "replace")
    if not mimetype.startswith(ODF_PREFIX):
        raise fail("upload.not_office", **want)  # an EPUB or another zip with a mimetype entry
    if not mimetype.isprintable() or " " in mimetype:
        raise _bad_mimetype(
            f"isi 'mimetype' salah ({mimetype[:60]!r})", f"the 'mimetype' entry is wrong ({mimetype[:60]!r})"
        )
    if package.has(MANIFEST):
        manifest = package.xml(MANIFEST)
        for entry in manifest.iter(f"{MF}file-entry"):
            path = entry.get(f"{MF}full-path", "")
            if path == "/" and entry.get(f"{MF}media-type", mimetype) != mimetype:
                raise _bad_mimetype(
                    "jenis di manifest tidak sama dengan 'mimetype'", "the manifest's type differs from 'mimetype'"
                )
            if path.lower().startswith(("basic/", "scripts/")):
                raise fail("upload.macro", **want)
            if entry.find(f"{MF}encryption-data") is not None:
                raise fail("upload.encrypted")
    return ODF_TYPES.get(mimetype, "odf-other")


def _bad_mimetype(why_id: str, why_en: str) -> OfficeError:
    return fail("upload.odf_mimetype", why_id=why_id, why_en=why_en)


def _has_scripts(package: Package) -> bool:
    """ODF content binding scripts to events or links (``vnd.sun.star.script:``), in any XML content part."""
    for name in package.names():
        if name.endswith(("content.xml", "styles.xml")):
            data = package.read(name)
            # Plain substring searches first (fast); the pattern confirms the rare hit.
            if any(marker in data for marker in _SCRIPT_MARKERS) and _ODF_SCRIPT.search(data):
                return True
    return False


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
    data: bytes, expected: str | Sequence[str], max_bytes: int = DEFAULT_MAX_BYTES, limits: Limits | None = None
) -> Problem | None:
    """Why this upload cannot be accepted for a task wanting ``expected`` (docx, xlsx, odt, ods, or a
    sequence of them such as ``("docx", "odt")``), or None.

    Checks, in order: size, real type by magic bytes (PDF, programs, old/encrypted OLE files), the zip
    directory (entries, declared sizes, ratios, encryption flags), the content types / ODF mimetype
    (first entry, stored, exact; the manifest agrees), macro parts (vbaProject.bin, ODF Basic/ and
    Scripts/, ActiveX) and ODF script bindings (event listeners, ``vnd.sun.star.script:`` links), and
    then every XML part is inflated within the caps and refused if it has a DOCTYPE/ENTITY or is not
    UTF-8; the main part must parse, and an .ods may not expand to more than ``MAX_CELLS`` filled
    cells. Nothing in the file is executed.
    """
    base = limits or Limits()
    limits = Limits(max_bytes, base.max_unpacked, base.max_part, base.max_entries)
    try:
        package = open_package(data, expected, limits)
        for name in package.names():
            if name.endswith((".xml", ".rels")):
                check_xml(package.read(name), name)
        main = package.xml(MAIN_PART[package.format])
        if package.format == "ods" and filled_cells(main) > MAX_CELLS:
            raise fail("upload.too_many_cells", limit=f"{MAX_CELLS:,}".replace(",", "."))
    except OfficeError as exc:
        return exc.problem
    return None
