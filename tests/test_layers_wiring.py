"""The layers' helpers: wiring arguments and their JSON form, neuron selection, spectra."""

from __future__ import annotations

import json

import numpy as np
import pytest

from elegans_keras import ConfigurationError, ConnectomeError, load_connectome
from elegans_keras.layers.masks import (
    resolve_wiring,
    select_neurons,
    wiring_config,
    wiring_counts,
)
from elegans_keras.layers.spectral import (
    scale_to_spectral_radius,
    spectral_radius,
    synaptic_matrix,
)



def test_connectome_config_round_trips_to_the_same_connectome(worm):
    config = json.loads(json.dumps(wiring_config(worm)))
    restored = resolve_wiring(config, "test")
    assert restored.fingerprint == worm.fingerprint
    assert restored.roles == worm.roles
    assert len(config["chemical"]["pairs"]) == 2194


def test_mask_config_round_trips_counts():
    counts = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 5.0]])
    config = json.loads(json.dumps(wiring_config(counts)))
    np.testing.assert_array_equal(resolve_wiring(config, "test"), counts)
    boolean = wiring_config(counts > 0)
    assert "counts" not in boolean
    np.testing.assert_array_equal(resolve_wiring(boolean, "test"), counts > 0)


def test_bundled_names_resolve(worm):
    assert resolve_wiring("celegans_herm", "test") == worm


def test_counts_follow_the_synapse_kind(worm):
    np.testing.assert_array_equal(wiring_counts(worm, "chemical", "test"), worm.chemical)
    np.testing.assert_array_equal(
        wiring_counts(worm, "all", "test"), worm.chemical + worm.electrical
    )


def test_malformed_config_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="malformed wiring config"):
        resolve_wiring({"pairs": [[0, 1]]}, "test")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("all", 279), ("S", 98), ("SI", 190), ("m", 89), ([3, 1, 2], 3), (np.arange(5), 5)],
)
def test_neuron_selections(worm, spec, expected):
    chosen = select_neurons(spec, worm, "input_neurons", "test")
    assert len(chosen) == expected and chosen == sorted(chosen)


@pytest.mark.parametrize(
    ("spec", "message"),
    [("", "input_neurons=''"), ([1, 1], "repeats"), ([0.5], "integer"), ([-1], "index -1")],
)
def test_bad_neuron_selections(worm, spec, message):
    with pytest.raises(ConfigurationError, match=message):
        select_neurons(spec, worm, "input_neurons", "test")


def test_roles_need_a_connectome():
    with pytest.raises(ConfigurationError, match="needs a"):
        select_neurons("S", np.ones((3, 3)), "input_neurons", "test")


def test_synaptic_matrix_is_reproducible_and_on_support(worm):
    first = synaptic_matrix(worm.chemical, "random", np.random.default_rng(0))
    second = synaptic_matrix(worm.chemical, "random", np.random.default_rng(0))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first != 0, worm.mask("chemical"))


def test_spectral_scaling_is_exact_and_refuses_acyclic_graphs(worm):
    scaled = scale_to_spectral_radius(worm.adjacency(), 0.95, "test")
    assert abs(spectral_radius(scaled) - 0.95) < 1e-12
    chain = np.diag(np.ones(30), k=1)
    with pytest.raises(ConnectomeError, match="no cycle"):
        scale_to_spectral_radius(chain, 0.9, "test")
