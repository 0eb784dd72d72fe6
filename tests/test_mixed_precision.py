"""The model factories under mixed_float16 / mixed_bfloat16: build, train a step, save, load."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keras
import numpy as np
import pytest

from elegans_keras.connectome.spectrum import spectral_radius
from elegans_keras.datasets import binarize, load_images
from elegans_keras.distribute import set_precision
from elegans_keras.models import (
    echo_state_network,
    elegans_autoencoder,
    elegans_classifier,
)

POLICIES = ("mixed_float16", "mixed_bfloat16")


@pytest.fixture(params=POLICIES)
def policy(request: pytest.FixtureRequest) -> Iterator[str]:
    """Set each mixed policy for the test, then restore float32."""
    set_precision(request.param)
    try:
        yield request.param
    finally:
        keras.mixed_precision.set_dtype_policy("float32")


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """Eight real MNIST training digits and their labels."""
    images, labels = load_images("mnist", "train")
    return images[:8], labels[:8]


def round_trip(model: keras.Model, inputs: np.ndarray, folder: Path) -> None:
    """Save, reload with safe_mode and check the reload predicts the same."""
    path = folder / f"{model.name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert loaded.dtype_policy.name == model.dtype_policy.name
    np.testing.assert_allclose(
        loaded.predict(inputs, verbose=0), model.predict(inputs, verbose=0), rtol=1e-2, atol=1e-2
    )


def test_classifier(policy: str, digits: tuple[np.ndarray, np.ndarray], tmp_path: Path) -> None:
    images, labels = digits
    model = elegans_classifier(features=8, filters=(8, 16))
    assert model.get_layer("connectome").compute_dtype == policy.split("_")[1]
    assert all(w.dtype == "float32" for w in model.trainable_weights)
    loss = model.train_on_batch(images, labels, return_dict=True)["loss"]
    assert np.isfinite(loss)
    round_trip(model, images, tmp_path)


def test_autoencoder(policy: str, digits: tuple[np.ndarray, np.ndarray], tmp_path: Path) -> None:
    images = binarize(digits[0])
    model = elegans_autoencoder(features=4, filters=(8, 8), decoder_filters=(8, 8))
    output = model.predict(images, verbose=0)
    assert output.shape == images.shape
    loss = model.train_on_batch(images, images, return_dict=True)["loss"]
    assert np.isfinite(loss)
    round_trip(model, images, tmp_path)


def test_echo_state_network(policy: str, tmp_path: Path) -> None:
    signal = np.random.default_rng(0).uniform(-1, 1, (2, 20, 1)).astype("float32")
    model = echo_state_network(spectral_radius=0.9, seed=0)
    cell = model.get_layer("reservoir").cell
    assert cell.compute_dtype == policy.split("_")[1]
    values = keras.ops.convert_to_numpy(cell.recurrent_values).astype(np.float64)
    assert cell.recurrent_values.dtype == "float32"
    assert spectral_radius(cell.syn.matrix(values)) == pytest.approx(0.9, abs=1e-4)
    loss = model.train_on_batch(signal, signal, return_dict=True)["loss"]
    assert np.isfinite(loss)
    round_trip(model, signal, tmp_path)
