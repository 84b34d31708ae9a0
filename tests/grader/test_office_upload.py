"""Upload checks: real type, macros, encryption, zip bombs, unsafe XML — each with its own Problem code,
for OOXML (.docx/.xlsx) and OpenDocument (.odt/.ods) files."""

from __future__ import annotations

import io
import zipfile

import pytest

from grader.office import check_upload
from grader.office.errors import AGAIN_EN, AGAIN_ID
from tests.grader.odf_builders import (
    ODS_TYPE,
    ODT_TYPE,
    billion_laughs_ods,
    encrypted_odt,
    make_ods,
    make_odt,
    odt_with_basic_in_manifest,
    odt_with_script_listener,
    repack,
    with_mimetype,
    zip_bomb_ods,
)
from tests.grader.office_builders import (
    ENCRYPTED_OOXML,
    LEGACY_DOC,
    PDF,
    WINDOWS_EXE,
    billion_laughs_docx,
    fake_odt,
    lying_sizes_docx,
    make_docx,
    make_xlsx,
    rewrite,
    xlsm_with_macro,
    zip_bomb_docx,
)


def test_real_files_pass() -> None:
    assert check_upload(make_docx(), "docx") is None
    assert check_upload(make_xlsx(), "xlsx") is None
    assert check_upload(fake_odt(), "odt") is None


@pytest.mark.parametrize(
    ("data", "expected", "code"),
    [
        (b"", "docx", "upload.empty"),
        (PDF, "docx", "upload.pdf"),
        (WINDOWS_EXE, "xlsx", "upload.executable"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 50, "docx", "upload.executable"),
        (ENCRYPTED_OOXML, "docx", "upload.encrypted"),
        (LEGACY_DOC, "docx", "upload.legacy_office"),
        (b"Hello, this is plain text", "docx", "upload.not_office"),
        (b"PK\x03\x04garbage", "xlsx", "upload.corrupt"),
    ],
)
def test_non_packages_are_named(data: bytes, expected: str, code: str) -> None:
    problem = check_upload(data, expected)
    assert problem is not None
    assert problem.code == code
    assert problem.id
    assert problem.en
    assert problem.field == "file"


def test_renamed_files_are_recognised_by_content() -> None:
    docx_as_xlsx = check_upload(make_docx(), "xlsx")
    assert docx_as_xlsx is not None
    assert docx_as_xlsx.code == "upload.wrong_type"
    assert "Word" in docx_as_xlsx.en
    assert "LibreOffice" in docx_as_xlsx.en
    odt_as_docx = check_upload(fake_odt(), "docx")
    assert odt_as_docx is not None
    assert odt_as_docx.code == "upload.wrong_type"
    assert "Simpan Sebagai" in odt_as_docx.id  # tells a LibreOffice user how to save as .docx


@pytest.mark.parametrize("content_type", [True, False])
def test_macros_are_refused(content_type: bool) -> None:
    problem = check_upload(xlsm_with_macro(macro_content_type=content_type), "xlsx")
    assert problem is not None
    assert problem.code == "upload.macro"


def test_odf_basic_macros_are_refused() -> None:
    data = rewrite(fake_odt(), {}, add={"Basic/Standard/Module1.xml": b"<x/>"})
    problem = check_upload(data, "odt")
    assert problem is not None
    assert problem.code == "upload.macro"


def test_billion_laughs_is_refused_without_parsing() -> None:
    problem = check_upload(billion_laughs_docx(), "docx")
    assert problem is not None
    assert problem.code == "upload.unsafe_xml"


def test_utf16_xml_is_refused() -> None:
    data = rewrite(make_docx(), {"word/settings.xml": '<?xml version="1.0" encoding="UTF-16"?><x/>'.encode("utf-16")})
    problem = check_upload(data, "docx")
    assert problem is not None
    assert problem.code == "upload.unsafe_xml"


def test_zip_bombs_are_refused() -> None:
    high_ratio = check_upload(zip_bomb_docx(60), "docx")
    assert high_ratio is not None
    assert high_ratio.code == "upload.zip_bomb"
    huge_declared = check_upload(lying_sizes_docx(3 * 1024**3), "docx")
    assert huge_declared is not None
    assert huge_declared.code == "upload.zip_bomb"


def test_sizes_that_lie_are_caught_while_streaming() -> None:
    problem = check_upload(lying_sizes_docx(10), "docx")
    assert problem is not None
    assert problem.code == "upload.corrupt"


def test_size_limit() -> None:
    problem = check_upload(make_docx(), "docx", max_bytes=1000)
    assert problem is not None
    assert problem.code == "upload.too_large"


def test_encrypted_zip_entries_are_refused() -> None:
    data = bytearray(make_xlsx(chart=None))
    # Set the "encrypted" flag bit of the first central directory entry.
    at = data.find(b"PK\x01\x02")
    data[at + 8] |= 0x01
    problem = check_upload(bytes(data), "xlsx")
    assert problem is not None
    assert problem.code == "upload.encrypted"


def test_unknown_expected_format_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="expected"):
        check_upload(make_docx(), "pdf")


# ---- OpenDocument ----------------------------------------------------------------------------------------


def test_real_opendocument_files_pass_alone_or_with_their_ooxml_twin() -> None:
    assert check_upload(make_odt(), "odt") is None
    assert check_upload(make_ods(), "ods") is None
    assert check_upload(make_odt(), ("docx", "odt")) is None
    assert check_upload(make_docx(), ["docx", "odt"]) is None
    assert check_upload(make_ods(), ("xlsx", "ods")) is None
    assert check_upload(make_xlsx(), ("xlsx", "ods")) is None


def problem_of(data: bytes, expected: str | tuple[str, ...]) -> tuple[str, str, str]:
    problem = check_upload(data, expected)
    assert problem is not None
    assert problem.field == "file"
    assert problem.id != problem.en
    assert problem.id.endswith(AGAIN_ID)
    assert problem.en.endswith(AGAIN_EN)
    return problem.code, problem.id, problem.en


def test_wrong_kind_of_file_names_both_accepted_formats() -> None:
    code, id_text, en_text = problem_of(make_ods(), ("docx", "odt"))
    assert code == "upload.wrong_type"
    assert "lembar kerja OpenDocument (.ods)" in id_text
    assert "but the task asks for .docx or .odt" in en_text
    assert ".docx atau .odt" in id_text
    assert "LibreOffice Writer" in en_text
    code, _, en_text = problem_of(make_odt(), ("xlsx", "ods"))
    assert code == "upload.wrong_type"
    assert "an OpenDocument text (.odt)" in en_text
    assert "LibreOffice Calc" in en_text
    code, _, en_text = problem_of(PDF, ("docx", "odt"))
    assert (code, "not a .docx or .odt document" in en_text) == ("upload.pdf", True)
    template = with_mimetype(make_odt(), "application/vnd.oasis.opendocument.text-template")
    code, id_text, en_text = problem_of(template, ("docx", "odt"))
    assert code == "upload.wrong_type"
    assert "templat" in id_text
    assert "template" in en_text
    odt_only = problem_of(make_docx(), "odt")
    assert odt_only[0] == "upload.wrong_type"
    assert "ODF Text Document" in odt_only[2]


@pytest.mark.parametrize(
    ("data", "why_en"),
    [
        (repack(make_odt(), order=["content.xml"]), "not the first one"),
        (repack(make_ods(), compress_mimetype=True), "compressed"),
        (with_mimetype(make_odt(), ODT_TYPE + "\n"), "wrong"),
        (with_mimetype(make_ods(), ODT_TYPE, manifest=False), "manifest's type differs"),
    ],
)
def test_mimetype_must_come_first_stored_and_exact(data: bytes, why_en: str) -> None:
    code, id_text, en_text = problem_of(data, ("docx", "odt") if ODT_TYPE in str(data[:80]) else ("xlsx", "ods"))
    assert code == "upload.odf_mimetype"
    assert why_en in en_text
    assert "Berkas OpenDocument tidak sah" in id_text
    assert "Save it again from LibreOffice" in en_text


def test_missing_mimetype_and_other_zips_with_one() -> None:
    source = zipfile.ZipFile(io.BytesIO(make_odt()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != "mimetype":
                target.writestr(info.filename, source.read(info))
    code, _, en_text = problem_of(out.getvalue(), "odt")
    assert code == "upload.odf_mimetype"
    assert "missing" in en_text
    epub = with_mimetype(make_odt(), "application/epub+zip")
    assert problem_of(epub, "odt")[0] == "upload.not_office"
    assert ODS_TYPE in zipfile.ZipFile(io.BytesIO(make_ods())).read("mimetype").decode()


@pytest.mark.parametrize(
    "data",
    [
        rewrite(make_odt(), {}, add={"Basic/Standard/Module1.xml": b"<x/>"}),
        rewrite(make_ods(chart=None), {}, add={"Scripts/python/run.py": b"import os"}),
        odt_with_basic_in_manifest(),
        odt_with_script_listener(),
    ],
    ids=["basic-library", "python-script", "basic-in-manifest", "script-link"],
)
def test_opendocument_macros_and_script_bindings_are_refused(data: bytes) -> None:
    expected = ("xlsx", "ods") if b"spreadsheet" in data[:200] else ("docx", "odt")
    code, id_text, en_text = problem_of(data, expected)
    assert code == "upload.macro"
    assert "makro" in id_text
    assert "macros" in en_text


def test_script_event_listener_is_refused() -> None:
    listener = (
        b'<office:event-listeners><script:event-listener xmlns:script="urn:oasis:names:tc:opendocument:xmlns:'
        b'script:1.0" script:language="ooo:script" script:event-name="dom:click" '
        b'xlink:href="x"/></office:event-listeners>'
    )

    def content(xml: bytes) -> bytes:
        return xml.replace(b"</office:text>", listener + b"</office:text>")

    assert problem_of(rewrite(make_odt(), {"content.xml": content}), "odt")[0] == "upload.macro"


def test_hostile_opendocument_files_are_refused() -> None:
    assert problem_of(encrypted_odt(), "odt")[0] == "upload.encrypted"
    assert problem_of(billion_laughs_ods(), "ods")[0] == "upload.unsafe_xml"
    code, id_text, en_text = problem_of(zip_bomb_ods(60), ("xlsx", "ods"))
    assert code == "upload.zip_bomb"
    assert "demi keamanan" in id_text
    assert "refused for safety" in en_text
    broken = rewrite(make_odt(), {"content.xml": b'<?xml version="1.0" encoding="UTF-8"?><office:document-content'})
    assert problem_of(broken, "odt")[0] == "upload.corrupt"
