"""Graph metrics of a connectome: spectrum, clustering, small-worldness, role mixing.

Every metric takes a :class:`Connectome`, a connectome name or file (anything
:func:`~elegans_keras.connectome.resolver.resolve_connectome` reads, as layers
do) or, for the metrics that need no neuron roles (spectral radius,
clustering, path length, small-worldness, dyad census), a square matrix
(dense, sparse or nested lists; a nonzero entry ``[i, j]`` is an edge i -> j,
its value the weight; ``synapses`` does not apply to a matrix). Seeds and
options are keywords: ``small_world(c, *, seed=0, ...)``.

Directed metrics use ``c.mask(synapses)`` (electrical pairs count both ways);
clustering, path length and small-worldness use the undirected simple graph
(either direction connects a pair; self-loops dropped).

Example:
    >>> from elegans_keras.connectome.bundled import load_connectome
    >>> round(clustering(load_connectome()), 3)
    0.337
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse import csgraph

from elegans_keras.checks import check_int, make_rng
from elegans_keras.connectome.core import ROLES, Connectome, check_connectome
from elegans_keras.connectome.edges import swap_edges
from elegans_keras.connectome.keywords import legacy_positional
from elegans_keras.connectome.resolver import resolve_connectome
from elegans_keras.connectome.spectrum import spectral_radius as matrix_spectral_radius
from elegans_keras.errors import ConfigurationError, ConnectomeError

# All-pairs shortest paths (and so small-world coefficients) are exact and
# refused above this many neurons; pass ``sources=`` for a sampled path length.
MAX_PATH_NEURONS = 5_000
# Above this density random and lattice references cannot differ from the
# graph: graph_metrics leaves sigma and omega NaN.
MAX_SMALL_WORLD_DENSITY = 0.5
_TRIANGLE_ROWS = 4_096


# What a metric accepts: a Connectome, a name or path, or (where roles are not needed) a matrix.
GraphLike: TypeAlias = Connectome | str | os.PathLike | np.ndarray | sp.sparray | Sequence


def _resolve(graph: Any, where: str, roles: bool = False) -> Connectome | sp.csr_array:
    """A Connectome (given, or read from a name or path) or a checked float64 CSR matrix."""
    if isinstance(graph, Connectome):
        return graph
    if isinstance(graph, (str, os.PathLike)):
        return resolve_connectome(graph)
    if not roles and (sp.issparse(graph) or isinstance(graph, (np.ndarray, list, tuple))):
        return _matrix(graph, where)
    if roles and (sp.issparse(graph) or isinstance(graph, (np.ndarray, list, tuple))):
        raise ConfigurationError(
            f"{where}: needs the neurons' roles: expected a Connectome or "
            f"a connectome name or path, got a matrix "
            f"({type(graph).__name__})"
        )
    matrix = "" if roles else ", or a square matrix"
    raise ConfigurationError(
        f"{where}: expected a Connectome, a connectome name or path"
        f"{matrix}, got {type(graph).__name__}"
    )


def _matrix(value: Any, where: str) -> sp.csr_array:
    """A numeric, finite, non-empty square matrix as float64 CSR, else a ConfigurationError."""
    try:
        dense = None if sp.issparse(value) else np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise ConfigurationError(
            f"{where}: expected a numeric square matrix, got {type(value).__name__}"
        ) from None
    shape = value.shape if dense is None else dense.shape
    if len(shape) != 2 or shape[0] != shape[1] or shape[0] == 0:
        raise ConfigurationError(f"{where}: matrix of shape {shape} is not square")
    matrix = sp.csr_array(value if dense is None else dense, dtype=np.float64)
    if not np.all(np.isfinite(matrix.data)):
        raise ConfigurationError(f"{where}: the matrix has non-finite entries")
    return matrix


def _mask(c: Any, synapses: str, where: str) -> sp.csr_array:
    c = _resolve(c, where)
    if not isinstance(c, Connectome):
        mask = sp.csr_array(c != 0)
        mask.eliminate_zeros()
        return mask
    try:
        return c.mask(synapses, sparse=True)
    except ConnectomeError as err:
        raise ConfigurationError(f"{where}: {err}") from None


def _undirected(c: Any, synapses: str, where: str) -> sp.csr_array:
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
        rows = a[start : start + _TRIANGLE_ROWS]
        walks[start : start + rows.shape[0]] = (rows @ a).multiply(rows).sum(axis=1)
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
    distances = csgraph.shortest_path(component, directed=False, unweighted=True, indices=sources)
    if sources is None:
        return float(distances.sum() / (n * (n - 1)))
    return float(distances.sum() / (len(sources) * (n - 1)))


# --- public metrics -----------------------------------------------------
def spectral_radius(graph: GraphLike, seed: int = 0) -> float:
    """Largest eigenvalue modulus of a connectome's weighted adjacency matrix, or of a matrix.

    .. math:: \\rho(A) = \\max_i |\\lambda_i(A)|

    Args:
        graph: a Connectome or connectome name (its chemical + electrical
            synapse counts, as :func:`adjacency_spectral_radius`), or a
            square matrix taken as is (signs included).
        seed: start vector of the sparse estimate (above
            :data:`~elegans_keras.connectome.spectrum.EXACT_LIMIT` neurons).

    Returns:
        The spectral radius (exact up to ``EXACT_LIMIT`` neurons, a checked
        ARPACK estimate above).

    References:
        Horn & Johnson (2013), Matrix Analysis, 2nd ed., Cambridge University
        Press, ch. 5.6. Lehoucq, Sorensen & Yang (1998), ARPACK Users' Guide, SIAM.

    Example:
        >>> spectral_radius("celegans_herm") == adjacency_spectral_radius(worm)
        True
        >>> spectral_radius([[0.0, 2.0], [0.5, 0.0]])
        1.0
    """
    resolved = _resolve(graph, "spectral_radius")
    if isinstance(resolved, Connectome):
        return adjacency_spectral_radius(resolved, seed=seed)
    return matrix_spectral_radius(resolved, seed)


def adjacency_spectral_radius(
    c: GraphLike, synapses: str = "all", weighted: bool = True, seed: int = 0
) -> float:
    """Largest |eigenvalue| of the connectome's (directed) adjacency matrix.

    Exact up to :data:`~elegans_keras.connectome.spectrum.EXACT_LIMIT`
    neurons, a checked sparse estimate above (see
    :mod:`~elegans_keras.connectome.spectrum`).

    Args:
        c: a Connectome, a connectome name or path, or a square matrix.
        synapses: ``"all"`` (chemical + electrical both ways), ``"chemical"``
            or ``"electrical"``.
        weighted: synapse counts (a matrix's values), else 0/1.
        seed: start vector of the sparse estimate.

    Returns:
        :math:`\\max_i |\\lambda_i(A)|` of that matrix.

    References:
        Horn & Johnson (2013), Matrix Analysis, ch. 5.6; Varshney et al. (2011),
        Structural properties of the Caenorhabditis elegans neuronal network,
        PLoS Comput Biol 7(2): e1001066 (spectra of the worm's wiring).

    Example:
        >>> round(adjacency_spectral_radius(worm, weighted=False), 2)
        15.29
    """
    where = "adjacency_spectral_radius"
    graph = _resolve(c, where)
    if isinstance(graph, Connectome):
        try:
            matrix = graph.adjacency(synapses, weighted=weighted, sparse=True)
        except ConnectomeError as err:
            raise ConfigurationError(f"{where}: {err}") from None
    else:
        matrix = graph if weighted else _mask(graph, synapses, where).astype(np.float64)
    return matrix_spectral_radius(matrix, seed)


def clustering(c: GraphLike, synapses: str = "all") -> float:
    """Average clustering of the undirected simple graph (isolated neurons count 0).

    .. math:: C = \\frac{1}{n} \\sum_i \\frac{2 T_i}{k_i (k_i - 1)}

    with :math:`T_i` the triangles through neuron i and :math:`k_i` its degree
    (0 when :math:`k_i < 2`). Equals ``networkx.average_clustering`` of that graph.

    Args:
        c: a Connectome, a connectome name or path, or a square matrix.
        synapses: ``"all"``, ``"chemical"`` or ``"electrical"``.

    Returns:
        C, between 0 and 1.

    References:
        Watts & Strogatz (1998), Collective dynamics of 'small-world' networks,
        Nature 393: 440-442.

    Example:
        >>> 0 < clustering(worm) < 1
        True
    """
    return _average_clustering(_undirected(c, synapses, "clustering"))


@legacy_positional(("sources", "seed"))
def characteristic_path_length(
    c: GraphLike, synapses: str = "all", *, sources: int | None = None, seed: int = 0
) -> float:
    """Mean shortest path length of the undirected simple graph's largest component.

    .. math:: L = \\frac{1}{n (n - 1)} \\sum_{i \\ne j} d(i, j)

    over the n neurons of the largest component. Equals
    ``networkx.average_shortest_path_length`` of that component. Exact, and
    refused above :data:`MAX_PATH_NEURONS` neurons.

    Args:
        c: a Connectome, a connectome name or path, or a square matrix.
        synapses: ``"all"``, ``"chemical"`` or ``"electrical"``.
        sources: if given, the mean over this many source neurons drawn at
            random: an unbiased estimate whose standard error is the spread of
            the per-source means over sqrt(K).
        seed: the draw of the sources.

    Returns:
        L (0 for a component of one neuron).

    References:
        Watts & Strogatz (1998), Nature 393: 440-442.

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
    chosen = make_rng(seed, where).choice(
        component_size, size=min(sources, component_size), replace=False
    )
    return _path_length(adjacency, where, np.sort(chosen))


@legacy_positional(("seed", "n_references", "niter", "lattice_niter", "synapses"))
def small_world(
    c: GraphLike,
    *,
    seed: int = 0,
    n_references: int = 10,
    niter: int = 10,
    lattice_niter: int = 500,
    synapses: str = "all",
) -> dict[str, float]:
    """Small-world coefficients sigma and omega, as ``networkx.sigma``/``omega`` define them.

    On the largest component of the undirected simple graph:

    .. math::
        \\sigma = \\frac{C / C_r}{L / L_r}, \\qquad
        \\omega = \\frac{L_r}{L} - \\frac{\\bar C}{C_\\ell}

    with C the transitivity (as networkx.sigma), :math:`\\bar C` the average
    clustering, L the characteristic path length, :math:`C_r, L_r` the means
    over random references and :math:`C_\\ell` the largest average clustering
    among the graph and its lattice references (as networkx.omega).
    ``n_references`` random references come from ``niter`` degree-preserving
    swap attempts per edge (Maslov & Sneppen), and as many lattice references
    from ``lattice_niter`` attempts per edge of swaps that never move edges
    away from the ring diagonal (Sporns & Zwi). The default lattice budget lets
    the lattice converge: on the default connectome :math:`C_\\ell` is about
    0.69 (0.53 with 100 attempts per edge), where one
    ``networkx.lattice_reference(niter=5)`` reaches 0.39 in about 4 minutes.
    References are not forced to stay connected; their L is taken on their
    largest component. A ratio whose reference has no triangles is NaN.

    Args:
        c: a Connectome, a connectome name or path, or a square matrix.
        seed: the references' random swaps (the same seed, the same result).
        n_references: random and lattice references drawn.
        niter: swap attempts per edge of a random reference.
        lattice_niter: swap attempts per edge of a lattice reference.
        synapses: ``"all"``, ``"chemical"`` or ``"electrical"``.

    Returns:
        dict with sigma, omega and the ingredients (transitivity, clustering,
        path_length, transitivity_random, path_length_random,
        clustering_lattice).

    References:
        Humphries & Gurney (2008), Network 'small-world-ness': a quantitative
        method for determining canonical network equivalence, PLoS ONE 3(4):
        e0002002 (sigma). Telesford, Joyce, Hayasaka, Burdette & Laurienti
        (2011), The ubiquity of small-world networks, Brain Connectivity 1(5):
        367-375 (omega). Maslov & Sneppen (2002), Specificity and stability in
        topology of protein networks, Science 296: 910-913. Sporns & Zwi
        (2004), The small world of the cerebral cortex, Neuroinformatics 2:
        145-162.

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


def role_mixing(c: GraphLike, synapses: str = "all") -> pd.DataFrame:
    """3x3 directed edge counts between roles: rows pre role, columns post role.

    .. math:: E = R^\\top M R

    with M the 0/1 directed mask and R the one-hot (neuron x role) matrix.

    Args:
        c: a Connectome or a connectome name or path (roles are needed).
        synapses: ``"all"``, ``"chemical"`` or ``"electrical"``.

    Returns:
        A DataFrame indexed by pre role (S, I, M), columns the post role.

    References:
        Newman (2003), Mixing patterns in networks, Phys. Rev. E 67: 026126.

    Example:
        >>> bool(role_mixing(worm).loc["S", "I"] > 0)
        True
    """
    graph = _connectome(c, "role_mixing")
    mask = _mask(graph, synapses, "role_mixing").astype(np.int64)
    roles = _one_hot_roles(graph)
    return pd.DataFrame(
        roles.T @ (mask @ roles),
        index=pd.Index(ROLES, name="pre"),
        columns=pd.Index(ROLES, name="post"),
    )


def homophily(c: GraphLike, synapses: str = "all") -> dict[str, float]:
    """Same-role edge fraction against its expectation under random mixing.

    .. math:: \\text{observed} = \\sum_k e_{kk}, \\qquad
              \\text{expected} = \\sum_k a_k b_k

    with e the role mixing matrix normalised to sum 1 and a, b its row
    (edge tails) and column (edge heads) sums: random mixing that keeps each
    neuron's degrees. ``ratio`` = observed / expected (> 1: homophily).

    Args:
        c: a Connectome or a connectome name or path (roles are needed).
        synapses: ``"all"``, ``"chemical"`` or ``"electrical"``.

    Returns:
        dict with observed, expected and ratio.

    References:
        McPherson, Smith-Lovin & Cook (2001), Birds of a feather: homophily in
        social networks, Annu. Rev. Sociol. 27: 415-444; Newman (2003), Phys.
        Rev. E 67: 026126.

    Example:
        >>> homophily(worm)["ratio"] > 1
        True
    """
    graph = _connectome(c, "homophily")
    mixing = role_mixing(graph, synapses).to_numpy().astype(np.float64)
    total = mixing.sum()
    if total == 0:
        raise ConfigurationError(f"homophily: connectome {graph.name!r} has no {synapses} edges")
    observed = float(np.trace(mixing) / total)
    expected = float((mixing.sum(axis=1) / total) @ (mixing.sum(axis=0) / total))
    return {"observed": observed, "expected": expected, "ratio": observed / expected}


def role_homophily(c: GraphLike, synapses: str = "all") -> dict[str, float]:
    """Per role, the fraction of its neurons' outgoing edges that reach the same role.

    .. math:: h_k = E_{kk} / \\sum_l E_{kl}

    with E the :func:`role_mixing` counts; NaN for a role without outgoing
    edges; :math:`1 - h_k` is that role's heterophily.

    Args:
        c: a Connectome or a connectome name or path (roles are needed).
        synapses: ``"all"``, ``"chemical"`` or ``"electrical"``.

    Returns:
        dict role -> :math:`h_k`.

    References:
        McPherson, Smith-Lovin & Cook (2001), Annu. Rev. Sociol. 27: 415-444.

    Example:
        >>> sorted(role_homophily(worm))
        ['I', 'M', 'S']
    """
    graph = _connectome(c, "role_homophily")
    mixing = role_mixing(graph, synapses).to_numpy().astype(np.float64)
    outgoing = mixing.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        same = np.diag(mixing) / outgoing
    return {role: float(value) for role, value in zip(ROLES, same)}


def role_assortativity(c: GraphLike, synapses: str = "all") -> float:
    """Newman's attribute assortativity of the role on the directed mask.

    .. math:: r = \\frac{\\operatorname{tr} e - \\sum_k a_k b_k}{1 - \\sum_k a_k b_k}

    with e the role mixing matrix normalised to sum 1 and a, b its row and
    column sums: ``networkx.attribute_assortativity_coefficient`` computed
    from :func:`role_mixing`.

    Args:
        c: a Connectome or a connectome name or path (roles are needed).
        synapses: ``"all"``, ``"chemical"`` or ``"electrical"``.

    Returns:
        r in [-1, 1]; NaN when undefined (no edges, or every edge joins one role).

    References:
        Newman (2003), Mixing patterns in networks, Phys. Rev. E 67: 026126, eq. (2).

    Example:
        >>> -1 <= role_assortativity(worm) <= 1
        True
    """
    graph = _connectome(c, "role_assortativity")
    mixing = role_mixing(graph, synapses).to_numpy().astype(np.float64)
    total = mixing.sum()
    if total == 0:
        return float("nan")
    e = mixing / total
    chance = float(e.sum(axis=1) @ e.sum(axis=0))
    return float("nan") if np.isclose(chance, 1.0) else (float(np.trace(e)) - chance) / (1 - chance)


def dyad_census(c: GraphLike, synapses: str = "chemical") -> dict[str, int]:
    """Unordered neuron pairs that are mutual, asymmetric or unconnected.

    Self-loops are ignored; mutual + asymmetric + null = n(n - 1)/2.

    Args:
        c: a Connectome, a connectome name or path, or a square matrix.
        synapses: ``"chemical"`` (default), ``"electrical"`` or ``"all"``.

    Returns:
        dict with mutual, asymmetric and null pair counts (the M-A-N census).

    References:
        Holland & Leinhardt (1970), A method for detecting structure in
        sociometric data, Am. J. Sociol. 76: 492-513; Wasserman & Faust (1994),
        Social Network Analysis, Cambridge University Press, ch. 13.

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


def two_hop_paths(c: GraphLike, synapses: str = "all") -> pd.Series:
    """Directed paths a->b->c (three distinct neurons) counted by role triple.

    ``result["S->I->M"]`` is the number of sensory->inter->motor paths. With
    M the mask without self-loops and R the one-hot role matrix the counts are

    .. math:: P_{xyz} = \\sum_b (R^\\top M)_{xb} R_{by} (M R)_{bz}
              - [x = z] \\, (R^\\top (M \\circ M^\\top) R)_{xy}

    (the second term removes the back-and-forth walks a->b->a).

    Args:
        c: a Connectome or a connectome name or path (roles are needed).
        synapses: ``"all"``, ``"chemical"`` or ``"electrical"``.

    Returns:
        A Series of 27 counts indexed ``"X->Y->Z"``.

    References:
        Varshney et al. (2011), PLoS Comput Biol 7(2): e1001066 (sensory to
        motor pathways); Milo et al. (2002), Network motifs: simple building
        blocks of complex networks, Science 298: 824-827.

    Example:
        >>> bool(two_hop_paths(worm)["S->I->M"] > 0)
        True
    """
    graph = _connectome(c, "two_hop_paths")
    m = _without_loops(_mask(graph, synapses, "two_hop_paths")).astype(np.int64)
    roles = _one_hot_roles(graph)
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


def _connectome(c: Any, where: str) -> Connectome:
    """A Connectome from a Connectome, name or path; a matrix (no roles) is refused."""
    graph = _resolve(c, where, roles=True)
    return check_connectome(graph, where)


@legacy_positional(("seed", "n_references"))
def graph_metrics(c: GraphLike, *, seed: int = 0, n_references: int = 10) -> dict[str, float]:
    """All scalar metrics of one connectome (small-world references seeded by ``seed``).

    Above :data:`MAX_PATH_NEURONS` neurons the path length and small-world
    coefficients are NaN (with a warning): they need all-pairs shortest paths.
    Above a density of :data:`MAX_SMALL_WORLD_DENSITY` (near-complete graphs)
    sigma and omega are NaN: no degree-preserving reference differs from the graph.

    Args:
        c: a Connectome or a connectome name or path (roles are needed).
        seed: the small-world references' random swaps.
        n_references: random and lattice references of :func:`small_world`.

    Returns:
        dict of counts (neurons, edges, dyads, S->I->M paths), density,
        spectral radii, clustering, transitivity, path length, sigma, omega,
        homophily and role assortativity.

    References:
        Those of the metrics above; Varshney et al. (2011), PLoS Comput Biol
        7(2): e1001066, for the same measures on the worm.

    Example:
        >>> graph_metrics(worm)["neurons"]
        279
    """
    c = _connectome(c, "graph_metrics")
    n = c.num_neurons
    directed = c.num_edges("all")
    density = directed / (n * (n - 1)) if n > 1 else 0.0
    if n <= MAX_PATH_NEURONS and density <= MAX_SMALL_WORLD_DENSITY:
        world = small_world(c, seed=seed, n_references=n_references)
    else:
        if n > MAX_PATH_NEURONS:
            warnings.warn(
                f"graph_metrics: {c.name!r} has {n} neurons (> {MAX_PATH_NEURONS}); "
                "path length, sigma and omega are left NaN",
                stacklevel=3,
            )  # 3: past the legacy_positional wrapper
        simple = _undirected(c, "all", "graph_metrics")
        world = dict.fromkeys(("sigma", "omega"), float("nan"))
        world.update(
            clustering=_average_clustering(simple),
            transitivity=_transitivity(simple),
            path_length=(
                _path_length(simple, "graph_metrics") if n <= MAX_PATH_NEURONS else float("nan")
            ),
        )
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


@legacy_positional(("seed", "n_references"))
def compare(
    connectomes: Mapping[str, GraphLike], *, seed: int = 0, n_references: int = 10
) -> pd.DataFrame:
    """:func:`graph_metrics` of several connectomes, one row per name.

    Args:
        connectomes: name -> Connectome (or connectome name or path).
        seed: the small-world references' random swaps (the same for each).
        n_references: random and lattice references of :func:`small_world`.

    Returns:
        A DataFrame indexed by ``connectome`` (the dict's names), one column
        per :func:`graph_metrics` entry.

    References:
        Those of :func:`graph_metrics`.

    Example:
        >>> compare({"worm": worm, "witvliet": "witvliet2021_8"}, n_references=1).shape
        (2, 21)
    """
    if not isinstance(connectomes, Mapping) or not connectomes:
        raise ConfigurationError("compare: expected a non-empty dict of name -> Connectome")
    rows = {
        str(name): graph_metrics(
            _connectome(c, f"compare[{name!r}]"), seed=seed, n_references=n_references
        )
        for name, c in connectomes.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("connectome")
