"""Published weights: manifest, checksum refusal, atomic writes, the shipped models."""

from __future__ import annotations

import json

import numpy as np
import pytest

from elegans_keras.errors import WeightsError
from elegans_keras.models import elegans_classifier
from elegans_keras.pretrained import (
    default_weights_dir,
    load_pretrained,
    publish,
    read_manifest,
    sha256_of,
)

CONFIG = {"input_shape": [28, 28, 1], "num_classes": 10, "features": 8, "mode": "reservoir",
          "seed": 3}


@pytest.fixture()
def published(tmp_path):
    model = elegans_classifier(**CONFIG)
    record = {"experiment": "mnist_classify", "factory": "elegans_classifier", "config": CONFIG,
              "dataset": "mnist", "test_metrics": {"accuracy": 0.1}}
    path = publish(model, "tiny", record, weights_dir=tmp_path)
    return model, path


def test_publish_then_load_gives_the_same_model(published, tmp_path):
    model, path = published
    entry = read_manifest(tmp_path)["tiny"]
    assert entry["sha256"] == sha256_of(path) and entry["file"] == "tiny.weights.h5"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "tiny.weights.h5"]
    x = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    restored = load_pretrained("tiny", tmp_path)
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)


def test_corrupt_weights_are_refused(published, tmp_path):
    _, path = published
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="fails its checksum"):
        load_pretrained("tiny", tmp_path)


def test_unknown_and_missing(published, tmp_path):
    _, path = published
    with pytest.raises(WeightsError, match="no published model 'other'.*tiny"):
        load_pretrained("other", tmp_path)
    path.unlink()
    with pytest.raises(WeightsError, match="missing"):
        load_pretrained("tiny", tmp_path)


def test_publish_needs_a_complete_record(tmp_path):
    with pytest.raises(WeightsError, match="lacks"):
        publish(elegans_classifier(**CONFIG), "x", {"factory": "elegans_classifier"}, tmp_path)
    assert not list(tmp_path.iterdir())


def test_unreadable_manifest(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(WeightsError, match="unreadable"):
        read_manifest(tmp_path)


def test_shipped_weights_are_small_and_match_their_checksums():
    folder = default_weights_dir()
    entries = json.loads((folder / "manifest.json").read_text())["models"]
    assert any("classifier" in n for n in entries) and any("unsup" in n for n in entries)
    for name, entry in entries.items():
        path = folder / entry["file"]
        assert path.stat().st_size < 20 * 2**20, name
        assert sha256_of(path) == entry["sha256"], name
        assert {"factory", "config", "dataset", "test_metrics", "command", "parameters"} <= set(entry)


def test_shipped_classifier_reproduces_its_manifest_accuracy():
    from elegans_keras.cli import evaluate_published

    results = evaluate_published("mnist_classifier_reservoir", quiet=True)
    now, published = results["accuracy"]
    assert abs(now - published) < 1e-4
