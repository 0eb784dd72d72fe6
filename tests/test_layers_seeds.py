"""Determinism: a layer's ``seed`` fixes every initial weight (and dropout), other seeds differ."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from layer_helpers import numpy

from elegans_keras.checks import MAX_SEED
from elegans_keras.layers import (
    ConnectomeDense,
    ConnectomicBlock,
    EchoStateTransformer,
    MotorAttentionReadout,
    ReservoirCell,
)


def plain_mask(size: int) -> np.ndarray:
    mask = np.random.default_rng(size).random((size, size)) < 0.4
    np.fill_diagonal(mask, True)
    return mask


def construct(worm, kind: str, seed: int | None, dropout: float = 0.0) -> keras.layers.Layer:
    """An unbuilt layer of ``kind`` (``dropout`` for the layers that have one)."""
    if kind.startswith("ConnectomeDense"):
        # its ``seed`` covers the synapse values only (as documented); the feature kernel
        # follows Keras's global seed and the bias its own initializer's seed
        bias = keras.initializers.RandomNormal(seed=0)
        if kind == "ConnectomeDense (mask)":
            return ConnectomeDense(plain_mask(8), seed=seed, bias_initializer=bias)
        return ConnectomeDense(worm, features=3, seed=seed, bias_initializer=bias)
    if kind.startswith("ReservoirCell"):
        wiring = plain_mask(12) if kind == "ReservoirCell (mask)" else worm
        # on a plain mask every count is 1: random magnitudes, so is_random sees the draw
        arguments = (
            {"input_neurons": [0, 1, 2], "magnitudes": "random"}
            if kind == "ReservoirCell (mask)"
            else {}
        )
        return keras.layers.RNN(ReservoirCell(wiring, bias_scaling=0.2, seed=seed, **arguments))
    if kind == "ConnectomicBlock":
        return ConnectomicBlock(worm, features=4, gating=True, dropout=dropout, seed=seed)
    if kind == "MotorAttentionReadout":
        return MotorAttentionReadout(
            num_heads=2, key_dim=4, output_dim=3, dropout=dropout, seed=seed
        )
    return EchoStateTransformer(
        worm, d_model=8, num_heads=2, num_blocks=2, ff_dim=8, dropout=dropout, seed=seed
    )


SHAPES = {
    "ConnectomeDense": [(None, 279, 2)],
    "ConnectomeDense (mask)": [(None, 8)],
    "ReservoirCell": [(None, 4, 2)],
    "ReservoirCell (mask)": [(None, 4, 2)],
    "ConnectomicBlock": [(None, 6, 3)],
    "MotorAttentionReadout": [(None, 5), (None, 9, 5)],
    "EchoStateTransformer": [(None, 4, 2)],
}


def built(layer: keras.layers.Layer, kind: str) -> keras.layers.Layer:
    layer.build(*SHAPES[kind])
    return layer


def make(worm, kind: str, seed: int | None, dropout: float = 0.0) -> keras.layers.Layer:
    """A built layer of ``kind``; seeded ones are made after setting Keras's global seed (which
    ConnectomeDense's feature kernel follows)."""
    if seed is not None and kind.startswith("ConnectomeDense"):
        keras.utils.set_random_seed(0)
    return built(construct(worm, kind, seed, dropout), kind)


def outputs(layer: keras.layers.Layer, kind: str) -> np.ndarray:
    rng = np.random.default_rng(3)
    x = [rng.normal(size=(2, *shape[1:])).astype("float32") for shape in SHAPES[kind]]
    return numpy(layer(*x))


def relative(weight, kind: str) -> str:
    """A weight's path inside its layer (an RNN's cell is one level further down)."""
    return weight.path.split("/", 2 if kind.startswith("ReservoirCell") else 1)[-1]


# weights whose values another seed decides (see construct)
SEEDED_ELSEWHERE = {
    "ConnectomeDense": {"feature_kernel", "bias"},
    "ConnectomeDense (mask)": {"bias"},
}
# how many weights the seed draws at random: the synapse values; the recurrent values, input
# kernel and bias; receptive fields, synapse values, feature, gate and embedding kernels; the
# four attention kernels; positions, recurrent values, input kernel, token kernel and 6 kernels
# a block
RANDOM_WEIGHTS = {
    "ConnectomeDense": 1,
    "ConnectomeDense (mask)": 1,
    "ReservoirCell": 3,
    "ReservoirCell (mask)": 3,
    "ConnectomicBlock": 5,
    "MotorAttentionReadout": 4,
    "EchoStateTransformer": 16,
}
KINDS = list(SHAPES)


def is_random(value: np.ndarray) -> bool:
    """Drawn at random (not zeros, ones or a constant; a masked input kernel still counts)."""
    return np.unique(value).size > 2


def drawn_by_the_seed(weight, kind: str) -> bool:
    return is_random(numpy(weight)) and weight.name not in SEEDED_ELSEWHERE.get(kind, ())


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_seed_gives_identical_initial_weights_and_outputs(worm, kind):
    first, second = make(worm, kind, 21), make(worm, kind, 21)
    assert len(first.weights) == len(second.weights) > 0
    assert [relative(w, kind) for w in first.weights] == [relative(w, kind) for w in second.weights]
    for a, b in zip(first.weights, second.weights, strict=True):
        np.testing.assert_array_equal(numpy(a), numpy(b), err_msg=a.path)
    np.testing.assert_array_equal(outputs(first, kind), outputs(second, kind))


@pytest.mark.parametrize("kind", KINDS)
def test_different_seeds_give_different_weights_and_outputs(worm, kind):
    first, other = make(worm, kind, 21), make(worm, kind, 22)
    random = 0
    for a, b in zip(first.weights, other.weights, strict=True):
        if drawn_by_the_seed(a, kind):
            random += 1
            assert not np.array_equal(numpy(a), numpy(b)), a.path
        else:
            np.testing.assert_array_equal(numpy(a), numpy(b), err_msg=a.path)
    assert random == RANDOM_WEIGHTS[kind]
    assert not np.allclose(outputs(first, kind), outputs(other, kind))


def test_connectome_dense_feature_kernel_follows_the_global_seed(worm):
    def kernel(seed):
        layer = ConnectomeDense(worm, features=3, seed=seed)
        layer.build((None, 279, 2))
        return numpy(layer.feature_kernel)

    keras.utils.set_random_seed(5)
    first = kernel(1)
    keras.utils.set_random_seed(5)
    np.testing.assert_array_equal(kernel(2), first)
    assert not np.array_equal(kernel(1), first)  # the global stream moved on


@pytest.mark.parametrize("kind", ["MotorAttentionReadout", "EchoStateTransformer"])
def test_attention_projections_are_distinct_and_seeded(worm, kind):
    layer = make(worm, kind, 23)
    again = make(worm, kind, 23)
    attentions = (
        [layer.attention]
        if kind == "MotorAttentionReadout"
        else [block.attention for block in layer.blocks]
    )
    repeated = (
        [again.attention]
        if kind == "MotorAttentionReadout"
        else [block.attention for block in again.blocks]
    )
    seen = []
    for attention, twin in zip(attentions, repeated, strict=True):
        kernels = [w for w in attention.weights if w.path.endswith("/kernel")]
        twins = [w for w in twin.weights if w.path.endswith("/kernel")]
        assert len(kernels) == 4
        for kernel, other in zip(kernels, twins, strict=True):
            np.testing.assert_array_equal(numpy(kernel), numpy(other))
            for previous in seen:
                if previous.shape == kernel.shape:
                    assert not np.array_equal(previous, numpy(kernel)), kernel.path
            seen.append(numpy(kernel))
    assert len(seen) == 4 * len(attentions)


@pytest.mark.parametrize("kind", KINDS)
def test_an_unseeded_layer_draws_a_seed_records_it_and_follows_the_global_seed(worm, kind):
    # draw_seed uses NumPy's global generator, which set_random_seed seeds
    keras.utils.set_random_seed(31)
    first = make(worm, kind, None)
    keras.utils.set_random_seed(31)
    second, third = make(worm, kind, None), make(worm, kind, None)
    layer = first.cell if kind.startswith("ReservoirCell") else first
    config = layer.get_config()
    assert isinstance(config["seed"], int) and 0 <= config["seed"] <= MAX_SEED
    assert config["seed"] == layer.seed
    if kind == "EchoStateTransformer":  # its reservoir has the layer's seed
        assert layer.cell.seed == layer.seed
    assert (second.cell if kind.startswith("ReservoirCell") else second).seed == layer.seed
    for a, b in zip(first.weights, second.weights, strict=True):
        np.testing.assert_array_equal(numpy(a), numpy(b), err_msg=a.path)
    assert (third.cell if kind.startswith("ReservoirCell") else third).seed != layer.seed
    pairs = zip(first.weights, third.weights, strict=True)
    drawn = [(a, b) for a, b in pairs if drawn_by_the_seed(a, kind)]
    assert len(drawn) == RANDOM_WEIGHTS[kind]
    for a, b in drawn:
        assert not np.array_equal(numpy(a), numpy(b)), a.path
    # the recorded seed rebuilds the layer (ConnectomeDense's feature kernel aside: see construct)
    clone = type(layer).from_config(config)
    clone = built(keras.layers.RNN(clone) if kind.startswith("ReservoirCell") else clone, kind)
    for a, b in zip(first.weights, clone.weights, strict=True):
        if a.name != "feature_kernel" or not kind.startswith("ConnectomeDense"):
            np.testing.assert_array_equal(numpy(a), numpy(b), err_msg=a.path)


@pytest.mark.parametrize("kind", ["ConnectomicBlock", "EchoStateTransformer"])
def test_dropout_follows_the_seed(worm, kind):
    def build(seed):
        if kind == "ConnectomicBlock":
            layer = ConnectomicBlock(worm, features=4, dropout=0.5, seed=seed)
        else:
            layer = EchoStateTransformer(
                worm, d_model=8, num_heads=2, num_blocks=1, ff_dim=8, dropout=0.5, seed=seed
            )
        layer.build(x.shape)
        return layer

    x = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")
    first, second, other = build(24), build(24), build(25)
    a = numpy(first(x, training=True))
    np.testing.assert_array_equal(a, numpy(second(x, training=True)))
    inference = numpy(first(x, training=False))
    assert np.abs(a - inference).max() > 1e-4  # dropout did act
    # another seed: other weights and masks, so compare the dropout effect, not the values
    assert not np.allclose(
        numpy(other(x, training=True)) - numpy(other(x, training=False)), a - inference
    )


@pytest.mark.parametrize("kind", KINDS)
def test_the_largest_accepted_seed_works(worm, kind):
    layer = make(worm, kind, MAX_SEED, dropout=0.1)
    again = make(worm, kind, MAX_SEED, dropout=0.1)
    for a, b in zip(layer.weights, again.weights, strict=True):
        np.testing.assert_array_equal(numpy(a), numpy(b))
