"""Trustworthy runs: SIGKILL mid-epoch and resume; publishing never leaves half-written files.

The kill test runs ``tests/resume_worker.py`` three times: an uninterrupted
reference run, a run that is SIGKILLed a few batches into its second epoch
(after the first epoch's backup), and the same command with the same run id
again, which must resume at epoch 1 and end with the reference run's weights.
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

from elegans_keras.errors import WeightsError
from elegans_keras.models import elegans_classifier
from elegans_keras.pretrained import load_pretrained, publish
from elegans_keras.training import run_callbacks, start_run

WORKER = Path(__file__).with_name("resume_worker.py")
EPOCHS = 3
WAIT_S = 240


def launch(root: Path, run_id: str, log: Path, hold_epoch: int | None = None
           ) -> subprocess.Popen:
    """Start the worker on run ``root/resume/run_id`` (CPU only), its output going to ``log``."""
    command = [sys.executable, str(WORKER), str(root), run_id, str(EPOCHS)]
    if hold_epoch is not None:
        command.append(str(hold_epoch))
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "3"}
    with open(log, "wb") as stream:
        return subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT, env=env)


def wait_for_line(log: Path, line: str, process: subprocess.Popen, timeout: float) -> None:
    """Poll ``log`` until it holds ``line``; fail if the process ends or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if line in log.read_text(errors="replace").splitlines():
            return
        if process.poll() is not None:
            pytest.fail(f"worker exited ({process.returncode}) before {line!r}:\n"
                        f"{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)
    pytest.fail(f"no {line!r} from the worker within {timeout} s")


def finish(process: subprocess.Popen, log: Path) -> None:
    """Wait (bounded) for a worker and require a clean exit."""
    assert process.wait(timeout=WAIT_S) == 0, log.read_text(errors="replace")[-3000:]


def epoch_rows(run_dir: Path) -> list[dict[str, str]]:
    with open(run_dir / "metrics.csv", newline="") as stream:
        return list(csv.DictReader(stream))


def h5_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every dataset of an HDF5 file by its path."""
    arrays: dict[str, np.ndarray] = {}
    with h5py.File(path, "r") as handle:
        handle.visititems(lambda name, item: arrays.__setitem__(name, item[()])
                          if isinstance(item, h5py.Dataset) else None)
    return arrays


def test_killed_run_resumes_from_last_epoch_with_identical_weights(tmp_path):
    reference_dir, run_dir = tmp_path / "resume" / "reference", tmp_path / "resume" / "run"
    logs = {name: tmp_path / f"{name}.log" for name in ("reference", "killed", "resumed")}
    processes = []
    try:
        processes.append(reference := launch(tmp_path, "reference", logs["reference"]))
        processes.append(killed := launch(tmp_path, "run", logs["killed"], hold_epoch=1))
        wait_for_line(logs["killed"], "holding", killed, WAIT_S)
        backup = json.loads((run_dir / "backup" / "training_metadata.json").read_text())
        assert backup["epoch"] == 1
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(timeout=30) == -signal.SIGKILL
        assert [row["epoch"] for row in epoch_rows(run_dir)] == ["0"]

        processes.append(resumed := launch(tmp_path, "run", logs["resumed"]))
        finish(resumed, logs["resumed"])
        finish(reference, logs["reference"])
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)

    starts = [line for line in logs["resumed"].read_text().splitlines()
              if line.startswith("epoch-begin")]
    assert starts == ["epoch-begin 1", "epoch-begin 2"]
    assert not (run_dir / "backup").exists()
    rows, reference_rows = epoch_rows(run_dir), epoch_rows(reference_dir)
    assert [row["epoch"] for row in rows] == ["0", "1", "2"]
    assert [row["loss"] for row in rows] == [row["loss"] for row in reference_rows]
    final, expected = (h5_arrays(d / "final.weights.h5") for d in (run_dir, reference_dir))
    assert sorted(final) == sorted(expected) and len(final) > 10
    for name, values in expected.items():
        np.testing.assert_allclose(final[name], values, rtol=1e-6, atol=1e-7, err_msg=name)


class Interrupted(Exception):
    """Stands for a crash in the middle of a run."""


class StopAtEpoch(keras.callbacks.Callback):
    """Raise :class:`Interrupted` at the start of ``epoch`` (after the previous backups)."""

    def __init__(self, epoch: int) -> None:
        super().__init__()
        self.epoch = epoch
        self.started: list[int] = []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.started.append(epoch)
        if epoch == self.epoch:
            raise Interrupted


def test_resume_after_a_torn_backup_write_uses_the_previous_epoch(tmp_path):
    run_dir = start_run("demo", {"seed": 1}, root=tmp_path, run_id="torn")
    x, y = np.ones((8, 4), "float32"), np.zeros((8, 2), "float32")

    def fit(stop: StopAtEpoch) -> None:
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        model.compile("adam", "mse")
        model.fit(x, y, epochs=4, verbose=0, callbacks=run_callbacks(run_dir) + [stop])

    with pytest.raises(Interrupted):
        fit(StopAtEpoch(2))
    latest = run_dir / "backup" / "latest.weights.h5"
    latest.write_bytes(latest.read_bytes()[:100])
    fit(resumed := StopAtEpoch(-1))
    assert resumed.started == [1, 2, 3]


CONFIG = {"input_shape": [28, 28, 1], "num_classes": 10, "features": 4, "filters": [4],
          "num_heads": 1, "mode": "reservoir", "seed": 3}
RECORD = {"factory": "elegans_classifier", "config": CONFIG, "dataset": "mnist",
          "test_metrics": {"accuracy": 0.1}}


@pytest.fixture()
def published(tmp_path):
    """A model published as ``tiny`` in ``tmp_path``, and the folder's bytes by file name."""
    model = elegans_classifier(**CONFIG)
    publish(model, "tiny", RECORD, weights_dir=tmp_path)
    return model, {p.name: p.read_bytes() for p in tmp_path.iterdir()}


def test_publish_interrupted_while_saving_weights_leaves_previous_files(published, tmp_path,
                                                                        monkeypatch):
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


def test_publish_interrupted_while_writing_manifest_never_loads_unverified_weights(
        published, tmp_path, monkeypatch):
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
    assert sorted(after) == sorted(before)
    assert after["manifest.json"] == before["manifest.json"]
    with pytest.raises(WeightsError, match="fails its checksum"):
        load_pretrained("tiny", tmp_path)
