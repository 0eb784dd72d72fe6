"""Dense or sparse: where ``implementation="auto"`` should switch (``kernels.DENSE_MAX_NEURONS``).

On the bundled worm (279 neurons) and the Drosophila larva (1,240), with each
implementation forced: 1,000 steps of a batch-1 ``ReservoirCell`` in
``keras.layers.RNN`` (``predict``), and one forward + backward of a
``ConnectomicBlock`` (batch 128, 49 tokens of 16 features, 16 features per
neuron, the default 2 steps) with gradients for its trainable weights. Best
of ``--repeats``; both implementations in one process.

Usage:
    python benchmarks/bench_crossover.py [--repeats 3] [--write]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from machine import load, machine, stamp, write_section

TITLE = "Dense or sparse: the `auto` threshold (`bench_crossover.py`)"
GRAPHS = ("celegans_herm", "drosophila_larva")


def best(repeats: int, function) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(name: str, implementation: str, repeats: int) -> tuple[float, float]:
    """(reservoir 1,000 steps, block forward + backward) seconds."""
    import keras
    import tensorflow as tf

    import elegans_keras as ek
    from elegans_keras.layers import ConnectomicBlock, ReservoirCell

    connectome = ek.load_connectome(name)
    signal = np.random.default_rng(0).uniform(-1, 1, (1, 1000, 1)).astype("float32")
    cell = ReservoirCell(
        connectome,
        spectral_radius=0.9,
        leak_rate=0.3,
        input_neurons="S",
        implementation=implementation,
        seed=0,
    )
    model = keras.Sequential(
        [keras.Input((1000, 1)), keras.layers.RNN(cell, return_sequences=True)]
    )
    model.predict(signal[:, :10], verbose=0)
    reservoir = best(repeats, lambda: model.predict(signal, verbose=0))
    block = ConnectomicBlock(connectome, features=16, implementation=implementation, seed=0)
    tokens = tf.constant(np.random.default_rng(1).normal(size=(128, 49, 16)).astype("float32"))
    block(tokens)

    def step() -> None:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(block(tokens) ** 2)
        tape.gradient(loss, block.trainable_weights)

    step()
    return reservoir, best(repeats, step)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    import elegans_keras as ek
    from elegans_keras.layers import kernels

    started, before = stamp(), load()
    header = (
        "| graph | neurons | reservoir 1,000 steps: dense / sparse (s) | ConnectomicBlock "
        "f+b: dense / sparse (s) | `auto` picks |"
    )
    lines = [header, "|---|---|---|---|---|"]
    for name in GRAPHS:
        n = ek.load_connectome(name).num_neurons
        dense, sparse = (measure(name, impl, args.repeats) for impl in ("dense", "sparse"))
        picks = "dense" if n <= kernels.DENSE_MAX_NEURONS else "sparse"
        lines.append(
            f"| {name} | {n:,} | {dense[0]:.3f} / {sparse[0]:.3f} | "
            f"{dense[1]:.3f} / {sparse[1]:.3f} | {picks} |"
        )
        print(lines[-1], flush=True)
    table = "\n".join(lines)
    print(table)
    if args.write:
        write_section(
            TITLE,
            f"Date: {started} to {stamp()}; {machine()}; {before} at the start, "
            f"{load()} at the end.\n\nCommand: `python benchmarks/"
            f"bench_crossover.py --repeats {args.repeats}`\n\n{table}",
        )


if __name__ == "__main__":
    main()
