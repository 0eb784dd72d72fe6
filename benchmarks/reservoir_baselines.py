"""The reservoir baselines of ``bench_scale.py``, in a process of their own (numpy and scipy only).

A process that has imported TensorFlow is a poor place to time a numpy loop:
its allocator and its idle thread pools slow a loop that allocates a few
hundred kB per step (measured: the same scipy loop took 9-15 s of CPU there
and 4-7 s alone, at 140,000 neurons). So ``bench_scale.py`` saves the
reservoir's matrices to an ``.npz`` file and starts this script on it; each
line it reads on stdin names a loop to run once, and it answers with one JSON
line of wall and CPU seconds. The loops (1,000 steps, batch 1, the same
arithmetic as ``ReservoirRNN``):

* ``scipy``: ``h = (1 - a) h + a tanh(u W_in + b + W^T h)`` with ``W^T`` as CSR,
  one line per step, as a scipy user would write it;
* ``scipy_in_place``: the same with every step's arithmetic written into
  preallocated arrays (only the product allocates);
* ``rpy``: reservoirpy's ``Reservoir`` on the same matrices (if installed).

The first run of each loop also saves its states (``<name>.npy`` beside the
``.npz``), outside the timing, for ``bench_scale.py`` to compare.

Usage (from bench_scale.py): python benchmarks/reservoir_baselines.py MATRICES.npz
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp


def loops(path: Path) -> dict[str, Callable[[], np.ndarray]]:
    """The baseline loops over the matrices saved at ``path``."""
    saved = np.load(path)
    n, leak = int(saved["n"]), float(saved["leak"])
    transposed = sp.csr_array((saved["data"], saved["indices"], saved["indptr"]), shape=(n, n))
    signal, w_in, bias = saved["signal"], saved["w_in"], saved["bias"]
    steps = signal.shape[0]

    def scipy_loop() -> np.ndarray:
        state, out = np.zeros(n, np.float32), np.empty((steps, n), np.float32)
        drive_in = signal @ w_in + bias
        for t in range(steps):
            state = (1 - leak) * state + leak * np.tanh(drive_in[t] + transposed @ state)
            out[t] = state
        return out

    def scipy_in_place() -> np.ndarray:
        out, state = np.empty((steps, n), np.float32), np.zeros(n, np.float32)
        drive_in = signal @ w_in + bias
        for t in range(steps):
            activation = drive_in[t]
            activation += transposed @ state
            np.tanh(activation, out=activation)
            activation *= leak
            np.multiply(state, 1 - leak, out=out[t])
            out[t] += activation
            state = out[t]
        return out

    runs = {"scipy": scipy_loop, "scipy_in_place": scipy_in_place}
    try:
        from reservoirpy.nodes import Reservoir
    except ImportError:
        return runs

    def reservoirpy_run() -> np.ndarray:
        node = Reservoir(
            W=sp.csr_matrix(transposed),
            Win=w_in.T.astype(np.float64),
            bias=bias.astype(np.float64),
            lr=leak,
        )
        return node.run(signal.astype(np.float64))

    runs["rpy"] = reservoirpy_run
    return runs


def main() -> None:
    path = Path(sys.argv[1])
    runs = loops(path)
    print(json.dumps({"loops": list(runs)}), flush=True)
    for line in sys.stdin:
        name = line.strip()
        if not name:
            break
        wall, cpu = time.perf_counter(), time.process_time()
        states = runs[name]()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        saved = path.with_name(f"{name}.npy")
        if not saved.exists():
            np.save(saved, states.astype(np.float32))
        del states
        print(json.dumps({"wall_s": wall, "cpu_s": cpu}), flush=True)


if __name__ == "__main__":
    main()
