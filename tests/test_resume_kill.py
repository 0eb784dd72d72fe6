"""Trustworthy runs: SIGKILL an experiment mid-epoch and resume.

Checkpoints and publishing survive crashes.

The kill test runs the real experiment (``python -m elegans_keras.experiments.mnist_classify``,
with its learning-rate schedule and early stopping) three times: an
uninterrupted reference, a run SIGKILLed 1.5 s into an epoch after its first
checkpoint, and the same command again, which must resume and end exactly as
the reference: the same validation losses and the same final weights.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest

from elegans_keras.models import elegans_classifier
from elegans_keras.pretrained import load_pretrained, publish, read_manifest
from elegans_keras.training import run_callbacks, start_run

WAIT_S = 600
COMMAND = [
    "--limit",
    "1500",
    "--epochs",
    "5",
    "--batch-size",
    "64",
    "--learning-rate",
    "0.03",
    "--quiet",
]


def launch(root: Path, run_id: str, log: Path) -> subprocess.Popen:
    """Start the experiment on run ``root/mnist_classify/run_id`` (CPU only)."""
    command = [
        sys.executable,
        "-m",
        "elegans_keras.experiments.mnist_classify",
        *COMMAND,
        "--out",
        str(root),
        "--run-id",
        run_id,
    ]
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "3"}
    with open(log, "wb") as stream:
        return subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT, env=env)


def checkpoint_epoch(run_dir: Path) -> int:
    pointer = run_dir / "backup" / "latest.json"
    if not pointer.is_file():
        return 0
    return int(json.loads(pointer.read_text())["folder"].split("-")[1])


def epoch_rows(run_dir: Path) -> list[dict[str, str]]:
    with open(run_dir / "metrics.csv", newline="") as stream:
        return list(csv.DictReader(stream))


def h5_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every dataset of an HDF5 file by its path."""
    arrays: dict[str, np.ndarray] = {}
    with h5py.File(path, "r") as handle:
        handle.visititems(
            lambda name, item: (
                arrays.__setitem__(name, item[()]) if isinstance(item, h5py.Dataset) else None
            )
        )
    return arrays


def test_killed_experiment_resumes_with_its_schedule_and_identical_weights(tmp_path):
    root = tmp_path / "logs"
    reference_dir, run_dir = root / "mnist_classify" / "reference", root / "mnist_classify" / "run"
    logs = {name: tmp_path / f"{name}.log" for name in ("reference", "killed", "resumed")}
    processes = []
    try:
        processes.append(reference := launch(root, "reference", logs["reference"]))
        processes.append(killed := launch(root, "run", logs["killed"]))
        deadline = time.monotonic() + WAIT_S
        while checkpoint_epoch(run_dir) < 1:
            assert killed.poll() is None, logs["killed"].read_text()[-3000:]
            assert time.monotonic() < deadline, "no checkpoint in time"
            time.sleep(0.1)
        time.sleep(1.5)
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(timeout=30) == -signal.SIGKILL
        assert 1 <= checkpoint_epoch(run_dir) < 5
        processes.append(resumed := launch(root, "run", logs["resumed"]))
        for process, log in ((resumed, "resumed"), (reference, "reference")):
            assert process.wait(timeout=WAIT_S) == 0, logs[log].read_text()[-3000:]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)

    rows, reference_rows = epoch_rows(run_dir), epoch_rows(reference_dir)
    assert [row["epoch"] for row in rows] == [row["epoch"] for row in reference_rows]
    assert [row["val_loss"] for row in rows] == [row["val_loss"] for row in reference_rows]
    final, expected = (h5_arrays(d / "final.weights.h5") for d in (run_dir, reference_dir))
    assert sorted(final) == sorted(expected) and len(final) > 10
    for name, values in expected.items():
        np.testing.assert_array_equal(final[name], values, err_msg=name)
    assert (
        json.loads((run_dir / "test_metrics.json").read_text())["test_metrics"]
        == json.loads((reference_dir / "test_metrics.json").read_text())["test_metrics"]
    )


class Interrupted(Exception):
    """Stands for a crash in the middle of a run."""


def test_a_checkpoint_torn_by_a_crash_is_never_resumed_from(tmp_path, monkeypatch):
    run_dir = start_run("demo", {"seed": 1}, root=tmp_path, run_id="torn")
    x, y = np.ones((8, 4), "float32"), np.zeros((8, 2), "float32")
    started: list[int] = []
    marker = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: started.append(epoch)
    )

    def fit() -> None:
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        model.compile("adam", "mse")
        model.fit(x, y, epochs=4, verbose=0, callbacks=[marker, *run_callbacks(run_dir)])

    save = keras.Model.save_weights
    saves = []

    def crash_on_the_third(self, path, *args, **kwargs):
        saves.append(path)
        if len(saves) == 3:
            Path(path).write_bytes(b"\x89HDF torn")
            raise Interrupted
        return save(self, path, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "save_weights", crash_on_the_third)
    with pytest.raises(Interrupted):
        fit()
    monkeypatch.undo()
    started.clear()
    fit()
    assert started == [2, 3]
    assert [row["epoch"] for row in epoch_rows(run_dir)] == ["0", "1", "2", "3"]


CONFIG = {
    "input_shape": [28, 28, 1],
    "num_classes": 10,
    "features": 4,
    "filters": [4],
    "num_heads": 1,
    "mode": "reservoir",
    "seed": 3,
}
RECORD = {
    "factory": "elegans_classifier",
    "config": CONFIG,
    "test_data": {"dataset": "mnist"},
    "test_metrics": {"accuracy": 0.1},
}


@pytest.fixture()
def published(tmp_path):
    """A model published as ``tiny`` in ``tmp_path``, and the folder's bytes by file name."""
    model = elegans_classifier(**CONFIG)
    publish(model, "tiny", RECORD, weights_dir=tmp_path)
    return model, {p.name: p.read_bytes() for p in tmp_path.iterdir()}


def test_publish_interrupted_while_saving_weights_leaves_previous_files(
    published, tmp_path, monkeypatch
):
    model, before = published

    def save_partially_then_fail(self, path, *args, **kwargs):
        Path(path).write_bytes(b"\x89HDF\r\n\x1a\n truncated")
        raise OSError("disk full")

    monkeypatch.setattr(keras.Model, "save_weights", save_partially_then_fail)
    with pytest.raises(OSError, match="disk full"):
        publish(model, "tiny", RECORD, weights_dir=tmp_path)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert load_pretrained("tiny", tmp_path).count_params() == model.count_params()


def test_publish_interrupted_while_writing_manifest_keeps_the_old_pair(
    published, tmp_path, monkeypatch
):
    model, before = published
    dumps = json.dumps

    def dump_partially_then_fail(payload, stream, **kwargs):
        stream.write(dumps(payload)[:20])
        raise OSError("disk full")

    model.set_weights([w + 1.0 for w in model.get_weights()])
    monkeypatch.setattr(json, "dump", dump_partially_then_fail)
    with pytest.raises(OSError, match="disk full"):
        publish(model, "tiny", RECORD, weights_dir=tmp_path)
    monkeypatch.undo()
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after["manifest.json"] == before["manifest.json"]
    for name, data in before.items():
        assert after[name] == data, name
    restored = load_pretrained("tiny", tmp_path)
    np.testing.assert_array_equal(
        restored.get_weights()[0], elegans_classifier(**CONFIG).get_weights()[0]
    )
    assert read_manifest(tmp_path)["tiny"]["file"] in after
