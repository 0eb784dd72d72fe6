"""Edge-list kernels shared by the null models, the metrics and the ablations.

Everything here works on integer edge arrays (pre, post) with sets of present
pairs kept as sorted int64 keys ``pre * n + post`` (``min * n + max`` for
undirected pairs), so memory is O(E) and a 140,000-neuron graph costs what
its 3 million synapses cost, never an N x N array.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import scipy.sparse as sp

from elegans_keras.errors import ConfigurationError

Edges = tuple[np.ndarray, np.ndarray]
MAX_REDRAW_ROUNDS = 64


def pair_keys(u: np.ndarray, v: np.ndarray, n: int, directed: bool) -> np.ndarray:
    """int64 keys of pairs: ``u * n + v`` (directed) or ``min * n + max`` (undirected).

    Example:
        >>> pair_keys(np.array([2]), np.array([1]), 10, directed=False)
        array([12])
    """
    u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
    return u * n + v if directed else np.minimum(u, v) * n + np.maximum(u, v)


def contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Membership of ``keys`` in the sorted array ``sorted_keys``.

    Example:
        >>> contains(np.array([1, 5, 9]), np.array([5, 6]))
        array([ True, False])
    """
    keys = np.asarray(keys)
    if sorted_keys.size == 0:
        return np.zeros(keys.shape, dtype=bool)
    # queries in sorted order walk the table once (7x faster than random lookups at 3M keys)
    order = np.argsort(keys, axis=None)
    queries = keys.ravel()[order]
    where = np.searchsorted(sorted_keys, queries)
    found = np.empty(keys.size, dtype=bool)
    found[order] = sorted_keys[np.minimum(where, sorted_keys.size - 1)] == queries
    return found.reshape(keys.shape)


def chemical_matrix(pre: np.ndarray, post: np.ndarray, counts: np.ndarray, n: int) -> sp.csr_array:
    """A directed count matrix from an edge list (repeated pairs add up)."""
    return sp.csr_array(
        sp.coo_array((np.asarray(counts, dtype=np.float64), (pre, post)), shape=(n, n))
    )


def electrical_matrix(i: np.ndarray, j: np.ndarray, counts: np.ndarray, n: int) -> sp.csr_array:
    """A symmetric count matrix from unordered pairs (each pair listed once)."""
    i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.float64)
    off = i != j
    rows = np.concatenate([i, j[off]])
    cols = np.concatenate([j, i[off]])
    return sp.csr_array(
        sp.coo_array((np.concatenate([counts, counts[off]]), (rows, cols)), shape=(n, n))
    )


def first_claims(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """True for the attempts whose two items no earlier attempt claimed.

    Example:
        >>> first_claims(np.array([0, 2, 1]), np.array([1, 3, 4]))
        array([ True,  True, False])
    """
    items = np.stack([first, second], axis=1).ravel()
    if items.size == 0:
        return np.ones(0, dtype=bool)
    order = np.argsort(items)  # not stable: each run of equal items keeps its smallest position
    ordered = items[order]
    runs = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    claimed = np.zeros(items.size, dtype=bool)
    claimed[np.minimum.reduceat(order, runs)] = True
    return cast(np.ndarray, claimed.reshape(-1, 2).all(axis=1))


def _first_occurrences(keys: np.ndarray) -> np.ndarray:
    mask = np.zeros(keys.size, dtype=bool)
    mask[np.unique(keys, return_index=True)[1]] = True
    return mask


def redraw_endpoints(
    keep: np.ndarray,
    other: np.ndarray,
    chosen: np.ndarray,
    n: int,
    rng: np.random.Generator,
    directed: bool,
    allow_self_loops: bool,
) -> np.ndarray:
    """Move the ``other`` endpoint of each chosen edge to a uniformly drawn free neuron.

    A free neuron is one ``keep[k]`` is not connected to (and not ``keep[k]``
    itself unless ``allow_self_loops``); an edge holds its place until it
    moves, as when edges are rewired one after another. All waiting edges
    draw at once; draws that hit a present pair, or that two edges make at
    once, are drawn again in the next round (rejection sampling: each accepted
    draw is uniform among the free neurons). An edge whose kept neuron has no
    free partner stays where it was.

    Example:
        >>> redraw_endpoints(np.array([0]), np.array([1]), np.array([True]), 3,
        ...                  np.random.default_rng(0), True, False)
        array([2])
    """
    keep = np.asarray(keep, dtype=np.int64)
    result = np.asarray(other, dtype=np.int64).copy()
    todo = np.flatnonzero(chosen)
    present = np.sort(pair_keys(keep, result, n, directed))
    for _ in range(MAX_REDRAW_ROUNDS):
        if todo.size == 0:
            return result
        draws = rng.integers(n, size=todo.size)
        keys = pair_keys(keep[todo], draws, n, directed)
        ok = ~contains(present, keys)
        if not allow_self_loops:
            ok &= draws != keep[todo]
        ok[ok] = _first_occurrences(keys[ok])
        moved = todo[ok]
        vacated = pair_keys(keep[moved], result[moved], n, directed)
        result[moved] = draws[ok]
        present = np.sort(
            np.concatenate([np.setdiff1d(present, vacated, assume_unique=True), keys[ok]])
        )
        todo = todo[~ok]
    for k in todo:
        present = _place_exactly(k, keep, result, present, n, rng, directed, allow_self_loops)
    return result


def _place_exactly(
    k: int | np.integer,
    keep: np.ndarray,
    result: np.ndarray,
    present: np.ndarray,
    n: int,
    rng: np.random.Generator,
    directed: bool,
    allow_self_loops: bool,
) -> np.ndarray:
    """Place edge ``k`` by listing its kept neuron's free partners (rejection gave up)."""
    a = keep[k]
    partners = np.arange(n)
    free = ~contains(present, pair_keys(np.full(n, a), partners, n, directed))
    if not allow_self_loops:
        free[a] = False
    candidates = np.flatnonzero(free)
    if candidates.size == 0:
        return present
    old = pair_keys(np.array([a]), result[k : k + 1], n, directed)
    result[k] = candidates[rng.integers(candidates.size)]
    new = pair_keys(np.array([a]), result[k : k + 1], n, directed)
    return np.sort(np.concatenate([np.setdiff1d(present, old, assume_unique=True), new]))


def swap_edges(
    pre: np.ndarray,
    post: np.ndarray,
    n: int,
    attempts: int,
    rng: np.random.Generator,
    directed: bool = True,
    lattice: bool = False,
) -> Edges:
    """Double-edge swaps on an edge list without self-loops; degrees are kept.

    Each attempt draws two edges (a, b) and (c, d) (undirected edges in a
    random orientation) and replaces them with (a, d) and (c, b) unless that
    creates a self-loop or a duplicate. With ``lattice=True`` a swap is also
    rejected if it moves the edges further from the ring diagonal (Sporns &
    Zwi 2004 latticisation, ring distance ``min(|i-j|, n-|i-j|)``). Attempts
    are evaluated in vectorised batches of about m/4; within a batch an
    attempt that reuses an edge or a new pair of an earlier attempt is
    rejected, so every accepted swap is valid. Edge ``k`` keeps its position
    in the arrays, so per-edge data (synapse counts) travels with it.

    Example:
        >>> pre, post = swap_edges(np.array([0, 2]), np.array([1, 3]), 4, 10,
        ...                        np.random.default_rng(0))
    """
    src = np.asarray(pre, dtype=np.int64).copy()
    dst = np.asarray(post, dtype=np.int64).copy()
    m = src.size
    if m < 2 or attempts <= 0:
        return src, dst

    def ring(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        gap = np.abs(u - v)
        return np.minimum(gap, n - gap)

    batch = max(1, m // 4)
    for start in range(0, int(attempts), batch):
        present = np.sort(pair_keys(src, dst, n, directed))
        size = min(batch, int(attempts) - start)
        e1, e2 = rng.integers(m, size=(2, size))
        a, b, c, d = src[e1], dst[e1], src[e2], dst[e2]
        if not directed:
            flip1, flip2 = rng.random((2, size)) < 0.5
            a, b = np.where(flip1, b, a), np.where(flip1, a, b)
            c, d = np.where(flip2, d, c), np.where(flip2, c, d)
        new1, new2 = pair_keys(a, d, n, directed), pair_keys(c, b, n, directed)
        ok = (e1 != e2) & (a != d) & (c != b) & ~contains(present, new1) & ~contains(present, new2)
        if lattice:
            ok &= ring(a, d) + ring(c, b) <= ring(a, b) + ring(c, d)
        ok[ok] = first_claims(e1[ok], e2[ok])
        ok[ok] = first_claims(new1[ok], new2[ok])
        e1, e2, a, b, c, d = e1[ok], e2[ok], a[ok], b[ok], c[ok], d[ok]
        src[e1], dst[e1], src[e2], dst[e2] = a, d, c, b
    return src, dst


def sample_pairs(n: int, m: int, directed: bool, rng: np.random.Generator, where: str) -> Edges:
    """``m`` distinct pairs (directed, or unordered with u < v) drawn uniformly, no self-loops.

    Keys are drawn with replacement and duplicates dropped until ``m`` are
    distinct, then ``m`` of them are kept at random, which is a uniform
    m-subset; nothing of size n x n is built.

    Example:
        >>> u, v = sample_pairs(5, 4, False, np.random.default_rng(0), "demo")
        >>> bool((u < v).all()), len(u)
        (True, 4)
    """
    total = n * (n - 1) if directed else n * (n - 1) // 2
    if m > total:
        raise ConfigurationError(
            f"{where}: cannot place {m} {'directed' if directed else 'unordered'} pairs "
            f"without self-loops among {n} neurons"
        )
    if m == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if 2 * m > total:
        keys = rng.choice(total, size=m, replace=False)
    else:
        keys = np.zeros(0, dtype=np.int64)
        while keys.size < m:
            draws = rng.integers(total, size=int(1.1 * (m - keys.size)) + 16)
            keys = np.unique(np.concatenate([keys, draws]))
        keys = np.sort(rng.choice(keys, size=m, replace=False))
    if directed:
        u, r = np.divmod(keys, n - 1)
        return u, r + (r >= u)
    return _unordered_pair(keys, n)


def _unordered_pair(keys: np.ndarray, n: int) -> Edges:
    """The k-th pair (u < v) of the row-major upper triangle, without enumerating it."""
    # row u starts at offset u * n - u * (u + 1) / 2; invert with the quadratic formula
    b = 2 * n - 1
    u = np.floor((b - np.sqrt(b * b - 8.0 * keys)) / 2).astype(np.int64)
    start = u * n - u * (u + 1) // 2
    too_far = start > keys
    u[too_far] -= 1
    start = u * n - u * (u + 1) // 2
    next_start = (u + 1) * n - (u + 1) * (u + 2) // 2
    behind = keys >= next_start
    u[behind] += 1
    start = u * n - u * (u + 1) // 2
    return u, keys - start + u + 1
