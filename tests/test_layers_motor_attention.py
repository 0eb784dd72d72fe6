"""MotorAttentionReadout: shapes, order-free attention over motor tokens, seeded projections,
training and argument checks (saving and seeds: test_layers_saving.py and test_layers_seeds.py)."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
from layer_helpers import numpy

from elegans_keras import ConfigurationError
from elegans_keras.layers import MotorAttentionReadout
from elegans_keras.layers.motor_attention import seed_attention


def inputs(seed: int = 0, query_shape=(2, 6), tokens_shape=(2, 9, 5)):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=query_shape).astype("float32"),
        rng.normal(size=tokens_shape).astype("float32"),
    )


@pytest.mark.parametrize(
    ("query_shape", "output_dim", "expected"),
    [
        ((2, 6), None, (2, 6)),
        ((2, 6), 3, (2, 3)),
        ((2, 4, 6), 3, (2, 3)),
        ((2, 4, 6), None, (2, 6)),
    ],
)
def test_output_is_one_pooled_vector(query_shape, output_dim, expected):
    readout = MotorAttentionReadout(num_heads=2, key_dim=4, output_dim=output_dim, seed=0)
    query, tokens = inputs(0, query_shape)
    assert readout(query, tokens).shape == expected
    assert readout.compute_output_shape(query_shape, (2, 9, 5)) == expected


def test_motor_token_order_does_not_matter():
    readout = MotorAttentionReadout(num_heads=2, key_dim=4, seed=1)
    query, tokens = inputs(1)
    shuffled = tokens[:, np.random.default_rng(2).permutation(9)]
    baseline = numpy(readout(query, tokens))
    np.testing.assert_allclose(numpy(readout(query, shuffled)), baseline, rtol=1e-4, atol=1e-5)
    changed = tokens.copy()
    changed[:, 0] += 1.0
    assert np.abs(numpy(readout(query, changed)) - baseline).max() > 1e-4  # tokens do matter


def test_rank2_query_is_one_query_position():
    readout = MotorAttentionReadout(num_heads=2, key_dim=4, seed=2)
    query, tokens = inputs(2)
    np.testing.assert_allclose(
        numpy(readout(query, tokens)), numpy(readout(query[:, None], tokens)), rtol=1e-5, atol=1e-6
    )


def test_rank3_query_is_averaged_over_positions():
    readout = MotorAttentionReadout(num_heads=2, key_dim=4, seed=3)
    query, tokens = inputs(3, (2, 4, 6))
    per_position = [numpy(readout(query[:, t], tokens)) for t in range(4)]
    np.testing.assert_allclose(
        numpy(readout(query, tokens)), np.mean(per_position, axis=0), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize(("query_shape", "output_dim"), [((3, 6), 7), ((3, 4, 6), None)])
@pytest.mark.parametrize("training", [False, True])
def test_readout_equals_keras_multi_head_attention(query_shape, output_dim, training):
    # the readout regroups the products (queries taken to token space): the reference is Keras's
    # own layer on the same weights, averaged over the query positions, with nonzero biases
    readout = MotorAttentionReadout(num_heads=3, key_dim=4, output_dim=output_dim, seed=4)
    query, tokens = inputs(4, query_shape, (3, 11, 5))
    readout(query, tokens)
    rng = np.random.default_rng(5)
    for weight in readout.attention.weights:
        weight.assign(rng.normal(size=weight.shape).astype("float32"))
    queries = query if query.ndim == 3 else query[:, None]
    expected = numpy(readout.attention(queries, tokens, tokens)).mean(axis=1)
    np.testing.assert_allclose(
        numpy(readout(query, tokens, training=training)), expected, rtol=1e-5, atol=1e-5
    )


def test_attention_dropout_uses_keras_attention_in_training():
    readout = MotorAttentionReadout(num_heads=2, key_dim=4, dropout=0.5, seed=6)
    query, tokens = inputs(6, (4, 6), (4, 9, 5))
    inference = numpy(readout(query, tokens))
    expected = numpy(readout.attention(query[:, None], tokens, tokens)).mean(axis=1)
    np.testing.assert_allclose(inference, expected, rtol=1e-5, atol=1e-5)
    assert np.abs(numpy(readout(query, tokens, training=True)) - inference).max() > 1e-4


# --- seeds -----------------------------------------------------------------------------------
def kernel_weights(attention) -> list:
    """The query, key, value and output kernels (the biases of q/k/v are 2-D too)."""
    return [w for w in attention.weights if w.path.endswith("/kernel")]


def kernels(readout: MotorAttentionReadout) -> list[np.ndarray]:
    return [numpy(w) for w in kernel_weights(readout.attention)]


def test_projections_get_distinct_seeded_values():
    # query width = token width, so the query, key and value kernels have one shape
    readout = MotorAttentionReadout(num_heads=2, key_dim=4, seed=4)
    query, tokens = inputs(4, (2, 5), (2, 9, 5))
    readout(query, tokens)
    found = kernels(readout)
    assert len(found) == 4
    assert found[0].shape == found[1].shape == found[2].shape
    for a in range(3):
        for b in range(a + 1, 3):
            assert not np.array_equal(found[a], found[b]), (a, b)
            assert np.abs(found[a] - found[b]).max() > 0.1
    unseeded_like = keras.layers.MultiHeadAttention(
        2, 4, kernel_initializer=keras.initializers.GlorotUniform(seed=4)
    )
    unseeded_like.build((2, 1, 5), (2, 9, 5), (2, 9, 5))
    same = [numpy(w) for w in kernel_weights(unseeded_like)]
    # what seed_attention avoids: a seeded kernel_initializer repeats one set of values
    np.testing.assert_array_equal(same[0], same[1])


def test_seed_attention_gives_kernel_k_seed_plus_k_and_zero_biases():
    readout = MotorAttentionReadout(num_heads=2, key_dim=4, seed=4)
    query, tokens = inputs(4, (2, 5), (2, 9, 5))
    readout(query, tokens)
    biases = [numpy(w) for w in readout.attention.weights if w.path.endswith("/bias")]
    assert len(biases) == 4
    for k, weight in enumerate(kernel_weights(readout.attention)):
        expected = numpy(keras.initializers.GlorotUniform(seed=4 + k)(weight.shape))
        np.testing.assert_array_equal(numpy(weight), expected)
    assert all(np.all(b == 0.0) for b in biases)


def test_seed_attention_leaves_an_unseeded_layer_alone():
    attention = keras.layers.MultiHeadAttention(2, 4)
    attention.build((1, 3, 8), (1, 3, 8), (1, 3, 8))
    before = [numpy(w) for w in attention.weights]
    seed_attention(attention, None)
    for a, w in zip(before, attention.weights, strict=True):
        np.testing.assert_array_equal(a, numpy(w))
    seed_attention(attention, 0)
    for a, w in zip(before, attention.weights, strict=True):
        if w.path.endswith("/kernel"):
            assert not np.array_equal(a, numpy(w)), w.path
    again = keras.layers.MultiHeadAttention(2, 4)
    again.build((1, 3, 8), (1, 3, 8), (1, 3, 8))
    seed_attention(again, 0)
    for a, b in zip(attention.weights, again.weights, strict=True):
        np.testing.assert_array_equal(numpy(a), numpy(b))


# --- training and checks ---------------------------------------------------------------------
def two_input_model(readout: MotorAttentionReadout) -> keras.Model:
    query, tokens = keras.Input((6,)), keras.Input((9, 5))
    return keras.Model([query, tokens], readout(query, tokens))


def test_training_reduces_the_loss():
    keras.utils.set_random_seed(3)
    model = two_input_model(MotorAttentionReadout(num_heads=2, key_dim=4, output_dim=1, seed=9))
    query, tokens = inputs(7, (32, 6), (32, 9, 5))
    y = tokens[:, :, 0].max(axis=1, keepdims=True)
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    before = model.evaluate([query, tokens], y, verbose=0)
    model.fit([query, tokens], y, batch_size=8, epochs=3, verbose=0)
    assert model.evaluate([query, tokens], y, verbose=0) < before


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"num_heads": 0}, "num_heads=0"),
        ({"key_dim": 2.5}, "key_dim=2.5"),
        ({"output_dim": -1}, "output_dim=-1"),
        ({"dropout": 1.5}, "dropout=1.5"),
        ({"seed": -2}, "seed=-2"),
        ({"seed": "0"}, "seed='0'"),
    ],
)
def test_invalid_arguments_name_the_argument(arguments, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        MotorAttentionReadout(**arguments)


@pytest.mark.parametrize(
    ("query", "tokens", "message"),
    [
        ((None, 6), (None, 5), "motor_tokens of shape"),
        ((None,), (None, 9, 5), "query of shape"),
        ((None, 1, 2, 6), (None, 9, 5), "query of shape"),
    ],
)
def test_bad_ranks_are_refused(query, tokens, message):
    with pytest.raises(ConfigurationError, match=message):
        MotorAttentionReadout().build(query, tokens)
