"""Fly scale: the sparse path from 279 to 140,000 neurons, side by side with scipy and reservoirpy.

For each size (the worm itself, seeded synthetic graphs with a fly-like
heavy-tailed degree distribution at 3,000, 30,000 and 140,000 neurons, and
the bundled Drosophila larva) two subprocesses each read the graph (a CSV
edge list through ``read_edgelist`` for the synthetic sizes) and measure:

* the first, ``ConnectomeDense`` (rank 3, sparse path, batch 32, 32
  features) forward + backward against scipy's forward and transposed
  products of the same matrix (``A^T X`` and ``A dY``, float32);
* the second, ``ReservoirCell`` construction (spectral scaling included) and
  1,000 steps of a batch-1 reservoir in ``ReservoirRNN`` (``predict_on_batch``;
  ``keras.layers.RNN``'s loop over the same cell beside it), against a
  ``scipy.sparse`` loop and reservoirpy's ``Reservoir`` on the same matrices
  (W, W_in, bias, leak) with the largest state difference between the three;
  then ``ConnectomicBlock`` (sparse path) construction and one forward pass;
  the spectral-radius estimate against dense eigenvalues (N <= 3,000) or a
  tight ARPACK run (larger N); and the null models ``rewire``,
  ``degree_preserving``, ``erdos_renyi`` and ``shuffle_weights``;
* each stage's peak resident memory and the size it started from (the count
  restarts after every stage; memory a stage frees is not always handed back
  to the system, hence two processes, so that each layer starts from the graph).

Up to 3,000 neurons it also times ``ConnectomeDense`` forward + backward with
the dense implementation (where ``"auto"`` switches is measured by
``bench_crossover.py``). Times are the best of ``--repeats``; the three reservoir loops
run in turn within each repeat, so machine noise falls on all three alike.

``--beside-load BUSY`` measures only the reservoir build (``ReservoirCell``
construction, spectral scaling included), idle and beside BUSY CPU-bound
processes in turn, wall and CPU time.

``--loops-only`` measures only the 1,000 reservoir steps: ``ReservoirRNN``
beside the plain scipy loop, an in-place scipy loop and reservoirpy
(``compare_loops``), wall and CPU time, in paired rounds. A size ``zipfN``
is a graph of N neurons with hub-heavy Zipf(1.8) out-degrees (``zipf_edges``).

Usage:
    python benchmarks/bench_scale.py [--sizes 279 3000 30000 140000 larva] [--repeats 3] [--write]
    python benchmarks/bench_scale.py --beside-load 2 --sizes 279 3000 30000 --repeats 3
    python benchmarks/bench_scale.py --loops-only --sizes 140000 zipf140000 30000 --repeats 3
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from machine import load, machine, stamp, write_section
from reservoir_baselines import loops as baseline_loops

TITLE = "Fly scale: sparse synapses from 279 to 140,000 neurons (`bench_scale.py`)"
LOOPS_TITLE = (
    "Reservoir loops: ReservoirRNN beside scipy and reservoirpy, CPU time "
    "(`bench_scale.py --loops-only`)"
)
SYNAPSES = {3000: 64_000, 30000: 1_000_000, 140000: 3_000_000}
COLUMNS = (
    "read_csv_s",
    "reservoir_build_s",
    "reservoir_keras_s",
    "reservoir_rnn_loop_s",
    "reservoir_scipy_s",
    "reservoir_rpy_s",
    "dense_fb_s",
    "dense_scipy_s",
    "dense_path_fb_s",
    "block_build_and_forward_s",
    "peak_reservoir_gb",
    "peak_connectome_dense_gb",
    "peak_block_gb",
)


def fly_like_edges(n: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``m`` distinct directed pairs with log-normal in/out propensities (Chung-Lu), and counts."""
    rng = np.random.default_rng(seed)
    out_weight, in_weight = rng.lognormal(0, 1, n), rng.lognormal(0, 1, n)
    keys = np.zeros(0, dtype=np.int64)
    while keys.size < m:
        pre = rng.choice(n, size=m, p=out_weight / out_weight.sum())
        post = rng.choice(n, size=m, p=in_weight / in_weight.sum())
        keys = np.unique(np.concatenate([keys, (pre * n + post)[pre != post]]))
    keys = rng.choice(keys, size=m, replace=False)
    counts = rng.geometric(0.3, size=m)
    return keys // n, keys % n, counts


def zipf_edges(
    n: int, exponent: float = 1.8, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hub-heavy out-degrees: each neuron's out-degree ~ Zipf(``exponent``), capped at ``n - 1``.

    Targets are uniform; self-loops and repeated pairs are dropped (at 140,000
    neurons: about 3.8 million pairs, the largest out-degree about 89,000).
    """
    rng = np.random.default_rng(seed)
    degrees = np.minimum(rng.zipf(exponent, n), n - 1)
    pre = np.repeat(np.arange(n), degrees)
    post = rng.integers(0, n, pre.size)
    keys = np.unique((pre * n + post)[pre != post])
    return keys // n, keys % n, rng.geometric(0.3, size=keys.size)


def write_edge_list(path: Path, n: int, m: int, shape: str = "fly") -> None:
    """A CSV edge list (pre, post, count, type): ``fly_like_edges`` or ``zipf_edges``."""
    import pandas as pd

    pre, post, counts = zipf_edges(n) if shape == "zipf" else fly_like_edges(n, m)
    pd.DataFrame(
        {
            "pre": [f"n{i}" for i in pre],
            "post": [f"n{i}" for i in post],
            "count": counts,
            "type": "chemical",
        }
    ).to_csv(path, index=False)


def peak_gb() -> float:
    """This process's peak resident memory since the last :func:`stage` (or start), in GB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def resident_gb() -> float:
    """This process's resident memory now, in GB (Linux ``/proc/self/status``)."""
    with open("/proc/self/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
    return kib / 2**20


def reset_peak() -> float:
    """Restart the peak-memory count at the current resident size (Linux ``clear_refs``)."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    return resident_gb()


_stage_start = {"gb": 0.0}


def stage(row: dict, name: str) -> None:
    """Record (and print to stderr) one stage's peak resident memory, then restart the count.

    Each stage's peak is the whole process's (the graph and what earlier stages
    left alive included), so a target such as "under 4 GB" applies to it as is;
    ``start_<stage>_gb`` is the resident size the stage started from.
    """
    row[f"peak_{name}_gb"] = peak_gb()
    row[f"start_{name}_gb"] = _stage_start["gb"]
    row["peak_gb"] = max(row.get("peak_gb", 0.0), row[f"peak_{name}_gb"])
    print(
        f"{row['size']}: {name} done, peak {row[f'peak_{name}_gb']:.2f} GB "
        f"(from {_stage_start['gb']:.2f})",
        file=sys.stderr,
        flush=True,
    )
    _stage_start["gb"] = reset_peak()


def alternating(repeats: int, functions: dict) -> tuple[dict[str, float], dict[str, object]]:
    """The fastest time of each function over ``repeats`` rounds calling them in turn.

    Machine noise (another tenant, memory bandwidth) then falls on all of
    them alike; the last result of each is returned, the previous one freed
    first (one result per function alive: its memory is not counted twice).
    """
    times: dict[str, list[float]] = {name: [] for name in functions}
    results: dict[str, object] = {}
    for _ in range(repeats):
        for name, function in functions.items():
            results[name] = None
            started = time.perf_counter()
            results[name] = function()
            times[name].append(time.perf_counter() - started)
    return {name: min(values) for name, values in times.items()}, results


def best(repeats: int, function, *args) -> tuple[float, object]:
    """The fastest of ``repeats`` calls and the last result."""
    times, results = alternating(repeats, {"only": lambda: function(*args)})
    return times["only"], results["only"]


PARTS = ("connectome_dense", "reservoir_block_graph")
LOOPS_PART = "reservoir_loops"  # --loops-only: the reservoir's 1,000 steps and their baselines


def read_graph(size: str, row: dict):
    """The worm, the larva or a seeded graph of ``size`` neurons (read from a CSV).

    ``"30000"``: fly-like (``fly_like_edges``); ``"zipf140000"``: hub-heavy (``zipf_edges``).
    """
    import elegans_keras as ek

    if size == "larva":
        return ek.load_connectome("drosophila_larva")
    if size == "279":
        return ek.load_connectome()
    shape = "zipf" if size.startswith("zipf") else "fly"
    n = int(size.removeprefix("zipf"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "edges.csv"
        write_edge_list(path, n, SYNAPSES.get(n, 0), shape)
        rng = np.random.default_rng(1)
        roles = {
            f"n{i}": r
            for i, r in enumerate(rng.choice(["S", "I", "M"], size=n, p=[0.05, 0.9, 0.05]))
        }
        started = time.perf_counter()
        connectome = ek.read_edgelist(path, roles=roles, name=f"{shape}-like-{n}")
        row["read_csv_s"] = time.perf_counter() - started
    return connectome


def compare_loops(model, cell, signal: np.ndarray, repeats: int) -> dict:
    """``model`` (a ``ReservoirRNN``) beside the baseline loops, in turn, wall and CPU seconds.

    Every loop runs twice per round, each run after half a second idle:
    ReservoirRNN first and last, each baseline loop (``reservoir_baselines.py``)
    once in a process of its own (numpy and scipy only) and once in this one
    (main thread, ``time.thread_time``; on this VM either place was the faster
    from run to run). A loop's time is its fastest run, and
    ``reservoir_cpu_ratio_median`` is the median over rounds of the ratio of
    ReservoirRNN's and the scipy loop's best CPU times in that round. The keras
    CPU time is this process's (TensorFlow's threads included).
    """
    import keras
    import scipy.sparse as sp

    transposed = sp.csr_array(cell.syn.matrix(cell.initial_recurrent).astype(np.float32).T)
    row: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "reservoir.npz"
        np.savez(
            path,
            n=cell.syn.num_pre,
            leak=cell.leak_rate,
            data=transposed.data,
            indices=transposed.indices,
            indptr=transposed.indptr,
            signal=signal[0],
            w_in=keras.ops.convert_to_numpy(cell.input_kernel).astype(np.float32),
            bias=keras.ops.convert_to_numpy(cell.bias).astype(np.float32),
        )
        del transposed
        worker = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("reservoir_baselines.py")), str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        names = json.loads(worker.stdout.readline())["loops"]
        here = baseline_loops(path)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in ["keras", *names]}
        rounds: list[tuple[float, float]] = []  # (keras, best scipy) CPU seconds per round
        try:
            for _ in range(repeats):
                for name in ["keras", *names, "keras"]:  # every loop timed twice a round
                    time.sleep(0.5)  # TensorFlow's thread pools and the worker go idle
                    if name == "keras":
                        states = None
                        wall, cpu = time.perf_counter(), time.process_time()
                        states = model.predict_on_batch(signal)
                        times[name].append((time.perf_counter() - wall, time.process_time() - cpu))
                        continue
                    worker.stdin.write(name + "\n")
                    worker.stdin.flush()
                    answer = json.loads(worker.stdout.readline())
                    time.sleep(0.5)
                    wall, cpu = time.perf_counter(), time.thread_time()
                    here[name]()
                    pair = (answer["wall_s"], answer["cpu_s"])
                    times[name] += [pair, (time.perf_counter() - wall, time.thread_time() - cpu)]
                rounds.append(
                    (min(c for _, c in times["keras"][-2:]), min(c for _, c in times["scipy"][-2:]))
                )
        finally:
            worker.stdin.close()
            worker.wait()
        for name, pairs in times.items():
            row[f"reservoir_{name}_s"] = min(wall for wall, _ in pairs)
            row[f"reservoir_{name}_cpu_s"] = min(cpu for _, cpu in pairs)
        row["reservoir_cpu_ratio_median"] = float(np.median([k / b for k, b in rounds]))
        states = np.asarray(states)[0]
        for name in names:
            reference = np.load(Path(folder) / f"{name}.npy", mmap_mode="r")
            row[f"reservoir_max_diff_{name}"] = float(np.abs(states - reference).max())
    return row


def build_beside_load(size: str, repeats: int, busy: int) -> dict:
    """``ReservoirCell`` construction idle and beside ``busy`` CPU-bound processes, in turn.

    Each repeat builds once idle and once with the burners running (started
    before, killed after the build); wall and CPU (``time.process_time``, this
    process's threads) of each, best of ``repeats``.
    """
    from elegans_keras.layers import ReservoirCell

    connectome = read_graph(size, {})
    times: dict[str, list[tuple[float, float]]] = {"idle": [], "loaded": []}
    for _ in range(repeats):
        for condition in times:
            burners = [
                subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(busy if condition == "loaded" else 0)
            ]
            try:
                time.sleep(0.5 if burners else 0.0)
                wall, cpu = time.perf_counter(), time.process_time()
                ReservoirCell(
                    connectome,
                    spectral_radius=0.9,
                    leak_rate=0.3,
                    input_neurons="S",
                    implementation="sparse",
                    seed=0,
                )
                times[condition].append((time.perf_counter() - wall, time.process_time() - cpu))
            finally:
                for burner in burners:
                    burner.kill()
                    burner.wait()
    row = {"size": size, "neurons": connectome.num_neurons, "busy": busy}
    for condition, pairs in times.items():
        row[f"{condition}_wall_s"] = min(w for w, _ in pairs)
        row[f"{condition}_cpu_s"] = min(c for _, c in pairs)
    return row


def load_table(rows: list[dict]) -> str:
    """Markdown: the build idle and beside the burners, wall and CPU, and their ratios."""
    lines = [
        "| graph | neurons | busy processes | idle wall / CPU (s) | loaded wall / CPU (s) "
        "| wall ratio |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']} | {r['neurons']:,} | {r['busy']} | {r['idle_wall_s']:.3f} / "
            f"{r['idle_cpu_s']:.3f} | {r['loaded_wall_s']:.3f} / {r['loaded_cpu_s']:.3f} "
            f"| {r['loaded_wall_s'] / r['idle_wall_s']:.2f}x |"
        )
    return "\n".join(lines)


def measure(size: str, repeats: int, part: str, layers: bool = True) -> dict:
    """One part of one size, in its own process, so each part's memory starts from the graph.

    ``connectome_dense``: ConnectomeDense and scipy's products; the other part:
    the reservoir and its baselines, the block, the spectral radius and the null
    models. (Memory a stage frees is not always handed back to the system, so
    a stage run after another would be charged for it.)
    """
    import keras

    from elegans_keras.connectome import nullmodels
    from elegans_keras.connectome.spectrum import spectral_radius
    from elegans_keras.layers import (
        ConnectomeDense,
        ConnectomicBlock,
        ReservoirCell,
        ReservoirRNN,
    )

    row: dict = {"size": size}
    _stage_start["gb"] = reset_peak()
    connectome = read_graph(size, row)
    n, synapses = connectome.num_neurons, connectome.num_edges("all")
    row.update(neurons=n, synapses=synapses)
    stage(row, "read")

    if part == "connectome_dense":  # its input made once, as a tensor
        dense_layer = ConnectomeDense(connectome, features=32, implementation="sparse", seed=0)
        x = keras.ops.convert_to_tensor(
            np.random.default_rng(2).standard_normal((32, n, 32)).astype("float32")
        )
        row["dense_fb_s"] = best(repeats, _forward_backward, dense_layer, x)[0]
        stage(row, "connectome_dense")
        a = dense_layer.syn.matrix(dense_layer.initial_values).astype(np.float32).tocsr()
        columns = np.random.default_rng(3).standard_normal((n, 32 * 32)).astype(np.float32)

        def scipy_products() -> None:
            forward = a.T @ columns
            a @ forward

        row["dense_scipy_s"] = best(repeats, scipy_products)[0]
        stage(row, "scipy_products")
        if n <= 3000:
            dense_path = ConnectomeDense(connectome, features=32, implementation="dense", seed=0)
            row["dense_path_fb_s"] = best(repeats, _forward_backward, dense_path, x)[0]
        return row

    if layers:
        started = time.perf_counter()
        cell = ReservoirCell(
            connectome,
            spectral_radius=0.9,
            leak_rate=0.3,
            input_neurons="S",
            implementation="sparse",
            seed=0,
        )
        row["reservoir_build_s"] = time.perf_counter() - started
        steps = 1000
        signal = np.random.default_rng(0).uniform(-1, 1, (1, steps, 1)).astype("float32")
        model = keras.Sequential(
            [keras.Input((steps, 1)), ReservoirRNN(cell, return_sequences=True)]
        )
        model.predict_on_batch(signal[:, :10])
        row["reservoir_keras_s"], states = best(1, model.predict_on_batch, signal)
        stage(row, "reservoir")  # build and 1,000 steps
        row.update(compare_loops(model, cell, signal, repeats))
        if part == "reservoir_loops":
            return row
        states = model.predict_on_batch(signal)
        loop = keras.Sequential(
            [keras.Input((steps, 1)), keras.layers.RNN(cell, return_sequences=True)]
        )
        loop.predict_on_batch(signal[:, :10])
        row["reservoir_rnn_loop_s"], looped = best(repeats, loop.predict_on_batch, signal)
        row["reservoir_max_diff_rnn_loop"] = float(np.abs(np.asarray(looped) - states).max())
        del loop, looped

        stage(row, "reservoir_baselines")
        del model, states, signal  # the reservoir's arrays before the next stage
        gc.collect()
        _stage_start["gb"] = reset_peak()

        started = time.perf_counter()
        block = ConnectomicBlock(connectome, features=8, implementation="sparse", seed=0)
        tokens = np.random.default_rng(4).standard_normal((4, 49, 16)).astype("float32")
        block(tokens)
        row["block_build_and_forward_s"] = time.perf_counter() - started
        stage(row, "block")

        matrix = cell.syn.matrix(cell.initial_recurrent)
    else:  # the graph alone: the count matrix
        matrix = connectome.adjacency(sparse=True)
    started = time.perf_counter()
    estimate = spectral_radius(matrix)
    row["spectral_s"] = time.perf_counter() - started
    if n <= 3000:
        exact = float(np.abs(np.linalg.eigvals(matrix.toarray())).max())
    else:
        import scipy.sparse.linalg as spla

        values = spla.eigs(matrix, k=24, which="LM", ncv=80, tol=1e-8, return_eigenvectors=False)
        exact = float(np.abs(values).max())
    row["spectral_error"] = abs(estimate - exact) / exact
    for family, params in (
        ("rewire", {"p": 0.5}),
        ("degree_preserving", {}),
        ("erdos_renyi", {}),
        ("shuffle_weights", {}),
    ):
        started = time.perf_counter()
        nullmodels.make_null_model(connectome, family, seed=0, **params)
        row[f"{family}_s"] = time.perf_counter() - started
    stage(row, "graph_algorithms")
    return row


def _forward_backward(layer, x) -> None:
    """Forward + backward of ``sum(layer(x) ** 2)`` for a backend tensor ``x``."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.square(layer(x)))  # tf.pow would add its exponent gradient
        tape.gradient(loss, [x, *layer.trainable_weights])
    elif backend == "jax":
        import jax

        layer(x[:1])
        values = [v.value for v in layer.trainable_weights]

        def loss(inputs, trainable):
            out, _ = layer.stateless_call(trainable, [], inputs)
            return (out**2).sum()

        jax.block_until_ready(jax.grad(loss, argnums=(0, 1))(x, values))
    else:  # torch
        tensor = x.detach().requires_grad_(True)
        (layer(tensor) ** 2).sum().backward()


def loops_table(rows: list[dict]) -> str:
    """Markdown: 1,000 reservoir steps, wall / CPU seconds of each loop, and the CPU ratios."""
    lines = [
        "| graph | neurons | synapse entries | ReservoirRNN | scipy loop "
        "| scipy loop, in place | reservoirpy "
        "| ReservoirRNN ÷ scipy loop, CPU: fastest / median round "
        "| ÷ in-place loop, CPU | largest state difference |",
        "|" + "---|" * 10,
    ]
    for row in rows:
        if "failed" in row:
            lines.append(f"| {row['size']} | failed: {row['failed']} |" + " |" * 8)
            continue
        r = {"reservoir_rpy_s": float("nan"), "reservoir_rpy_cpu_s": float("nan")} | row
        cells = [
            f"{r[f'reservoir_{name}_s']:.3g} / {r[f'reservoir_{name}_cpu_s']:.3g}"
            for name in ("keras", "scipy", "scipy_in_place", "rpy")
        ]
        difference = max(value for key, value in r.items() if key.startswith("reservoir_max_diff_"))
        lines.append(
            f"| {r['size']} | {r['neurons']:,} | {r['synapses']:,} | "
            + " | ".join(cells)
            + f" | {r['reservoir_keras_cpu_s'] / r['reservoir_scipy_cpu_s']:.2f}x / "
            f"{r['reservoir_cpu_ratio_median']:.2f}x | "
            f"{r['reservoir_keras_cpu_s'] / r['reservoir_scipy_in_place_cpu_s']:.2f}x | "
            f"{difference:.1e} |"
        )
    lines.append(
        "\nEach cell: wall / CPU seconds, the fastest run; every loop ran twice per round "
        "(ReservoirRNN first and last, each baseline once in a numpy-only process and once "
        "in the benchmark's own, `reservoir_baselines.py`)."
    )
    return "\n".join(lines)


def table(rows: list[dict]) -> str:
    header = (
        "| graph | neurons | synapse entries | read CSV (s) | ReservoirCell build (s) | "
        "1,000 steps: ReservoirRNN / keras.layers.RNN / scipy / reservoirpy (s) | "
        "ReservoirRNN ÷ faster | "
        "ConnectomeDense f+b / scipy products (s) | ratio | dense path f+b (s) | "
        "block build + forward (s) | spectral radius (s, rel. error) | rewire / "
        "degree-preserving / ER / shuffle (s) | peak (stage start): reservoir / "
        "ConnectomeDense / block / all (GB) |"
    )
    lines = [header, "|" + "---|" * 14]
    for row in rows:
        if "failed" in row:
            lines.append(f"| {row['size']} | failed: {row['failed']} |" + " |" * 12)
            continue
        nan = float("nan")
        r = {key: nan for key in COLUMNS} | row  # --graph-only rows lack the layers
        faster = np.nanmin([r["reservoir_scipy_s"], r["reservoir_rpy_s"], np.inf])
        lines.append(
            f"| {r['size']} | {r['neurons']:,} | {r['synapses']:,} | "
            f"{r['read_csv_s']:.2f} | {r['reservoir_build_s']:.2f} | "
            f"{r['reservoir_keras_s']:.3f} / {r['reservoir_rnn_loop_s']:.3f} / "
            f"{r['reservoir_scipy_s']:.3f} / "
            f"{r['reservoir_rpy_s']:.3f} | {r['reservoir_keras_s'] / faster:.2f} | "
            f"{r['dense_fb_s']:.3f} / {r['dense_scipy_s']:.3f} | "
            f"{r['dense_fb_s'] / r['dense_scipy_s']:.2f} | {r['dense_path_fb_s']:.3f} | "
            f"{r['block_build_and_forward_s']:.2f} | {r['spectral_s']:.2f} "
            f"({r['spectral_error']:.1e}) | {r['rewire_s']:.1f} / {r['degree_preserving_s']:.1f} / "
            f"{r['erdos_renyi_s']:.1f} / {r['shuffle_weights_s']:.1f} | "
            f"{r['peak_reservoir_gb']:.2f} ({r.get('start_reservoir_gb', nan):.2f}) / "
            f"{r['peak_connectome_dense_gb']:.2f} "
            f"({r.get('start_connectome_dense_gb', nan):.2f}) / "
            f"{r['peak_block_gb']:.2f} / {r['peak_gb']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["279", "3000", "30000", "140000", "larva"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--part", default=PARTS[1], choices=(*PARTS, LOOPS_PART), help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--loops-only",
        action="store_true",
        help="only ReservoirRNN's 1,000 steps beside the scipy loops and "
        "reservoirpy (wall and CPU), e.g. --sizes 140000 zipf140000",
    )
    parser.add_argument(
        "--graph-only",
        action="store_true",
        help="only reading, spectral radius and null models (no layers)",
    )
    parser.add_argument(
        "--beside-load",
        type=int,
        default=None,
        metavar="BUSY",
        help="only the reservoir build, idle and beside BUSY CPU-bound processes",
    )
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    if args.beside_load is not None:
        print(machine(), load(), flush=True)
        rows = []
        for size in args.sizes:
            rows.append(build_beside_load(size, args.repeats, args.beside_load))
            print(rows[-1], flush=True)
        print(load_table(rows))
        print(f"load at the end: {load()}")
        return
    if args.one:
        print(json.dumps(measure(args.one, args.repeats, args.part, layers=not args.graph_only)))
        return
    started, before = stamp(), load()
    print(machine(), before, flush=True)
    rows = []
    for size in args.sizes:
        row: dict = {}
        parts = (LOOPS_PART,) if args.loops_only else PARTS[1:] if args.graph_only else PARTS
        for part in parts:
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--one",
                    size,
                    "--part",
                    part,
                    "--repeats",
                    str(args.repeats),
                    *(["--graph-only"] if args.graph_only else []),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:  # e.g. killed for memory: say after which stage, and go on
                stages = [line for line in done.stderr.splitlines() if " done, peak " in line]
                row = {
                    "size": size,
                    "failed": f"{part}: exit {done.returncode} after "
                    f"{stages[-1] if stages else 'start-up'}",
                }
                break
            measured = json.loads(done.stdout.strip().splitlines()[-1])
            peak = max(row.get("peak_gb", 0.0), measured["peak_gb"])
            row.update(measured, peak_gb=peak)
        rows.append(row)
        print(rows[-1], flush=True)
    result = loops_table(rows) if args.loops_only else table(rows)
    print(result)
    if args.write:
        title = LOOPS_TITLE if args.loops_only else TITLE
        body = (
            f"Date: {started} to {stamp()}; {machine()}; {before} at the start, {load()} at "
            f"the end.\n\nCommand: `python benchmarks/bench_scale.py "
            f"{' '.join(sys.argv[1:]).replace(' --write', '')}`\n\n{result}"
        )
        write_section(title, body)


if __name__ == "__main__":
    main()
