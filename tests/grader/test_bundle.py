"""The bundle's proof-serving log tree equals the RFC 6962 reference; bundles read back as zip and folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.bundle import (
    BundleReader,
    BundleWriter,
    LogTree,
    leaf_bytes,
)
from grader.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)


def _tree(n: int) -> tuple[LogTree, list[bytes]]:
    tree = LogTree()
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    for h in hashes:
        tree.append(h)
    return tree, hashes


def test_empty_tree_has_the_empty_root() -> None:
    assert LogTree().root() == EMPTY_ROOT


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=130), st.data())
def test_roots_and_proofs_equal_the_reference_at_every_size(n: int, data: st.DataObject) -> None:
    tree, hashes = _tree(n)
    size = data.draw(st.integers(min_value=1, max_value=n))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    first = data.draw(st.integers(min_value=0, max_value=size))
    assert tree.root(size) == root_hash(hashes[:size])
    assert tree.inclusion_proof(index, size) == inclusion_proof(hashes, index, size)
    assert tree.consistency_proof(first, size) == consistency_proof(hashes, first, size)
    verify_inclusion(hashes[index], index, size, tree.inclusion_proof(index, size), tree.root(size))
    verify_consistency(first, size, tree.consistency_proof(first, size), tree.root(first), tree.root(size))


def test_rfc6962_vector_root_of_eight_leaves() -> None:
    # transparency-dev/merkle testonly/constants.go: the root of the eight LeafInputs.
    leaves = [
        bytes.fromhex(h)
        for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
    ]
    tree = LogTree()
    for leaf in leaves:
        tree.append_data(leaf)
    assert tree.root().hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert tree.root(3).hex() == "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"


def test_out_of_range_requests_are_refused() -> None:
    tree, _ = _tree(5)
    with pytest.raises(ValueError, match="size"):
        tree.root(6)
    with pytest.raises(ValueError, match="index"):
        tree.inclusion_proof(5, 5)
    with pytest.raises(ValueError, match="size1"):
        tree.consistency_proof(4, 3)


def test_a_written_bundle_reads_back_as_zip_and_as_folder(tmp_path: Path) -> None:
    leaves = [leaf_bytes(n, 1000 + n, "test.event", {"n": n, "text": "é"}) for n in range(1, 2001)]
    path = tmp_path / "b.zip"
    with BundleWriter(path) as writer:
        assert writer.add_events(leaves) == len(leaves)
        writer.add_json("manifest.json", {"x": 1})
        writer.add_checkpoint(7, b"note\n")
    with BundleReader(path) as reader:
        assert list(reader.event_lines()) == leaves
        assert reader.json("manifest.json") == {"x": 1}
        assert reader.checkpoint_files() == [("checkpoints/000000000007.txt", b"note\n")]
    folder = tmp_path / "unpacked"
    import zipfile

    with zipfile.ZipFile(path) as z:
        z.extractall(folder)
    with BundleReader(folder) as reader:
        assert list(reader.event_lines()) == leaves
    # The same log exports to the same bytes.
    again = tmp_path / "c.zip"
    with BundleWriter(again) as writer:
        writer.add_events(leaves)
        writer.add_json("manifest.json", {"x": 1})
        writer.add_checkpoint(7, b"note\n")
    assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(again.read_bytes()).digest()


def test_uploaded_files_are_served_to_the_grader_by_hash(tmp_path: Path) -> None:
    from grader.files import fetch

    data = b"PK\x03\x04 a practical task's file"
    sha = hashlib.sha256(data).hexdigest()
    path = tmp_path / "b.zip"
    with BundleWriter(path) as writer:
        writer.add_bytes(f"files/{sha}", data)
        writer.add_bytes(f"files/{'0' * 64}", b"bytes that do not match their name")
    with BundleReader(path) as reader:
        assert fetch(reader, sha) == data
        assert fetch(reader, "0" * 64) is None  # the grader checks the hash
        assert fetch(reader, "f" * 64) is None
