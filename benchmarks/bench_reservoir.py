"""ReservoirCell vs reservoirpy on Mackey-Glass (tau=17), same connectome reservoir.

Both sides get the SAME matrices, taken from one seeded ReservoirCell on the
default 279-neuron connectome: recurrent W (spectral radius rho), input
weights reaching the sensory neurons, bias, and leak rate. The series is the
library's own (``datasets.mackey_glass_task``); the Keras side's readout is
the library's ``models.fit_ridge``, reservoirpy's its own ``Ridge`` node, with
the same ridge and washout. Reported side by side: time to compute the states
(first call and best warm call), a batch of series (Keras runs them as one
batch, reservoirpy one after another) and each side's one-step NRMSE.

Usage:
    pip install -r benchmarks/requirements.txt
    python benchmarks/bench_reservoir.py [--steps 10000] [--batch 16] [--write]
    KERAS_BACKEND=jax python benchmarks/bench_reservoir.py
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import keras
import numpy as np
from machine import load, machine, stamp, write_section
from reservoirpy.nodes import Reservoir, Ridge

from elegans_keras import load_connectome
from elegans_keras.datasets import mackey_glass_task, nrmse
from elegans_keras.models import echo_state_network, fit_ridge

TITLE = "ReservoirCell vs reservoirpy on Mackey-Glass (`bench_reservoir.py`)"


def timed(run: Callable[[], np.ndarray], repeats: int) -> tuple[np.ndarray, float, float]:
    """(result, first-call seconds, best of ``repeats`` later calls)."""
    start = time.perf_counter()
    result = run()
    first = time.perf_counter() - start
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return result, first, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--rho", type=float, default=0.9)
    parser.add_argument("--leak", type=float, default=0.3)
    parser.add_argument("--ridge", type=float, default=1e-6)
    parser.add_argument("--washout", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    started, before = stamp(), load()

    inputs, targets = mackey_glass_task(args.steps, horizon=1, seed=args.seed)
    split = int(0.7 * args.steps)
    esn = echo_state_network(
        load_connectome(),
        spectral_radius=args.rho,
        leak_rate=args.leak,
        input_neurons="S",
        seed=args.seed,
    )
    cell = esn.get_layer("reservoir").cell
    states_model = keras.Model(esn.inputs, esn.get_layer("reservoir").output)
    # reservoirpy multiplies column vectors (W @ s): the transposes of the (pre, post) weights.
    recurrent = cell.syn.matrix(keras.ops.convert_to_numpy(cell.recurrent_values)).T.toarray()
    input_weights = keras.ops.convert_to_numpy(cell.input_kernel).astype(np.float64).T
    bias = keras.ops.convert_to_numpy(cell.bias).astype(np.float64)

    def reservoirpy_states(sequences: np.ndarray) -> list[np.ndarray]:
        return [
            Reservoir(W=recurrent, Win=input_weights, bias=bias, lr=args.leak).run(sequence)
            for sequence in sequences
        ]

    def keras_states(sequences: np.ndarray) -> np.ndarray:
        return states_model.predict(sequences, batch_size=len(sequences), verbose=0)

    single = inputs[None]
    keras_out, keras_first, keras_best = timed(lambda: keras_states(single), args.repeats)
    rpy_out, rpy_first, rpy_best = timed(lambda: reservoirpy_states(single), args.repeats)
    fit_ridge(esn, inputs[:split], targets[:split], washout=args.washout, ridge=args.ridge)
    keras_nrmse = nrmse(targets[split:], esn.predict(single, verbose=0)[0][split:])
    readout = Ridge(ridge=args.ridge).fit(
        rpy_out[0][args.washout : split], targets[args.washout : split]
    )
    rpy_nrmse = nrmse(targets[split:], readout.run(rpy_out[0][split:]))
    largest_gap = float(np.abs(keras_out[0] - rpy_out[0]).max())

    shifts = np.random.default_rng(args.seed).integers(0, args.steps // 2, args.batch)
    batch = np.stack([np.roll(inputs, -int(s), axis=0) for s in shifts])
    _, _, keras_batch = timed(lambda: keras_states(batch), args.repeats)
    _, _, rpy_batch = timed(lambda: reservoirpy_states(batch), 1)

    lines = [
        f"Mackey-Glass tau=17 (library series), {args.steps} steps, rho={args.rho}, "
        f"leak={args.leak}, ridge {args.ridge}, washout {args.washout}, train {split} / test "
        f"{args.steps - split}",
        "",
        "| | ReservoirCell (Keras) | reservoirpy | Keras / reservoirpy |",
        "|---|---|---|---|",
        f"| states, 1 series, first call (s) | {keras_first:.3f} | {rpy_first:.3f} | "
        f"{keras_first / rpy_first:.2f} |",
        f"| states, 1 series, best warm call (s) | {keras_best:.3f} | {rpy_best:.3f} | "
        f"{keras_best / rpy_best:.2f} |",
        f"| states, {args.batch} series, best warm call (s) | {keras_batch:.3f} | "
        f"{rpy_batch:.3f} | {keras_batch / rpy_batch:.2f} |",
        f"| one-step NRMSE (test) | {keras_nrmse:.3e} | {rpy_nrmse:.3e} | "
        f"{keras_nrmse / rpy_nrmse:.3f} |",
        "",
        f"Largest state difference (float32 vs float64): {largest_gap:.2e}.",
    ]
    print(machine(), before)
    print("\n".join(lines))
    if args.write:
        body = (
            f"Date: {started} to {stamp()}; {machine()}; {before} at the start, {load()} at "
            f"the end.\n\nCommand: `python benchmarks/bench_reservoir.py "
            f"{' '.join(sys.argv[1:]).replace(' --write', '')}`\n\n" + "\n".join(lines)
        )
        write_section(TITLE, body)


if __name__ == "__main__":
    main()
