"""EchoStateTransformer: frozen connectome reservoir, trainable blocks, shapes, distinct
projections, checks (saving and seeds: test_layers_saving.py and test_layers_seeds.py)."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
from keras import ops
from layer_helpers import numpy

from elegans_keras import ConfigurationError
from elegans_keras.layers import EchoStateTransformer
from elegans_keras.layers.kernels import propagate
from elegans_keras.layers.synapses import inhibitory_neurons


def radius(matrix: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def small(worm, **kwargs) -> EchoStateTransformer:
    arguments = {"d_model": 8, "num_heads": 2, "num_blocks": 1, "ff_dim": 8, **kwargs}
    return EchoStateTransformer(worm, **arguments)


def sequences(seed: int = 0, shape=(2, 5, 2)) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


@pytest.mark.parametrize(("state_neurons", "width"), [("M", 89), ("all", 279), ([0, 5, 9], 3)])
def test_sequence_in_sequence_out(worm, state_neurons, width):
    layer = small(worm, state_neurons=state_neurons, seed=0)
    outputs = layer(sequences(0))
    assert outputs.shape == (2, 5, 8)
    assert layer.compute_output_shape((2, 5, 2)) == (2, 5, 8)
    assert layer.tokens.kernel.shape == (width, 8)
    assert layer.positions.shape == (5, 8)
    values = numpy(outputs)
    # the final LayerNorm: every token has mean 0 and, with its epsilon of 1e-3 under the
    # variance, a standard deviation just under 1
    np.testing.assert_allclose(values.mean(axis=-1), 0.0, atol=1e-5)
    std = values.std(axis=-1)
    assert np.all(std <= 1.0 + 1e-5) and np.all(std > 0.95), std


def test_reservoir_arguments_reach_the_cell(worm):
    layer = small(
        worm,
        spectral_radius=0.7,
        leak_rate=0.3,
        input_neurons="SI",
        signs="neurotransmitter",
        magnitudes="random",
        seed=1,
    )
    layer.build((None, 5, 2))
    cell = layer.cell
    assert cell.leak_rate == 0.3 and cell.weights_rule == "random"
    assert cell.input_indices == [int(i) for i in worm.role_indices("SI")]
    matrix = cell.syn.matrix(numpy(cell.recurrent_values)).toarray()
    assert abs(radius(matrix) - 0.7) < 1e-6
    gaba = inhibitory_neurons(worm, "test")
    chemical_only = worm.mask("chemical") & ~worm.mask("electrical")
    np.testing.assert_array_equal(
        (matrix < 0)[chemical_only], (gaba[:, None] & chemical_only)[chemical_only]
    )


def test_reservoir_is_frozen_and_blocks_train(worm):
    keras.utils.set_random_seed(1)
    layer = small(worm, spectral_radius=0.7, seed=1)
    model = keras.Sequential(
        [keras.Input((5, 2)), layer, keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)]
    )
    cell = layer.cell
    trainable = {id(w) for w in model.trainable_weights}
    assert not {id(w) for w in cell.weights} & trainable
    assert id(layer.positions) in trainable and id(layer.tokens.kernel) in trainable
    recurrent = numpy(cell.recurrent_values)
    others = [numpy(w) for w in layer.blocks[0].weights]
    x = sequences(2, (32, 5, 2))
    y = x[:, :, 0].sum(axis=1, keepdims=True)
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    before = model.evaluate(x, y, verbose=0, batch_size=32)
    model.fit(x, y, batch_size=16, epochs=4, verbose=0)
    assert model.evaluate(x, y, verbose=0, batch_size=32) < before
    np.testing.assert_array_equal(numpy(cell.recurrent_values), recurrent)
    moved = [
        not np.array_equal(a, numpy(w))
        for a, w in zip(others, layer.blocks[0].weights, strict=True)
    ]
    assert sum(moved) >= len(moved) - 2


def test_dense_and_sparse_reservoirs_give_the_same_tokens(worm):
    dense = small(worm, implementation="dense", seed=3)
    sparse = small(worm, implementation="sparse", seed=3)
    x = sequences(3)
    for layer in (dense, sparse):
        layer.build(x.shape)
    assert sparse.cell.compute_path == "sparse"
    # one eager call outside any trace caches the JAX kernel with concrete indices
    # (see test_layers_kernels.py: the cache otherwise keeps a tracer)
    propagate(ops.zeros((2, 279)), sparse.cell.recurrent_values, sparse.cell.syn, "sparse")
    expected = numpy(dense(x))
    np.testing.assert_allclose(numpy(sparse(x)), expected, rtol=1e-5, atol=1e-5)


# --- distinct projections --------------------------------------------------------------------


def test_every_attention_projection_and_block_is_distinct(worm):
    layer = small(worm, d_model=8, num_heads=2, num_blocks=2, seed=6)
    layer.build((None, 5, 2))
    kernels = []
    for block in layer.blocks:
        found = [numpy(w) for w in block.attention.weights if w.path.endswith("/kernel")]
        assert len(found) == 4
        kernels.extend(found)
    kernels.extend(
        numpy(w) for w in (layer.tokens.kernel, *(b.hidden.kernel for b in layer.blocks))
    )
    for a in range(len(kernels)):
        for b in range(a + 1, len(kernels)):
            if kernels[a].shape == kernels[b].shape:
                assert not np.array_equal(kernels[a], kernels[b]), (a, b)


# --- checks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"d_model": 10, "num_heads": 4}, "not a multiple of num_heads"),
        ({"d_model": 0}, "d_model=0"),
        ({"num_blocks": 0}, "num_blocks=0"),
        ({"ff_dim": 0}, "ff_dim=0"),
        ({"dropout": -0.1}, "dropout=-0.1"),
        ({"leak_rate": 2.0}, "leak_rate=2.0"),
        ({"spectral_radius": 0.0}, "spectral_radius=0.0"),
        ({"state_neurons": "Q"}, "state_neurons='Q'"),
        ({"input_neurons": [300]}, "input_neurons has index 300"),
        ({"magnitudes": "uniform"}, "magnitudes='uniform'"),
        ({"signs": "dale"}, "signs='dale'"),
        ({"implementation": "csr"}, "implementation='csr'"),
        ({"seed": -1}, "seed=-1"),
    ],
)
def test_invalid_arguments_name_the_argument(worm, arguments, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        EchoStateTransformer(worm, **{"d_model": 8, "num_heads": 2, **arguments})


@pytest.mark.parametrize("shape", [(None, None, 3), (None, 5, None), (None, 5)])
def test_sequence_length_and_features_must_be_fixed(worm, shape):
    with pytest.raises(ConfigurationError, match="T and F fixed"):
        EchoStateTransformer(worm, d_model=8, num_heads=2).build(shape)
