"""Graph metrics of a connectome: spectrum, clustering, small-worldness, role mixing.

Directed metrics use ``c.mask(synapses)`` (electrical pairs count both ways);
clustering, path length and small-worldness use the undirected simple graph
(either direction connects a pair; self-loops dropped).

Example:
    >>> from elegans_keras.connectome.bundled import load_connectome
    >>> round(clustering(load_connectome()), 3)
    0.337
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse import csgraph

from elegans_keras.checks import check_int, make_rng
from elegans_keras.connectome.core import ROLES, Connectome, check_connectome
from elegans_keras.connectome.edges import swap_edges
from elegans_keras.connectome.spectrum import spectral_radius
from elegans_keras.errors import ConfigurationError, ConnectomeError

# All-pairs shortest paths (and so small-world coefficients) are exact and
# refused above this many neurons; pass ``sources=`` for a sampled path length.
MAX_PATH_NEURONS = 5_000
# Above this density random and lattice references cannot differ from the
# graph: graph_metrics leaves sigma and omega NaN.
MAX_SMALL_WORLD_DENSITY = 0.5
_TRIANGLE_ROWS = 4_096


def _mask(c: Connectome, synapses: str, where: str) -> sp.csr_array:
    check_connectome(c, where)
    try:
        return c.mask(synapses, sparse=True)
    except ConnectomeError as err:
        raise ConfigurationError(f"{where}: {err}") from None


def _undirected(c: Connectome, synapses: str, where: str) -> sp.csr_array:
    mask = _mask(c, synapses, where)
    simple = sp.csr_array(((mask + mask.T) > 0).astype(np.int8))
    simple.setdiag(0)
    simple.eliminate_zeros()
    return simple


def _one_hot_roles(c: Connectome) -> np.ndarray:
    return (np.asarray(c.roles)[:, None] == np.asarray(ROLES)[None, :]).astype(np.int64)


# --- undirected kernels on a symmetric 0/1 sparse matrix without self-loops --
def _closed_walks(adjacency: sp.csr_array) -> np.ndarray:
    """Per node, twice its number of triangles (diagonal of A^3), in row blocks."""
    a = sp.csr_array(adjacency, dtype=np.float64)
    walks = np.zeros(a.shape[0])
    for start in range(0, a.shape[0], _TRIANGLE_ROWS):
        rows = a[start:start + _TRIANGLE_ROWS]
        walks[start:start + rows.shape[0]] = (rows @ a).multiply(rows).sum(axis=1)
    return walks


def _degrees(adjacency: sp.csr_array) -> np.ndarray:
    return np.diff(adjacency.indptr).astype(np.float64)


def _average_clustering(adjacency: sp.csr_array) -> float:
    degree = _degrees(adjacency)
    pairs = degree * (degree - 1)
    local = np.divide(_closed_walks(adjacency), pairs, out=np.zeros_like(pairs), where=pairs > 0)
    return float(local.mean())


def _transitivity(adjacency: sp.csr_array) -> float:
    degree = _degrees(adjacency)
    triples = float((degree * (degree - 1)).sum())
    return float(_closed_walks(adjacency).sum() / triples) if triples else 0.0


def _largest_component(adjacency: sp.csr_array) -> sp.csr_array:
    _, labels = csgraph.connected_components(adjacency, directed=False)
    keep = np.flatnonzero(labels == np.bincount(labels).argmax())
    return adjacency[keep][:, keep]


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def _check_path_size(n: int, where: str) -> None:
    if n > MAX_PATH_NEURONS:
        raise ConfigurationError(
            f"{where}: the largest component has {n} neurons; all-pairs shortest paths are "
            f"refused above {MAX_PATH_NEURONS} (pass sources=K to characteristic_path_length "
            "for an estimate from K random source neurons)"
        )


def _path_length(adjacency: sp.csr_array, where: str, sources: np.ndarray | None = None) -> float:
    """Mean shortest path length over the largest connected component (from ``sources``)."""
    component = _largest_component(adjacency)
    n = component.shape[0]
    if n < 2:
        return 0.0
    if sources is None:
        _check_path_size(n, where)
    distances = csgraph.shortest_path(component, directed=False, unweighted=True,
                                      indices=sources)
    if sources is None:
        return float(distances.sum() / (n * (n - 1)))
    return float(distances.sum() / (len(sources) * (n - 1)))


# --- public metrics ---------------------------------------------------------
def adjacency_spectral_radius(c: Connectome, synapses: str = "all",
                              weighted: bool = True) -> float:
    """Largest |eigenvalue| of the connectome's (directed) adjacency matrix.

    ``weighted``: synapse counts, else 0/1. Exact up to
    :data:`~elegans_keras.connectome.spectrum.EXACT_LIMIT` neurons, a checked
    sparse estimate above (see :mod:`~elegans_keras.connectome.spectrum`).

    Example:
        >>> round(adjacency_spectral_radius(worm, weighted=False), 2)
        15.29
    """
    where = "adjacency_spectral_radius"
    check_connectome(c, where)
    try:
        matrix = c.adjacency(synapses, weighted=weighted, sparse=True)
    except ConnectomeError as err:
        raise ConfigurationError(f"{where}: {err}") from None
    return spectral_radius(matrix)


def clustering(c: Connectome, synapses: str = "all") -> float:
    """Average clustering of the undirected simple graph (isolated neurons count 0).

    Equals ``networkx.average_clustering`` of that graph.

    Example:
        >>> 0 < clustering(worm) < 1
        True
    """
    return _average_clustering(_undirected(c, synapses, "clustering"))


def characteristic_path_length(c: Connectome, synapses: str = "all", sources: int | None = None,
                               seed: int = 0) -> float:
    """Mean shortest path length of the undirected simple graph's largest component.

    Equals ``networkx.average_shortest_path_length`` of that component.
    Exact, and refused above :data:`MAX_PATH_NEURONS` neurons; with
    ``sources=K`` it is the mean over K source neurons drawn at random
    (seeded), an unbiased estimate whose standard error is the spread of the
    per-source means over sqrt(K).

    Example:
        >>> 2 < characteristic_path_length(worm) < 3
        True
    """
    where = "characteristic_path_length"
    adjacency = _undirected(c, synapses, where)
    if sources is None:
        return _path_length(adjacency, where)
    check_int(sources, "sources", where, low=1)
    component_size = _largest_component(adjacency).shape[0]
    chosen = make_rng(seed, where).choice(component_size, size=min(sources, component_size),
                                          replace=False)
    return _path_length(adjacency, where, np.sort(chosen))


def small_world(
    c: Connectome,
    seed: int,
    n_references: int = 10,
    niter: int = 10,
    lattice_niter: int = 500,
    synapses: str = "all",
) -> dict[str, float]:
    """Small-world coefficients sigma and omega, as ``networkx.sigma``/``omega`` define them.

    On the largest component of the undirected simple graph:
    ``sigma = (C/C_r) / (L/L_r)`` with C the transitivity (as networkx.sigma)
    and ``omega = L_r/L - C_avg/C_l`` with C_avg the average clustering and
    C_l the largest average clustering among the graph and its lattice
    references (as networkx.omega). ``n_references`` random references come
    from ``niter`` degree-preserving swap attempts per edge, and as many
    lattice references from ``lattice_niter`` attempts per edge of swaps that
    never move edges away from the ring diagonal (Sporns & Zwi). The default
    lattice budget lets the lattice converge: on the default connectome C_l
    is about 0.69 (0.53 with 100 attempts per edge), where one
    ``networkx.lattice_reference(niter=5)`` reaches 0.39 in about 4 minutes.
    References are not forced to stay connected; their L is taken on their
    largest component. A ratio whose reference has no triangles is NaN.

    Returns:
        dict with sigma, omega and the ingredients (transitivity, clustering,
        path_length, transitivity_random, path_length_random,
        clustering_lattice).

    Example:
        >>> small_world(worm, seed=0)["sigma"] > 1
        True
    """
    where = "small_world"
    rng = make_rng(seed, where)
    check_int(n_references, "n_references", where, low=1)
    check_int(niter, "niter", where)
    check_int(lattice_niter, "lattice_niter", where)
    graph = _largest_component(_undirected(c, synapses, where))
    n = graph.shape[0]
    _check_path_size(n, where)
    upper = sp.triu(graph).tocoo()
    u, v = upper.row.astype(np.int64), upper.col.astype(np.int64)
    if u.size < 2:
        raise ConfigurationError(f"{where}: the graph needs at least 2 edges, has {u.size}")

    def rebuild(pair: tuple[np.ndarray, np.ndarray]) -> sp.csr_array:
        i, j = pair
        ones = np.ones(2 * i.size, dtype=np.int8)
        return sp.csr_array(sp.coo_array((ones, (np.r_[i, j], np.r_[j, i])), shape=(n, n)))

    random_t, random_l, lattice_c = [], [], []
    for _ in range(int(n_references)):
        reference = rebuild(swap_edges(u, v, n, niter * u.size, rng, directed=False))
        random_t.append(_transitivity(reference))
        random_l.append(_path_length(reference, where))
        lattice = rebuild(
            swap_edges(u, v, n, lattice_niter * u.size, rng, directed=False, lattice=True)
        )
        lattice_c.append(_average_clustering(lattice))
    transitivity, average = _transitivity(graph), _average_clustering(graph)
    path_length = _path_length(graph, where)
    t_r, l_r = float(np.mean(random_t)), float(np.mean(random_l))
    c_l = max(average, *lattice_c)
    return {
        "sigma": _ratio(transitivity, t_r) * l_r / path_length,
        "omega": l_r / path_length - _ratio(average, c_l),
        "transitivity": transitivity,
        "clustering": average,
        "path_length": path_length,
        "transitivity_random": t_r,
        "path_length_random": l_r,
        "clustering_lattice": c_l,
    }


def role_mixing(c: Connectome, synapses: str = "all") -> pd.DataFrame:
    """3x3 directed edge counts between roles: rows pre role, columns post role.

    Example:
        >>> bool(role_mixing(worm).loc["S", "I"] > 0)
        True
    """
    mask = _mask(c, synapses, "role_mixing").astype(np.int64)
    roles = _one_hot_roles(c)
    return pd.DataFrame(
        roles.T @ (mask @ roles),
        index=pd.Index(ROLES, name="pre"),
        columns=pd.Index(ROLES, name="post"),
    )


def homophily(c: Connectome, synapses: str = "all") -> dict[str, float]:
    """Same-role edge fraction against its expectation under random mixing.

    ``expected`` is sum over roles of (share of edge tails in the role) x
    (share of edge heads in the role), i.e. random mixing that keeps each
    neuron's degrees; ``ratio`` = observed / expected (> 1: homophily).

    Example:
        >>> homophily(worm)["ratio"] > 1
        True
    """
    mixing = role_mixing(c, synapses).to_numpy().astype(np.float64)
    total = mixing.sum()
    if total == 0:
        raise ConfigurationError(f"homophily: connectome {c.name!r} has no {synapses} edges")
    observed = float(np.trace(mixing) / total)
    expected = float((mixing.sum(axis=1) / total) @ (mixing.sum(axis=0) / total))
    return {"observed": observed, "expected": expected, "ratio": observed / expected}


def role_homophily(c: Connectome, synapses: str = "all") -> dict[str, float]:
    """Per role, the fraction of its neurons' outgoing edges that reach the same role.

    NaN for a role without outgoing edges; 1 minus it is that role's heterophily.

    Example:
        >>> sorted(role_homophily(worm))
        ['I', 'M', 'S']
    """
    mixing = role_mixing(c, synapses).to_numpy().astype(np.float64)
    outgoing = mixing.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        same = np.diag(mixing) / outgoing
    return {role: float(value) for role, value in zip(ROLES, same)}


def role_assortativity(c: Connectome, synapses: str = "all") -> float:
    """Newman's attribute assortativity of the role on the directed mask.

    ``(trace(e) - sum_k a_k b_k) / (1 - sum_k a_k b_k)`` with ``e`` the role
    mixing matrix normalised to sum 1 and ``a``, ``b`` its row and column
    sums: ``networkx.attribute_assortativity_coefficient`` computed from
    :func:`role_mixing`. NaN when undefined (every edge joins one role).

    Example:
        >>> -1 <= role_assortativity(worm) <= 1
        True
    """
    mixing = role_mixing(c, synapses).to_numpy().astype(np.float64)
    total = mixing.sum()
    if total == 0:
        return float("nan")
    e = mixing / total
    chance = float(e.sum(axis=1) @ e.sum(axis=0))
    return float("nan") if np.isclose(chance, 1.0) else (float(np.trace(e)) - chance) / (1 - chance)


def dyad_census(c: Connectome, synapses: str = "chemical") -> dict[str, int]:
    """Unordered neuron pairs that are mutual, asymmetric or unconnected.

    Self-loops are ignored; mutual + asymmetric + null == n(n-1)/2.

    Example:
        >>> sum(dyad_census(worm).values()) == 279 * 278 // 2
        True
    """
    mask = _without_loops(_mask(c, synapses, "dyad_census"))
    n = mask.shape[0]
    reciprocated = int(mask.multiply(mask.T).nnz)
    mutual = reciprocated // 2
    asymmetric = int(mask.nnz) - reciprocated
    null = n * (n - 1) // 2 - mutual - asymmetric
    return {"mutual": mutual, "asymmetric": asymmetric, "null": null}


def two_hop_paths(c: Connectome, synapses: str = "all") -> pd.Series:
    """Directed paths a->b->c (three distinct neurons) counted by role triple.

    ``result["S->I->M"]`` is the number of sensory->inter->motor paths. With
    M the mask without self-loops and R the one-hot role matrix the counts are
    ``(R^T M)[x, b] R[b, y] (M R)[b, z]`` summed over b, minus the
    back-and-forth walks a->b->a (``R^T (M & M^T) R`` where x == z).

    Example:
        >>> bool(two_hop_paths(worm)["S->I->M"] > 0)
        True
    """
    m = _without_loops(_mask(c, synapses, "two_hop_paths")).astype(np.int64)
    roles = _one_hot_roles(c)
    walks = np.einsum("xb,by,bz->xyz", (m.T @ roles).T, roles, m @ roles)
    backtracks = roles.T @ (m.multiply(m.T) @ roles)
    walks -= np.einsum("xy,xz->xyz", backtracks, np.eye(len(ROLES), dtype=np.int64))
    labels = [f"{x}->{y}->{z}" for x in ROLES for y in ROLES for z in ROLES]
    return pd.Series(walks.reshape(-1), index=pd.Index(labels, name="path"), name="paths")


def _without_loops(mask: sp.csr_array) -> sp.csr_array:
    mask = sp.csr_array(mask, copy=True)
    mask.setdiag(False)
    mask.eliminate_zeros()
    return mask


def graph_metrics(c: Connectome, seed: int = 0, n_references: int = 10) -> dict[str, float]:
    """All scalar metrics of one connectome (small-world references seeded by ``seed``).

    Above :data:`MAX_PATH_NEURONS` neurons the path length and small-world
    coefficients are NaN (with a warning): they need all-pairs shortest paths.
    Above a density of :data:`MAX_SMALL_WORLD_DENSITY` (near-complete graphs)
    sigma and omega are NaN: no degree-preserving reference differs from the graph.

    Example:
        >>> graph_metrics(worm)["neurons"]
        279
    """
    check_connectome(c, "graph_metrics")
    n = c.num_neurons
    directed = c.num_edges("all")
    density = directed / (n * (n - 1)) if n > 1 else 0.0
    if n <= MAX_PATH_NEURONS and density <= MAX_SMALL_WORLD_DENSITY:
        world = small_world(c, seed=seed, n_references=n_references)
    else:
        if n > MAX_PATH_NEURONS:
            warnings.warn(f"graph_metrics: {c.name!r} has {n} neurons (> {MAX_PATH_NEURONS}); "
                          "path length, sigma and omega are left NaN", stacklevel=2)
        simple = _undirected(c, "all", "graph_metrics")
        world = dict.fromkeys(("sigma", "omega"), float("nan"))
        world.update(clustering=_average_clustering(simple), transitivity=_transitivity(simple),
                     path_length=(_path_length(simple, "graph_metrics")
                                  if n <= MAX_PATH_NEURONS else float("nan")))
    dyads = dyad_census(c, "chemical")
    paths = two_hop_paths(c)
    return {
        "neurons": n,
        "chemical_edges": c.num_edges("chemical"),
        "electrical_edges": c.num_edges("electrical"),
        "directed_edges": directed,
        "density": density,
        "spectral_radius": adjacency_spectral_radius(c),
        "spectral_radius_binary": adjacency_spectral_radius(c, weighted=False),
        "clustering": world["clustering"],
        "transitivity": world["transitivity"],
        "path_length": world["path_length"],
        "sigma": world["sigma"],
        "omega": world["omega"],
        "homophily_ratio": homophily(c)["ratio"],
        **{f"homophily_{role}": value for role, value in role_homophily(c).items()},
        "role_assortativity": role_assortativity(c),
        "mutual_dyads": dyads["mutual"],
        "asymmetric_dyads": dyads["asymmetric"],
        "paths_S->I->M": int(paths["S->I->M"]),
        "paths_S->S->M": int(paths["S->S->M"]),
    }


def compare(
    connectomes: Mapping[str, Connectome], seed: int = 0, n_references: int = 10
) -> pd.DataFrame:
    """:func:`graph_metrics` of several connectomes, one row per name.

    Example:
        >>> compare({"worm": worm, "er": erdos_renyi(worm, seed=0)}).loc["er", "sigma"] < 1.5  # doctest: +SKIP
        True
    """
    if not isinstance(connectomes, Mapping) or not connectomes:
        raise ConfigurationError("compare: expected a non-empty dict of name -> Connectome")
    rows = {
        str(name): graph_metrics(check_connectome(c, f"compare[{name!r}]"), seed, n_references)
        for name, c in connectomes.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("connectome")
