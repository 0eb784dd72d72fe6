"""Two TensorFlow workers on 127.0.0.1 train the classifier with MultiWorkerMirroredStrategy."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="MultiWorkerMirroredStrategy needs the TensorFlow backend",
)

WORKER = Path(__file__).with_name("multi_worker_worker.py")
WORKERS = 2
TIMEOUT_S = 120


def free_ports(count: int) -> list[int]:
    """Ports the OS hands out for port 0 (held open together so they differ)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def wait_all(processes: list[subprocess.Popen], timeout_s: float) -> None:
    """Wait for every process; stop early when one fails or the time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        codes = [process.poll() for process in processes]
        if all(code == 0 for code in codes) or any(code not in (None, 0) for code in codes):
            return
        time.sleep(0.5)


def test_two_workers_train_in_sync(tmp_path: Path) -> None:
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(WORKERS)]}
    outputs = [tmp_path / f"worker{index}.npz" for index in range(WORKERS)]
    logs = [tmp_path / f"worker{index}.log" for index in range(WORKERS)]
    processes = []
    try:
        for index, (output, log) in enumerate(zip(outputs, logs)):
            env = {
                **os.environ,
                "CUDA_VISIBLE_DEVICES": "",
                "KERAS_BACKEND": "tensorflow",
                "TF_CONFIG": json.dumps(
                    {"cluster": cluster, "task": {"type": "worker", "index": index}}
                ),
            }
            with log.open("w") as stream:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, str(WORKER), str(output)],
                        env=env,
                        stdout=stream,
                        stderr=subprocess.STDOUT,
                    )
                )
        wait_all(processes, TIMEOUT_S)
        for process, log in zip(processes, logs):
            assert process.poll() == 0, f"{log.name}:\n{log.read_text()[-3000:]}"
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)

    results = [np.load(output) for output in outputs]
    names = [name for name in results[0].files if name.startswith("w")]
    assert len(names) > 10  # trainable weights: BatchNorm moving statistics stay per worker
    assert all(int(result["replicas"]) == WORKERS for result in results)
    for name in names:
        np.testing.assert_allclose(
            results[0][name], results[1][name], rtol=1e-5, atol=1e-6, err_msg=name
        )
    for result in results:
        assert float(result["loss_after"]) < float(result["loss_before"])
    assert float(results[0]["loss_after"]) == pytest.approx(float(results[1]["loss_after"]))
