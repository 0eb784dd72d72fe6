"""EchoStateTransformer: frozen reservoir, trainable blocks, shapes, saving, errors."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from keras import ops

from elegans_keras import ConfigurationError, load_connectome
from elegans_keras.layers import EchoStateTransformer



def numpy(value) -> np.ndarray:
    if isinstance(value, keras.Variable):
        return np.asarray(value.numpy(), dtype=np.float64)
    return np.asarray(ops.convert_to_numpy(value), dtype=np.float64)


def test_sequence_in_sequence_out(worm):
    layer = EchoStateTransformer(
        worm, d_model=8, num_heads=2, num_blocks=1, ff_dim=8, state_neurons="M", seed=0
    )
    outputs = layer(np.random.default_rng(0).normal(size=(2, 5, 2)).astype("float32"))
    assert outputs.shape == (2, 5, 8)
    assert layer.compute_output_shape((2, 5, 2)) == (2, 5, 8)
    assert layer.tokens.kernel.shape == (89, 8)


def test_reservoir_is_frozen_and_blocks_train(worm):
    keras.utils.set_random_seed(1)
    layer = EchoStateTransformer(
        worm, d_model=8, num_heads=2, num_blocks=1, ff_dim=8, spectral_radius=0.7, seed=1
    )
    model = keras.Sequential(
        [keras.Input((5, 2)), layer, keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)]
    )
    cell = layer.cell
    trainable = {id(w) for w in model.trainable_weights}
    assert not {id(w) for w in cell.weights} & trainable
    assert len(trainable) > 0
    recurrent = numpy(cell.recurrent_kernel)
    assert abs(np.max(np.abs(np.linalg.eigvals(recurrent))) - 0.7) < 1e-4
    rng = np.random.default_rng(2)
    x = rng.normal(size=(32, 5, 2)).astype("float32")
    y = x[:, :, 0].sum(axis=1, keepdims=True)
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    before = model.evaluate(x, y, verbose=0, batch_size=32)
    model.fit(x, y, batch_size=16, epochs=4, verbose=0)
    assert model.evaluate(x, y, verbose=0, batch_size=32) < before
    np.testing.assert_array_equal(numpy(cell.recurrent_kernel), recurrent)


def test_save_and_load_round_trip(worm, tmp_path):
    layer = EchoStateTransformer(
        worm,
        d_model=8,
        num_heads=2,
        num_blocks=2,
        ff_dim=8,
        leak_rate=0.3,
        input_neurons="SI",
        state_neurons="M",
    )
    inputs = keras.Input((5, 2))
    model = keras.Model(inputs, layer(inputs))
    config = layer.get_config()
    json.dumps(config)
    assert config["state_neurons"] == [int(i) for i in worm.role_indices("M")]
    path = tmp_path / "est.keras"
    model.save(path)
    restored = keras.models.load_model(path, safe_mode=True)
    x = np.random.default_rng(3).normal(size=(2, 5, 2)).astype("float32")
    np.testing.assert_array_equal(numpy(restored(x)), numpy(model(x)))
    assert restored.layers[-1].seed == layer.seed


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"d_model": 10, "num_heads": 4}, "not a multiple of num_heads"),
        ({"num_blocks": 0}, "num_blocks=0"),
        ({"dropout": -0.1}, "dropout=-0.1"),
        ({"leak_rate": 2.0}, "leak_rate=2.0"),
        ({"state_neurons": "Q"}, "state_neurons='Q'"),
    ],
)
def test_invalid_arguments_raise(worm, arguments, message):
    with pytest.raises(ConfigurationError, match=message):
        EchoStateTransformer(worm, **arguments)


def test_sequence_length_must_be_fixed(worm):
    with pytest.raises(ConfigurationError, match="T and F fixed"):
        EchoStateTransformer(worm, d_model=8, num_heads=2).build((None, None, 3))
