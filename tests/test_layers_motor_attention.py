"""MotorAttentionReadout: shapes, order-free attention over motor tokens, training, saving."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from keras import ops

from elegans_keras import ConfigurationError
from elegans_keras.layers import MotorAttentionReadout


def numpy(value) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(value), dtype=np.float64)


@pytest.mark.parametrize(
    ("query_shape", "output_dim", "expected"),
    [((2, 6), None, (2, 6)), ((2, 6), 3, (2, 3)), ((2, 4, 6), 3, (2, 3))],
)
def test_output_is_one_pooled_vector(query_shape, output_dim, expected):
    readout = MotorAttentionReadout(num_heads=2, key_dim=4, output_dim=output_dim)
    rng = np.random.default_rng(0)
    query = rng.normal(size=query_shape).astype("float32")
    tokens = rng.normal(size=(2, 9, 5)).astype("float32")
    assert readout(query, tokens).shape == expected
    assert readout.compute_output_shape(query_shape, (2, 9, 5)) == expected


def test_motor_token_order_does_not_matter():
    readout = MotorAttentionReadout(num_heads=2, key_dim=4)
    rng = np.random.default_rng(1)
    query = rng.normal(size=(2, 6)).astype("float32")
    tokens = rng.normal(size=(2, 9, 5)).astype("float32")
    shuffled = tokens[:, rng.permutation(9)]
    np.testing.assert_allclose(
        numpy(readout(query, shuffled)), numpy(readout(query, tokens)), rtol=1e-4, atol=1e-5
    )


def test_rank2_query_is_one_query_position():
    readout = MotorAttentionReadout(num_heads=2, key_dim=4)
    rng = np.random.default_rng(2)
    query = rng.normal(size=(2, 6)).astype("float32")
    tokens = rng.normal(size=(2, 9, 5)).astype("float32")
    np.testing.assert_allclose(
        numpy(readout(query, tokens)), numpy(readout(query[:, None], tokens)), rtol=1e-5, atol=1e-6
    )


def two_input_model(readout: MotorAttentionReadout) -> keras.Model:
    query, tokens = keras.Input((6,)), keras.Input((9, 5))
    return keras.Model([query, tokens], readout(query, tokens))


def test_training_reduces_the_loss():
    keras.utils.set_random_seed(3)
    model = two_input_model(MotorAttentionReadout(num_heads=2, key_dim=4, output_dim=1))
    rng = np.random.default_rng(4)
    query = rng.normal(size=(32, 6)).astype("float32")
    tokens = rng.normal(size=(32, 9, 5)).astype("float32")
    y = tokens[:, :, 0].max(axis=1, keepdims=True)
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    before = model.evaluate([query, tokens], y, verbose=0)
    model.fit([query, tokens], y, batch_size=8, epochs=3, verbose=0)
    assert model.evaluate([query, tokens], y, verbose=0) < before


def test_save_and_load_round_trip(tmp_path):
    readout = MotorAttentionReadout(num_heads=2, key_dim=4, output_dim=3, dropout=0.1)
    model = two_input_model(readout)
    json.dumps(readout.get_config())
    path = tmp_path / "readout.keras"
    model.save(path)
    restored = keras.models.load_model(path, safe_mode=True)
    rng = np.random.default_rng(5)
    inputs = [
        rng.normal(size=(2, 6)).astype("float32"),
        rng.normal(size=(2, 9, 5)).astype("float32"),
    ]
    np.testing.assert_array_equal(numpy(restored(inputs)), numpy(model(inputs)))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"num_heads": 0}, "num_heads=0"),
        ({"key_dim": 2.5}, "key_dim=2.5"),
        ({"output_dim": -1}, "output_dim=-1"),
        ({"dropout": 1.5}, "dropout=1.5"),
    ],
)
def test_invalid_arguments_raise(arguments, message):
    with pytest.raises(ConfigurationError, match=message):
        MotorAttentionReadout(**arguments)


def test_bad_token_rank_is_refused():
    with pytest.raises(ConfigurationError, match="motor_tokens of shape"):
        MotorAttentionReadout().build((None, 6), (None, 5))
