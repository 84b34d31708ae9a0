"""RFC 6962 / RFC 9162 Merkle tree: published vectors, the recursive definition, and proof tampering."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.errors import InvalidProofError
from grader.merkle import (
    EMPTY_ROOT,
    TreeBuilder,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

# ---------------------------------------------------------------------------------------------------
# Test vectors, copied from transparency-dev/merkle (the Go successor of certificate-transparency's
# merkle_tree_test): testonly/constants.go (LeafInputs, NodeHashes, RootHashes, CompactTrees) and
# proof/verify_test.go (inclusionProofs, consistencyProofs). Node-ID tables from proof/proof_test.go.
# ---------------------------------------------------------------------------------------------------

LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]

NODE_HASHES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]

ROOTS = {  # tree size -> root
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}

# verify_test.go inclusionProofs: (leaf index, tree size, proof); the Go table numbers leaves from 1.
INCLUSION_VECTORS = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (0, 1, []),
]

# verify_test.go consistencyProofs: (size1, size2, proof).
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")  # verify_test.go

NodeId = tuple[int, int] | str
InclusionProbe = tuple[int, int, bytes, bytes, list[bytes], str]
ConsistencyProbe = tuple[int, int, bytes, bytes, list[bytes], str]
LEAVES = [leaf_hash(x) for x in LEAF_INPUTS]


def nh(level: int, index: int) -> bytes:
    return bytes.fromhex(NODE_HASHES[level][index])


def root(size: int) -> bytes:
    return bytes.fromhex(ROOTS[size])


def unhex(proof: list[str]) -> list[bytes]:
    return [bytes.fromhex(p) for p in proof]


# ---------------------------------------------------------------------------------------------------
# An independent reference: RFC 9162 §2.1 transcribed literally (recursive, slow, obviously right).
# ---------------------------------------------------------------------------------------------------


def ref_mth(d: list[bytes]) -> bytes:
    """MTH(D[n]) over leaf *hashes*."""
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return d[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


POOL = [leaf_hash(i.to_bytes(4, "big")) for i in range(130)]  # distinct leaves
POOL_ROOTS = [ref_mth(POOL[:n]) for n in range(len(POOL) + 1)]


def flip(proof: list[bytes], node: int, bit: int) -> list[bytes]:
    changed = list(proof)
    b = bytearray(changed[node])
    b[bit // 8] ^= 1 << (bit % 8)
    changed[node] = bytes(b)
    return changed


def inclusion_accepts(leaf: bytes, index: int, size: int, proof: list[bytes], root_: bytes) -> bool:
    try:
        verify_inclusion(leaf, index, size, proof, root_)
    except InvalidProofError:
        return False
    return True


def consistency_accepts(size1: int, size2: int, proof: list[bytes], r1: bytes, r2: bytes) -> bool:
    try:
        verify_consistency(size1, size2, proof, r1, r2)
    except InvalidProofError:
        return False
    return True


# ----------------------------------------------------------------------------- hashes and roots


def test_leaf_and_node_hash_match_the_published_level_hashes() -> None:
    assert [h.hex() for h in LEAVES] == NODE_HASHES[0]
    for level in range(1, 4):
        for i, expected in enumerate(NODE_HASHES[level]):
            assert node_hash(nh(level - 1, 2 * i), nh(level - 1, 2 * i + 1)).hex() == expected


@pytest.mark.parametrize("size", range(9))
def test_root_hash_matches_published_roots(size: int) -> None:
    assert root_hash(LEAVES[:size]) == root(size)


def test_empty_root_is_sha256_of_nothing() -> None:
    assert root(0) == EMPTY_ROOT
    assert TreeBuilder().root() == EMPTY_ROOT


def test_builder_state_matches_published_compact_trees() -> None:
    # constants.go CompactTrees: the subtree roots held for each size.
    compact = [
        [],
        [nh(0, 0)],
        [nh(1, 0)],
        [nh(1, 0), nh(0, 2)],
        [nh(2, 0)],
        [nh(2, 0), nh(0, 4)],
        [nh(2, 0), nh(1, 2)],
        [nh(2, 0), nh(1, 2), nh(0, 6)],
        [nh(3, 0)],
    ]
    builder = TreeBuilder()
    for size in range(9):
        assert builder.state() == (size, tuple(compact[size]))
        assert builder.root() == root(size)
        if size < 8:
            builder.append(LEAVES[size])


def test_builder_agrees_with_the_recursive_definition_for_every_size_up_to_300() -> None:
    leaves = [leaf_hash(b"leaf %d" % i) for i in range(300)]
    builder = TreeBuilder()
    for size in range(1, 301):
        builder.append(leaves[size - 1])
        expected = ref_mth(leaves[:size])
        assert builder.size == size
        assert builder.root() == expected, size
        assert root_hash(leaves[:size]) == expected, size


def test_extend_data_equals_appending_leaf_hashes() -> None:
    data = [b"event %d" % i for i in range(77)]
    fast = TreeBuilder()
    fast.extend_data(data[:40])
    fast.extend_data(data[40:])
    slow = TreeBuilder()
    slow.extend(leaf_hash(x) for x in data)
    assert fast.state() == slow.state()
    assert fast.root() == ref_mth([leaf_hash(x) for x in data])


def test_extend_data_keeps_a_consistent_state_when_the_source_fails() -> None:
    def source() -> Iterator[bytes]:
        yield b"a"
        yield b"b"
        yield b"c"
        raise OSError("disk gone")

    builder = TreeBuilder()
    with pytest.raises(OSError, match="disk gone"):
        builder.extend_data(source())
    assert builder.size == 3
    assert builder.root() == ref_mth([leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c")])


def test_builder_resumes_from_its_state() -> None:
    first = TreeBuilder()
    first.extend(POOL[:45])
    resumed = TreeBuilder.from_state(*first.state())
    resumed.extend(POOL[45:100])
    assert resumed.root() == POOL_ROOTS[100]


def test_builder_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        TreeBuilder().append(b"short")
    with pytest.raises(ValueError, match="has 2 hashes"):
        TreeBuilder.from_state(5, [POOL[0]])
    with pytest.raises(ValueError, match="non-negative"):
        TreeBuilder.from_state(-1, [])
    with pytest.raises(ValueError, match="32-byte"):
        root_hash([POOL[0], b"x" * 31])


# ----------------------------------------------------------------------------- inclusion


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_inclusion_vectors_generate_and_verify(index: int, size: int, proof: list[str]) -> None:
    expected = unhex(proof)
    assert inclusion_proof(LEAVES, index, size) == expected
    assert root_from_inclusion_proof(LEAVES[index], index, size, expected) == root(size)
    verify_inclusion(LEAVES[index], index, size, expected, root(size))


def corrupt_inclusion(index: int, size: int, proof: list[bytes], root_: bytes, leaf: bytes) -> list[InclusionProbe]:
    """The probes of verify_test.go corruptInclusionProof (plus out-of-range variants)."""
    probes: list[InclusionProbe] = [
        (index - 1, size, root_, leaf, proof, "index - 1"),
        (index + 1, size, root_, leaf, proof, "index + 1"),
        (index ^ 2, size, root_, leaf, proof, "index ^ 2"),
        (index, size * 2, root_, leaf, proof, "size * 2"),
        (index, size // 2, root_, leaf, proof, "size / 2"),
        (index, size, root_, b"WrongLeaf", proof, "wrong leaf"),
        (index, size, root_, nh(0, 7) if leaf != nh(0, 7) else nh(0, 6), proof, "other leaf"),
        (index, size, EMPTY_ROOT, leaf, proof, "empty root"),
        (index, size, SOME_HASH, leaf, proof, "random root"),
        (index, size, root_, leaf, [*proof, b""], "trailing garbage"),
        (index, size, root_, leaf, [*proof, root_], "trailing root"),
        (index, size, root_, leaf, [b"", *proof], "preceding garbage"),
        (index, size, root_, leaf, [root_, *proof], "preceding root"),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((index, size, root_, leaf, flipped, f"proof[{i}] bit 3"))
    if proof:
        probes.append((index, size, root_, leaf, proof[:-1], "removed component"))
    if len(proof) > 1:
        probes.append((index, size, root_, leaf, [proof[0], SOME_HASH, *proof[1:]], "inserted component"))
    return probes


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_inclusion_vectors_reject_every_corruption(index: int, size: int, proof: list[str]) -> None:
    probes = corrupt_inclusion(index, size, unhex(proof), root(size), LEAVES[index])
    accepted = [desc for i, s, r, leaf, p, desc in probes if inclusion_accepts(leaf, i, s, p, r)]
    assert accepted == []


# proof_test.go TestInclusion, for sizes within the 8 published leaves. "R" is the node Go rehashes
# from the nodes i=(1,2) and j=(0,6): the right subtree of size 3 in the 7-leaf tree.
INCLUSION_NODE_IDS: list[tuple[int, int, list[NodeId]]] = [
    (1, 0, []),
    (2, 0, [(0, 1)]),
    (2, 1, [(0, 0)]),
    (3, 1, [(0, 0), (0, 2)]),
    (7, 0, [(0, 1), (1, 1), "R"]),
    (7, 1, [(0, 0), (1, 1), "R"]),
    (7, 2, [(0, 3), (1, 0), "R"]),
    (7, 3, [(0, 2), (1, 0), "R"]),
    (7, 4, [(0, 5), (0, 6), (2, 0)]),
    (7, 5, [(0, 4), (0, 6), (2, 0)]),
    (7, 6, [(1, 2), (2, 0)]),
    (4, 2, [(0, 3), (1, 0)]),
    (5, 3, [(0, 2), (1, 0), (0, 4)]),
    (6, 3, [(0, 2), (1, 0), (1, 2)]),
    (6, 4, [(0, 5), (2, 0)]),
]

CONSISTENCY_NODE_IDS: list[tuple[int, int, list[NodeId]]] = [
    (1, 2, [(0, 1)]),
    (1, 4, [(0, 1), (1, 1)]),
    (1, 6, [(0, 1), (1, 1), (1, 2)]),
    (2, 3, [(0, 2)]),
    (2, 8, [(1, 1), (2, 1)]),
    (3, 7, [(0, 2), (0, 3), (1, 0), "R"]),
    (4, 7, ["R"]),
    (5, 7, [(0, 4), (0, 5), (0, 6), (2, 0)]),
    (6, 7, [(1, 2), (0, 6), (2, 0)]),
    (7, 8, [(0, 6), (0, 7), (1, 2), (2, 0)]),
    (2, 4, [(1, 1)]),
    (3, 5, [(0, 2), (0, 3), (1, 0), (0, 4)]),
    (3, 6, [(0, 2), (0, 3), (1, 0), (1, 2)]),
    (4, 6, [(1, 2)]),
    (1, 7, [(0, 1), (1, 1), "R"]),
    *[(n, n, []) for n in (1, 2, 3, 4, 5, 7, 8)],
]


def from_ids(ids: list[NodeId]) -> list[bytes]:
    return [node_hash(nh(1, 2), nh(0, 6)) if isinstance(x, str) else nh(*x) for x in ids]


@pytest.mark.parametrize(("size", "index", "ids"), INCLUSION_NODE_IDS)
def test_inclusion_proof_nodes_match_published_node_ids(size: int, index: int, ids: list[NodeId]) -> None:
    proof = inclusion_proof(LEAVES, index, size)
    assert proof == from_ids(ids)
    verify_inclusion(LEAVES[index], index, size, proof, root(size))


def test_inclusion_proofs_match_the_rfc_definition() -> None:
    for n in range(1, 70):
        for m in range(n):
            proof = inclusion_proof(POOL, m, n)
            assert proof == ref_path(m, POOL[:n]), (m, n)
            verify_inclusion(POOL[m], m, n, proof, POOL_ROOTS[n])


@pytest.mark.parametrize(
    ("index", "size"),
    [(0, 0), (1, 0), (1, 1), (2, 1), (8, 7), (-1, 4)],
)
def test_inclusion_rejects_index_outside_the_tree(index: int, size: int) -> None:
    with pytest.raises(InvalidProofError) as err:
        verify_inclusion(SOME_HASH, index, size, [], EMPTY_ROOT)
    assert err.value.code in {"merkle.index_out_of_range", "merkle.bad_size"}
    if 0 <= size <= len(POOL) and index >= 0:
        with pytest.raises(ValueError, match="not in a tree"):
            inclusion_proof(POOL, index, size)


def test_inclusion_single_leaf_tree() -> None:
    h = leaf_hash(b"data")
    verify_inclusion(h, 0, 1, [], h)
    for leaf, root_ in [(h, b""), (b"", h), (b"", b""), (h, SOME_HASH)]:
        with pytest.raises(InvalidProofError):
            verify_inclusion(leaf, 0, 1, [], root_)


def test_inclusion_rejects_malformed_arguments() -> None:
    proof = inclusion_proof(POOL, 3, 10)
    with pytest.raises(InvalidProofError, match="proof_node"):
        verify_inclusion(POOL[3], 3, 10, [*proof[:-1], proof[-1][:31]], POOL_ROOTS[10])
    with pytest.raises(InvalidProofError, match="bad_size"):
        verify_inclusion(POOL[3], True, 10, proof, POOL_ROOTS[10])  # bool is not an index
    with pytest.raises(InvalidProofError, match="proof_length"):
        verify_inclusion(POOL[3], 3, 10, proof[:-1], POOL_ROOTS[10])
    with pytest.raises(ValueError, match="exceeds"):
        inclusion_proof(POOL, 3, len(POOL) + 1)


def test_size_is_only_bound_to_a_proof_by_its_own_root() -> None:
    """RFC 9162 verification binds (index, size) to the root only through the path shape: the proof of
    leaf 0 in a 3-leaf tree also "verifies" leaf 0 in a 4-leaf tree *if given the 3-leaf root*. Size and
    root therefore always come together from one signed checkpoint, never from separate sources."""
    proof = inclusion_proof(POOL, 0, 3)
    verify_inclusion(POOL[0], 0, 4, proof, POOL_ROOTS[3])
    with pytest.raises(InvalidProofError):
        verify_inclusion(POOL[0], 0, 4, proof, POOL_ROOTS[4])


# ----------------------------------------------------------------------------- consistency


@pytest.mark.parametrize(("size1", "size2", "proof"), CONSISTENCY_VECTORS)
def test_consistency_vectors_generate_and_verify(size1: int, size2: int, proof: list[str]) -> None:
    expected = unhex(proof)
    assert consistency_proof(LEAVES, size1, size2) == expected
    verify_consistency(size1, size2, expected, root(size1), root(size2))


def corrupt_consistency(size1: int, size2: int, r1: bytes, r2: bytes, proof: list[bytes]) -> list[ConsistencyProbe]:
    """The probes of verify_test.go corruptConsistencyProof."""
    probes: list[ConsistencyProbe] = [
        (size1 - 1, size2, r1, r2, proof, "size1 - 1"),
        (size1 + 1, size2, r1, r2, proof, "size1 + 1"),
        (size1 ^ 2, size2, r1, r2, proof, "size1 ^ 2"),
        (size1, size2 * 2, r1, r2, proof, "size2 * 2"),
        (size1, size2 // 2, r1, r2, proof, "size2 / 2"),
        (size1, size2, b"WrongRoot", r2, proof, "wrong root1"),
        (size1, size2, r1, b"WrongRoot", proof, "wrong root2"),
        (size1, size2, SOME_HASH, r2, proof, "random root1"),
        (size1, size2, r1, SOME_HASH, proof, "random root2"),
        (size1, size2, r2, r1, proof, "swapped roots"),
        (size1, size2, r1, r2, [], "empty proof"),
        (size1, size2, r1, r2, [*proof, b""], "trailing garbage"),
        (size1, size2, r1, r2, [*proof, r1], "trailing root1"),
        (size1, size2, r1, r2, [*proof, r2], "trailing root2"),
        (size1, size2, r1, r2, [b"", *proof], "preceding garbage"),
        (size1, size2, r1, r2, [r1, *proof], "preceding root1"),
        (size1, size2, r1, r2, [r2, *proof], "preceding root2"),
        (size1, size2, r1, r2, [proof[0], *proof], "preceding proof[0]"),
        (size1, size2, r1, r2, proof[:-1], "truncated proof"),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((size1, size2, r1, r2, flipped, f"proof[{i}] bit 4"))
    return probes


@pytest.mark.parametrize(("size1", "size2", "proof"), [v for v in CONSISTENCY_VECTORS if v[2]])
def test_consistency_vectors_reject_every_corruption(size1: int, size2: int, proof: list[str]) -> None:
    probes = corrupt_consistency(size1, size2, root(size1), root(size2), unhex(proof))
    accepted = [desc for s1, s2, r1, r2, p, desc in probes if consistency_accepts(s1, s2, p, r1, r2)]
    assert accepted == []


@pytest.mark.parametrize(("size1", "size2", "ids"), CONSISTENCY_NODE_IDS)
def test_consistency_proof_nodes_match_published_node_ids(size1: int, size2: int, ids: list[NodeId]) -> None:
    proof = consistency_proof(LEAVES, size1, size2)
    assert proof == from_ids(ids)
    verify_consistency(size1, size2, proof, root(size1), root(size2))


def test_consistency_proofs_match_the_rfc_definition() -> None:
    for n in range(1, 70):
        for m in range(1, n + 1):
            proof = consistency_proof(POOL, m, n)
            assert proof == ref_subproof(m, POOL[:n], True), (m, n)
            verify_consistency(m, n, proof, POOL_ROOTS[m], POOL_ROOTS[n])


def test_consistency_edge_cases() -> None:
    # Adapted from verify_test.go TestVerifyConsistency; this module is stricter about size 0: the old
    # tree must then carry the empty root (Go accepts any root1 there).
    r1, r2 = POOL_ROOTS[1], POOL_ROOTS[2]
    verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
    verify_consistency(0, 1, [], EMPTY_ROOT, r1)
    verify_consistency(1, 1, [], r2, r2)
    assert consistency_proof(POOL, 0, 5) == []
    rejected = [
        (0, 0, [], r1, r2, "root_mismatch"),  # size 0 needs the empty root
        (0, 1, [], r1, r2, "root_mismatch"),
        (1, 1, [], r1, r2, "root_mismatch"),  # equal sizes, different roots
        (1, 0, [], r1, r2, "size_order"),  # time travel
        (2, 1, [], r1, r2, "size_order"),
        (1, 2, [], r1, r2, "proof_length"),  # empty proof
        (0, 0, [EMPTY_ROOT], EMPTY_ROOT, EMPTY_ROOT, "proof_length"),  # roots match, proof not empty
        (0, 1, [EMPTY_ROOT], EMPTY_ROOT, EMPTY_ROOT, "proof_length"),
        (1, 1, [EMPTY_ROOT], EMPTY_ROOT, EMPTY_ROOT, "proof_length"),
        (1, 2, [POOL[1]], r1[:31], r2, "bad_hash"),
        (-1, 2, [POOL[1]], r1, r2, "bad_size"),
    ]
    for s1, s2, proof, a, b, code in rejected:
        with pytest.raises(InvalidProofError) as err:
            verify_consistency(s1, s2, proof, a, b)
        assert err.value.code == f"merkle.{code}", (s1, s2)
    with pytest.raises(ValueError, match="exceeds"):
        consistency_proof(POOL, 6, 5)


# ----------------------------------------------------------------------------- properties


@st.composite
def inclusion_case(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, len(POOL)))
    return draw(st.integers(0, size - 1)), size


@settings(max_examples=300, deadline=None)
@given(case=inclusion_case(), data=st.data())
def test_every_inclusion_proof_verifies_and_every_single_mutation_is_rejected(
    case: tuple[int, int], data: st.DataObject
) -> None:
    index, size = case
    leaf, root_ = POOL[index], POOL_ROOTS[size]
    proof = inclusion_proof(POOL, index, size)
    assert inclusion_accepts(leaf, index, size, proof, root_)

    if proof:
        node = data.draw(st.integers(0, len(proof) - 1), label="node")
        bit = data.draw(st.integers(0, 255), label="bit")
        assert not inclusion_accepts(leaf, index, size, flip(proof, node, bit), root_)
        assert not inclusion_accepts(leaf, index, size, proof[:node] + proof[node + 1 :], root_)
    extra = data.draw(st.binary(min_size=32, max_size=32), label="extra")
    at = data.draw(st.integers(0, len(proof)), label="at")
    assert not inclusion_accepts(leaf, index, size, [*proof[:at], extra, *proof[at:]], root_)
    if len(proof) > 1:
        i, j = data.draw(st.lists(st.integers(0, len(proof) - 1), min_size=2, max_size=2, unique=True))
        swapped = list(proof)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        if swapped != proof:
            assert not inclusion_accepts(leaf, index, size, swapped, root_)

    # Another claim (index, size) with that claim's own true root: accepted only if this very proof is
    # the genuine proof of the new claim, which distinct leaves never allow.
    new_index = data.draw(st.integers(-1, len(POOL)), label="new index")
    new_size = data.draw(st.integers(0, len(POOL)), label="new size")
    if (new_index, new_size) != (index, size):
        accepted = inclusion_accepts(leaf, new_index, new_size, proof, POOL_ROOTS[new_size])
        genuine = 0 <= new_index < new_size and inclusion_proof(POOL, new_index, new_size) == proof
        assert accepted == genuine
        assert not genuine or new_index == index  # the leaf is distinct, so only its own index can fit

    root_bit = data.draw(st.integers(0, 255), label="root bit")
    assert not inclusion_accepts(leaf, index, size, proof, flip([root_], 0, root_bit)[0])
    assert not inclusion_accepts(flip([leaf], 0, root_bit)[0], index, size, proof, root_)


@st.composite
def consistency_case(draw: st.DrawFn) -> tuple[int, int]:
    size2 = draw(st.integers(1, len(POOL)))
    return draw(st.integers(1, size2)), size2


@settings(max_examples=300, deadline=None)
@given(case=consistency_case(), data=st.data())
def test_every_consistency_proof_verifies_and_every_single_mutation_is_rejected(
    case: tuple[int, int], data: st.DataObject
) -> None:
    size1, size2 = case
    r1, r2 = POOL_ROOTS[size1], POOL_ROOTS[size2]
    proof = consistency_proof(POOL, size1, size2)
    assert consistency_accepts(size1, size2, proof, r1, r2)

    if proof:
        node = data.draw(st.integers(0, len(proof) - 1), label="node")
        bit = data.draw(st.integers(0, 255), label="bit")
        assert not consistency_accepts(size1, size2, flip(proof, node, bit), r1, r2)
        assert not consistency_accepts(size1, size2, proof[:node] + proof[node + 1 :], r1, r2)
    extra = data.draw(st.binary(min_size=32, max_size=32), label="extra")
    at = data.draw(st.integers(0, len(proof)), label="at")
    assert not consistency_accepts(size1, size2, [*proof[:at], extra, *proof[at:]], r1, r2)
    if len(proof) > 1:
        i, j = data.draw(st.lists(st.integers(0, len(proof) - 1), min_size=2, max_size=2, unique=True))
        swapped = list(proof)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        if swapped != proof:
            assert not consistency_accepts(size1, size2, swapped, r1, r2)

    # Other sizes with their own true roots: accepted only if this is also the genuine proof for them.
    new1 = data.draw(st.integers(0, len(POOL)), label="new size1")
    new2 = data.draw(st.integers(0, len(POOL)), label="new size2")
    if (new1, new2) != (size1, size2):
        accepted = consistency_accepts(new1, new2, proof, POOL_ROOTS[new1], POOL_ROOTS[new2])
        genuine = 0 <= new1 <= new2 and consistency_proof(POOL, new1, new2) == proof
        assert accepted == genuine

    root_bit = data.draw(st.integers(0, 255), label="root bit")
    assert not consistency_accepts(size1, size2, proof, flip([r1], 0, root_bit)[0], r2)
    assert not consistency_accepts(size1, size2, proof, r1, flip([r2], 0, root_bit)[0])
