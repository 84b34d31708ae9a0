"""Upload checks: real type, macros, encryption, zip bombs, unsafe XML — each with its own Problem code."""

from __future__ import annotations

import pytest

from grader.office import check_upload
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
