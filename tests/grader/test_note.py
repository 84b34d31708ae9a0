"""C2SP signed notes: published Go sumdb/note vectors, key strings, tampering, unknown keys, cosigning."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.errors import InvalidSignatureError, KeyFormatError, MalformedNoteError, UnverifiedNoteError
from grader.note import (
    Signature,
    Signer,
    Verifier,
    cosign_note,
    generate_signer,
    is_valid_key_name,
    key_id,
    open_note,
    parse_note,
    parse_skey,
    parse_vkey,
    sign_note,
)

# Known-answer vectors from golang.org/x/mod sumdb/note/note_test.go (TestNewVerifier, TestNewSigner,
# TestSign, TestOpen). Ed25519 is deterministic, so signing with PETER_SKEY must give PETER_SIG exactly.
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_B64 = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
ENOCH_B64 = "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ="
PETER_SIG = f"\u2014 PeterNeumann {PETER_B64}\n"
ENOCH_SIG = f"\u2014 EnochRoot {ENOCH_B64}\n"

PETER = parse_vkey(PETER_VKEY)
ENOCH = parse_vkey(ENOCH_VKEY)


def sig(name: str, b64: str) -> Signature:
    raw = base64.b64decode(b64)
    return Signature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def note_bytes(*parts: str) -> bytes:
    return "".join(parts).encode("utf-8")


def abcd(line: str) -> str:
    """Go's ``line[:60] + "ABCD" + line[60:]`` (byte offsets: the em dash is three bytes in UTF-8)."""
    raw = line.encode("utf-8")
    return (raw[:60] + b"ABCD" + raw[60:]).decode("utf-8")


# ----------------------------------------------------------------------------- keys


def test_published_verifier_and_signer_keys_parse_and_match() -> None:
    assert PETER.name == "PeterNeumann"
    assert PETER.key_id == 0xC74F20A3
    assert ENOCH.key_id == 0xAF0CFE78
    signer = parse_skey(PETER_SKEY)
    assert signer.key_id == 0xC74F20A3
    assert signer.verifier == PETER  # public key derived from the seed
    assert signer.verifier.vkey == PETER_VKEY
    assert signer.skey == PETER_SKEY
    assert PETER.vkey == PETER_VKEY


def test_key_id_is_the_first_four_bytes_of_the_named_key_hash() -> None:
    assert key_id(PETER.name, PETER.public_key) == 0xC74F20A3
    assert key_id("PeterNeumanN", PETER.public_key) != 0xC74F20A3


@pytest.mark.parametrize(("text", "prefix"), [(PETER_VKEY, ""), (PETER_SKEY, "PRIVATE+KEY+")])
def test_every_mangled_key_string_is_rejected(text: str, prefix: str) -> None:
    """As Go's TestNewVerifier/TestNewSigner: every proper substring and every one-character change."""
    parse = parse_skey if prefix else parse_vkey
    accepted = []
    for i in range(len(text) + 1):
        for j in range(i + 1, len(text) + 1):
            if (i, j) != (0, len(text)):
                try:
                    parse(text[i:j])
                    accepted.append(text[i:j])
                except KeyFormatError:
                    pass
    for i in range(len(text)):
        mangled = text[:i] + chr(ord(text[i]) + 1) + text[i + 1 :]
        try:
            parse(mangled)
            accepted.append(mangled)
        except KeyFormatError:
            pass
    assert accepted == []


@pytest.mark.parametrize(
    "vkey",
    [
        # From TestNewVerifier: wrong key length and unknown algorithm, each with an adjusted key hash.
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # upper-case key ID
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # space in name
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # empty name
    ],
)
def test_bad_verifier_keys_are_rejected(vkey: str) -> None:
    with pytest.raises(KeyFormatError):
        parse_vkey(vkey)


def test_key_names() -> None:
    assert is_valid_key_name("ujian.example/bojonegoro-2025")
    for bad in ["", "a b", "a+b", "a\u00a0b", "a\u2003b", "a\tb", "a\x01b"]:
        assert not is_valid_key_name(bad), bad
    with pytest.raises(KeyFormatError):
        Signer("a+b", b"\x00" * 32)
    with pytest.raises(KeyFormatError):
        Verifier("ok", b"\x00" * 31)


def test_generated_signer_round_trips_and_hides_its_seed() -> None:
    signer = generate_signer("ujian.example/log")
    assert parse_skey(signer.skey) == signer
    assert parse_vkey(signer.verifier.vkey) == signer.verifier
    shown = repr(signer)
    assert signer.seed.hex() not in shown
    assert base64.b64encode(signer.seed).decode() not in shown
    assert "seed" not in shown
    assert generate_signer("ujian.example/log").seed != signer.seed


# ----------------------------------------------------------------------------- signing


def test_sign_matches_the_published_note_exactly() -> None:
    assert sign_note(TEXT, parse_skey(PETER_SKEY)) == note_bytes(TEXT, "\n", PETER_SIG)


@pytest.mark.parametrize("text", ["abc", "", "no newline\nat end", "tab\there\n", "cr\r\n"])
def test_sign_rejects_text_that_is_not_a_note_text(text: str) -> None:
    with pytest.raises(MalformedNoteError):
        sign_note(text, parse_skey(PETER_SKEY))


def test_sign_needs_a_signer_and_deduplicates_keys() -> None:
    peter = parse_skey(PETER_SKEY)
    with pytest.raises(ValueError, match="signer"):
        sign_note(TEXT)
    assert sign_note(TEXT, peter, peter) == sign_note(TEXT, peter)


# ----------------------------------------------------------------------------- opening


def test_open_reports_verified_and_unknown_signatures() -> None:
    msg = note_bytes(TEXT, "\n", PETER_SIG, ENOCH_SIG)
    opened = open_note(msg, [PETER])
    assert opened.text == TEXT
    assert opened.verified == (sig("PeterNeumann", PETER_B64),)
    assert opened.unverified == (sig("EnochRoot", ENOCH_B64),)
    assert opened.verified_by(PETER)
    assert not opened.verified_by(ENOCH)

    both = open_note(msg, [PETER, ENOCH])
    assert both.verified == (sig("PeterNeumann", PETER_B64), sig("EnochRoot", ENOCH_B64))
    assert both.unverified == ()


def test_open_without_a_known_signature_is_rejected_with_the_parsed_note() -> None:
    msg = note_bytes(TEXT, "\n", PETER_SIG, ENOCH_SIG)
    with pytest.raises(UnverifiedNoteError) as err:
        open_note(msg, [])
    assert err.value.code == "note.unverified"
    assert err.value.note.text == TEXT
    assert err.value.note.signatures == (sig("PeterNeumann", PETER_B64), sig("EnochRoot", ENOCH_B64))


def test_open_ignores_a_key_sharing_only_the_name_or_only_the_id() -> None:
    other = generate_signer("PeterNeumann")  # same name, different key (and so a different ID)
    with pytest.raises(UnverifiedNoteError):
        open_note(note_bytes(TEXT, "\n", PETER_SIG), [other.verifier])
    same_id = Signature("Peter", PETER.key_id, base64.b64decode(PETER_B64)[4:])
    with pytest.raises(UnverifiedNoteError):
        open_note(note_bytes(TEXT, "\n", same_id.line), [PETER])


def test_open_rejects_a_bad_signature_by_a_known_key() -> None:
    # From TestOpen "Invalid signature": four base64 characters inserted into Peter's signature.
    bad = abcd(PETER_SIG)
    with pytest.raises(InvalidSignatureError) as err:
        open_note(note_bytes(TEXT, "\n", bad), [PETER])
    assert (err.value.name, err.value.key_id) == ("PeterNeumann", 0xC74F20A3)
    # A valid signature does not excuse a second, invalid one by the same key.
    with pytest.raises(InvalidSignatureError):
        open_note(note_bytes(TEXT, "\n", PETER_SIG, bad), [PETER])


def test_signature_over_modified_text_is_rejected() -> None:
    for changed in [TEXT.replace("answer", "Answer"), TEXT + "extra\n", TEXT[1:], "x" + TEXT]:
        with pytest.raises(InvalidSignatureError):
            open_note(note_bytes(changed, "\n", PETER_SIG), [PETER])


def test_open_drops_duplicate_signatures() -> None:
    # From TestOpen "Duplicated verified and unverified signatures".
    enoch_abcd = abcd(ENOCH_SIG)
    msg = note_bytes(TEXT, "\n", PETER_SIG, PETER_SIG, ENOCH_SIG, ENOCH_SIG, enoch_abcd)
    opened = open_note(msg, [PETER])
    assert opened.verified == (sig("PeterNeumann", PETER_B64),)
    assert opened.unverified == (
        sig("EnochRoot", ENOCH_B64),
        sig(
            "EnochRoot",
            "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n"
            + "ABCD"
            + "2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=",
        ),
    )


def test_open_accepts_one_hundred_signatures_and_rejects_more() -> None:
    assert open_note(note_bytes(TEXT, "\n", PETER_SIG * 100), [PETER]).verified_by(PETER)
    for known in ([PETER], []):
        with pytest.raises(MalformedNoteError, match="too_many_signatures"):
            open_note(note_bytes(TEXT, "\n", PETER_SIG * 101), known)


def non_canonical(b64: str) -> str:
    """Same bytes, non-zero padding bits: lenient decoders accept it, a strict one must not."""
    assert b64.endswith("=")
    assert not b64.endswith("==")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(b64[-2])
    return b64[:-2] + alphabet[last | 1] + "="


@pytest.mark.parametrize(
    "msg",
    [
        # From TestOpen "Invalid encoded message syntax".
        TEXT.encode(),
        note_bytes(TEXT, "\n"),
        note_bytes(TEXT, "\n", PETER_SIG[:-1]),
        b"\x01" + note_bytes(TEXT, "\n", PETER_SIG),
        b"\xff" + note_bytes(TEXT, "\n", PETER_SIG),
        note_bytes(TEXT, "\n", f"\u2014 Bad Name {PETER_B64}"),
        note_bytes(TEXT, "\n", PETER_SIG, "Unexpected line.\n"),
        # Further malformations.
        note_bytes(TEXT, "\n", f"\u2014 Bad Name {PETER_B64}\n"),
        note_bytes(TEXT, "\n", f"- PeterNeumann {PETER_B64}\n"),  # hyphen, not em dash
        note_bytes(TEXT, "\n", f"\u2014 PeterNeumann {PETER_B64[:-1]}\n"),  # bad padding
        note_bytes(TEXT, "\n", f"\u2014 PeterNeumann {non_canonical(PETER_B64)}\n"),
        note_bytes(TEXT, "\n", "\u2014 PeterNeumann x08gbw==\n"),  # key ID and only one byte
        note_bytes(TEXT, "\n", "\u2014 PeterNeumann \n"),
        note_bytes(TEXT, "\n", "\u2014 PeterNeumann\n"),
        note_bytes(TEXT, "\n", PETER_SIG, "\n"),
        note_bytes(TEXT.replace("\n", "\r\n", 1), "\n", PETER_SIG),
        b"\xed\xa0\x80" + note_bytes(TEXT, "\n", PETER_SIG),  # UTF-8-encoded surrogate
    ],
)
def test_malformed_notes_are_rejected(msg: bytes) -> None:
    with pytest.raises(MalformedNoteError):
        open_note(msg, [PETER])


def test_parse_and_reformat_is_byte_identical() -> None:
    msg = note_bytes(TEXT, "\n", PETER_SIG, ENOCH_SIG)
    assert parse_note(msg).to_bytes() == msg
    assert parse_note(msg.decode()) == parse_note(msg)


def test_text_may_contain_blank_lines() -> None:
    peter = parse_skey(PETER_SKEY)
    for text in ["\n", "a\n\nb\n", "a\n\n", "\u2014 looks like a signature\n\n"]:
        opened = open_note(sign_note(text, peter), [PETER])
        assert opened.text == text


@settings(max_examples=60, deadline=None)
@given(text=st.text(st.characters(min_codepoint=0x20, codec="utf-8"), max_size=200))
def test_sign_then_open_round_trips_any_text(text: str) -> None:
    body = text.replace("\r", "") + "\n"
    peter = parse_skey(PETER_SKEY)
    opened = open_note(sign_note(body, peter), [PETER])
    assert opened.text == body
    assert opened.verified_by(PETER)


# ----------------------------------------------------------------------------- cosigning


def test_witness_cosignature_verifies_with_both_keys() -> None:
    log = generate_signer("ujian.example/log")
    witness = generate_signer("witness.example/desa")
    body = "ujian.example/log\n5\n" + base64.b64encode(b"\x07" * 32).decode() + "\n"
    signed = sign_note(body, log)

    cosigned = cosign_note(signed, witness, [log.verifier])
    assert cosigned.startswith(signed)  # existing lines kept, the new one appended
    both = open_note(cosigned, [log.verifier, witness.verifier])
    assert both.verified_by(log.verifier)
    assert both.verified_by(witness.verifier)
    only_witness = open_note(cosigned, [witness.verifier])
    assert only_witness.verified_by(witness.verifier)
    assert [s.name for s in only_witness.unverified] == ["ujian.example/log"]

    # Cosigning again replaces the witness's own line rather than adding another.
    assert cosign_note(cosigned, witness, [log.verifier]) == cosigned


def test_witness_refuses_to_cosign_what_it_cannot_verify() -> None:
    log = generate_signer("ujian.example/log")
    witness = generate_signer("witness.example/desa")
    signed = sign_note("ujian.example/log\n1\n" + base64.b64encode(b"\x01" * 32).decode() + "\n", log)
    with pytest.raises(UnverifiedNoteError):
        cosign_note(signed, witness, [witness.verifier])
    tampered = signed.replace(b"\n1\n", b"\n2\n", 1)
    with pytest.raises(InvalidSignatureError):
        cosign_note(tampered, witness, [log.verifier])


def test_a_cosignature_over_other_text_breaks_the_note() -> None:
    log = generate_signer("ujian.example/log")
    witness = generate_signer("witness.example/desa")
    signed = sign_note("a\n", log)
    foreign = sign_note("b\n", witness)
    spliced = signed + foreign.split(b"\n\n", 1)[1]
    assert open_note(spliced, [log.verifier]).verified_by(log.verifier)  # the witness is unknown here
    with pytest.raises(InvalidSignatureError):
        open_note(spliced, [log.verifier, witness.verifier])
