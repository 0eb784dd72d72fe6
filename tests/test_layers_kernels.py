"""kernels.propagate: the sparse path equals the dense path and an explicit loop over synapses.

Backend-neutral: every tensor goes through ``keras.ops`` and gradients come from
:func:`value_and_grads`, which uses ``tf.GradientTape``, ``jax.value_and_grad``
(layers through ``stateless_call``) or ``torch.autograd.grad``, so this file runs
unchanged under ``KERAS_BACKEND=tensorflow``, ``jax`` and ``torch``.
"""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
from keras import ops
from layer_helpers import numpy

from elegans_keras import ConfigurationError, Connectome
from elegans_keras.layers import (
    ConnectomeDense,
    ConnectomicBlock,
    ReservoirCell,
    kernels,
)
from elegans_keras.layers.kernels import choose, dense_matrix, propagate
from elegans_keras.layers.synapses import synapses_of

RTOL = 1e-5


# --- helpers --------------------------------------------------------------------------------
def assert_close(actual, expected, label: str = "") -> None:
    """Agreement to RTOL, relative to each element and (for cancellations) to the largest one."""
    actual, expected = numpy(actual), numpy(expected)
    assert actual.shape == expected.shape, label
    scale = max(float(np.abs(expected).max()), 1e-30)
    assert np.abs(expected).max() > 0, f"{label}: reference is all zeros (a vacuous comparison)"
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL * scale, err_msg=label)


def value_and_grads(fn, args: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """``fn(tensors) -> (scalar loss, outputs)``; returns outputs and d loss / d each arg."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        tensors = [tf.convert_to_tensor(a) for a in args]
        with tf.GradientTape() as tape:
            for tensor in tensors:
                tape.watch(tensor)
            loss, outputs = fn(tensors)
        grads = tape.gradient(loss, tensors)
    elif backend == "jax":
        import jax
        import jax.numpy as jnp

        (_, outputs), grads = jax.value_and_grad(fn, has_aux=True)([jnp.asarray(a) for a in args])
    elif backend == "torch":
        import torch

        tensors = [torch.tensor(a, requires_grad=True) for a in args]
        loss, outputs = fn(tensors)
        grads = torch.autograd.grad(loss, tensors, allow_unused=True)
    else:  # pragma: no cover
        pytest.skip(f"no gradient helper for backend {backend}")
    grads = [np.zeros(a.shape) if g is None else numpy(g) for a, g in zip(args, grads, strict=True)]
    return numpy(outputs), grads


def layer_value_and_grads(
    layer, inputs: np.ndarray, cotangent: np.ndarray, variables: list, **kwargs
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Outputs, d/d inputs and d/d ``variables`` of ``sum(layer(inputs) * cotangent)``.

    The layer runs through ``stateless_call``, so frozen (non-trainable)
    variables are differentiated as well as trainable ones.
    """
    trainable, frozen = list(layer.trainable_variables), list(layer.non_trainable_variables)
    every = trainable + frozen
    positions = []
    for variable in variables:
        matches = [k for k, v in enumerate(every) if v is variable]
        assert len(matches) == 1, variable.path
        positions.append(matches[0])
    values = [np.asarray(v.numpy()) for v in every]

    def loss(tensors):
        x, state = tensors[0], tensors[1:]
        outputs, _ = layer.stateless_call(
            state[: len(trainable)], state[len(trainable) :], x, **kwargs
        )
        return ops.sum(outputs * ops.convert_to_tensor(cotangent, outputs.dtype)), outputs

    outputs, grads = value_and_grads(loss, [inputs, *values])
    return outputs, grads[0], [grads[1 + p] for p in positions]


def twin_layers(make):
    """The same layer (same seed) with implementation 'dense' and 'sparse'."""
    dense, sparse = make("dense"), make("sparse")
    assert dense.compute_path == "dense" and sparse.compute_path == "sparse"
    return dense, sparse


def random_connectome(n: int = 9, seed: int = 0) -> Connectome:
    """A small connectome with chemical pairs, gap junctions (one self-gap) and mixed pairs."""
    rng = np.random.default_rng(seed)
    chemical = (rng.random((n, n)) < 0.35) * rng.integers(1, 6, (n, n))
    np.fill_diagonal(chemical, 0)
    upper = np.triu((rng.random((n, n)) < 0.3) * rng.integers(1, 4, (n, n)), k=1)
    electrical = upper + upper.T
    electrical[2, 2] = 2.0
    roles = tuple("S" if i < 3 else "M" if i >= n - 3 else "I" for i in range(n))
    return Connectome(
        tuple(f"n{i}" for i in range(n)),
        roles,
        chemical=chemical,
        electrical=electrical,
        name="random",
    )


def loop_propagate(x: np.ndarray, values: np.ndarray, syn) -> np.ndarray:
    """y = x @ W by an explicit loop over every (value, entry) contribution."""
    out = np.zeros((*x.shape[:-1], syn.num_post))
    for value, entry in zip(syn.value_index, syn.entry_index, strict=True):
        out[..., syn.post[entry]] += values[value] * x[..., syn.pre[entry]]
    return out


def loop_gradients(x: np.ndarray, values: np.ndarray, cotangent: np.ndarray, syn):
    """d sum(y * g) / dx and / d values, by explicit loops over the contributions."""
    d_x = np.zeros_like(x, dtype=np.float64)
    d_values = np.zeros(syn.num_values)
    for value, entry in zip(syn.value_index, syn.entry_index, strict=True):
        pre, post = syn.pre[entry], syn.post[entry]
        d_x[..., pre] += values[value] * cotangent[..., post]
        d_values[value] += float(np.sum(x[..., pre] * cotangent[..., post]))
    return d_x, d_values


# --- the kernel itself ----------------------------------------------------------------------
def test_random_graph_has_shared_and_summed_values():
    syn = synapses_of(random_connectome(), "all")
    shared = np.bincount(syn.value_index, minlength=syn.num_values)
    summed = np.bincount(syn.entry_index, minlength=syn.num_entries)
    assert (shared == 2).any() and (shared == 1).any()  # gap junctions: one value, two entries
    assert (summed == 2).any()  # chemical + electrical on one pair: two values, one entry
    assert not syn.one_to_one


@pytest.mark.parametrize("implementation", ["dense", "sparse"])
@pytest.mark.parametrize(
    ("wiring", "leading"),
    # TensorFlow computes up to 7 rows with scipy (CPU) and from 8 (CSR_MIN_COLUMNS) with CSR
    [
        ("connectome", (4,)),
        ("connectome", (2, 3)),
        ("connectome", (3, 4)),
        ("rectangular", (5,)),
        ("rectangular", (1,)),
        ("rectangular", (9,)),
    ],
)
def test_propagate_equals_an_explicit_loop(implementation, wiring, leading):
    if wiring == "connectome":
        syn = synapses_of(random_connectome(seed=len(leading)), "all")
    else:
        rng = np.random.default_rng(3)
        syn = synapses_of((rng.random((7, 4)) < 0.5) * rng.integers(1, 4, (7, 4)))
    rng = np.random.default_rng(4)
    x = rng.normal(size=(*leading, syn.num_pre)).astype("float32")
    values = rng.normal(size=syn.num_values).astype("float32")
    cotangent = rng.normal(size=(*leading, syn.num_post)).astype("float32")

    def loss(tensors):
        y = propagate(tensors[0], tensors[1], syn, implementation)
        return ops.sum(y * ops.convert_to_tensor(cotangent)), y

    outputs, (d_x, d_values) = value_and_grads(loss, [x, values])
    x64, v64 = x.astype(np.float64), values.astype(np.float64)
    assert_close(outputs, loop_propagate(x64, v64, syn), "outputs")
    expected_dx, expected_dv = loop_gradients(x64, v64, cotangent.astype(np.float64), syn)
    assert_close(d_x, expected_dx, "d inputs")
    assert_close(d_values, expected_dv, "d values")


@pytest.mark.parametrize("implementation", ["dense", "sparse"])
@pytest.mark.parametrize("columns", [3, 40])
def test_propagate_on_neuron_first_rows_equals_an_explicit_loop(implementation, columns):
    # (N_pre, C) rows along axis 0, as ConnectomicBlock holds its states: one W^T @ x product
    syn = synapses_of(random_connectome(seed=5), "all")
    assert not syn.one_to_one
    rng = np.random.default_rng(6)
    x = rng.normal(size=(syn.num_pre, columns)).astype("float32")
    values = rng.normal(size=syn.num_values).astype("float32")
    cotangent = rng.normal(size=(syn.num_post, columns)).astype("float32")

    def loss(tensors):
        y = propagate(tensors[0], tensors[1], syn, implementation, axis=0)
        return ops.sum(y * ops.convert_to_tensor(cotangent)), y

    outputs, (d_x, d_values) = value_and_grads(loss, [x, values])
    x64, v64 = x.T.astype(np.float64), values.astype(np.float64)
    assert_close(numpy(outputs).T, loop_propagate(x64, v64, syn), "outputs")
    expected_dx, expected_dv = loop_gradients(x64, v64, cotangent.T.astype(np.float64), syn)
    assert_close(numpy(d_x).T, expected_dx, "d inputs")
    assert_close(d_values, expected_dv, "d values")


@pytest.mark.skipif(keras.backend.backend() == "jax", reason="JAX runs without x64 here")
def test_sparse_kernel_in_float64_is_exact_to_rounding():
    # a one-to-one wiring (a plain count mask): no segment sums, only the sparse product
    rng = np.random.default_rng(5)
    syn = synapses_of((rng.random((8, 6)) < 0.4) * rng.integers(1, 5, (8, 6)))
    assert syn.one_to_one
    x, values = rng.normal(size=(3, syn.num_pre)), rng.normal(size=syn.num_values)
    y = propagate(
        ops.convert_to_tensor(x, "float64"), ops.convert_to_tensor(values, "float64"), syn, "sparse"
    )
    assert keras.backend.standardize_dtype(y.dtype) == "float64"
    np.testing.assert_allclose(numpy(y), loop_propagate(x, values, syn), rtol=1e-12, atol=1e-12)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow graph tracing")
@pytest.mark.parametrize(
    ("batch", "on_host"), [(1, True), (1, False), (kernels.CSR_MIN_COLUMNS + 3, True)]
)
def test_tensorflow_picks_its_product_at_run_time_when_the_batch_is_unknown(
    batch, on_host, monkeypatch
):
    """Few rows: scipy on CPU (on_host) or COO (what a GPU runs); many rows: CSR."""
    import tensorflow as tf

    monkeypatch.setattr(kernels, "tensorflow_on_host", lambda: on_host)
    syn = synapses_of(random_connectome(seed=11), "all")
    rng = np.random.default_rng(12)
    values = tf.constant(rng.normal(size=syn.num_values).astype("float32"))

    @tf.function(input_signature=[tf.TensorSpec((None, syn.num_pre), tf.float32)])
    def traced(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = propagate(x, values, syn, "sparse")
            total = tf.reduce_sum(y)
        return y, tape.gradient(total, x)

    x = rng.normal(size=(batch, syn.num_pre)).astype("float32")
    y, d_x = traced(x)
    ones = np.ones((batch, syn.num_post))
    x64, v64 = x.astype(np.float64), numpy(values).astype(np.float64)
    assert_close(y, loop_propagate(x64, v64, syn), "outputs")
    assert_close(d_x, loop_gradients(x64, v64, ones, syn)[0], "d inputs")


def test_dense_matrix_is_the_entry_values_on_the_synapses():
    worm_like = random_connectome(seed=7)
    syn = synapses_of(worm_like, "all")
    values = np.random.default_rng(8).normal(size=syn.num_values).astype("float32")
    matrix = numpy(dense_matrix(ops.convert_to_tensor(values), syn))
    np.testing.assert_allclose(matrix, syn.matrix(values).toarray(), rtol=1e-6, atol=1e-7)
    expected = np.zeros((syn.num_pre, syn.num_post))
    for value, entry in zip(syn.value_index, syn.entry_index, strict=True):
        expected[syn.pre[entry], syn.post[entry]] += values[value]
    np.testing.assert_allclose(matrix, expected, rtol=1e-6, atol=1e-7)
    transposed = numpy(dense_matrix(ops.convert_to_tensor(values), syn, transposed=True))
    np.testing.assert_array_equal(transposed, matrix.T)
    off = ~worm_like.mask("all")
    assert np.all(matrix[off] == 0.0)
    chemical = worm_like.mask("chemical")
    electrical_only = worm_like.mask("electrical") & ~chemical & ~chemical.T
    assert electrical_only.sum() >= 4
    np.testing.assert_array_equal(matrix[electrical_only], matrix.T[electrical_only])


def test_sparse_gradients_agree_across_many_chunks(worm, monkeypatch):
    # CHUNK_ELEMENTS = 0 makes every chunk the minimum 256 synapses: 12 chunks on the worm.
    monkeypatch.setattr(kernels, "CHUNK_ELEMENTS", 0)
    syn = synapses_of(worm, "all")  # a fresh object, so no cached kernel of another chunk size
    assert kernels._chunk(3) == 256 and syn.num_entries > 10 * 256
    rng = np.random.default_rng(9)
    x = rng.normal(size=(3, 279)).astype("float32")
    values = rng.normal(size=syn.num_values).astype("float32")
    cotangent = rng.normal(size=(3, 279)).astype("float32")
    results = {}
    for implementation in ("dense", "sparse"):

        def loss(tensors, implementation=implementation):
            y = propagate(tensors[0], tensors[1], syn, implementation)
            return ops.sum(y * ops.convert_to_tensor(cotangent)), y

        results[implementation] = value_and_grads(loss, [x, values])
    (dense_y, dense_grads), (sparse_y, sparse_grads) = results["dense"], results["sparse"]
    assert_close(sparse_y, dense_y, "outputs")
    assert_close(sparse_grads[0], dense_grads[0], "d inputs")
    assert_close(sparse_grads[1], dense_grads[1], "d values")


def test_choose_picks_dense_up_to_the_limit():
    small = synapses_of(np.eye(kernels.DENSE_MAX_NEURONS))
    large = synapses_of(np.eye(kernels.DENSE_MAX_NEURONS + 1))
    assert choose("auto", small, "test") == "dense"
    assert choose("auto", large, "test") == "sparse"
    assert choose("sparse", small, "test") == "sparse"
    assert choose("dense", large, "test") == "dense"
    with pytest.raises(ConfigurationError, match=re.escape("implementation='fast'")):
        choose("fast", small, "test")


@pytest.mark.parametrize(
    "layer",
    [
        lambda w: ConnectomeDense(w, implementation="csr"),
        lambda w: ReservoirCell(w, implementation="csr"),
        lambda w: ConnectomicBlock(w, implementation="csr"),
    ],
)
def test_layers_refuse_an_unknown_implementation(worm, layer):
    with pytest.raises(ConfigurationError, match=re.escape("implementation='csr'")):
        layer(worm)


def test_auto_is_dense_on_the_worm(worm):
    assert ConnectomeDense(worm).compute_path == "dense"
    assert ReservoirCell(worm).compute_path == "dense"
    assert ConnectomicBlock(worm).compute_path == "dense"


# --- the layers, dense against sparse on the worm --------------------------------------------
def assert_same_weights(dense, sparse) -> None:
    assert [w.name for w in dense.weights] == [w.name for w in sparse.weights]
    for a, b in zip(dense.weights, sparse.weights, strict=True):
        np.testing.assert_array_equal(numpy(a), numpy(b), err_msg=a.path)


def compare_twins(dense, sparse, inputs, variables_of, **kwargs) -> None:
    assert_same_weights(dense, sparse)
    shape = tuple(dense(inputs).shape)
    cotangent = np.random.default_rng(11).normal(size=shape).astype("float32")
    results = [
        layer_value_and_grads(layer, inputs, cotangent, variables_of(layer), **kwargs)
        for layer in (dense, sparse)
    ]
    (y_d, dx_d, dv_d), (y_s, dx_s, dv_s) = results
    assert_close(y_s, y_d, "outputs")
    assert_close(dx_s, dx_d, "d inputs")
    for k, (a, b) in enumerate(zip(dv_s, dv_d, strict=True)):
        assert_close(a, b, f"d variable {k}")


@pytest.mark.parametrize("synapses", ["all", "chemical", "electrical"])
def test_connectome_dense_rank2_dense_equals_sparse(worm, synapses):
    dense, sparse = twin_layers(
        lambda impl: ConnectomeDense(
            worm,
            synapses=synapses,
            activation="tanh",
            bias_initializer=keras.initializers.RandomNormal(seed=7),
            implementation=impl,
            seed=1,
        )
    )
    x = np.random.default_rng(12).normal(size=(4, 279)).astype("float32")
    for layer in (dense, sparse):
        layer.build(x.shape)
    compare_twins(dense, sparse, x, lambda layer: [layer.synapse_values, layer.bias])


@pytest.mark.parametrize("features", [2, 6])  # fewer / more output features than F_in = 3
def test_connectome_dense_rank3_dense_equals_sparse(worm, features):
    dense, sparse = twin_layers(
        lambda impl: ConnectomeDense(
            worm,
            features=features,
            activation="tanh",
            implementation=impl,
            seed=2,
            feature_initializer=keras.initializers.GlorotUniform(seed=3),
        )
    )
    x = np.random.default_rng(13).normal(size=(2, 279, 3)).astype("float32")
    for layer in (dense, sparse):
        layer.build(x.shape)
    compare_twins(dense, sparse, x, lambda layer: [layer.synapse_values, layer.feature_kernel])


@pytest.mark.parametrize("trainable", [False, True])
def test_reservoir_cell_in_rnn_dense_equals_sparse(worm, trainable):
    def make(impl):
        cell = ReservoirCell(
            worm,
            spectral_radius=0.9,
            leak_rate=0.6,
            bias_scaling=0.1,
            state_neurons="M",
            implementation=impl,
            seed=4,
            trainable=trainable,
        )
        return keras.layers.RNN(cell, return_sequences=True)

    dense, sparse = make("dense"), make("sparse")
    x = np.random.default_rng(14).normal(size=(2, 4, 3)).astype("float32")
    for layer in (dense, sparse):
        layer.build(x.shape)
        assert len(layer.trainable_weights) == (3 if trainable else 0)
    assert dense.cell.compute_path == "dense" and sparse.cell.compute_path == "sparse"
    # Work around the JAX kernel-cache bug (see test_sparse_layer_trains_under_jit): one eager
    # call outside any trace caches the kernel of this batch size with concrete indices.
    propagate(ops.zeros((2, 279)), sparse.cell.recurrent_values, sparse.cell.syn, "sparse")
    compare_twins(
        dense, sparse, x, lambda layer: [layer.cell.recurrent_values, layer.cell.input_kernel]
    )


@pytest.mark.parametrize(
    ("shape", "mode", "gating"), [((2, 10), "deep", True), ((2, 6, 5), "reservoir", False)]
)
def test_connectomic_block_dense_equals_sparse(worm, shape, mode, gating):
    dense, sparse = twin_layers(
        lambda impl: ConnectomicBlock(
            worm, mode=mode, features=3, steps=3, gating=gating, implementation=impl, seed=5
        )
    )
    x = np.random.default_rng(15).normal(size=shape).astype("float32")
    for layer in (dense, sparse):
        layer.build(x.shape)
    compare_twins(dense, sparse, x, lambda layer: [layer.synapse_values, layer.feature_kernel])


def test_connectomic_block_with_shared_values_dense_equals_sparse(worm):
    dense, sparse = twin_layers(
        lambda impl: ConnectomicBlock(
            worm, features=3, steps=2, shared_values=500, implementation=impl, seed=6
        )
    )
    x = np.random.default_rng(16).normal(size=(2, 8)).astype("float32")
    for layer in (dense, sparse):
        layer.build(x.shape)
    assert dense.synapse_values.shape == (500,)
    compare_twins(dense, sparse, x, lambda layer: [layer.synapse_values])


def test_sparse_layer_trains_under_jit_like_the_dense_one(worm):
    """fit + evaluate (compiled steps) give the same values with either implementation."""
    rng = np.random.default_rng(17)
    x = rng.normal(size=(8, 279)).astype("float32")
    y = rng.normal(size=(8, 279)).astype("float32")
    results = {}
    for implementation in ("dense", "sparse"):
        layer = ConnectomeDense(worm, activation="tanh", implementation=implementation, seed=8)
        model = keras.Sequential([keras.Input((279,)), layer])
        model.compile(keras.optimizers.SGD(0.1), "mse")
        before = model.evaluate(x, y, batch_size=8, verbose=0)
        model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
        after = model.evaluate(x, y, batch_size=8, verbose=0)
        assert after < before
        results[implementation] = (numpy(layer.synapse_values), after)
    assert_close(results["sparse"][0], results["dense"][0], "trained synapse values")
    np.testing.assert_allclose(results["sparse"][1], results["dense"][1], rtol=1e-4)


def test_a_fresh_sparse_reservoir_gives_gradients(worm):
    """No warm-up: the first call of the sparse kernel happens inside the RNN's scan."""
    rnn = keras.layers.RNN(ReservoirCell(worm, implementation="sparse", seed=9, trainable=True))
    x = np.random.default_rng(18).normal(size=(2, 3, 1)).astype("float32")
    rnn.build(x.shape)
    cotangent = np.ones((2, 279), "float32")
    _, d_inputs, (d_values,) = layer_value_and_grads(rnn, x, cotangent, [rnn.cell.recurrent_values])
    assert np.all(np.isfinite(d_values)) and np.count_nonzero(d_values) > 0
    assert np.count_nonzero(d_inputs) > 0
