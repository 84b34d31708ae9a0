"""Rubric checks on documents, .docx or .odt (what the committee can ask of a document)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction

from grader.model import ArgValue
from grader.office.checks import Arg, CheckResult, check, text_arg
from grader.office.docx import Paragraph
from grader.office.text import find_all, norm, norm_chars, short
from grader.office.views import DocumentView

TEXT = Arg("text", required=True)
_HEADING = re.compile(r"(?:judul|heading)\s*([1-9])")
_ALIASES = {
    "judul": "title",
    "subjudul": "subtitle",
    "normal (web)": "normal (web)",
    # LibreOffice's names for Word's "Normal" and "Body Text" (older and newer releases)
    "standard": "normal",
    "default": "normal",
    "default style": "normal",
    "default paragraph style": "normal",
    "text body": "body text",
}
ALIGN_ID = {"left": "rata kiri", "center": "rata tengah", "right": "rata kanan", "justify": "rata kiri-kanan"}


def canonical_style(name: str) -> str:
    """Word stores built-in names in English ("heading 1"); Indonesian UI names map onto them."""
    text = norm(name)
    heading = _HEADING.fullmatch(text)
    if heading:
        return f"heading {heading.group(1)}"
    return _ALIASES.get(text, text)


def paragraphs_with(doc: DocumentView, text: str) -> list[Paragraph]:
    target, _ = norm_chars(text)
    return [p for p in doc.paragraphs() if target in p.search_text()]


def _missing(text: str) -> CheckResult:
    return CheckResult(
        False,
        f'Teks "{short(text)}" tidak ditemukan di dokumen',
        f'Text "{short(text)}" was not found in the document',
    )


@check("text_present", "docx", {"text": TEXT}, "Teks ada di dokumen", "Text is present in the document")
def text_present(doc: DocumentView, args: Mapping[str, ArgValue]) -> CheckResult:
    text = text_arg(args, "text")
    if paragraphs_with(doc, text):
        return CheckResult(True, f'Teks "{short(text)}" ditemukan', f'Text "{short(text)}" found')
    # A phrase may be split over a line break into two paragraphs: also search the whole text.
    whole = " ".join(p.search_text() for p in doc.paragraphs())
    if norm_chars(text)[0] in whole:
        return CheckResult(True, f'Teks "{short(text)}" ditemukan', f'Text "{short(text)}" found')
    return _missing(text)


@check(
    "paragraph_style",
    "docx",
    {"text": TEXT, "style": Arg("text", required=True)},
    "Paragraf memakai gaya tertentu",
    "Paragraph uses a given style",
)
def paragraph_style(doc: DocumentView, args: Mapping[str, ArgValue]) -> CheckResult:
    text, style = text_arg(args, "text"), text_arg(args, "style")
    found = paragraphs_with(doc, text)
    if not found:
        return _missing(text)
    names = [doc.style_name(p) for p in found]
    if any(canonical_style(name) == canonical_style(style) for name in names):
        return CheckResult(True, f'Paragraf bergaya "{style}"', f'Paragraph has style "{style}"')
    return CheckResult(
        False,
        f'Paragraf "{short(text)}" bergaya "{names[0]}", bukan "{style}"',
        f'Paragraph "{short(text)}" has style "{names[0]}", not "{style}"',
    )


def _spans(doc: DocumentView, text: str) -> list[list[tuple[Paragraph, int]]]:
    """For every occurrence of ``text``: (paragraph, run index) of each non-space character."""
    target, _ = norm_chars(text)
    spans = []
    # The normalised text is the lower-cased text with each white-space run made one space, so where
    # lower-casing keeps the length, an occurrence is a match of the target's words joined by \s+ in the
    # lower-cased source itself (overlapping ones too, as ``find_all`` finds them).
    pattern = re.compile("(?=(" + r"\s+".join(map(re.escape, target.split(" "))) + "))") if target else None
    for paragraph in doc.paragraphs():
        if pattern is None or target not in paragraph.search_text():
            continue
        owners: list[int] = []
        for index, run in enumerate(paragraph.runs):
            owners.extend([index] * len(run.text))
        source = paragraph.text
        lowered = source.lower()
        if len(lowered) == len(source):
            for match in pattern.finditer(lowered):
                start, end = match.span(1)
                spans.append([(paragraph, owners[i]) for i in range(start, end) if not source[i].isspace()])
            continue
        haystack, index_of = paragraph.normalised()
        for start in find_all(haystack, target):
            chars = [index_of[i] for i in range(start, start + len(target)) if haystack[i] != " "]
            spans.append([(paragraph, owners[i]) for i in chars])
    return spans


def _formatted(doc: DocumentView, text: str, prop: str, want: bool) -> tuple[bool, bool]:
    """(found at all, some occurrence has ``prop == want`` on every character)."""
    spans = _spans(doc, text)
    for span in spans:
        if all(doc.effective(p, p.runs[i], prop) in _equal(want) for p, i in span):
            return True, True
    return bool(spans), False


def _equal(want: bool) -> tuple[object, ...]:
    # An unset toggle (None) means off.
    if want is False:
        return (False, None)
    return (want,)


NAMES = {"bold": ("tebal", "bold"), "italic": ("miring", "italic"), "underline": ("bergaris bawah", "underlined")}


@check(
    "text_format",
    "docx",
    {"text": TEXT, "bold": Arg("bool"), "italic": Arg("bool"), "underline": Arg("bool")},
    "Teks berformat tebal/miring/garis bawah",
    "Text is bold/italic/underlined",
    at_least_one_of=("bold", "italic", "underline"),
)
def text_format(doc: DocumentView, args: Mapping[str, ArgValue]) -> CheckResult:
    text = text_arg(args, "text")
    for prop in ("bold", "italic", "underline"):
        want = args.get(prop)
        if not isinstance(want, bool):
            continue
        found, ok = _formatted(doc, text, prop, want)
        if not found:
            return _missing(text)
        if not ok:
            id_name, en_name = NAMES[prop]
            neg_id, neg_en = ("", "") if want else ("tidak ", "not ")
            return CheckResult(
                False,
                f'Teks "{short(text)}" belum {neg_id}{id_name}',
                f'Text "{short(text)}" is not {neg_en}{en_name}',
            )
    return CheckResult(True, f'Format teks "{short(text)}" sesuai', f'Text "{short(text)}" is formatted as asked')


@check(
    "font_size",
    "docx",
    {"text": TEXT, "size": Arg("decimal", required=True)},
    "Ukuran huruf",
    "Font size",
)
def font_size(doc: DocumentView, args: Mapping[str, ArgValue]) -> CheckResult:
    text, size = text_arg(args, "text"), Fraction(text_arg(args, "size"))
    spans = _spans(doc, text)
    if not spans:
        return _missing(text)
    seen: set[Fraction] = set()
    for span in spans:
        sizes = {Fraction(doc.effective(p, p.runs[i], "size") or 20) / 2 for p, i in span}
        if sizes == {size}:
            return CheckResult(True, f"Ukuran huruf {size} pt", f"Font size {size} pt")
        seen |= sizes
    found = ", ".join(_points(s) for s in sorted(seen))
    return CheckResult(
        False,
        f'Ukuran huruf "{short(text)}" adalah {found} pt, bukan {size} pt',
        f'Font size of "{short(text)}" is {found} pt, not {size} pt',
    )


def _points(size: Fraction) -> str:
    """A font size as the office program shows it (``18.2``, ``10.5``, ``12``)."""
    return f"{round(float(size), 1):g}"


@check(
    "alignment",
    "docx",
    {"text": TEXT, "align": Arg("choice", required=True, choices=("left", "center", "right", "justify"))},
    "Perataan paragraf",
    "Paragraph alignment",
)
def alignment(doc: DocumentView, args: Mapping[str, ArgValue]) -> CheckResult:
    text, align = text_arg(args, "text"), text_arg(args, "align")
    found = paragraphs_with(doc, text)
    if not found:
        return _missing(text)
    actual = [doc.alignment(p) for p in found]
    if align in actual:
        return CheckResult(True, f"Paragraf {ALIGN_ID[align]}", f"Paragraph aligned {align}")
    return CheckResult(
        False,
        f'Paragraf "{short(text)}" {ALIGN_ID.get(actual[0], actual[0])}, bukan {ALIGN_ID[align]}',
        f'Paragraph "{short(text)}" is aligned {actual[0]}, not {align}',
    )


@check(
    "table_with_rows",
    "docx",
    {"rows": Arg("int"), "cols": Arg("int"), "header": Arg("texts")},
    "Tabel dengan baris/kolom/judul kolom tertentu",
    "A table with given rows/columns/header",
    at_least_one_of=("rows", "cols", "header"),
)
def table_with_rows(doc: DocumentView, args: Mapping[str, ArgValue]) -> CheckResult:
    rows, cols, header = args.get("rows"), args.get("cols"), args.get("header")
    tables = doc.tables()
    if not tables:
        return CheckResult(False, "Tidak ada tabel di dokumen", "There is no table in the document")
    shapes = []
    for table in tables:
        n_rows = len(table.rows)
        n_cols = max((len(r) for r in table.rows), default=0)
        shapes.append(f"{n_rows}×{n_cols}")
        if isinstance(rows, int) and n_rows != rows:
            continue
        if isinstance(cols, int) and n_cols != cols:
            continue
        if isinstance(header, tuple):
            first = [norm(cell) for cell in table.rows[0]] if table.rows else []
            if [norm(h) for h in header] != first[: len(header)]:
                continue
        return CheckResult(True, f"Tabel {n_rows}×{n_cols} sesuai", f"Table {n_rows}×{n_cols} matches")
    want = f"{rows if isinstance(rows, int) else '?'}×{cols if isinstance(cols, int) else '?'}"
    return CheckResult(
        False,
        f"Tidak ada tabel yang sesuai (diminta {want}, ada {', '.join(shapes)}; periksa juga judul kolom)",
        f"No table matches (asked {want}, found {', '.join(shapes)}; check the header row too)",
    )


@check(
    "orientation",
    "docx",
    {"orientation": Arg("choice", required=True, choices=("landscape", "portrait"))},
    "Orientasi halaman",
    "Page orientation",
)
def orientation(doc: DocumentView, args: Mapping[str, ArgValue]) -> CheckResult:
    want = text_arg(args, "orientation")
    sections = doc.sections()
    bad = [i + 1 for i, s in enumerate(sections) if s.landscape != (want == "landscape")]
    name_id = "mendatar (landscape)" if want == "landscape" else "tegak (portrait)"
    if not bad:
        return CheckResult(True, f"Halaman {name_id}", f"Pages are {want}")
    return CheckResult(
        False,
        f"Halaman belum {name_id} (bagian {', '.join(map(str, bad))})",
        f"Pages are not {want} (section {', '.join(map(str, bad))})",
    )


def _header_footer(doc: DocumentView, kind: str, text: str) -> CheckResult:
    word_id = "header (kepala halaman)" if kind == "header" else "footer (kaki halaman)"
    texts = doc.header_footer_texts(kind)
    if any(norm(text) in norm(t) for t in texts):
        return CheckResult(True, f'Teks "{short(text)}" ada di {word_id}', f'Text "{short(text)}" is in the {kind}')
    if not texts:
        return CheckResult(False, f"Dokumen tidak memiliki {word_id}", f"The document has no {kind}")
    return CheckResult(
        False,
        f'Teks "{short(text)}" tidak ada di {word_id}',
        f'Text "{short(text)}" is not in the {kind}',
    )


@check("header_text", "docx", {"text": TEXT}, "Teks di header", "Text in the header")
def header_text(doc: DocumentView, args: Mapping[str, ArgValue]) -> CheckResult:
    return _header_footer(doc, "header", text_arg(args, "text"))


@check("footer_text", "docx", {"text": TEXT}, "Teks di footer", "Text in the footer")
def footer_text(doc: DocumentView, args: Mapping[str, ArgValue]) -> CheckResult:
    return _header_footer(doc, "footer", text_arg(args, "text"))
