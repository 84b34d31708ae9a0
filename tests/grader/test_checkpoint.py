"""C2SP tlog checkpoints: strict body format, a real signed checkpoint, witnesses, tampering."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.checkpoint import (
    MAX_TREE_SIZE,
    Checkpoint,
    format_checkpoint,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from grader.errors import InvalidSignatureError, MalformedCheckpointError, UnverifiedNoteError
from grader.merkle import TreeBuilder
from grader.note import cosign_note, generate_signer, parse_vkey, sign_note

# The example body in c2sp.org/tlog-checkpoint.
SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

# A real checkpoint of the Go checksum database, signed by sum.golang.org (from the benchmark in
# transparency-dev/trillian-tessera internal/parse/parse_test.go; the trailing newline that the note
# format requires is restored). The verifier key is the one built into the go command
# (cmd/go/internal/modfetch/key.go). The signature verifying is what makes this a known answer.
SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_NOTE = (
    "go.sum database tree\n31700353\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n\n"
    "\u2014 sum.golang.org "
    "Az3grnmrIUEDFqHzAElIQCPNoRFRAAdFo47fooyWKMHb89k11GJh5zHIfNCOBmwn/C3YI8oW9/C8DJ87F61QqspBYwM=\n"
).encode()

ROOT = bytes(range(32))


def test_spec_example_body_round_trips() -> None:
    cp = parse_checkpoint(SPEC_BODY)
    assert cp.origin == "example.com/behind-the-sofa"
    assert cp.size == 20852163
    assert cp.root == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert cp.extensions == ()
    assert format_checkpoint(cp) == SPEC_BODY


def test_real_sumdb_checkpoint_verifies() -> None:
    sumdb = parse_vkey(SUMDB_VKEY)
    opened = open_checkpoint(SUMDB_NOTE, [sumdb], origin="go.sum database tree")
    assert opened.checkpoint == Checkpoint(
        "go.sum database tree", 31700353, base64.b64decode("qINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=")
    )
    assert opened.signed_by(sumdb)
    assert opened.unverified == ()


def test_real_sumdb_checkpoint_with_another_size_is_rejected() -> None:
    sumdb = parse_vkey(SUMDB_VKEY)
    with pytest.raises(InvalidSignatureError):
        open_checkpoint(SUMDB_NOTE.replace(b"31700353", b"31700354"), [sumdb])
    with pytest.raises(UnverifiedNoteError):
        open_checkpoint(SUMDB_NOTE, [generate_signer("sum.golang.org").verifier])


def test_extensions_round_trip() -> None:
    cp = Checkpoint("ujian.example/log", 7, ROOT, ("manifest abc", "\u2014 not a signature"))
    assert parse_checkpoint(cp.body()) == cp
    assert cp.body().endswith("manifest abc\n\u2014 not a signature\n")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (SPEC_BODY[:-1], "no_trailing_newline"),
        ("example.com/log\n5\n", "too_short"),
        ("\n5\n" + SPEC_BODY.split("\n")[2] + "\n", "empty_origin"),
        (SPEC_BODY.replace("20852163", "020852163"), "bad_size"),
        (SPEC_BODY.replace("20852163", "00"), "bad_size"),
        (SPEC_BODY.replace("20852163", "-42"), "bad_size"),
        (SPEC_BODY.replace("20852163", "+42"), "bad_size"),
        (SPEC_BODY.replace("20852163", " 42"), "bad_size"),
        (SPEC_BODY.replace("20852163", "42 "), "bad_size"),
        (SPEC_BODY.replace("20852163", ""), "bad_size"),
        (SPEC_BODY.replace("20852163", "\u0663"), "bad_size"),  # ARABIC-INDIC DIGIT THREE
        (SPEC_BODY.replace("20852163", "4_2"), "bad_size"),
        (SPEC_BODY.replace("20852163", str(2**64)), "bad_size"),
        (SPEC_BODY.replace("CsUYap", "CsUYa!"), "bad_root"),
        (SPEC_BODY.replace("q2I=", "q2J="), "bad_root"),  # non-canonical padding bits
        (SPEC_BODY.replace("Cs", "", 1).replace("q2I=", "q2I"), "bad_root"),
        ("example.com/log\n5\n" + base64.b64encode(b"x" * 31).decode() + "\n", "bad_root"),
        ("example.com/log\n5\n" + base64.b64encode(b"x" * 33).decode() + "\n", "bad_root"),
        (SPEC_BODY + "\n", "empty_extension"),
        (SPEC_BODY + "ext\n\nmore\n", "empty_extension"),
        ("example\tcom\n5\n" + SPEC_BODY.split("\n")[2] + "\n", "bad_origin"),
    ],
)
def test_malformed_bodies_are_rejected(body: str, code: str) -> None:
    with pytest.raises(MalformedCheckpointError) as err:
        parse_checkpoint(body)
    assert err.value.code == f"checkpoint.{code}"


def test_sizes_at_the_edges() -> None:
    assert parse_checkpoint(f"o\n0\n{base64.b64encode(ROOT).decode()}\n").size == 0
    assert parse_checkpoint(f"o\n{MAX_TREE_SIZE}\n{base64.b64encode(ROOT).decode()}\n").size == MAX_TREE_SIZE


@pytest.mark.parametrize(
    "kwargs",
    [
        {"origin": ""},
        {"origin": "two\nlines"},
        {"size": -1},
        {"size": True},
        {"size": MAX_TREE_SIZE + 1},
        {"root": ROOT[:31]},
        {"extensions": ("",)},
        {"extensions": ("a\nb",)},
        {"extensions": ["list"]},
    ],
)
def test_checkpoint_values_are_validated(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {"origin": "ujian.example/log", "size": 1, "root": ROOT, "extensions": ()}
    fields.update(kwargs)
    with pytest.raises(MalformedCheckpointError):
        Checkpoint(**fields)  # type: ignore[arg-type]


def test_signed_checkpoint_of_a_tree_with_a_witness() -> None:
    log = generate_signer("ujian.example/bojonegoro-2025")
    witness = generate_signer("witness.example/kecamatan")
    stranger = generate_signer("stranger.example")
    builder = TreeBuilder()
    builder.extend_data(b'{"seq":%d}' % i for i in range(10))
    cp = Checkpoint(log.name, builder.size, builder.root())

    signed = sign_checkpoint(cp, log)
    assert signed.startswith((cp.body() + "\n\u2014 ujian.example/bojonegoro-2025 ").encode())
    cosigned = cosign_note(cosign_note(signed, witness, [log.verifier]), stranger, [log.verifier])

    opened = open_checkpoint(cosigned, [log.verifier, witness.verifier], origin=log.name)
    assert opened.checkpoint == cp
    assert opened.signed_by(log.verifier)
    assert opened.signed_by(witness.verifier)
    assert [s.name for s in opened.unverified] == ["stranger.example"]

    with pytest.raises(MalformedCheckpointError, match="wrong_origin"):
        open_checkpoint(cosigned, [log.verifier], origin="ujian.example/other")


def test_a_validly_signed_note_that_is_not_a_checkpoint_is_rejected() -> None:
    log = generate_signer("ujian.example/log")
    with pytest.raises(MalformedCheckpointError):
        open_checkpoint(sign_note("ujian.example/log\n05\nAAAA\n", log), [log.verifier])


@settings(max_examples=100, deadline=None)
@given(
    origin=st.text(st.characters(min_codepoint=0x20, codec="utf-8"), min_size=1, max_size=40),
    size=st.integers(0, MAX_TREE_SIZE),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(
        st.text(st.characters(min_codepoint=0x20, codec="utf-8"), min_size=1, max_size=20),
        max_size=3,
    ),
)
def test_format_then_parse_round_trips(origin: str, size: int, root: bytes, extensions: list[str]) -> None:
    cp = Checkpoint(origin, size, root, tuple(extensions))
    assert parse_checkpoint(cp.body()) == cp
