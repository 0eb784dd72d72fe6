"""ConnectomeDense: masks, the propagation formula, gradients, training, saving."""

from __future__ import annotations

import json
import re

import keras
import numpy as np
import pytest
from keras import ops

from elegans_keras import ConfigurationError, load_connectome
from elegans_keras.layers import ConnectomeDense



def small_mask(seed: int = 0, shape: tuple[int, int] = (6, 5)) -> np.ndarray:
    mask = np.random.default_rng(seed).random(shape) < 0.4
    mask[0, 0] = True
    return mask


def numpy(value) -> np.ndarray:
    if isinstance(value, keras.Variable):
        return np.asarray(value.numpy(), dtype=np.float64)
    return np.asarray(ops.convert_to_numpy(value), dtype=np.float64)


def kernel_gradient(layer: ConnectomeDense, inputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """d mean((layer(x) - y)^2) / d kernel, with the backend's autodiff."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = ops.mean(ops.square(layer(inputs) - targets))
        return numpy(tape.gradient(loss, layer.kernel.value))
    if backend == "jax":
        import jax

        index = [id(v) for v in layer.trainable_variables].index(id(layer.kernel))
        frozen = [v.value for v in layer.non_trainable_variables]

        def loss(trainable):
            outputs, _ = layer.stateless_call(trainable, frozen, inputs)
            return ops.mean(ops.square(outputs - targets))

        return numpy(jax.grad(loss)([v.value for v in layer.trainable_variables])[index])
    pytest.skip(f"no gradient helper for backend {backend}")


@pytest.mark.parametrize(
    ("synapses", "pairs"), [("all", 2993), ("chemical", 2194), ("electrical", 2 * 517 - 3)]
)
def test_mask_counts_on_default_connectome(worm, synapses, pairs):
    layer = ConnectomeDense(worm, synapses=synapses)
    layer.build((None, 279))
    mask = numpy(layer.synapse_mask)
    assert mask.sum() == pairs
    np.testing.assert_array_equal(mask, worm.mask(synapses))
    assert not layer.synapse_mask.trainable


def test_rank2_matches_numpy_formula():
    mask = small_mask()
    layer = ConnectomeDense(mask, activation="tanh", bias_initializer="random_normal")
    x = np.random.default_rng(1).normal(size=(3, 6)).astype("float32")
    outputs = numpy(layer(x))
    kernel, bias = numpy(layer.kernel), numpy(layer.bias)
    expected = np.tanh(x @ (kernel * mask) + bias)
    np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-6)
    assert outputs.shape == (3, 5)


@pytest.mark.parametrize("features", [2, 7])
def test_rank3_matches_explicit_loop_over_edges(features):
    mask = small_mask(seed=features)
    layer = ConnectomeDense(mask, features=features, bias_initializer="random_normal")
    x = np.random.default_rng(2).normal(size=(2, 6, 4)).astype("float32")
    outputs = numpy(layer(x))
    kernel, values, bias = numpy(layer.kernel), numpy(layer.feature_kernel), numpy(layer.bias)
    expected = np.tile(bias, (2, 5, 1))
    for pre, post in zip(*np.nonzero(mask), strict=True):
        for b in range(2):
            expected[b, post] += kernel[pre, post] * (x[b, pre] @ values)
    assert outputs.shape == (2, 5, features)
    np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-5)


def test_masked_entries_get_exactly_zero_gradient():
    mask = small_mask(seed=3)
    layer = ConnectomeDense(mask, features=3)
    rng = np.random.default_rng(4)
    x = rng.normal(size=(4, 6, 2)).astype("float32")
    targets = rng.normal(size=(4, 5, 3)).astype("float32")
    layer(x)
    gradient = kernel_gradient(layer, x, targets)
    assert np.all(gradient[~mask] == 0.0)
    assert np.count_nonzero(gradient[mask]) == mask.sum()


def test_training_keeps_effective_kernel_zero_off_mask(worm):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((279,)), ConnectomeDense(worm, activation="tanh")])
    layer = model.layers[0]
    rng = np.random.default_rng(5)
    x = rng.normal(size=(32, 279)).astype("float32")
    y = np.tanh(x @ (rng.normal(size=(279, 279)) * worm.mask())).astype("float32")
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    kernel_before = numpy(layer.kernel)
    loss_before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    kernel_after = numpy(layer.kernel)
    off = ~worm.mask()
    assert np.all(numpy(layer.effective_kernel)[off] == 0.0)
    np.testing.assert_array_equal(kernel_after[off], kernel_before[off])
    assert np.all(kernel_after[~off] != kernel_before[~off])
    assert model.evaluate(x, y, verbose=0) < loss_before


@pytest.mark.parametrize("mode", ["count", "log"])
def test_synapse_weights_initialise_from_counts(worm, mode):
    layer = ConnectomeDense(worm, synapse_weights=mode)
    layer.build((None, 279))
    kernel = numpy(layer.kernel)
    counts = worm.chemical + worm.electrical
    values = counts if mode == "count" else np.log1p(counts)
    has_inputs = counts.sum(axis=0) > 0
    np.testing.assert_allclose(kernel.sum(axis=0)[has_inputs], 1.0, rtol=1e-5)
    column = int(np.argmax(has_inputs))
    np.testing.assert_allclose(
        kernel[:, column], values[:, column] / values[:, column].sum(), rtol=1e-5
    )
    assert np.all(kernel[counts == 0] == 0.0)


def test_nonneg_sign_constraint_holds_after_training():
    mask = small_mask(seed=6)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((6,)), ConnectomeDense(mask, sign_constraint="nonneg")])
    x = np.abs(np.random.default_rng(7).normal(size=(16, 6))).astype("float32")
    model.compile(keras.optimizers.SGD(0.5), "mse")
    model.fit(x, -10.0 * np.ones((16, 5), "float32"), epochs=3, verbose=0)
    assert numpy(model.layers[0].kernel).min() >= 0.0


def test_plain_masks_in_every_form_agree():
    mask = small_mask(seed=8)
    forms = [mask, mask.tolist(), mask.astype(int).tolist(), mask * 3.0]
    for form in forms:
        layer = ConnectomeDense(form)
        layer.build((None, 6))
        np.testing.assert_array_equal(numpy(layer.synapse_mask), mask)


@pytest.mark.parametrize(
    ("arguments", "build_shape", "message"),
    [
        ({"synapses": "gap"}, None, "synapses='gap'"),
        ({"features": 0}, None, "features=0"),
        ({"synapse_weights": "sqrt"}, None, "synapse_weights='sqrt'"),
        ({"sign_constraint": "positive"}, None, "sign_constraint='positive'"),
        ({"activation": "no_such_activation"}, None, "activation="),
        ({"kernel_initializer": "no_such_init"}, None, "kernel_initializer='no_such_init'"),
        ({}, (None, 278), "279 presynaptic"),
        ({"features": 4}, (None, 279), "rank-3"),
        ({}, (None, 279, 2, 2), "expected (batch, N_pre)"),
    ],
)
def test_invalid_arguments_raise_configuration_error(worm, arguments, build_shape, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        layer = ConnectomeDense(worm, **arguments)
        layer.build(build_shape)


@pytest.mark.parametrize(
    ("mask", "message"),
    [
        ([1, 0, 1], "2-D"),
        ([[0, -1], [1, 0]], "non-negative"),
        ([["a", "b"]], "expected a Connectome"),
    ],
)
def test_invalid_masks_raise_configuration_error(mask, message):
    with pytest.raises(ConfigurationError, match=message):
        ConnectomeDense(mask)


def test_synapse_type_needs_a_connectome():
    with pytest.raises(ConfigurationError, match="needs a Connectome"):
        ConnectomeDense(small_mask(), synapses="chemical")


@pytest.mark.parametrize(
    ("wiring", "kwargs", "shape"),
    [
        (
            "worm",
            {"synapses": "chemical", "synapse_weights": "log", "activation": "relu"},
            (3, 279),
        ),
        ("worm", {"features": 3, "sign_constraint": "nonneg"}, (3, 279, 2)),
        ("mask", {"use_bias": False}, (3, 6)),
    ],
)
def test_save_and_load_round_trip(worm, tmp_path, wiring, kwargs, shape):
    source = worm if wiring == "worm" else small_mask(seed=9)
    inputs = keras.Input(shape[1:])
    model = keras.Model(inputs, ConnectomeDense(source, **kwargs)(inputs))
    x = np.random.default_rng(10).normal(size=shape).astype("float32")
    json.dumps(model.layers[-1].get_config())
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(numpy(restored(x)), numpy(model(x)))
    layer = restored.layers[-1]
    np.testing.assert_array_equal(numpy(layer.synapse_mask), numpy(model.layers[-1].synapse_mask))
    if wiring == "worm":
        assert layer.wiring.fingerprint == worm.fingerprint
