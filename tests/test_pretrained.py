"""Published weights: manifest, checksum refusal, atomic writes, the shipped models."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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

CONFIG = {
    "input_shape": [28, 28, 1],
    "num_classes": 10,
    "features": 8,
    "mode": "reservoir",
    "seed": 3,
}


@pytest.fixture()
def published(tmp_path):
    model = elegans_classifier(**CONFIG)
    path = publish(model, "tiny", RECORD, weights_dir=tmp_path)
    return model, path


RECORD = {
    "experiment": "mnist_classify",
    "factory": "elegans_classifier",
    "config": CONFIG,
    "test_data": {"dataset": "mnist"},
    "test_metrics": {"accuracy": 0.1},
}


def test_publish_then_load_gives_the_same_model(published, tmp_path):
    model, path = published
    entry = read_manifest(tmp_path)["tiny"]
    assert entry["sha256"] == sha256_of(path)
    assert entry["file"] == f"tiny-{entry['sha256'][:12]}.weights.h5"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "manifest.json",
        entry["file"],
    ]
    x = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    restored = load_pretrained("tiny", tmp_path)
    np.testing.assert_allclose(
        restored.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
    )


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


def test_republishing_replaces_the_pair_and_sweeps_leftovers(published, tmp_path):
    """A kill between new weights and manifest leaves orphans; the next publish sweeps them."""
    _, first = published
    (tmp_path / ".tiny.weights.h5.abc.tmp.weights.h5").write_bytes(b"half")
    (tmp_path / "tiny-000000000000.weights.h5").write_bytes(b"orphan of a killed publish")
    model = elegans_classifier(**{**CONFIG, "seed": 4})
    second = publish(model, "tiny", RECORD, weights_dir=tmp_path)
    assert second != first and not first.exists()
    names = sorted(p.name for p in tmp_path.iterdir() if p.name != ".manifest.lock")
    assert names == ["manifest.json", second.name]
    load_pretrained("tiny", tmp_path)


def test_a_kill_before_the_manifest_keeps_the_old_pair(published, tmp_path, monkeypatch):
    """Publishing dies after writing the new weights, before the manifest: old pair intact."""
    import elegans_keras.pretrained as pretrained

    _, first = published

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(pretrained, "write_json", killed)
    with pytest.raises(KeyboardInterrupt):
        publish(elegans_classifier(**{**CONFIG, "seed": 5}), "tiny", RECORD, weights_dir=tmp_path)
    monkeypatch.undo()
    assert first.exists()
    load_pretrained("tiny", tmp_path)


@pytest.mark.parametrize(
    "manifest, message",
    [
        ("[]", "unreadable"),
        ('{"models": {"m": {"factory": "elegans_classifier"}}}', "lacks"),
        (
            '{"models": {"m": {"factory": "f", "config": {}, "test_data": {}, "test_metrics": {}, '
            '"sha256": "0", "file": "../../../../etc/passwd"}}}',
            "plain file name",
        ),
        (
            '{"models": {"m": {"factory": "f", "config": {}, "test_data": {}, "test_metrics": {}, '
            '"sha256": "0", "file": "/etc/passwd"}}}',
            "plain file name",
        ),
    ],
)
def test_hostile_manifests_are_refused(tmp_path, manifest, message):
    (tmp_path / "manifest.json").write_text(manifest)
    with pytest.raises(WeightsError, match=message):
        load_pretrained("m", tmp_path)


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
        assert {"factory", "config", "test_data", "test_metrics", "command", "parameters"} <= set(
            entry
        )


def test_shipped_classifier_reproduces_its_manifest_accuracy():
    from elegans_keras.pretrained import evaluate_published

    results = evaluate_published("mnist_classifier_reservoir", quiet=True)
    now, published = results["accuracy"]
    assert abs(now - published) < 1e-4


# --- hostile entries: each refused as a WeightsError naming the entry, before building ------
def edit_entry(folder, **changes) -> dict:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    entry = manifest["models"]["tiny"]
    for key, value in changes.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    path.write_text(json.dumps(manifest))
    return entry


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"config": [28, 28, 1]}, "'tiny'.*config is a list, expected a mapping"),
        ({"config": "num_classes=10"}, "'tiny'.*config is a str, expected a mapping"),
        ({"config": {**CONFIG, "colour": "red"}}, "'tiny'.*does not fit elegans_classifier"),
        ({"config": {**CONFIG, "mode": "sideways"}}, "'tiny'.*elegans_classifier refuses"),
        ({"test_data": [1]}, "'tiny'.*test_data is a list, expected a mapping"),
        ({"test_metrics": {"accuracy": "high"}}, "'tiny'.*test_metrics .* not numbers"),
        ({"size_bytes": "big"}, "'tiny'.*size_bytes 'big' is not a byte count"),
    ],
)
def test_malformed_entries_are_weights_errors(published, tmp_path, changes, message):
    from elegans_keras.pretrained import list_pretrained

    edit_entry(tmp_path, **changes)
    with pytest.raises(WeightsError, match=message):
        load_pretrained("tiny", tmp_path)
    if set(changes) & {"test_data", "test_metrics", "size_bytes"}:
        with pytest.raises(WeightsError, match=message):
            list_pretrained(tmp_path)


def test_a_truncated_file_with_a_matching_checksum_is_a_weights_error(published, tmp_path):
    _, path = published
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    edit_entry(tmp_path, sha256=sha256_of(path), size_bytes=path.stat().st_size)
    with pytest.raises(WeightsError, match="'tiny' is not a readable HDF5 file"):
        load_pretrained("tiny", tmp_path)


def test_weights_of_another_model_are_a_weights_error(published, tmp_path):
    """The file's values are counted from its layout: another model's weights are refused."""
    edit_entry(tmp_path, config={**CONFIG, "features": 4})
    with pytest.raises(WeightsError, match="'tiny' holds .* values, the model its config"):
        load_pretrained("tiny", tmp_path)


@pytest.mark.parametrize("declared", ["kept", "removed"])
def test_a_3_gib_weights_file_is_refused_by_its_size_before_hashing(
    published, tmp_path, monkeypatch, declared
):
    import elegans_keras.pretrained as pretrained

    _, path = published
    with open(path, "r+b") as stream:  # sparse: no disk used
        stream.truncate(3 << 30)
    if declared == "removed":
        edit_entry(tmp_path, size_bytes=None)

    def hashed(*args):
        raise AssertionError("hashed before its size was checked")

    monkeypatch.setattr(pretrained, "sha256_of", hashed)
    message = "manifest says" if declared == "kept" else "more than the limit"
    with pytest.raises(WeightsError, match=f"'tiny' has 3,221,225,472 bytes, .*{message}"):
        load_pretrained("tiny", tmp_path)


def test_a_huge_config_is_refused_before_the_model_is_built(published, tmp_path):
    """``num_classes: 10000000`` (a 6 GB model) is refused under a 4 GiB address-space cap."""
    edit_entry(tmp_path, config={**CONFIG, "num_classes": 10_000_000})
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))\n"
        "from elegans_keras.errors import WeightsError\n"
        "from elegans_keras.pretrained import load_pretrained\n"
        "try:\n"
        f"    load_pretrained('tiny', {str(tmp_path)!r})\n"
        "except WeightsError as error:\n"
        "    print('refused:', error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (
        "refused: published model 'tiny': config num_classes=10000000 asks for more" in done.stdout
    )
