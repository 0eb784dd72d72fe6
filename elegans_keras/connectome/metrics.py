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

import numbers
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import csgraph, csr_matrix

from elegans_keras.connectome.core import ROLES, Connectome
from elegans_keras.connectome.nullmodels import make_rng, swap_edges
from elegans_keras.errors import ConfigurationError, ConnectomeError


def _check_connectome(c: Any, where: str) -> Connectome:
    if not isinstance(c, Connectome):
        raise ConfigurationError(f"{where}: expected a Connectome, got {type(c).__name__}")
    return c


def _mask(c: Connectome, synapses: str, where: str) -> np.ndarray:
    _check_connectome(c, where)
    try:
        return c.mask(synapses)
    except ConnectomeError as err:
        raise ConfigurationError(f"{where}: {err}") from None


def _undirected(c: Connectome, synapses: str, where: str) -> np.ndarray:
    mask = _mask(c, synapses, where)
    simple = mask | mask.T
    np.fill_diagonal(simple, False)
    return simple


def _one_hot_roles(c: Connectome) -> np.ndarray:
    return (np.asarray(c.roles)[:, None] == np.asarray(ROLES)[None, :]).astype(np.int64)


# --- undirected kernels on a symmetric boolean matrix without self-loops ----
def _closed_walks(adjacency: np.ndarray) -> np.ndarray:
    """Per node, twice its number of triangles (diagonal of A^3)."""
    a = adjacency.astype(np.float64)
    return ((a @ a) * a).sum(axis=1)


def _average_clustering(adjacency: np.ndarray) -> float:
    degree = adjacency.sum(axis=1).astype(np.float64)
    pairs = degree * (degree - 1)
    local = np.divide(_closed_walks(adjacency), pairs, out=np.zeros_like(pairs), where=pairs > 0)
    return float(local.mean())


def _transitivity(adjacency: np.ndarray) -> float:
    degree = adjacency.sum(axis=1).astype(np.float64)
    triples = float((degree * (degree - 1)).sum())
    return float(_closed_walks(adjacency).sum() / triples) if triples else 0.0


def _largest_component(adjacency: np.ndarray) -> np.ndarray:
    _, labels = csgraph.connected_components(csr_matrix(adjacency), directed=False)
    keep = labels == np.bincount(labels).argmax()
    return adjacency[np.ix_(keep, keep)]


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def _path_length(adjacency: np.ndarray) -> float:
    """Mean shortest path length over the largest connected component."""
    component = _largest_component(adjacency)
    n = component.shape[0]
    if n < 2:
        return 0.0
    distances = csgraph.shortest_path(csr_matrix(component), directed=False, unweighted=True)
    return float(distances.sum() / (n * (n - 1)))


# --- public metrics ---------------------------------------------------------
def spectral_radius(
    c_or_matrix: Connectome | np.ndarray, synapses: str = "all", weighted: bool = True
) -> float:
    """Largest |eigenvalue| of the (directed, non-symmetric) adjacency matrix.

    A Connectome gives ``c.adjacency(synapses, weighted)``; a square array is
    used as is (binarised when ``weighted=False``). General eigenvalues
    (``numpy.linalg.eigvals``), since chemical synapses are directed.

    Example:
        >>> spectral_radius(np.array([[0.0, 2.0], [0.5, 0.0]]))
        1.0
    """
    where = "spectral_radius"
    if isinstance(c_or_matrix, Connectome):
        try:
            matrix = c_or_matrix.adjacency(synapses, weighted=weighted)
        except ConnectomeError as err:
            raise ConfigurationError(f"{where}: {err}") from None
    else:
        try:
            matrix = np.asarray(c_or_matrix, dtype=np.float64)
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"{where}: expected a Connectome or a numeric square matrix, "
                f"got {type(c_or_matrix).__name__}"
            ) from None
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.size == 0:
            raise ConfigurationError(f"{where}: matrix shape {matrix.shape} is not square")
        if not np.all(np.isfinite(matrix)):
            raise ConfigurationError(f"{where}: matrix has non-finite entries")
        if not weighted:
            matrix = (matrix != 0).astype(np.float64)
    return float(np.abs(np.linalg.eigvals(matrix)).max())


def clustering(c: Connectome, synapses: str = "all") -> float:
    """Average clustering of the undirected simple graph (isolated neurons count 0).

    Equals ``networkx.average_clustering`` of that graph.

    Example:
        >>> 0 < clustering(worm) < 1
        True
    """
    return _average_clustering(_undirected(c, synapses, "clustering"))


def characteristic_path_length(c: Connectome, synapses: str = "all") -> float:
    """Mean shortest path length of the undirected simple graph's largest component.

    Equals ``networkx.average_shortest_path_length`` of that component.

    Example:
        >>> 2 < characteristic_path_length(worm) < 3
        True
    """
    return _path_length(_undirected(c, synapses, "characteristic_path_length"))


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
    for label, value, low in (
        ("n_references", n_references, 1),
        ("niter", niter, 0),
        ("lattice_niter", lattice_niter, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise ConfigurationError(f"{where}: {label} must be an int >= {low}, got {value!r}")
    graph = _largest_component(_undirected(c, synapses, where))
    n = graph.shape[0]
    u, v = np.nonzero(np.triu(graph))
    if u.size < 2:
        raise ConfigurationError(f"{where}: the graph needs at least 2 edges, has {u.size}")

    def rebuild(pair: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        adjacency = np.zeros((n, n), dtype=bool)
        adjacency[pair] = True
        return adjacency | adjacency.T

    random_t, random_l, lattice_c = [], [], []
    for _ in range(int(n_references)):
        reference = rebuild(swap_edges(u, v, n, niter * u.size, rng, directed=False))
        random_t.append(_transitivity(reference))
        random_l.append(_path_length(reference))
        lattice = rebuild(
            swap_edges(u, v, n, lattice_niter * u.size, rng, directed=False, lattice=True)
        )
        lattice_c.append(_average_clustering(lattice))
    transitivity, average = _transitivity(graph), _average_clustering(graph)
    path_length = _path_length(graph)
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
        >>> role_mixing(worm).loc["S", "I"] > 0
        True
    """
    mask = _mask(c, synapses, "role_mixing").astype(np.int64)
    roles = _one_hot_roles(c)
    return pd.DataFrame(
        roles.T @ mask @ roles,
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
    """``networkx.attribute_assortativity_coefficient`` of the role on the directed mask.

    NaN when it is undefined (every edge joins neurons of a single role).

    Example:
        >>> -1 <= role_assortativity(worm) <= 1
        True
    """
    mask = _mask(c, synapses, "role_assortativity")
    graph = nx.from_numpy_array(mask.astype(np.int64), create_using=nx.DiGraph)
    nx.set_node_attributes(graph, dict(enumerate(c.roles)), "role")
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(nx.attribute_assortativity_coefficient(graph, "role"))


def dyad_census(c: Connectome, synapses: str = "chemical") -> dict[str, int]:
    """Unordered neuron pairs that are mutual, asymmetric or unconnected.

    Self-loops are ignored; mutual + asymmetric + null == n(n-1)/2.

    Example:
        >>> sum(dyad_census(worm).values()) == 279 * 278 // 2
        True
    """
    mask = _mask(c, synapses, "dyad_census").copy()
    np.fill_diagonal(mask, False)
    n = mask.shape[0]
    mutual = int((mask & mask.T).sum() // 2)
    asymmetric = int((mask ^ mask.T).sum() // 2)
    null = n * (n - 1) // 2 - mutual - asymmetric
    return {"mutual": mutual, "asymmetric": asymmetric, "null": null}


def two_hop_paths(c: Connectome, synapses: str = "all") -> pd.Series:
    """Directed paths a->b->c (three distinct neurons) counted by role triple.

    ``result["S->I->M"]`` is the number of sensory->inter->motor paths. With
    M the mask without self-loops and R the one-hot role matrix the counts are
    ``(R^T M)[x, b] R[b, y] (M R)[b, z]`` summed over b, minus the
    back-and-forth walks a->b->a (``R^T (M & M^T) R`` where x == z).

    Example:
        >>> two_hop_paths(worm)["S->I->M"] > 0
        True
    """
    mask = _mask(c, synapses, "two_hop_paths").copy()
    np.fill_diagonal(mask, False)
    roles = _one_hot_roles(c)
    m = mask.astype(np.int64)
    walks = np.einsum("xb,by,bz->xyz", roles.T @ m, roles, m @ roles)
    backtracks = roles.T @ (m * m.T) @ roles
    walks -= np.einsum("xy,xz->xyz", backtracks, np.eye(len(ROLES), dtype=np.int64))
    labels = [f"{x}->{y}->{z}" for x in ROLES for y in ROLES for z in ROLES]
    return pd.Series(walks.reshape(-1), index=pd.Index(labels, name="path"), name="paths")


def graph_metrics(c: Connectome, seed: int = 0, n_references: int = 10) -> dict[str, float]:
    """All scalar metrics of one connectome (small-world references seeded by ``seed``).

    Example:
        >>> graph_metrics(worm)["neurons"]
        279
    """
    _check_connectome(c, "graph_metrics")
    n = c.num_neurons
    directed = c.num_edges("all")
    world = small_world(c, seed=seed, n_references=n_references)
    dyads = dyad_census(c, "chemical")
    paths = two_hop_paths(c)
    return {
        "neurons": n,
        "chemical_edges": c.num_edges("chemical"),
        "electrical_edges": c.num_edges("electrical"),
        "directed_edges": directed,
        "density": directed / (n * (n - 1)) if n > 1 else 0.0,
        "spectral_radius": spectral_radius(c),
        "spectral_radius_binary": spectral_radius(c, weighted=False),
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
        >>> compare({"worm": worm, "er": erdos_renyi(worm, seed=0)}).loc["er", "sigma"] < 1.5
        True
    """
    if not isinstance(connectomes, Mapping) or not connectomes:
        raise ConfigurationError("compare: expected a non-empty dict of name -> Connectome")
    rows = {
        str(name): graph_metrics(_check_connectome(c, f"compare[{name!r}]"), seed, n_references)
        for name, c in connectomes.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("connectome")
