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


def make(worm, kind: str, seed: int | None, dropout: float = 0.0) -> keras.layers.Layer:
    """A built layer of ``kind`` (``dropout`` for the layers that have one)."""
    if kind == "ConnectomeDense":
        # its ``seed`` covers the synapse values only (as documented); the feature kernel
        # follows Keras's global seed and the bias its own initializer's seed
        keras.utils.set_random_seed(0)
        layer = ConnectomeDense(
            worm, features=3, seed=seed, bias_initializer=keras.initializers.RandomNormal(seed=0)
        )
        layer.build((None, 279, 2))
    elif kind == "ReservoirCell":
        layer = keras.layers.RNN(ReservoirCell(worm, bias_scaling=0.2, seed=seed))
        layer.build((None, 4, 2))
    elif kind == "ConnectomicBlock":
        layer = ConnectomicBlock(worm, features=4, gating=True, dropout=dropout, seed=seed)
        layer.build((None, 6, 3))
    elif kind == "MotorAttentionReadout":
        layer = MotorAttentionReadout(
            num_heads=2, key_dim=4, output_dim=3, dropout=dropout, seed=seed
        )
        layer.build((None, 5), (None, 9, 5))
    else:
        layer = EchoStateTransformer(
            worm, d_model=8, num_heads=2, num_blocks=2, ff_dim=8, dropout=dropout, seed=seed
        )
        layer.build((None, 4, 2))
    return layer


# weights whose values another seed decides (see make)
SEEDED_ELSEWHERE = {"ConnectomeDense": {"feature_kernel", "bias"}}
KINDS = [
    "ConnectomeDense",
    "ReservoirCell",
    "ConnectomicBlock",
    "MotorAttentionReadout",
    "EchoStateTransformer",
]


def is_random(value: np.ndarray) -> bool:
    """Drawn at random (not zeros, ones or a constant; a masked input kernel still counts)."""
    return np.unique(value).size > 2


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_seed_gives_identical_initial_weights(worm, kind):
    first, second = make(worm, kind, 21), make(worm, kind, 21)
    assert len(first.weights) == len(second.weights) > 0
    for a, b in zip(first.weights, second.weights, strict=True):
        assert a.name == b.name
        np.testing.assert_array_equal(numpy(a), numpy(b), err_msg=a.path)


@pytest.mark.parametrize("kind", KINDS)
def test_different_seeds_give_different_weights(worm, kind):
    first, other = make(worm, kind, 21), make(worm, kind, 22)
    random = 0
    for a, b in zip(first.weights, other.weights, strict=True):
        if is_random(numpy(a)) and a.name not in SEEDED_ELSEWHERE.get(kind, ()):
            random += 1
            assert not np.array_equal(numpy(a), numpy(b)), a.path
        else:
            np.testing.assert_array_equal(numpy(a), numpy(b), err_msg=a.path)
    assert random >= (1 if kind == "ConnectomeDense" else 2)


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


@pytest.mark.parametrize(
    "kind", ["ConnectomeDense", "ReservoirCell", "ConnectomicBlock", "EchoStateTransformer"]
)
def test_an_unseeded_layer_draws_a_seed_and_keeps_it(worm, kind):
    first, second = make(worm, kind, None), make(worm, kind, None)
    config = (first.cell if kind == "ReservoirCell" else first).get_config()
    assert isinstance(config["seed"], int) and 0 <= config["seed"] <= MAX_SEED
    if kind == "ConnectomeDense":
        # make() sets Keras's global seed first, and a drawn seed follows it (draw_seed uses
        # NumPy's global generator, which set_random_seed seeds): the same seed both times
        assert first.seed == second.seed == config["seed"]
        return
    values = [numpy(w) for w in first.weights if is_random(numpy(w))]
    others = [numpy(w) for w in second.weights if is_random(numpy(w))]
    assert any(not np.array_equal(a, b) for a, b in zip(values, others, strict=True))


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
