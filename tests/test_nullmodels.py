"""Null models: invariants, determinism, edge counts and argument checks."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_profiles import budget

from elegans_keras.checks import MAX_SEED
from elegans_keras.connectome.core import Connectome
from elegans_keras.connectome.nullmodels import (
    NULL_MODELS,
    barabasi_albert,
    degree_preserving,
    erdos_renyi,
    make_null_model,
    rewire,
    shuffle_weights,
    swap_edges,
    watts_strogatz,
)
from elegans_keras.errors import ConfigurationError

FAMILIES = {
    "rewire": {"p": 0.2},
    "degree_preserving": {},
    "erdos_renyi": {},
    "watts_strogatz": {"p": 0.1},
    "barabasi_albert": {},
    "shuffle_weights": {},
}
GENERATED = ("erdos_renyi", "watts_strogatz", "barabasi_albert")


@pytest.fixture(scope="module")
def nulls(worm: Connectome) -> dict[str, Connectome]:
    return {family: make_null_model(worm, family, seed=3, **p) for family, p in FAMILIES.items()}


def sorted_counts(matrix: np.ndarray, upper: bool = False) -> np.ndarray:
    values = np.triu(matrix) if upper else matrix
    return np.sort(values[values > 0])


def undirected_degrees(c: Connectome) -> np.ndarray:
    mask = c.mask("all")
    simple = mask | mask.T
    np.fill_diagonal(simple, False)
    return simple.sum(axis=1)


def test_registry_lists_every_family():
    assert set(NULL_MODELS) == set(FAMILIES)


@pytest.mark.parametrize("family", FAMILIES)
def test_keeps_neurons_and_roles(worm, nulls, family):
    null = nulls[family]
    assert null.names == worm.names
    assert null.roles == worm.roles
    assert null.attributes == worm.attributes
    assert null.name.startswith(f"{worm.name}/{family}(") and "seed=3" in null.name
    assert np.array_equal(null.electrical.toarray(), null.electrical.toarray().T)


@pytest.mark.parametrize("family", FAMILIES)
def test_deterministic_for_a_seed_and_different_across_seeds(worm, nulls, family):
    params = FAMILIES[family]
    again = make_null_model(worm, family, seed=3, **params)
    other = make_null_model(worm, family, seed=4, **params)
    assert np.array_equal(again.chemical.toarray(), nulls[family].chemical.toarray())
    assert np.array_equal(again.electrical.toarray(), nulls[family].electrical.toarray())
    assert other.fingerprint != nulls[family].fingerprint
    assert nulls[family].fingerprint != worm.fingerprint


@pytest.mark.parametrize("family", FAMILIES)
def test_edge_counts_per_type_match_the_original(worm, nulls, family):
    assert nulls[family].num_edges("chemical") == worm.num_edges("chemical") == 2194
    assert nulls[family].num_edges("electrical") == worm.num_edges("electrical") == 517


@pytest.mark.parametrize("family", GENERATED)
def test_generated_graphs_have_no_self_loops_and_draw_original_counts(worm, nulls, family):
    null = nulls[family]
    assert not np.diag(null.chemical.toarray()).any()
    assert not np.diag(null.electrical.toarray()).any()
    drawn = null.chemical.toarray()
    assert set(np.unique(drawn[drawn > 0])) <= set(np.unique(worm.chemical.toarray()))
    drawn = null.electrical.toarray()
    assert set(np.unique(drawn[drawn > 0])) <= set(np.unique(worm.electrical.toarray()))


@pytest.mark.parametrize("allow_self_loops", [False, True])
def test_rewire_with_p_zero_is_the_identity(worm, allow_self_loops):
    null = rewire(worm, p=0.0, seed=5, allow_self_loops=allow_self_loops)
    assert np.array_equal(null.chemical.toarray(), worm.chemical.toarray())
    assert np.array_equal(null.electrical.toarray(), worm.electrical.toarray())


def test_rewire_keeps_pre_neurons_and_their_counts(worm):
    null = rewire(worm, p=0.5, seed=0)
    for row in (0, 50, 120, 278):
        assert np.array_equal(
            sorted_counts(null.chemical.toarray()[row]), sorted_counts(worm.chemical.toarray()[row])
        )
    assert np.array_equal(
        sorted_counts(null.electrical.toarray(), upper=True),
        sorted_counts(worm.electrical.toarray(), upper=True),
    )


def test_rewire_moves_about_a_fraction_p_of_edges(worm):
    null = rewire(worm, p=0.5, seed=0)
    moved = np.count_nonzero(worm.mask("chemical") & ~null.mask("chemical")) / 2194
    assert abs(moved - 0.5) < 0.05  # binomial sd 0.011 on 2194 edges


def test_rewire_self_loops(worm):
    original_loops = np.diag(worm.electrical.toarray()) > 0
    partial = rewire(worm, p=0.2, seed=1)
    assert not np.diag(partial.chemical.toarray()).any()
    assert not (np.diag(partial.electrical.toarray()) > 0)[~original_loops].any()
    full = rewire(worm, p=1.0, seed=1)
    assert not np.diag(full.chemical.toarray()).any()
    assert not np.diag(full.electrical.toarray()).any()
    assert full.num_edges("electrical") == 517
    loopy = rewire(worm, p=1.0, seed=1, allow_self_loops=True)
    assert np.diag(loopy.chemical.toarray()).any()


def test_degree_preserving_keeps_degree_sequences(worm, nulls):
    null = nulls["degree_preserving"]
    for axis in (0, 1):
        assert np.array_equal(null.mask("chemical").sum(axis), worm.mask("chemical").sum(axis))
    assert np.array_equal(null.mask("electrical").sum(1), worm.mask("electrical").sum(1))
    assert np.array_equal(np.diag(null.electrical.toarray()), np.diag(worm.electrical.toarray()))
    assert np.array_equal(
        sorted_counts(null.chemical.toarray()), sorted_counts(worm.chemical.toarray())
    )
    kept = np.count_nonzero(null.mask("chemical") & worm.mask("chemical"))
    assert kept < 0.5 * 2194


def test_degree_preserving_with_no_swaps_is_the_identity(worm):
    null = degree_preserving(worm, seed=0, swaps=0)
    assert np.array_equal(null.chemical.toarray(), worm.chemical.toarray())
    assert np.array_equal(null.electrical.toarray(), worm.electrical.toarray())


def test_shuffle_weights_keeps_masks_and_count_multisets(worm, nulls):
    null = nulls["shuffle_weights"]
    for kind in ("chemical", "electrical"):
        assert np.array_equal(null.mask(kind), worm.mask(kind))
    assert np.array_equal(
        sorted_counts(null.chemical.toarray()), sorted_counts(worm.chemical.toarray())
    )
    assert np.array_equal(
        sorted_counts(null.electrical.toarray(), upper=True),
        sorted_counts(worm.electrical.toarray(), upper=True),
    )
    assert not np.array_equal(null.chemical.toarray(), worm.chemical.toarray())


def test_watts_strogatz_lattice_and_random_limits(worm):
    lattice = watts_strogatz(worm, seed=0, p=0.0)
    degrees = undirected_degrees(lattice)
    assert degrees.max() - degrees.min() <= 2  # whole shells plus one partial shell
    rewired = watts_strogatz(worm, seed=0, p=1.0)
    lattice_graph = nx.from_numpy_array(lattice.mask("all") | lattice.mask("all").T)
    random_graph = nx.from_numpy_array(rewired.mask("all") | rewired.mask("all").T)
    assert nx.average_clustering(lattice_graph) > 3 * nx.average_clustering(random_graph)


def test_barabasi_albert_has_hubs(worm, nulls):
    degrees = undirected_degrees(nulls["barabasi_albert"])
    assert degrees.max() > 3 * degrees.mean()
    assert degrees.max() > 2 * undirected_degrees(nulls["watts_strogatz"]).max()


def test_make_null_model_matches_direct_calls(worm):
    assert make_null_model(worm, "erdos_renyi", seed=9) == erdos_renyi(worm, seed=9)
    assert make_null_model(worm, "barabasi_albert", seed=9) == barabasi_albert(worm, seed=9)
    assert make_null_model(worm, "rewire", seed=9, p=0.3) == rewire(worm, seed=9, p=0.3)


def test_make_null_model_rejects_unknown_names_and_parameters(worm):
    with pytest.raises(ConfigurationError, match="rewire, degree_preserving"):
        make_null_model(worm, "small_world", seed=0)
    with pytest.raises(ConfigurationError, match="parameters are"):
        make_null_model(worm, "erdos_renyi", seed=0, p=0.1)
    with pytest.raises(ConfigurationError):
        make_null_model(worm, "rewire", seed=0)


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan"), "0.5", True, None])
def test_bad_probability(worm, p):
    with pytest.raises(ConfigurationError, match="p=.*expected a number in"):
        rewire(worm, p=p, seed=0)
    with pytest.raises(ConfigurationError, match="p=.*expected a number in"):
        watts_strogatz(worm, seed=0, p=p)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("seed", [-1, 1.5, "3", None, True])
def test_bad_seed(worm, family, seed):
    with pytest.raises(ConfigurationError, match="seed"):
        make_null_model(worm, family, seed=seed, **FAMILIES[family])


@pytest.mark.parametrize("swaps", [-1, 2.5, "10", False])
def test_bad_swaps(worm, swaps):
    with pytest.raises(ConfigurationError, match="swaps"):
        degree_preserving(worm, seed=0, swaps=swaps)


@pytest.mark.parametrize("family", FAMILIES)
def test_rejects_non_connectomes(family):
    with pytest.raises(ConfigurationError, match="expected a Connectome"):
        make_null_model(np.zeros((3, 3)), family, seed=0, **FAMILIES[family])


def tiny(chemical: np.ndarray, electrical: np.ndarray) -> Connectome:
    n = chemical.shape[0]
    roles = tuple("SIM"[i % 3] for i in range(n))
    return Connectome(tuple(f"n{i}" for i in range(n)), roles, chemical, electrical, name="tiny")


def test_impossible_generated_graphs_raise():
    chain = tiny(np.eye(6, k=1) * 2, np.zeros((6, 6)))  # 5 edges: the fewest BA allows on 6
    assert barabasi_albert(chain, seed=0).num_edges("chemical") == 5
    with pytest.raises(ConfigurationError, match="too few"):
        barabasi_albert(chain.replace(chemical=np.eye(6, k=3)), seed=0)
    electrical = np.array([[1.0, 1.0], [1.0, 0.0]])  # a pair and a self-loop on 2 neurons
    crowded = tiny(np.zeros((2, 2)), electrical)
    with pytest.raises(ConfigurationError, match="cannot place 2 unordered pairs"):
        erdos_renyi(crowded, seed=0)
    with pytest.raises(ConfigurationError, match="do not fit"):
        watts_strogatz(crowded, seed=0)
    dense = tiny(1.0 - np.eye(7), np.zeros((7, 7)))
    with pytest.raises(ConfigurationError, match="too many"):
        barabasi_albert(dense, seed=0)


def test_swap_edges_matches_networkx_double_edge_swap_statistics():
    graph = nx.connected_watts_strogatz_graph(30, 6, 0.1, seed=1)
    u, v = np.array(graph.edges()).T
    rng = np.random.default_rng(0)
    ours = []
    for _ in range(40):
        a, b = swap_edges(u, v, 30, 10 * u.size, rng, directed=False)
        ours.append(nx.transitivity(nx.Graph(zip(a.tolist(), b.tolist()))))
    reference = []
    for seed in range(40):
        swapped = graph.copy()
        nx.double_edge_swap(swapped, nswap=5 * u.size, max_tries=10**6, seed=seed)
        reference.append(nx.transitivity(swapped))
    assert abs(np.mean(ours) - np.mean(reference)) < 0.015  # sd of each mean ~0.004


@st.composite
def small_connectomes(draw) -> Connectome:
    n = draw(st.integers(4, 9))
    cells = st.lists(st.sampled_from([0, 0, 0, 1, 2, 5]), min_size=n * n, max_size=n * n)
    chemical = np.array(draw(cells), dtype=float).reshape(n, n)
    gaps = np.triu(np.array(draw(cells), dtype=float).reshape(n, n))
    return tiny(chemical, gaps + np.triu(gaps, 1).T)


PROPERTY = settings(
    max_examples=budget(40), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY
@given(c=small_connectomes(), p=st.floats(0, 1), seed=st.integers(0, MAX_SEED))
def test_rewire_invariants_on_small_graphs(c, p, seed):
    null = rewire(c, p=p, seed=seed)
    assert null.num_edges("chemical") == c.num_edges("chemical")
    assert null.num_edges("electrical") == c.num_edges("electrical")
    assert np.array_equal(null.chemical.toarray().sum(1), c.chemical.toarray().sum(1))
    assert np.array_equal(
        sorted_counts(null.electrical.toarray(), True), sorted_counts(c.electrical.toarray(), True)
    )
    new_loops = (np.diag(null.chemical.toarray()) > 0) & ~(np.diag(c.chemical.toarray()) > 0)
    assert not new_loops.any()


@PROPERTY
@given(c=small_connectomes(), seed=st.integers(0, MAX_SEED), swaps=st.integers(0, 60))
def test_degree_preserving_invariants_on_small_graphs(c, seed, swaps):
    null = degree_preserving(c, seed=seed, swaps=swaps)
    for axis in (0, 1):
        assert np.array_equal(null.mask("chemical").sum(axis), c.mask("chemical").sum(axis))
    assert np.array_equal(null.mask("electrical").sum(1), c.mask("electrical").sum(1))
    assert np.array_equal(np.diag(null.chemical.toarray()), np.diag(c.chemical.toarray()))
    assert np.array_equal(
        sorted_counts(null.chemical.toarray()), sorted_counts(c.chemical.toarray())
    )


@PROPERTY
@given(c=small_connectomes(), seed=st.integers(0, MAX_SEED))
def test_shuffle_and_erdos_renyi_on_small_graphs(c, seed):
    shuffled = shuffle_weights(c, seed=seed)
    assert np.array_equal(shuffled.mask(), c.mask())
    assert np.array_equal(
        sorted_counts(shuffled.chemical.toarray()), sorted_counts(c.chemical.toarray())
    )
    n = c.num_neurons
    if c.num_edges("chemical") <= n * (n - 1) and c.num_edges("electrical") <= n * (n - 1) // 2:
        null = erdos_renyi(c, seed=seed)
        assert null.num_edges("chemical") == c.num_edges("chemical")
        assert null.num_edges("electrical") == c.num_edges("electrical")
