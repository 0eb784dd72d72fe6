"""ConnectomeDense: one trainable value per synapse pair, the propagation formula, initial values,
training on the synapses only and argument checks
(saving and seeds: test_layers_saving.py and test_layers_seeds.py)."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
from layer_helpers import numpy

from elegans_keras import ConfigurationError, ConnectomeError
from elegans_keras.connectome.nullmodels import shuffle_weights
from elegans_keras.layers import ConnectomeDense
from elegans_keras.layers.synapses import inhibitory_neurons, synapses_of

VALUES = {"all": 2194 + 517, "chemical": 2194, "electrical": 517}


def small_mask(seed: int = 0, shape: tuple[int, int] = (6, 5)) -> np.ndarray:
    mask = np.random.default_rng(seed).random(shape) < 0.4
    mask[0, 0] = True
    return mask


def built(layer: ConnectomeDense, shape: tuple) -> ConnectomeDense:
    layer.build(shape)
    return layer


def radius(matrix: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


# --- parameters are the synapses ------------------------------------------------------------
@pytest.mark.parametrize("synapses", ["all", "chemical", "electrical"])
def test_count_params_counts_live_synapses(worm, synapses):
    layer = built(ConnectomeDense(worm, synapses=synapses, seed=0), (None, 279))
    assert layer.synapse_values.shape == (VALUES[synapses],)
    assert layer.count_params() == VALUES[synapses] + 279
    assert sorted(w.name for w in layer.trainable_weights) == ["bias", "synapse_values"]
    assert layer.non_trainable_weights == []
    no_bias = built(ConnectomeDense(worm, synapses=synapses, use_bias=False, seed=0), (None, 279))
    assert no_bias.count_params() == VALUES[synapses]
    assert [w.name for w in no_bias.trainable_weights] == ["synapse_values"]


def test_rank3_adds_only_the_feature_transform(worm):
    layer = built(ConnectomeDense(worm, features=5, seed=0), (None, 279, 3))
    assert layer.feature_kernel.shape == (3, 5) and layer.bias.shape == (5,)
    assert layer.count_params() == 2711 + 3 * 5 + 5
    same_width = built(ConnectomeDense(worm, seed=0), (None, 279, 4))
    assert same_width.feature_kernel.shape == (4, 4)


@pytest.mark.parametrize("synapses", ["all", "chemical", "electrical"])
def test_effective_kernel_lives_on_the_synapses(worm, synapses):
    layer = built(ConnectomeDense(worm, synapses=synapses, seed=1), (None, 279))
    kernel = numpy(layer.effective_kernel)
    mask = worm.mask(synapses)
    assert kernel.shape == (279, 279)
    assert np.all(kernel[~mask] == 0.0)
    # cancellation of a chemical and an electrical value is the only way to a zero on a synapse
    assert np.count_nonzero(kernel[mask]) >= mask.sum() - 50
    expected = synapses_of(worm, synapses).matrix(numpy(layer.synapse_values)).toarray()
    np.testing.assert_allclose(kernel, expected, rtol=1e-6, atol=1e-7)
    if synapses == "electrical":
        np.testing.assert_array_equal(kernel, kernel.T)


def test_plain_masks_in_every_form_agree():
    mask = small_mask(seed=8)
    for form in (mask, mask.tolist(), mask.astype(int).tolist(), mask * 3.0):
        layer = built(ConnectomeDense(form, magnitudes="random", seed=0), (None, 6))
        assert layer.synapse_values.shape == (mask.sum(),)
        kernel = numpy(layer.effective_kernel)
        np.testing.assert_array_equal(kernel != 0, mask)


# --- the formula -----------------------------------------------------------------------------
def test_rank2_is_a_masked_dense_layer():
    mask = small_mask()
    layer = ConnectomeDense(
        mask, activation="tanh", bias_initializer=keras.initializers.RandomNormal(seed=1), seed=2
    )
    x = np.random.default_rng(1).normal(size=(3, 6)).astype("float32")
    outputs = numpy(layer(x))
    kernel, bias = numpy(layer.effective_kernel), numpy(layer.bias)
    assert np.all(bias != 0)
    np.testing.assert_allclose(outputs, np.tanh(x @ kernel + bias), rtol=1e-5, atol=1e-6)
    assert outputs.shape == (3, 5) and layer.compute_output_shape((3, 6)) == (3, 5)
    # the same as keras.layers.Dense with the masked kernel
    dense = keras.layers.Dense(5, activation="tanh")
    dense.build((None, 6))
    dense.set_weights([kernel.astype("float32"), bias.astype("float32")])
    np.testing.assert_allclose(outputs, numpy(dense(x)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("features", [2, 7])  # the two orders of the product (F_out < or > F_in)
def test_rank3_matches_an_explicit_loop_over_synapses(features):
    mask = small_mask(seed=features)
    layer = ConnectomeDense(
        mask, features=features, seed=3, bias_initializer=keras.initializers.RandomNormal(seed=4)
    )
    x = np.random.default_rng(2).normal(size=(2, 6, 4)).astype("float32")
    outputs = numpy(layer(x))
    kernel, transform, bias = (
        numpy(layer.effective_kernel),
        numpy(layer.feature_kernel),
        numpy(layer.bias),
    )
    expected = np.tile(bias, (2, 5, 1))
    for pre, post in zip(*np.nonzero(mask), strict=True):
        for b in range(2):
            expected[b, post] += kernel[pre, post] * (x[b, pre] @ transform)
    assert outputs.shape == (2, 5, features)
    assert layer.compute_output_shape((2, 6, 4)) == (2, 5, features)
    np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-5)


# --- initial values --------------------------------------------------------------------------
@pytest.mark.parametrize("synapses", ["all", "chemical", "electrical"])
def test_count_weights_are_log1p_counts_up_to_one_scale(worm, synapses):
    layer = built(
        ConnectomeDense(worm, synapses=synapses, spectral_radius=1.0, seed=4), (None, 279)
    )
    values = numpy(layer.synapse_values)
    ratio = np.abs(values) / np.log1p(synapses_of(worm, synapses).counts)
    np.testing.assert_allclose(ratio, ratio.mean(), rtol=1e-6)
    assert abs(radius(numpy(layer.effective_kernel)) - 1.0) < 1e-5
    assert (values > 0).any() and (values < 0).any()


def test_default_scale_gives_unit_incoming_norms(worm):
    layer = built(ConnectomeDense(worm, synapses="chemical", seed=5), (None, 279))
    kernel = numpy(layer.effective_kernel)
    has_inputs = worm.mask("chemical").any(axis=0)
    np.testing.assert_allclose(np.linalg.norm(kernel, axis=0)[has_inputs], 1.0, rtol=1e-6)
    column = int(np.argmax(worm.mask("chemical").sum(axis=0)))
    counts = worm.chemical.toarray()[:, column]
    ratio = np.abs(kernel[counts > 0, column]) / np.log1p(counts[counts > 0])
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-6)


def test_random_weights_ignore_counts(worm):
    layer = built(
        ConnectomeDense(
            worm, synapses="chemical", magnitudes="random", spectral_radius=1.0, seed=6
        ),
        (None, 279),
    )
    ratio = np.abs(numpy(layer.synapse_values)) / np.log1p(synapses_of(worm, "chemical").counts)
    assert ratio.std() / ratio.mean() > 0.3


def test_neurotransmitter_signs_make_gabaergic_synapses_inhibitory(worm):
    layer = built(ConnectomeDense(worm, signs="neurotransmitter", seed=7), (None, 279))
    syn = layer.syn
    values = numpy(layer.synapse_values)
    gaba = inhibitory_neurons(worm, "test")
    expected = syn.chemical & gaba[syn.presynaptic]
    np.testing.assert_array_equal(values < 0, expected)
    assert expected.sum() == 76 and np.all(values[~syn.chemical] > 0)
    chemical = built(
        ConnectomeDense(worm, "chemical", signs="neurotransmitter", seed=7), (None, 279)
    )
    kernel = numpy(chemical.effective_kernel)
    np.testing.assert_array_equal(kernel < 0, worm.mask("chemical") & gaba[:, None])
    assert gaba.sum() == 26


def test_shuffled_counts_change_the_initial_values(worm):
    null = shuffle_weights(worm, seed=1)
    for weights, same in (("count", False), ("random", True)):
        ours = built(ConnectomeDense(worm, magnitudes=weights, seed=8), (None, 279))
        theirs = built(ConnectomeDense(null, magnitudes=weights, seed=8), (None, 279))
        np.testing.assert_array_equal(ours.syn.pre, theirs.syn.pre)  # the same synapses
        np.testing.assert_array_equal(ours.syn.post, theirs.syn.post)
        assert np.array_equal(numpy(ours.synapse_values), numpy(theirs.synapse_values)) is same


# --- training --------------------------------------------------------------------------------
def fit(layer: ConnectomeDense, x: np.ndarray, y: np.ndarray, optimizer=None, epochs: int = 3):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(x.shape[1:]), layer])
    model.compile(optimizer or keras.optimizers.Adam(1e-2), "mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=8, epochs=epochs, verbose=0)
    return before, model.evaluate(x, y, verbose=0)


def test_training_moves_the_synapses_and_nothing_else(worm):
    layer = ConnectomeDense(worm, activation="tanh", seed=11)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(32, 279)).astype("float32")
    y = np.tanh(x @ (rng.normal(size=(279, 279)) * worm.mask())).astype("float32")
    layer.build(x.shape)
    values_before = numpy(layer.synapse_values)
    before, after = fit(layer, x, y)
    assert after < before
    kernel = numpy(layer.effective_kernel)
    assert np.all(kernel[~worm.mask()] == 0.0)
    values_after = numpy(layer.synapse_values)
    assert values_after.shape == (2711,)
    assert np.mean(values_after != values_before) > 0.99


@pytest.mark.parametrize("synapses", ["electrical", "all"])
def test_gap_junctions_stay_symmetric_while_training(worm, synapses):
    layer = ConnectomeDense(worm, synapses=synapses, seed=12)
    rng = np.random.default_rng(6)
    x = rng.normal(size=(32, 279)).astype("float32")
    y = rng.normal(size=(32, 279)).astype("float32")  # an asymmetric target pull
    layer.build(x.shape)
    kernel_before = numpy(layer.effective_kernel)
    fit(layer, x, y, keras.optimizers.SGD(0.5), epochs=2)
    kernel = numpy(layer.effective_kernel)
    chemical = worm.mask("chemical")
    gap_only = worm.mask("electrical") & ~chemical & ~chemical.T
    if synapses == "electrical":
        gap_only = worm.mask("electrical")
    assert gap_only.sum() > 500
    np.testing.assert_array_equal(kernel[gap_only], kernel.T[gap_only])
    assert np.all(kernel[gap_only] != kernel_before[gap_only])
    if synapses == "all":
        assert not np.allclose(kernel, kernel.T)  # the chemical part is directed


def test_nonneg_sign_constraint_holds_after_training():
    mask = small_mask(seed=6)
    layer = ConnectomeDense(mask, sign_constraint="nonneg", seed=13)
    layer.build((None, 6))
    assert numpy(layer.synapse_values).min() > 0.0
    x = np.abs(np.random.default_rng(7).normal(size=(16, 6))).astype("float32")
    fit(layer, x, -10.0 * np.ones((16, 5), "float32"), keras.optimizers.SGD(0.5))
    values = numpy(layer.synapse_values)
    assert values.min() >= 0.0 and np.any(values == 0.0)  # the constraint was active


# --- argument checks -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("arguments", "build_shape", "message"),
    [
        ({"synapses": "gap"}, None, "synapses='gap'"),
        ({"features": 0}, None, "features=0"),
        ({"magnitudes": "sqrt"}, None, "magnitudes='sqrt'"),
        ({"signs": "dale"}, None, "signs='dale'"),
        ({"sign_constraint": "positive"}, None, "sign_constraint='positive'"),
        ({"spectral_radius": 0.0}, None, "spectral_radius=0.0"),
        ({"spectral_radius": -1}, None, "spectral_radius=-1"),
        ({"implementation": "csr"}, None, "implementation='csr'"),
        ({"seed": -1}, None, "seed=-1"),
        ({"seed": 2**32}, None, "seed=4294967296"),
        ({"activation": "no_such_activation"}, None, "activation='no_such_activation'"),
        ({"bias_initializer": "no_such_init"}, None, "bias_initializer='no_such_init'"),
        ({"feature_initializer": "nope"}, None, "feature_initializer='nope'"),
        ({}, (None, 278), "279 presynaptic"),
        ({}, (None, 278, 3), "279 presynaptic"),
        ({"features": 4}, (None, 279), "rank-3"),
        ({}, (None, 279, 2, 2), "expected (batch, N_pre)"),
        ({}, (None, 279, None), "feature axis"),
    ],
)
def test_invalid_arguments_name_the_argument(worm, arguments, build_shape, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        layer = ConnectomeDense(worm, **arguments)
        layer.build(build_shape)


@pytest.mark.parametrize(
    ("mask", "arguments", "error", "message"),
    [
        ([1, 0, 1], {}, ConfigurationError, "2-D"),
        ([[0, -1], [1, 0]], {}, ConfigurationError, "non-negative"),
        ([["a", "b"]], {}, ConfigurationError, "expected a Connectome"),
        (small_mask(), {"synapses": "chemical"}, ConfigurationError, "needs a Connectome"),
        (small_mask(), {"signs": "neurotransmitter"}, ConfigurationError, "needs a Connectome"),
        (small_mask(), {"spectral_radius": 0.9}, ConfigurationError, "square"),
        (np.triu(np.ones((4, 4)), k=1), {"spectral_radius": 0.9}, ConnectomeError, "no cycle"),
    ],
)
def test_invalid_masks_raise(mask, arguments, error, message):
    # the spectral radius is scaled when the layer builds: an acyclic mask fails there
    with pytest.raises(error, match=message):
        ConnectomeDense(mask, **arguments).build((None, np.shape(mask)[0]))
