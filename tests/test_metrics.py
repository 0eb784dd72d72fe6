"""Graph metrics checked against networkx and brute force."""

from __future__ import annotations

import itertools
import time
from collections import Counter

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_profiles import budget

from elegans_keras.connectome.core import Connectome
from elegans_keras.connectome.metrics import (
    adjacency_spectral_radius,
    characteristic_path_length,
    clustering,
    compare,
    dyad_census,
    graph_metrics,
    homophily,
    role_assortativity,
    role_mixing,
    small_world,
    two_hop_paths,
)
from elegans_keras.connectome.nullmodels import erdos_renyi
from elegans_keras.connectome.nxgraph import to_networkx
from elegans_keras.connectome.spectrum import spectral_radius
from elegans_keras.errors import ConfigurationError


def connectome(chemical: np.ndarray, electrical: np.ndarray | None = None) -> Connectome:
    n = chemical.shape[0]
    electrical = np.zeros((n, n)) if electrical is None else electrical
    roles = tuple("SIM"[(i * 7) % 3] for i in range(n))
    return Connectome(tuple(f"n{i}" for i in range(n)), roles, chemical, electrical, name="test")


def from_graph(graph: nx.Graph) -> Connectome:
    """Chemical edges one way per undirected edge of ``graph`` (nodes 0..n-1)."""
    adjacency = nx.to_numpy_array(graph, nodelist=range(len(graph)))
    return connectome(np.triu(adjacency))


def simple_graph(c: Connectome) -> nx.Graph:
    """networkx's own view: the MultiDiGraph collapsed to a simple undirected graph."""
    graph = nx.Graph(to_networkx(c))
    graph.remove_edges_from(list(nx.selfloop_edges(graph)))
    return graph


def directed_graph(c: Connectome, synapses: str = "all") -> nx.DiGraph:
    kinds = {"all": {"C", "E"}, "chemical": {"C"}, "electrical": {"E"}}[synapses]
    multi = to_networkx(c)
    graph = nx.DiGraph()
    graph.add_nodes_from(multi.nodes(data=True))
    graph.add_edges_from((u, v) for u, v, t in multi.edges(data="synapse_type") if t in kinds)
    return graph


@st.composite
def small_connectomes(draw) -> Connectome:
    n = draw(st.integers(3, 9))
    cells = st.lists(st.sampled_from([0, 0, 0, 1, 3]), min_size=n * n, max_size=n * n)
    chemical = np.array(draw(cells), dtype=float).reshape(n, n)
    gaps = np.triu(np.array(draw(cells), dtype=float).reshape(n, n))
    return connectome(chemical, gaps + np.triu(gaps, 1).T)


PROPERTY = settings(max_examples=budget(40), deadline=None)


# --- spectral radius ---------------------------------------------------------
def test_spectral_radius_uses_general_eigenvalues():
    rotation = np.array([[0.0, 2.0], [0.5, 0.0]])  # eigenvalues +-1; eigvalsh would say 2.06
    assert spectral_radius(rotation) == pytest.approx(1.0)
    assert spectral_radius(np.triu(np.ones((5, 5)), 1)) == pytest.approx(0.0, abs=1e-12)
    assert spectral_radius(sp.csr_array(rotation)) == pytest.approx(1.0)


def test_spectral_radius_of_a_connectome(worm):
    weighted = worm.adjacency("all")
    radius = adjacency_spectral_radius(worm)
    assert radius == pytest.approx(spectral_radius(weighted))
    assert radius == pytest.approx(max(abs(np.linalg.eigvals(weighted.T))))
    rows = weighted.sum(axis=1)
    assert rows.min() <= radius <= rows.max()  # Perron-Frobenius bounds
    binary = adjacency_spectral_radius(worm, "chemical", weighted=False)
    assert binary == pytest.approx(spectral_radius(worm.mask("chemical").astype(float)))
    assert binary < radius


@pytest.mark.parametrize(
    "bad", [np.zeros((2, 3)), np.zeros((2, 2, 2)), np.array([[np.nan]]), "matrix", np.zeros((0, 0))]
)
def test_spectral_radius_rejects_bad_matrices(bad):
    with pytest.raises(ConfigurationError, match="spectral_radius"):
        spectral_radius(bad)


def test_unknown_synapse_kind_is_a_configuration_error(worm):
    with pytest.raises(ConfigurationError, match="synapses"):
        adjacency_spectral_radius(worm, synapses="gap")
    with pytest.raises(ConfigurationError, match="synapses"):
        role_mixing(worm, synapses="gap")


# --- clustering and path length ------------------------------------------------
def test_clustering_and_path_length_match_networkx_on_the_worm(worm):
    graph = simple_graph(worm)
    assert clustering(worm) == pytest.approx(nx.average_clustering(graph))
    largest = graph.subgraph(max(nx.connected_components(graph), key=len))
    assert characteristic_path_length(worm) == pytest.approx(
        nx.average_shortest_path_length(largest)
    )


@PROPERTY
@given(c=small_connectomes())
def test_clustering_and_path_length_match_networkx_on_small_graphs(c):
    graph = simple_graph(c)
    assert clustering(c) == pytest.approx(nx.average_clustering(graph))
    largest = graph.subgraph(max(nx.connected_components(graph), key=len))
    expected = nx.average_shortest_path_length(largest) if len(largest) > 1 else 0.0
    assert characteristic_path_length(c) == pytest.approx(expected)


# --- small world ---------------------------------------------------------------
def test_small_world_on_the_worm_runs_and_is_consistent(worm):
    start = time.perf_counter()
    result = small_world(worm, seed=0)
    elapsed = time.perf_counter() - start
    print(f"\nsmall_world(default connectome, n_references=10): {elapsed:.2f} s -> {result}")
    graph = simple_graph(worm)
    assert result["transitivity"] == pytest.approx(nx.transitivity(graph))
    assert result["clustering"] == pytest.approx(nx.average_clustering(graph))
    assert result["sigma"] == pytest.approx(
        (result["transitivity"] / result["transitivity_random"])
        / (result["path_length"] / result["path_length_random"])
    )
    assert result["omega"] == pytest.approx(
        result["path_length_random"] / result["path_length"]
        - result["clustering"] / result["clustering_lattice"]
    )
    assert result["clustering_lattice"] >= result["clustering"]
    assert result["sigma"] > 1.2  # the worm is a small world


def test_small_world_is_deterministic_for_a_seed(worm):
    first = small_world(worm, seed=3, n_references=2, lattice_niter=50)
    assert first == small_world(worm, seed=3, n_references=2, lattice_niter=50)
    assert first != small_world(worm, seed=4, n_references=2, lattice_niter=50)


def test_small_world_separates_lattice_small_world_and_random_graphs():
    lattice = small_world(from_graph(nx.watts_strogatz_graph(60, 6, 0.0, seed=0)), seed=0)
    world = small_world(from_graph(nx.connected_watts_strogatz_graph(60, 6, 0.1, seed=0)), seed=0)
    random = small_world(from_graph(nx.gnm_random_graph(60, 180, seed=0)), seed=0)
    assert lattice["omega"] < -0.3
    assert abs(world["omega"]) < 0.25 and world["sigma"] > 2
    assert random["omega"] > 0.4 and 0.7 < random["sigma"] < 1.4


def test_small_world_sigma_agrees_with_networkx_on_a_small_graph():
    graph = nx.connected_watts_strogatz_graph(24, 4, 0.1, seed=2)
    ours = np.mean(
        [small_world(from_graph(graph), seed=s, lattice_niter=0)["sigma"] for s in range(3)]
    )
    reference = nx.sigma(graph, niter=5, nrand=6, seed=0)
    print(f"\nsigma ours {ours:.3f}, networkx {reference:.3f}")
    assert ours == pytest.approx(reference, rel=0.2)


@pytest.mark.parametrize(
    "kwargs", [{"seed": -1}, {"seed": 0, "n_references": 0}, {"seed": 0, "niter": 1.5}]
)
def test_small_world_rejects_bad_arguments(worm, kwargs):
    with pytest.raises(ConfigurationError):
        small_world(worm, **kwargs)


def test_small_world_of_a_graph_without_triangles_is_nan_not_an_error():
    result = small_world(from_graph(nx.star_graph(7)), seed=0, n_references=2)  # no swap applies
    assert np.isnan(result["sigma"]) and np.isnan(result["omega"])
    assert result["path_length"] == pytest.approx((7 * 1 + 21 * 2) / 28)


# --- roles ---------------------------------------------------------------------
@pytest.mark.parametrize("synapses", ["all", "chemical", "electrical"])
def test_role_mixing_counts_directed_edges_by_role(worm, synapses):
    graph = directed_graph(worm, synapses)
    roles = nx.get_node_attributes(graph, "role")
    expected = Counter((roles[u], roles[v]) for u, v in graph.edges())
    mixing = role_mixing(worm, synapses)
    assert list(mixing.index) == ["S", "I", "M"] and list(mixing.columns) == ["S", "I", "M"]
    for (pre, post), count in expected.items():
        assert mixing.loc[pre, post] == count
    assert mixing.to_numpy().sum() == worm.mask(synapses).sum()


def test_role_assortativity_equals_networkx(worm):
    graph = directed_graph(worm)
    assert role_assortativity(worm) == pytest.approx(
        nx.attribute_assortativity_coefficient(graph, "role")
    )


def test_homophily_is_consistent_with_assortativity(worm):
    result = homophily(worm)
    mixing = role_mixing(worm).to_numpy()
    assert result["observed"] == pytest.approx(np.trace(mixing) / mixing.sum())
    assert result["ratio"] == pytest.approx(result["observed"] / result["expected"])
    assortativity = (result["observed"] - result["expected"]) / (1 - result["expected"])
    assert assortativity == pytest.approx(role_assortativity(worm))
    assert result["ratio"] > 1


def test_role_metrics_of_a_single_role_graph():
    c = Connectome(("a", "b", "c"), ("I",) * 3, 1.0 - np.eye(3), np.zeros((3, 3)))
    assert homophily(c) == {"observed": 1.0, "expected": 1.0, "ratio": 1.0}
    assert np.isnan(role_assortativity(c))


# --- dyads and paths -------------------------------------------------------------
def test_dyad_census_on_the_worm(worm):
    census = dyad_census(worm)
    assert sum(census.values()) == 279 * 278 // 2
    graph = directed_graph(worm, "chemical")
    graph.remove_edges_from(list(nx.selfloop_edges(graph)))
    mutual, asymmetric = census["mutual"], census["asymmetric"]
    assert nx.reciprocity(graph) == pytest.approx(2 * mutual / (2 * mutual + asymmetric))
    assert 2 * mutual + asymmetric == graph.number_of_edges()


@PROPERTY
@given(c=small_connectomes())
def test_dyads_and_two_hop_paths_match_brute_force(c):
    mask = c.mask("all")
    n = c.num_neurons
    pairs = [(mask[i, j], mask[j, i]) for i, j in itertools.combinations(range(n), 2)]
    census = dyad_census(c, synapses="all")
    assert census["mutual"] == sum(a and b for a, b in pairs)
    assert census["asymmetric"] == sum(a != b for a, b in pairs)
    assert census["null"] == sum(not (a or b) for a, b in pairs)
    expected = Counter(
        f"{c.roles[a]}->{c.roles[b]}->{c.roles[z]}"
        for a, b, z in itertools.permutations(range(n), 3)
        if mask[a, b] and mask[b, z]
    )
    paths = two_hop_paths(c)
    assert len(paths) == 27
    assert paths.to_dict() == {label: expected.get(label, 0) for label in paths.index}


def test_two_hop_paths_on_the_worm(worm):
    paths = two_hop_paths(worm)
    mask = worm.mask("all").copy()
    np.fill_diagonal(mask, False)
    walks = int((mask.sum(0) * mask.sum(1)).sum())
    assert paths.sum() == walks - int((mask & mask.T).sum())
    sensory, inter, motor = (worm.role_indices(r) for r in "SIM")
    m = mask.astype(int)
    assert paths["S->I->M"] == (m[np.ix_(sensory, inter)] @ m[np.ix_(inter, motor)]).sum()


# --- summaries -------------------------------------------------------------------
def test_graph_metrics_and_compare(worm):
    metrics = graph_metrics(worm, seed=0, n_references=2)
    assert metrics["neurons"] == 279 and metrics["directed_edges"] == 2993
    assert metrics["density"] == pytest.approx(nx.density(directed_graph(worm)))
    assert metrics["mutual_dyads"] == dyad_census(worm)["mutual"]
    assert metrics["paths_S->I->M"] == two_hop_paths(worm)["S->I->M"]
    assert all(np.isfinite(v) for v in metrics.values())
    table = compare({"worm": worm, "er": erdos_renyi(worm, seed=0)}, seed=0, n_references=2)
    assert isinstance(table, pd.DataFrame) and list(table.index) == ["worm", "er"]
    assert table.loc["worm", "sigma"] == pytest.approx(metrics["sigma"])
    assert table.loc["er", "clustering"] < table.loc["worm", "clustering"]
    assert table.loc["er", "chemical_edges"] == 2194


def test_compare_rejects_bad_input(worm):
    with pytest.raises(ConfigurationError):
        compare({})
    with pytest.raises(ConfigurationError, match="compare\\['x'\\]"):
        compare({"x": worm.chemical.toarray()})
