"""Fuzzing the model factories' arguments: one bad value at a time from argument pools."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import given

from elegans_keras.checks import MAX_FACTORY_SEED, MAX_SEED
from elegans_keras.models import echo_state_network, elegans_autoencoder, elegans_classifier
from fuzz.helpers import (
    BAD_INTS,
    BAD_NUMBERS,
    BAD_SIZES,
    CLASSIFIER_BASE,
    IMPLEMENTATION_POOL,
    SIGN_POOL,
    TINY,
    WEIGHT_POOL,
    expect_error,
    fuzz,
    one_mutation,
)

# --- model factories ------------------------------------------------------------------
TINY_ENTRIES = int(TINY.mask("all").sum())  # 9 directed synaptic entries


COMMON_POOLS = {
    "mode": (["deep", "reservoir"], ["Deep", "", None, 1]),
    "features": ([1, 3], BAD_INTS),
    "steps": ([1, 2], BAD_INTS),
    "num_heads": ([1, 2], BAD_INTS),
    "spectral_radius": ([0.5, 2.0], [0.0, -1.0, *BAD_NUMBERS]),
    "learning_rate": ([1e-4, 0.5], [0.0, -1e-3, *BAD_NUMBERS]),
    "seed": ([0, 7, MAX_FACTORY_SEED], [-1, 1.5, "0", True, None, MAX_FACTORY_SEED + 1]),
    "connectome": ([TINY], ["no_such_worm", "missing.graphml", "a\x00b.csv", "dir/", 42]),
    "weights": WEIGHT_POOL,
    "signs": SIGN_POOL,
    "implementation": IMPLEMENTATION_POOL,
}


CLASSIFIER_POOLS = {
    **COMMON_POOLS,
    "input_shape": (
        [(8, 8, 1), (5, 7, 2), (1, 1, 1)],
        [(8, 8), (8, 0, 1), (-8, 8, 1), (8.0, 8, 1), (8, 8, 1, 1), (True, 8, 1), "abc", None],
    ),
    "num_classes": ([2, 5, np.int64(3)], [1, 0, -1, 2.5, True, "10", None, 2**40]),
    "filters": ([(4,), (4, 2), [3]], [(), (0,), (-4,), (4.5,), ("a",), (True,), 4, None, "4"]),
    "dropout": ([0.0, 0.5], [1.0, -0.1, *BAD_NUMBERS]),
    "shared_values": ([None, 1, 4, TINY_ENTRIES], [0, -1, 1.5, True, "2", TINY_ENTRIES + 1, 2**40]),
}


def built_or_refused(factory: Callable, base: dict, mutation: tuple) -> tuple[Any, dict]:
    """``factory(**config)`` with one argument of ``base`` mutated; (None, config) if refused.

    A value the pool marks invalid must raise the package's error.
    """
    argument, value, valid = mutation
    config = {**base, argument: value}
    if not valid:
        expect_error(lambda: factory(**config))
        return None, config
    return factory(**config), config


@fuzz("classifier_arguments")
@given(one_mutation(CLASSIFIER_POOLS))
def test_fuzz_classifier_arguments(mutation):
    model, config = built_or_refused(elegans_classifier, CLASSIFIER_BASE, mutation)
    if model is None:
        return
    argument, value, _ = mutation
    probabilities = model.predict(np.zeros((1, *config["input_shape"]), "float32"), verbose=0)
    assert probabilities.shape == (1, config["num_classes"])
    np.testing.assert_allclose(probabilities.sum(), 1.0, rtol=1e-5)
    if argument == "shared_values" and value is not None:
        assert model.get_layer("connectome").syn.num_values == value


AUTOENCODER_POOLS = {
    **COMMON_POOLS,
    "input_shape": ([(8, 8, 1), (4, 6, 2)], [(8, 8), (7, 8, 1), (0, 8, 1), (8, 8, -1), None]),
    "decoder_channels": ([1, 4], BAD_SIZES),
    "decoder_filters": ([(4,), (1,)], [(), (4, 4), (0,), (-1,), (2.5,), 4, None]),
}


AUTOENCODER_BASE = {
    "input_shape": (8, 8, 1),
    "connectome": TINY,
    "features": 2,
    "steps": 1,
    "filters": (4,),
    "decoder_filters": (4,),
    "decoder_channels": 2,
    "num_heads": 1,
}


@fuzz("autoencoder_arguments")
@given(one_mutation(AUTOENCODER_POOLS))
def test_fuzz_autoencoder_arguments(mutation):
    model, config = built_or_refused(elegans_autoencoder, AUTOENCODER_BASE, mutation)
    if model is None:
        return
    pixels = model.predict(np.zeros((1, *config["input_shape"]), "float32"), verbose=0)
    assert pixels.shape == (1, *config["input_shape"])
    assert np.all((pixels >= 0) & (pixels <= 1))


ECHO_STATE_POOLS = {
    key: COMMON_POOLS[key]
    for key in (
        "mode",
        "spectral_radius",
        "learning_rate",
        "connectome",
        "weights",
        "signs",
        "implementation",
    )
} | {
    "seed": ([0, 7, None, MAX_SEED], [-1, 1.5, "0", True, MAX_SEED + 1]),
    "input_dim": ([1, 3], BAD_SIZES),
    "output_dim": ([1, 2], BAD_SIZES),
    "leak_rate": ([0.3, 1.0], [0.0, 1.5, *BAD_NUMBERS]),
    "input_scaling": ([0.5, 2.0], [0.0, -1.0, *BAD_NUMBERS]),
    "input_neurons": (["S", "SI", "all"], ["X", "", None, [99]]),
    "output_neurons": (["all", "M"], ["Z", "", [-1]]),
}


@fuzz("echo_state_arguments")
@given(one_mutation(ECHO_STATE_POOLS))
def test_fuzz_echo_state_arguments(mutation):
    model, config = built_or_refused(echo_state_network, {"connectome": TINY}, mutation)
    if model is None:
        return
    signal = np.zeros((1, 5, config.get("input_dim", 1)), "float32")
    outputs = model.predict(signal, verbose=0)
    assert outputs.shape == (1, 5, config.get("output_dim", 1))
    assert np.all(np.isfinite(outputs))
