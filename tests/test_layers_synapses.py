"""layers.synapses: one value per synapse pair, initial values from counts and transmitters."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.sparse as sp

from elegans_keras import ConfigurationError, ConnectomeError
from elegans_keras.connectome.nullmodels import shuffle_weights
from elegans_keras.layers.synapses import (
    inhibitory_neurons,
    initial_values,
    scale_values,
    starting_values,
    synapses_of,
    tie_values,
    unit_incoming,
)

GABAERGIC = {
    *(f"DD{i:02d}" for i in range(1, 7)),
    *(f"VD{i:02d}" for i in range(1, 14)),
    "RMED",
    "RMEL",
    "RMER",
    "RMEV",
    "AVL",
    "DVB",
    "RIS",
}


def radius(syn, values) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(syn.matrix(values).toarray()))))


# --- the synapses of a wiring -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "values", "entries"),
    [("all", 2194 + 517, 2993), ("chemical", 2194, 2194), ("electrical", 517, 2 * 517 - 3)],
)
def test_one_value_per_synapse_pair(worm, kind, values, entries):
    syn = synapses_of(worm, kind)
    assert syn.num_values == values and syn.num_entries == entries
    assert (syn.num_pre, syn.num_post) == (279, 279)
    mask = np.zeros((279, 279), dtype=bool)
    mask[syn.pre, syn.post] = True
    np.testing.assert_array_equal(mask, worm.mask(kind))
    keys = syn.pre.astype(np.int64) * 279 + syn.post
    assert np.all(np.diff(keys) > 0)  # unique, sorted by (pre, post)
    assert syn.chemical.sum() == (2194 if kind != "electrical" else 0)


def test_gap_junctions_share_one_value_and_mixed_pairs_sum_two(worm):
    syn = synapses_of(worm, "all")
    uses = np.bincount(syn.value_index, minlength=syn.num_values)
    assert np.all(uses[syn.chemical] == 1)
    # 517 gap junctions: 514 used in both directions, 3 self-gaps used once
    assert np.sum(uses[~syn.chemical] == 2) == 514 and np.sum(uses[~syn.chemical] == 1) == 3
    for value in np.flatnonzero(~syn.chemical)[:50]:
        entries = syn.entry_index[syn.value_index == value]
        pairs = {(int(syn.pre[e]), int(syn.post[e])) for e in entries}
        i, j = next(iter(pairs))
        assert pairs == {(i, j), (j, i)}
    contributions = np.bincount(syn.entry_index, minlength=syn.num_entries)
    both = worm.mask("chemical") & worm.mask("electrical")
    assert np.sum(contributions == 2) == both.sum() > 0


def test_values_set_to_counts_rebuild_the_count_matrix(worm):
    syn = synapses_of(worm, "all")
    matrix = syn.matrix(syn.counts).toarray()
    np.testing.assert_array_equal(matrix, worm.adjacency("all"))
    chemical = synapses_of(worm, "chemical")
    np.testing.assert_array_equal(
        chemical.matrix(chemical.counts).toarray(), worm.chemical.toarray()
    )
    presynaptic_is_pre = chemical.presynaptic == chemical.pre
    assert presynaptic_is_pre.all()


def test_plain_masks_are_one_to_one():
    counts = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 5.0]])
    syn = synapses_of(counts)
    assert syn.one_to_one and (syn.num_pre, syn.num_post) == (2, 3)
    np.testing.assert_array_equal(syn.counts, [2.0, 1.0, 5.0])
    np.testing.assert_array_equal(syn.matrix(syn.counts).toarray(), counts)
    np.testing.assert_array_equal(synapses_of(sp.csr_array(counts)).counts, syn.counts)


@pytest.mark.parametrize(
    ("wiring", "kind", "message"),
    [
        ("mask", "chemical", "synapses='chemical' needs a Connectome"),
        ("worm", "gap", "synapses='gap'"),
    ],
)
def test_bad_synapse_kinds(worm, wiring, kind, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        synapses_of(np.eye(3) if wiring == "mask" else worm, kind)


# --- initial values --------------------------------------------------------------------------
def test_count_magnitudes_are_log1p_of_the_counts(worm):
    syn = synapses_of(worm, "all")
    values = initial_values(syn, worm, "count", "random", 0, "test")
    np.testing.assert_allclose(np.abs(values), np.log1p(syn.counts), rtol=1e-12)
    assert syn.counts.max() > 10 * syn.counts.min()  # counts do vary: the check has teeth


def test_random_signs_are_balanced_seeded_and_independent_of_counts(worm):
    syn = synapses_of(worm, "all")
    first = initial_values(syn, worm, "count", "random", 3, "test")
    again = initial_values(syn, worm, "count", "random", 3, "test")
    other = initial_values(syn, worm, "count", "random", 4, "test")
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(np.sign(first), np.sign(other))
    negative = np.mean(first < 0)
    assert 0.45 < negative < 0.55  # 2711 fair coins: 5 standard deviations
    np.testing.assert_array_equal(np.abs(first), np.abs(other))


def test_random_magnitudes_ignore_the_counts(worm):
    syn = synapses_of(worm, "all")
    values = initial_values(syn, worm, "random", "random", 5, "test")
    np.testing.assert_array_equal(values, initial_values(syn, worm, "random", "random", 5, "test"))
    magnitudes = np.abs(values)
    assert np.all(magnitudes > 0)
    assert abs(np.corrcoef(magnitudes, np.log1p(syn.counts))[0, 1]) < 0.1
    # |N(0, 1)| has mean sqrt(2 / pi)
    assert abs(magnitudes.mean() - np.sqrt(2 / np.pi)) < 0.05


def test_gabaergic_neurons_are_the_documented_26(worm):
    inhibitory = inhibitory_neurons(worm, "test")
    assert inhibitory.sum() == 26
    assert {worm.names[i] for i in np.flatnonzero(inhibitory)} == GABAERGIC


@pytest.mark.parametrize("weights", ["count", "random"])
def test_neurotransmitter_signs_follow_dales_principle(worm, weights):
    syn = synapses_of(worm, "all")
    values = initial_values(syn, worm, weights, "neurotransmitter", 6, "test")
    gaba = np.array([worm.names[p] in GABAERGIC for p in syn.presynaptic])
    expected_negative = syn.chemical & gaba
    np.testing.assert_array_equal(values < 0, expected_negative)
    assert np.all(values[~expected_negative] > 0)
    assert np.all(values[~syn.chemical] > 0)  # gap junctions, even from GABAergic neurons
    assert (gaba & ~syn.chemical).any()
    pre, _, _ = worm.edges("chemical")
    from_gaba = sum(worm.names[p] in GABAERGIC for p in pre)
    # 76 chemical pairs leave a GABAergic neuron (the initial_values docstring says 164: stale)
    assert expected_negative.sum() == from_gaba == 76


def test_neurotransmitter_signs_need_the_attribute(worm):
    bare = worm.replace(attributes={}, name="bare")
    syn = synapses_of(bare, "all")
    with pytest.raises(ConfigurationError, match="'neurotransmitters' attribute"):
        initial_values(syn, bare, "count", "neurotransmitter", 0, "test")
    with pytest.raises(ConfigurationError, match="needs a Connectome"):
        initial_values(synapses_of(np.eye(3)), np.eye(3), "count", "neurotransmitter", 0, "test")


@pytest.mark.parametrize(("argument", "value"), [("weights", "log"), ("signs", "dale")])
def test_bad_rules_name_their_argument(worm, argument, value):
    rules = {"weights": "count", "signs": "random", argument: value}
    with pytest.raises(ConfigurationError, match=re.escape(f"{argument}={value!r}")):
        initial_values(synapses_of(worm), worm, rules["weights"], rules["signs"], 0, "test")


# --- scaling -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "rho"), [("all", 0.9), ("chemical", 1.3), ("electrical", 0.5)])
def test_spectral_scaling_is_exact_and_global(worm, kind, rho):
    syn = synapses_of(worm, kind)
    values = starting_values(syn, worm, "count", "random", 7, rho, "test")
    assert abs(radius(syn, values) - rho) < 1e-6
    ratio = np.abs(values) / np.log1p(syn.counts)
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-10)  # one global scale


def test_unit_incoming_norms(worm):
    chemical = synapses_of(worm, "chemical")
    values = starting_values(chemical, worm, "count", "random", 8, None, "test")
    matrix = chemical.matrix(values).toarray()
    norms = np.linalg.norm(matrix, axis=0)
    has_inputs = worm.mask("chemical").any(axis=0)
    np.testing.assert_allclose(norms[has_inputs], 1.0, rtol=1e-12)
    assert np.all(norms[~has_inputs] == 0.0)
    column = int(np.argmax(worm.mask("chemical").sum(axis=0)))
    expected = np.log1p(worm.chemical.toarray()[:, column])
    np.testing.assert_allclose(
        np.abs(matrix[:, column]), expected / np.linalg.norm(expected), rtol=1e-12
    )


def test_unit_incoming_keeps_gap_junction_values_shared(worm):
    electrical = synapses_of(worm, "electrical")
    values = starting_values(electrical, worm, "count", "random", 8, None, "test")
    matrix = electrical.matrix(values).toarray()
    np.testing.assert_array_equal(matrix, matrix.T)
    norms = np.linalg.norm(matrix, axis=0)
    assert norms.max() <= 1.0 + 1e-12 and np.sum(np.isclose(norms, 1.0)) >= 10


@pytest.mark.parametrize("seed", [0, 2])
def test_unit_incoming_norms_never_exceed_one_with_mixed_pairs(worm, seed):
    everything = synapses_of(worm, "all")
    values = starting_values(everything, worm, "count", "random", seed, None, "test")
    norms = np.linalg.norm(everything.matrix(values).toarray(), axis=0)
    assert norms.max() <= 1.0 + 1e-12


def test_unit_incoming_by_hand():
    syn = synapses_of(np.array([[3.0, 0.0], [4.0, 1.0]]))
    np.testing.assert_allclose(unit_incoming(syn, np.array([3.0, 4.0, 2.0])), [0.6, 0.8, 1.0])


def test_nonneg_drops_the_signs(worm):
    syn = synapses_of(worm, "all")
    values = starting_values(syn, worm, "count", "random", 9, 0.9, "test", nonneg=True)
    assert np.all(values > 0) and abs(radius(syn, values) - 0.9) < 1e-6


def test_scaling_refusals():
    acyclic = synapses_of(np.triu(np.ones((4, 4)), k=1))
    with pytest.raises(ConnectomeError, match="no cycle"):
        scale_values(acyclic, np.ones(acyclic.num_values), 0.9, "test")
    rectangular = synapses_of(np.ones((3, 2)))
    with pytest.raises(ConfigurationError, match="square"):
        scale_values(rectangular, np.ones(6), 0.9, "test")


# --- value sharing ---------------------------------------------------------------------------
def test_tie_values_groups_the_entries(worm):
    syn = synapses_of(worm, "all")
    tied = tie_values(syn, 100, seed=0)
    assert tied.num_values == 100 and tied.num_entries == syn.num_entries
    members = np.bincount(tied.value_index, minlength=100)
    assert members.min() >= syn.num_entries // 100 and members.max() <= syn.num_entries // 100 + 1
    entry_counts = np.bincount(
        syn.entry_index, weights=syn.counts[syn.value_index], minlength=syn.num_entries
    )
    expected = np.bincount(tied.value_index, weights=entry_counts, minlength=100) / members
    np.testing.assert_allclose(tied.counts, expected)
    np.testing.assert_array_equal(tie_values(syn, 100, seed=0).value_index, tied.value_index)
    assert not np.array_equal(tie_values(syn, 100, seed=1).value_index, tied.value_index)
    values = np.random.default_rng(0).normal(size=100)
    np.testing.assert_array_equal(tied.entry_values(values), values[tied.value_index])


@pytest.mark.parametrize("groups", [0, 2994])
def test_tie_values_refuses_impossible_groups(worm, groups):
    with pytest.raises(ConfigurationError, match=f"shared_values={groups}"):
        tie_values(synapses_of(worm, "all"), groups, seed=0)


# --- counts enter the model: the shuffle_weights null model -------------------------------------
def test_shuffled_counts_change_count_weights_but_not_random_ones(worm):
    null = shuffle_weights(worm, seed=0)
    np.testing.assert_array_equal(null.mask("all"), worm.mask("all"))
    syn, null_syn = synapses_of(worm, "all"), synapses_of(null, "all")
    np.testing.assert_array_equal(syn.pre, null_syn.pre)
    np.testing.assert_array_equal(syn.post, null_syn.post)
    for weights, same in (("count", False), ("random", True)):
        ours = starting_values(syn, worm, weights, "random", 10, 0.9, "test")
        theirs = starting_values(null_syn, null, weights, "random", 10, 0.9, "test")
        assert np.array_equal(ours, theirs) is same, weights
    ours = initial_values(syn, worm, "count", "random", 10, "test")
    theirs = initial_values(null_syn, null, "count", "random", 10, "test")
    np.testing.assert_array_equal(np.sort(np.abs(ours)), np.sort(np.abs(theirs)))  # a permutation
    assert np.mean(np.abs(ours) != np.abs(theirs)) > 0.3


def test_count_matrix_needs_no_connectome_for_count_weights():
    counts = np.array([[0.0, 9.0], [1.0, 0.0]])
    syn = synapses_of(counts)
    values = starting_values(syn, counts, "count", "random", 0, 1.0, "test")
    np.testing.assert_allclose(np.abs(values[0]) / np.abs(values[1]), np.log(10) / np.log(2))
