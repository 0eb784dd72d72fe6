"""Null models: seeded random connectomes with the same neurons and roles.

Every generator is called ``f(connectome, *, seed, ...)``: a :class:`Connectome`,
then keywords, the integer ``seed`` first (last release's positional calls,
such as ``rewire(c, p, seed)``, still work with a ``DeprecationWarning``). It
returns a new connectome with the same names, order, roles and attributes;
the result is deterministic for the seed. Chemical edges are directed
(pre, post) pairs, electrical edges unordered pairs, and a synapse count
travels with its edge (or is drawn from the original's counts of that type
when the topology is generated from scratch). ``rewire``, ``degree_preserving``,
``erdos_renyi`` and ``shuffle_weights`` work on edge lists (O(E) memory) and
scale to fly connectomes; ``watts_strogatz`` and ``barabasi_albert`` refuse
graphs above :data:`MAX_GROWTH_NEURONS` neurons.

Example:
    >>> from elegans_keras.connectome.bundled import load_connectome
    >>> worm = load_connectome()
    >>> null = make_null_model(worm, "rewire", seed=3, p=0.2)
    >>> null.num_edges("chemical") == worm.num_edges("chemical")
    True
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from elegans_keras.checks import check_int, check_probability, make_rng
from elegans_keras.connectome.core import Connectome, check_connectome
from elegans_keras.connectome.edges import (
    Edges,
    chemical_matrix,
    electrical_matrix,
    redraw_endpoints,
    sample_pairs,
    swap_edges,
)
from elegans_keras.connectome.keywords import legacy_positional
from elegans_keras.errors import ConfigurationError

# Generators whose construction is quadratic in N refuse larger graphs.
MAX_GROWTH_NEURONS = 20_000


def _draw_counts(counts: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` counts sampled with replacement from the original's nonzero counts."""
    return rng.choice(counts, size=size, replace=True) if size else np.zeros(0)


def _ring_lattice(n: int, m: int) -> Edges:
    """Exactly ``m`` unordered pairs, nearest ring neighbours first.

    All pairs at ring distance 1, 2, ... are taken until the remainder is
    smaller than a full shell; the remainder's start neurons are spread evenly.
    """
    starts_u, ends_v = [], []
    distance = 1
    while m > 0:
        shell = n if 2 * distance < n else n // 2
        take = min(m, shell)
        starts = (np.arange(take) * shell) // take
        starts_u.append(starts)
        ends_v.append((starts + distance) % n)
        m -= take
        distance += 1
    return np.concatenate(starts_u), np.concatenate(ends_v)


def _preferential_attachment(n: int, m_total: int, rng: np.random.Generator, where: str) -> Edges:
    """Barabasi-Albert growth with exactly ``m_total`` edges.

    A star on ``m + 1`` neurons, then each new neuron attaches to ``m`` (for a
    seeded subset, ``m + 1``) distinct earlier neurons drawn with probability
    proportional to their degree; ``m`` is the largest value with
    ``m * (n - m) <= m_total``.
    """
    feasible = [k for k in range(1, n // 2 + 1) if k * (n - k) <= m_total]
    if not feasible:
        raise ConfigurationError(
            f"{where}: {m_total} edges are too few for preferential attachment on {n} "
            f"neurons (at least {n - 1} needed)"
        )
    m = feasible[-1]
    extra = m_total - m * (n - m)
    newcomers = n - m - 1
    if extra > newcomers:
        raise ConfigurationError(
            f"{where}: {m_total} edges are too many for preferential attachment on {n} neurons"
        )
    quotas = np.full(newcomers, m)
    quotas[rng.choice(newcomers, size=extra, replace=False)] += 1
    degree = np.zeros(n)
    degree[0], degree[1 : m + 1] = m, 1
    us, vs = [np.zeros(m, dtype=np.int64)], [np.arange(1, m + 1)]
    for node, quota in zip(range(m + 1, n), quotas):
        weights = degree[:node] / degree[:node].sum()
        targets = rng.choice(node, size=quota, replace=False, p=weights)
        degree[targets] += 1
        degree[node] = quota
        us.append(np.full(quota, node))
        vs.append(targets)
    return np.concatenate(us), np.concatenate(vs)


def _check_growth_size(c: Connectome, where: str) -> None:
    if c.num_neurons > MAX_GROWTH_NEURONS:
        raise ConfigurationError(
            f"{where}: {c.num_neurons} neurons; this generator is quadratic in N and refuses "
            f"graphs above {MAX_GROWTH_NEURONS} neurons (use rewire, degree_preserving or "
            "erdos_renyi)"
        )


def _assign_types(
    c: Connectome, u: np.ndarray, v: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Chemical and electrical matrices from an undirected pair list.

    Neuron positions are shuffled, a matched number of pairs becomes
    electrical, the rest chemical with a random direction; counts are drawn
    from the original's counts of each type.
    """
    n = c.num_neurons
    relabel = rng.permutation(n)
    u, v = relabel[u], relabel[v]
    order = rng.permutation(len(u))
    n_electrical = c.num_edges("electrical")
    electrical, chemical = order[:n_electrical], order[n_electrical:]
    flip = rng.random(chemical.size) < 0.5
    pre = np.where(flip, v[chemical], u[chemical])
    post = np.where(flip, u[chemical], v[chemical])
    chemical_counts = _draw_counts(c.edges("chemical")[2], chemical.size, rng)
    electrical_counts = _draw_counts(c.edges("electrical")[2], electrical.size, rng)
    return (
        chemical_matrix(pre, post, chemical_counts, n),
        electrical_matrix(u[electrical], v[electrical], electrical_counts, n),
    )


# --- the null models ------------------------------------------------------
@legacy_positional(("p", "seed", "allow_self_loops"), renamed={"c": "connectome"})
def rewire(
    connectome: Connectome, *, seed: int, p: float, allow_self_loops: bool = False
) -> Connectome:
    """Random endpoint rewiring, as igraph's ``rewire_edges(p, loops, multiple=False)``.

    Each chemical edge keeps its pre neuron and, with probability ``p``, gets
    a post neuron drawn uniformly among those the pre neuron does not yet
    reach. Each electrical pair keeps a randomly chosen endpoint and redraws
    the other likewise. Counts travel with their edges, so both edge counts
    are unchanged. Existing self-loops (3 electrical ones in the default
    graph) are ordinary edges: unselected ones stay, selected ones get a new
    partner; ``allow_self_loops=False`` only forbids creating self-loops.
    ``p=0`` returns identical matrices.

    Example:
        >>> rewire(worm, p=0.2, seed=3).name
        'celegans_herm/rewire(p=0.2,seed=3)'
    """
    where = "rewire"
    c = check_connectome(connectome, where)
    p = check_probability(p, "p", where)
    rng = make_rng(seed, where)
    n = c.num_neurons
    pre, post, counts = c.edges("chemical")
    chosen = rng.random(pre.size) < p
    post = redraw_endpoints(pre, post, chosen, n, rng, True, bool(allow_self_loops))
    chemical = chemical_matrix(pre, post, counts, n)
    i, j, gap_counts = c.edges("electrical")
    chosen = rng.random(i.size) < p
    keep_first = rng.random(i.size) < 0.5
    keep, other = np.where(keep_first, i, j), np.where(keep_first, j, i)
    other = redraw_endpoints(keep, other, chosen, n, rng, False, bool(allow_self_loops))
    electrical = electrical_matrix(keep, other, gap_counts, n)
    return c.replace(
        chemical=chemical, electrical=electrical, name=f"{c.name}/rewire(p={p:g},seed={seed})"
    )


@legacy_positional(("seed", "swaps"), renamed={"c": "connectome"})
def degree_preserving(connectome: Connectome, *, seed: int, swaps: int | None = None) -> Connectome:
    """Maslov-Sneppen double-edge swaps that keep every neuron's degrees.

    Chemical edges get directed swaps (a->b, c->d) -> (a->d, c->b), which keep
    in- and out-degree sequences; electrical pairs get undirected swaps, which
    keep the degree sequence. ``swaps`` is the number of swap attempts per
    synapse type (default 10 x its number of edges); attempts that would
    create a self-loop or a duplicate are rejected. Self-loops are left in
    place; counts travel with their edges.

    Example:
        >>> null = degree_preserving(worm, seed=0)
        >>> bool((null.mask("chemical").sum(0) == worm.mask("chemical").sum(0)).all())
        True
    """
    where = "degree_preserving"
    c = check_connectome(connectome, where)
    if swaps is not None:
        check_int(swaps, "swaps", where)
    rng = make_rng(seed, where)
    n = c.num_neurons
    matrices = []
    for edges, directed, build in (
        (c.edges("chemical"), True, chemical_matrix),
        (c.edges("electrical"), False, electrical_matrix),
    ):
        u, v, counts = edges
        loop = u == v
        attempts = 10 * u.size if swaps is None else int(swaps)
        su, sv = swap_edges(u[~loop], v[~loop], n, attempts, rng, directed=directed)
        matrices.append(
            build(np.r_[su, u[loop]], np.r_[sv, v[loop]], np.r_[counts[~loop], counts[loop]], n)
        )
    label = "" if swaps is None else f"swaps={swaps},"
    return c.replace(
        chemical=matrices[0],
        electrical=matrices[1],
        name=f"{c.name}/degree_preserving({label}seed={seed})",
    )


@legacy_positional(("seed",), renamed={"c": "connectome"})
def erdos_renyi(connectome: Connectome, *, seed: int) -> Connectome:
    """Erdos-Renyi G(n, m) per synapse type, without self-loops.

    Chemical: as many directed pairs as the original's chemical pairs, drawn
    uniformly among the n(n-1) ordered pairs; electrical: as many unordered
    pairs as the original's electrical pairs (its self-loops included in the
    count). Counts are sampled with replacement from the original's nonzero
    counts of the same type.

    Example:
        >>> erdos_renyi(worm, seed=0).num_edges("electrical")
        517
    """
    where = "erdos_renyi"
    c = check_connectome(connectome, where)
    rng = make_rng(seed, where)
    n = c.num_neurons
    chemical_counts = c.edges("chemical")[2]
    gap_counts = c.edges("electrical")[2]
    pre, post = sample_pairs(n, chemical_counts.size, True, rng, where)
    i, j = sample_pairs(n, gap_counts.size, False, rng, where)
    return c.replace(
        chemical=chemical_matrix(pre, post, _draw_counts(chemical_counts, pre.size, rng), n),
        electrical=electrical_matrix(i, j, _draw_counts(gap_counts, i.size, rng), n),
        name=f"{c.name}/erdos_renyi(seed={seed})",
    )


@legacy_positional(("seed", "p"), renamed={"c": "connectome"})
def watts_strogatz(connectome: Connectome, *, seed: int, p: float = 0.1) -> Connectome:
    """Watts-Strogatz small world with the original's edge counts per type.

    A ring lattice with exactly m = chemical pairs + electrical pairs edges
    (all nearest-neighbour shells, then an evenly spread partial shell) is
    rewired with probability ``p`` (each edge keeps its first neuron, the other
    is redrawn among non-neighbours; no self-loops). Neurons are placed on the
    ring in a seeded random order; a matched number of pairs becomes
    electrical, the rest chemical with a random direction; counts are drawn
    from the original's. Both edge counts match exactly; since each pair holds
    one synapse type, the mean degree matched is chemical in + out plus
    electrical degree (the graph has no reciprocal or mixed-type pairs).

    Example:
        >>> watts_strogatz(worm, seed=0).num_edges("chemical")
        2194
    """
    where = "watts_strogatz"
    c = check_connectome(connectome, where)
    _check_growth_size(c, where)
    p = check_probability(p, "p", where)
    rng = make_rng(seed, where)
    n = c.num_neurons
    total = c.num_edges("chemical") + c.num_edges("electrical")
    if total > n * (n - 1) // 2:
        raise ConfigurationError(f"{where}: {total} edges do not fit a simple graph on {n} neurons")
    u, v = _ring_lattice(n, total)
    v = redraw_endpoints(u, v, rng.random(u.size) < p, n, rng, False, False)
    chemical, electrical = _assign_types(c, u, v, rng)
    return c.replace(
        chemical=chemical,
        electrical=electrical,
        name=f"{c.name}/watts_strogatz(p={p:g},seed={seed})",
    )


@legacy_positional(("seed",), renamed={"c": "connectome"})
def barabasi_albert(connectome: Connectome, *, seed: int) -> Connectome:
    """Barabasi-Albert preferential attachment with the original's edge counts per type.

    Growth from a star adds m (for a seeded subset of neurons m + 1) edges
    per new neuron, with m the largest value such that the total does not
    exceed chemical pairs + electrical pairs, so the total matches exactly.
    Neurons take the generated positions in a seeded random order (hubs are
    not tied to the name order); types, directions and counts are assigned as
    in :func:`watts_strogatz`. Raises ConfigurationError for graphs too sparse
    (fewer than n - 1 edges) or too dense for the growth process.

    Example:
        >>> barabasi_albert(worm, seed=0).num_edges("electrical")
        517
    """
    where = "barabasi_albert"
    c = check_connectome(connectome, where)
    _check_growth_size(c, where)
    rng = make_rng(seed, where)
    total = c.num_edges("chemical") + c.num_edges("electrical")
    u, v = _preferential_attachment(c.num_neurons, total, rng, where)
    chemical, electrical = _assign_types(c, u, v, rng)
    return c.replace(
        chemical=chemical, electrical=electrical, name=f"{c.name}/barabasi_albert(seed={seed})"
    )


@legacy_positional(("seed",), renamed={"c": "connectome"})
def shuffle_weights(connectome: Connectome, *, seed: int) -> Connectome:
    """Same masks; synapse counts permuted among the edges of each type.

    Electrical counts are permuted among unordered pairs, so the matrix stays
    symmetric.

    Example:
        >>> bool((shuffle_weights(worm, seed=0).mask() == worm.mask()).all())
        True
    """
    where = "shuffle_weights"
    c = check_connectome(connectome, where)
    rng = make_rng(seed, where)
    n = c.num_neurons
    pre, post, counts = c.edges("chemical")
    i, j, gap_counts = c.edges("electrical")
    return c.replace(
        chemical=chemical_matrix(pre, post, rng.permutation(counts), n),
        electrical=electrical_matrix(i, j, rng.permutation(gap_counts), n),
        name=f"{c.name}/shuffle_weights(seed={seed})",
    )


NULL_MODELS: dict[str, Callable[..., Connectome]] = {
    "rewire": rewire,
    "degree_preserving": degree_preserving,
    "erdos_renyi": erdos_renyi,
    "watts_strogatz": watts_strogatz,
    "barabasi_albert": barabasi_albert,
    "shuffle_weights": shuffle_weights,
}


@legacy_positional(("seed",), renamed={"c": "connectome"})
def make_null_model(connectome: Connectome, family: str, *, seed: int, **params: Any) -> Connectome:
    """Call a null model by name (a key of :data:`NULL_MODELS`).

    Example:
        >>> make_null_model(worm, "watts_strogatz", seed=1, p=0.2).name
        'celegans_herm/watts_strogatz(p=0.2,seed=1)'
    """
    if not isinstance(family, str) or family not in NULL_MODELS:
        raise ConfigurationError(
            f"unknown null model {family!r}; expected one of {', '.join(NULL_MODELS)}"
        )
    generator = NULL_MODELS[family]
    try:
        inspect.signature(generator).bind(connectome, seed=seed, **params)
    except TypeError as err:
        accepted = [
            k for k in inspect.signature(generator).parameters if k not in ("connectome", "seed")
        ]
        raise ConfigurationError(
            f"null model {family!r}: {err}; its parameters are {accepted or 'none'}"
        ) from None
    return generator(connectome, seed=seed, **params)
