"""RFC 6962 / RFC 9162 Merkle tree: hashes, roots, a compact builder, inclusion and consistency proofs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from grader.errors import InvalidProofError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256() (RFC 9162 §2.1.1)."""

_sha256 = hashlib.sha256
_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data)."""
    return _sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return _sha256(_NODE + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly smaller than n (n >= 2): the RFC's k."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_hashes(hashes: Iterable[bytes], what: str) -> None:
    for h in hashes:
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            raise ValueError(f"{what} must be {HASH_SIZE}-byte hashes")


def _check_size(value: int, what: str) -> None:
    # bool is an int subclass; True as a tree size is a bug, not a size.
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{what} must be a non-negative integer")


def _subtree_root(hashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) for hi > lo, level by level: pairing left to right and promoting an odd last
    node yields exactly the largest-power-of-two split of RFC 9162 §2.1.1."""
    level = list(hashes[lo:hi])
    sha = _sha256
    while len(level) > 1:
        nxt = [sha(_NODE + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) & 1:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of the given leaf hashes (EMPTY_ROOT for none)."""
    _check_hashes(leaf_hashes, "leaf hashes")
    if not leaf_hashes:
        return EMPTY_ROOT
    return _subtree_root(leaf_hashes, 0, len(leaf_hashes))


class TreeBuilder:
    """Append-only compact range [0, size): one subtree root per set bit of ``size``.

    Memory is O(log n); appending is amortised two hashes per leaf; ``root()`` is O(log n) and may be
    asked at any size. ``state()``/``from_state()`` persist and resume it.
    """

    __slots__ = ("_size", "_stack")

    def __init__(self) -> None:
        self._size = 0
        self._stack: list[bytes] = []

    @classmethod
    def from_state(cls, size: int, hashes: Sequence[bytes]) -> TreeBuilder:
        """Resume from ``state()``: the roots of the perfect subtrees covering [0, size), left first."""
        _check_size(size, "size")
        _check_hashes(hashes, "compact range")
        if len(hashes) != size.bit_count():
            raise ValueError(f"a compact range of size {size} has {size.bit_count()} hashes, not {len(hashes)}")
        builder = cls()
        builder._size = size
        builder._stack = list(hashes)
        return builder

    @property
    def size(self) -> int:
        return self._size

    def state(self) -> tuple[int, tuple[bytes, ...]]:
        """(size, subtree roots left to right): enough to resume appending without the leaves."""
        return self._size, tuple(self._stack)

    def append(self, leaf_hash: bytes) -> None:
        """Append one leaf hash (32 bytes)."""
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"leaf hash must be {HASH_SIZE} bytes")
        stack = self._stack
        n = self._size
        h = leaf_hash
        # Each trailing 1 bit of the old size is a perfect subtree that the new leaf completes.
        while n & 1:
            h = _sha256(_NODE + stack.pop() + h).digest()
            n >>= 1
        stack.append(bytes(h))
        self._size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append many leaf hashes."""
        for h in leaf_hashes:
            self.append(h)

    def extend_data(self, leaves: Iterable[bytes]) -> None:
        """Append many raw leaves (hashing each with ``leaf_hash``); the fast path for verifiers."""
        stack = self._stack
        size = self._size
        sha = _sha256
        pop = stack.pop
        push = stack.append
        try:
            for data in leaves:
                h = sha(_LEAF + data).digest()
                n = size
                while n & 1:
                    h = sha(_NODE + pop() + h).digest()
                    n >>= 1
                push(h)
                size += 1
        finally:
            # Keep the builder consistent even if the iterable raises half-way.
            self._size = size

    def root(self) -> bytes:
        """MTH of everything appended so far."""
        stack = self._stack
        if not stack:
            return EMPTY_ROOT
        h = stack[-1]
        for left in reversed(stack[:-1]):
            h = _sha256(_NODE + left + h).digest()
        return h


def _tree_prefix(leaf_hashes: Sequence[bytes], size: int | None) -> int:
    _check_hashes(leaf_hashes, "leaf hashes")
    if size is None:
        return len(leaf_hashes)
    _check_size(size, "size")
    if size > len(leaf_hashes):
        raise ValueError(f"size {size} exceeds the {len(leaf_hashes)} leaves given")
    return size


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, leaf-side first; size defaults to all leaves."""
    n = _tree_prefix(leaf_hashes, size)
    _check_size(index, "index")
    if index >= n:
        raise ValueError(f"index {index} is not in a tree of size {n}")
    path: list[bytes] = []
    lo, hi = 0, n
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(_subtree_root(leaf_hashes, lo + k, hi))
            hi = lo + k
        else:
            path.append(_subtree_root(leaf_hashes, lo, lo + k))
            lo = lo + k
    path.reverse()
    return path


def consistency_proof(leaf_hashes: Sequence[bytes], size1: int, size2: int | None = None) -> list[bytes]:
    """PROOF(size1, D[0:size2]) of RFC 9162 §2.1.4.1; empty when size1 is 0 or equals size2."""
    n = _tree_prefix(leaf_hashes, size2)
    _check_size(size1, "size1")
    if size1 > n:
        raise ValueError(f"size1 {size1} exceeds size2 {n}")
    if size1 == 0 or size1 == n:
        return []
    # SUBPROOF(m, D[lo:hi], b), unrolled: nodes are collected root-side first, then reversed.
    tail: list[bytes] = []
    m, lo, hi, complete = size1, 0, n, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            tail.append(_subtree_root(leaf_hashes, lo + k, hi))
            hi = lo + k
        else:
            tail.append(_subtree_root(leaf_hashes, lo, lo + k))
            m -= k
            lo += k
            complete = False
    head = [] if complete else [_subtree_root(leaf_hashes, lo, hi)]
    return head + tail[::-1]


def _fail(code: str, message: str) -> InvalidProofError:
    return InvalidProofError(f"merkle.{code}", message)


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for i, p in enumerate(proof):
        if not isinstance(p, bytes) or len(p) != HASH_SIZE:
            raise _fail("proof_node", f"proof node {i} is not a {HASH_SIZE}-byte hash")


def _check_proof_size(value: int, what: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _fail("bad_size", f"{what} must be a non-negative integer")


def _check_root(root: bytes, what: str) -> None:
    if not isinstance(root, bytes) or len(root) != HASH_SIZE:
        raise _fail("bad_hash", f"{what} is not a {HASH_SIZE}-byte hash")


def root_from_inclusion_proof(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` implies for ``leaf_hash`` at ``index`` in a tree of ``size``.

    Raises InvalidProofError if the proof cannot be one for (index, size) at all.
    """
    _check_proof_size(index, "index")
    _check_proof_size(size, "size")
    _check_root(leaf_hash, "leaf hash")
    if index >= size:
        raise _fail("index_out_of_range", f"index {index} is not in a tree of size {size}")
    _check_proof_hashes(proof)
    last = size - 1
    # The path has one node per level where index and the last leaf diverge ("inner"), plus one per
    # set bit above that ("border"): checking it first gives a clear reason instead of a bad root.
    inner = (index ^ last).bit_length()
    expected = inner + (index >> inner).bit_count()
    if len(proof) != expected:
        raise _fail(
            "proof_length",
            f"proof for index {index} in size {size} has {len(proof)} nodes, expected {expected}",
        )
    # RFC 9162 §2.1.3.2.
    fn, sn, r = index, last, leaf_hash
    sha = _sha256
    for p in proof:
        if sn == 0:
            raise _fail("proof_length", "proof is longer than the path")
        if fn & 1 or fn == sn:
            r = sha(_NODE + p + r).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = sha(_NODE + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _fail("proof_length", "proof is shorter than the path")
    return r


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` with ``root``.

    Returns None on success; raises InvalidProofError (with a ``code``) on anything else.
    """
    _check_root(root, "root")
    computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if computed != root:
        raise _fail("root_mismatch", f"inclusion proof for index {index} does not lead to the root")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Check that the tree of ``size1``/``root1`` is a prefix of the tree of ``size2``/``root2``.

    Returns None on success; raises InvalidProofError (with a ``code``) on anything else. Size 0 is
    consistent with every tree but only with the empty root and an empty proof.
    """
    _check_proof_size(size1, "size1")
    _check_proof_size(size2, "size2")
    _check_root(root1, "root1")
    _check_root(root2, "root2")
    if size1 > size2:
        raise _fail("size_order", f"size1 {size1} is larger than size2 {size2}")
    _check_proof_hashes(proof)
    if size1 == 0 or size1 == size2:
        if proof:
            raise _fail("proof_length", "proof must be empty when size1 is 0 or equals size2")
        if size1 == 0 and root1 != EMPTY_ROOT:
            raise _fail("root_mismatch", "root1 of the empty tree must be the empty root")
        if size1 == size2 and root1 != root2:
            raise _fail("root_mismatch", "equal sizes with different roots")
        return
    # Expected length: the inner path from the end of the old tree, plus the border, minus one node
    # if the old tree is a perfect subtree (its root is then seeded from root1, not the proof).
    last1, last2 = size1 - 1, size2 - 1
    shift = (size1 & -size1).bit_length() - 1  # trailing zeros of size1: levels shared with size1-1
    inner = (last1 ^ last2).bit_length() - shift
    border = (last1 >> (inner + shift)).bit_count()
    expected = inner + border + (0 if size1 == 1 << shift else 1)
    if len(proof) != expected:
        raise _fail("proof_length", f"consistency proof {size1}->{size2} has {len(proof)} nodes, expected {expected}")
    # RFC 9162 §2.1.4.2.
    path = list(proof)
    if size1 & last1 == 0:  # size1 is an exact power of two
        path.insert(0, root1)
    fn, sn = last1, last2
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    sha = _sha256
    for c in path[1:]:
        if sn == 0:
            raise _fail("proof_length", "proof is longer than the path")
        if fn & 1 or fn == sn:
            fr = sha(_NODE + c + fr).digest()
            sr = sha(_NODE + c + sr).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = sha(_NODE + sr + c).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _fail("proof_length", "proof is shorter than the path")
    if fr != root1:
        raise _fail("root_mismatch", f"consistency proof does not lead to root1 at size {size1}")
    if sr != root2:
        raise _fail("root_mismatch", f"consistency proof does not lead to root2 at size {size2}")
