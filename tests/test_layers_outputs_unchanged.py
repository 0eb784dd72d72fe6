"""Outputs do not change across the layer refactor of issue 24 (one synapse specification).

Every layer and factory below is built with the arguments of the release before issue 24 (the
old names included: ``connectome_or_mask``, ``weights``, ``output_neurons``) and a fixed seed,
and run on fixed inputs. ``tests/data/outputs_before_issue24.npz`` holds what that release
computed on each backend (its outputs, and each weight's sum and sum of squares), and
``tests/data/saved_before_issue24/`` the ``.keras`` files it saved (TensorFlow); both were
written by this module on the release's code (commit 2f223ac):

    for b in tensorflow jax torch; do
        KERAS_BACKEND=$b python tests/test_layers_outputs_unchanged.py --write
    done

The tests check that today's code computes the same numbers, and that the files saved by the
old release still load (in safe mode) and compute them too.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

import elegans_keras as ek
from elegans_keras.layers import (
    ConnectomeDense,
    ConnectomicBlock,
    EchoStateTransformer,
    MotorAttentionReadout,
    ReservoirCell,
    ReservoirRNN,
)
from elegans_keras.models import (
    echo_state_network,
    echo_state_transformer_classifier,
    elegans_autoencoder,
    elegans_classifier,
    memory_scores,
    plain_autoencoder,
    plain_classifier,
)

DATA = Path(__file__).resolve().parent / "data"
# seeded initializers draw different numbers on each backend: one reference file per backend
OUTPUTS = DATA / f"outputs_before_issue24_{keras.backend.backend()}.npz"
SAVED = DATA / "saved_before_issue24"
# across backends the same float32 arithmetic rounds differently; on one backend it is exact
RTOL, ATOL = 2e-4, 2e-5


def _mask() -> np.ndarray:
    rng = np.random.default_rng(11)
    counts = rng.integers(1, 5, (30, 30)) * (rng.random((30, 30)) < 0.2)
    np.fill_diagonal(counts, 0)
    counts[0, 1] = counts[1, 0] = 2  # a cycle, whatever the draw
    return counts


def _model(layer: keras.layers.Layer, shape: tuple) -> keras.Model:
    inputs = keras.Input(shape)
    return keras.Model(inputs, layer(inputs))


def _inputs(shape: tuple, seed: int, batch: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).random((batch, *shape)).astype("float32")


# name -> (builder of a keras.Model from the default connectome, input shape)
LAYER_CASES: dict[str, tuple[Callable[[Any], keras.Model], tuple]] = {
    "dense_rank2": (
        lambda w: _model(ConnectomeDense(w, activation="tanh", seed=3), (279,)),
        (279,),
    ),
    "dense_rank2_sparse": (
        lambda w: _model(ConnectomeDense(w, implementation="sparse", seed=3), (279,)),
        (279,),
    ),
    "dense_rank3_options": (
        lambda w: _model(
            ConnectomeDense(
                w, "chemical", features=4, weights="random", signs="neurotransmitter", seed=5
            ),
            (279, 2),
        ),
        (279, 2),
    ),
    "dense_mask_radius_nonneg": (
        lambda w: _model(
            ConnectomeDense(
                connectome_or_mask=_mask(), spectral_radius=0.8, sign_constraint="nonneg", seed=1
            ),
            (30,),
        ),
        (30,),
    ),
    "reservoir_rnn": (
        lambda w: _model(
            ReservoirRNN(
                ReservoirCell(
                    w, leak_rate=0.5, output_neurons="M", bias_scaling=0.1, weights="random", seed=2
                ),
                return_sequences=True,
            ),
            (6, 2),
        ),
        (6, 2),
    ),
    "reservoir_keras_rnn_mask": (
        lambda w: _model(
            keras.layers.RNN(
                ReservoirCell(
                    _mask(),
                    spectral_radius=1.1,
                    input_neurons=[0, 3, 7],
                    output_neurons=[1, 2],
                    implementation="sparse",
                    seed=9,
                    trainable=True,
                )
            ),
            (5, 1),
        ),
        (5, 1),
    ),
    "block_rank2_gated": (
        lambda w: _model(ConnectomicBlock(w, features=4, steps=3, gating=True, seed=4), (12,)),
        (12,),
    ),
    "block_tokens_reservoir_shared": (
        lambda w: _model(
            ConnectomicBlock(
                w, mode="reservoir", features=3, shared_values=500, signs="neurotransmitter", seed=8
            ),
            (6, 5),
        ),
        (6, 5),
    ),
    "echo_state_transformer": (
        lambda w: _model(
            EchoStateTransformer(
                w, d_model=8, num_heads=2, num_blocks=1, ff_dim=8, state_neurons="M", seed=6
            ),
            (5, 3),
        ),
        (5, 3),
    ),
}

FACTORY_CASES: dict[str, tuple[Callable[[Any], keras.Model], tuple]] = {
    "elegans_classifier_deep": (lambda w: elegans_classifier(seed=0), (28, 28, 1)),
    "elegans_classifier_reservoir_old_head": (
        lambda w: elegans_classifier(
            mode="reservoir", normalized_head=False, batch_norm_momentum=0.9, seed=1
        ),
        (28, 28, 1),
    ),
    "plain_classifier": (lambda w: plain_classifier(seed=0), (28, 28, 1)),
    "elegans_autoencoder": (lambda w: elegans_autoencoder(seed=0), (28, 28, 1)),
    "plain_autoencoder": (lambda w: plain_autoencoder(seed=0), (28, 28, 1)),
    "echo_state_network": (lambda w: echo_state_network(w, input_dim=2, seed=0), (20, 2)),
    "echo_state_network_deep": (
        lambda w: echo_state_network(output_dim=3, mode="deep", leak_rate=1.0, seed=4),
        (20, 1),
    ),
    "echo_state_transformer_classifier": (
        lambda w: echo_state_transformer_classifier(sequence="patches", d_model=16, seed=0),
        (28, 28, 1),
    ),
}

# saved as .keras by the old release, loaded by today's code
SAVED_CASES = (
    "dense_rank2",
    "dense_mask_radius_nonneg",
    "reservoir_rnn",
    "block_rank2_gated",
    "echo_state_transformer",
)


def _attention_case(w: Any) -> keras.Model:
    query, tokens = keras.Input((8,)), keras.Input((89, 4))
    readout = MotorAttentionReadout(num_heads=2, key_dim=4, output_dim=6, seed=7)
    return keras.Model([query, tokens], readout(query, tokens))


def _run(name: str, worm: Any) -> tuple[keras.Model, np.ndarray]:
    """The model of case ``name`` and its outputs on the case's fixed inputs."""
    keras.utils.set_random_seed(1234)  # initializers given no seed (ConnectomeDense's features)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if name == "motor_attention":
            model = _attention_case(worm)
            inputs: Any = [_inputs((8,), 1), _inputs((89, 4), 2)]
        else:
            build, shape = {**LAYER_CASES, **FACTORY_CASES}[name]
            model, inputs = build(worm), _inputs(shape, len(name))
    return model, np.asarray(model.predict(inputs, verbose=0), dtype=np.float64)


def _memory() -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # last release's positional call
        scores = memory_scores(ek.load_connectome(), 0.9, length=400, washout=50, max_delay=5)
    return np.array([scores[key] for key in sorted(scores)], dtype=np.float64)


def _weight_sums(model: keras.Model) -> np.ndarray:
    weights = [np.asarray(w, dtype=np.float64) for w in model.get_weights()]
    return np.array([[w.sum(), (w**2).sum()] for w in weights])


ALL_CASES = [*LAYER_CASES, *FACTORY_CASES, "motor_attention"]


@pytest.fixture(scope="module")
def before() -> dict[str, np.ndarray]:
    with np.load(OUTPUTS) as stored:
        return dict(stored)


@pytest.mark.parametrize("name", ALL_CASES)
def test_outputs_and_initial_weights_unchanged(name, worm, before):
    model, outputs = _run(name, worm)
    np.testing.assert_allclose(outputs, before[f"{name}/outputs"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(_weight_sums(model), before[f"{name}/weights"], rtol=RTOL, atol=ATOL)


def test_memory_scores_unchanged(before):
    np.testing.assert_allclose(_memory(), before["memory_scores"], rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("name", SAVED_CASES)
def test_files_saved_by_the_old_release_load_and_compute_the_same(name):
    path = SAVED / f"{name}.keras"
    model = keras.saving.load_model(path)  # safe mode: the default
    shape = LAYER_CASES[name][1]
    with np.load(DATA / "outputs_before_issue24_tensorflow.npz") as saved_by:  # the files' backend
        expected = saved_by[f"{name}/outputs"]
    outputs = np.asarray(model.predict(_inputs(shape, len(name)), verbose=0), dtype=np.float64)
    np.testing.assert_allclose(outputs, expected, rtol=RTOL, atol=ATOL)


def write() -> None:
    """Compute every case on the code importable now and write the reference files."""
    worm = ek.load_connectome()
    arrays: dict[str, np.ndarray] = {"memory_scores": _memory()}
    SAVED.mkdir(parents=True, exist_ok=True)
    save = keras.backend.backend() == "tensorflow"
    for name in ALL_CASES:
        model, outputs = _run(name, worm)
        arrays[f"{name}/outputs"] = outputs
        arrays[f"{name}/weights"] = _weight_sums(model)
        if save and name in SAVED_CASES:
            model.save(SAVED / f"{name}.keras")
        print(name, outputs.shape, file=sys.stderr)
    np.savez_compressed(OUTPUTS, **arrays)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the reference files")
    if parser.parse_args().write:
        write()
