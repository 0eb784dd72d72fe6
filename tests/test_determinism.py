"""Determinism: a seed fixes null models, initial weights and (CPU) training trajectories."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import keras
import numpy as np
import pytest

from elegans_keras.connectome import load_connectome
from elegans_keras.connectome.nullmodels import NULL_MODELS, make_null_model
from elegans_keras.datasets import load_images
from elegans_keras.errors import ConfigurationError
from elegans_keras.models import elegans_classifier
from elegans_keras.training import (
    EpochSeeds,
    run_callbacks,
    seed_states,
    set_seed,
    start_run,
)

PARAMETERS = {"rewire": {"p": 0.2}, "watts_strogatz": {"p": 0.1}}
SMALL = {"features": 4, "filters": (4,), "num_heads": 1, "steps": 2, "dropout": 0.3}


def null_fingerprints(seed: int) -> dict[str, str]:
    worm = load_connectome()
    return {
        family: make_null_model(worm, family, seed=seed, **PARAMETERS.get(family, {})).fingerprint
        for family in NULL_MODELS
    }


def test_null_models_depend_only_on_their_seed():
    """Same seed -> same graph, whatever the global RNGs and in another process."""
    np.random.seed(1)
    random.seed(1)
    first = null_fingerprints(seed=3)
    np.random.seed(2)
    random.seed(2)
    assert null_fingerprints(seed=3) == first
    assert set(first) == set(NULL_MODELS)
    different = null_fingerprints(seed=4)
    assert all(different[family] != first[family] for family in NULL_MODELS)
    script = (
        "import json\n"
        "from elegans_keras.connectome import load_connectome\n"
        "from elegans_keras.connectome.nullmodels import NULL_MODELS, make_null_model\n"
        f"params = {PARAMETERS!r}\n"
        "print(json.dumps({f: make_null_model(load_connectome(), f, seed=3, "
        "**params.get(f, {})).fingerprint for f in NULL_MODELS}))\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "123"},
    )
    assert json.loads(other.stdout.strip().splitlines()[-1]) == first


def initial_weights(seed: int) -> list[np.ndarray]:
    set_seed(seed)
    model = elegans_classifier(seed=seed, **SMALL)
    return [np.asarray(w) for w in model.trainable_weights]


def test_same_seed_same_initial_weights_other_seed_other_weights():
    first, again, other = initial_weights(0), initial_weights(0), initial_weights(1)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    random_init = [k for k, w in enumerate(first) if np.ptp(w) > 0]
    assert len(random_init) >= 5
    for k in random_init:
        assert not np.array_equal(first[k], other[k])


def test_factory_seed_alone_fixes_initial_weights():
    keras.utils.set_random_seed(10)
    first = [np.asarray(w) for w in elegans_classifier(seed=0, **SMALL).trainable_weights]
    keras.utils.set_random_seed(11)
    again = [np.asarray(w) for w in elegans_classifier(seed=0, **SMALL).trainable_weights]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    images, labels = load_images("mnist", "train")
    return images[:192], labels[:192]


def trajectory(seed: int, digits: tuple[np.ndarray, np.ndarray]) -> tuple[list, list, list]:
    """Loss history, initial and final weights of a short seeded fit (every ninth neuron)."""
    set_seed(seed)
    worm = load_connectome()
    model = elegans_classifier(
        connectome=worm.subgraph(neurons=worm.names[::9]), seed=seed, **SMALL
    )
    initial = [np.asarray(w) for w in model.weights]
    history = model.fit(*digits, epochs=2, batch_size=32, verbose=0, callbacks=[EpochSeeds(seed)])
    return history.history["loss"], initial, [np.asarray(w) for w in model.weights]


def test_same_seed_same_training_trajectory(digits):
    losses, initial, weights = trajectory(0, digits)
    losses_again, _, weights_again = trajectory(0, digits)
    assert losses == losses_again
    for a, b in zip(weights, weights_again):
        np.testing.assert_array_equal(a, b)
    assert losses[1] != losses[0]
    assert sum(not np.array_equal(a, b) for a, b in zip(initial, weights)) >= 5


def test_epoch_seeds_depend_on_seed_and_epoch_only():
    model = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dropout(0.5, seed=1), keras.layers.Dropout(0.5, seed=2)]
    )
    callback = EpochSeeds(seed=7)
    callback.set_model(model)
    states = seed_states(model)
    assert len(states) == 2

    def state_at(epoch: int) -> list[list[int]]:
        callback.on_epoch_begin(epoch)
        return [np.asarray(s).tolist() for s in states]

    at_three = state_at(3)
    for _ in range(4):
        model(np.ones((2, 8)), training=True)
    assert [np.asarray(s).tolist() for s in states] != at_three
    assert state_at(3) == at_three
    assert state_at(4) != at_three
    assert at_three[0] != at_three[1]


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True, None])
def test_epoch_seeds_rejects_bad_seeds(seed):
    with pytest.raises(ConfigurationError, match="seed"):
        EpochSeeds(seed)


def test_run_callbacks_reseed_with_the_recorded_seed(tmp_path):
    run_dir = start_run("demo", {"seed": 5}, root=tmp_path, run_id="seeded")
    reseeds = [c for c in run_callbacks(run_dir) if isinstance(c, EpochSeeds)]
    assert [c.seed for c in reseeds] == [5]
    assert [c.seed for c in run_callbacks(run_dir, seed=9) if isinstance(c, EpochSeeds)] == [9]
    unseeded = start_run("demo", {}, root=tmp_path, run_id="unseeded")
    assert not any(isinstance(c, EpochSeeds) for c in run_callbacks(unseeded))
    kinds = {type(c).__name__ for c in run_callbacks(run_dir)}
    assert {"CSVLogger", "ResumeTraining", "EpochSeeds"} <= kinds
