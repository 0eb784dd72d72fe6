"""ReservoirCell vs reservoirpy on Mackey-Glass (tau=17), same connectome reservoir.

Both sides get the SAME matrices, taken from one seeded ReservoirCell on the
default 279-neuron connectome: recurrent W (spectral radius rho), input
weights reaching the sensory neurons, bias, and leak rate. Reported side by
side: time to compute the states (first call and best warm call), and the
NRMSE of one-step-ahead prediction by the same ridge readout fitted on each
side's states. A second row drives a batch of independent series (Keras runs
them as one batch, reservoirpy one after another).

Usage:
    pip install -r benchmarks/requirements.txt
    python benchmarks/bench_reservoir.py [--steps 10000] [--batch 16]
    KERAS_BACKEND=jax python benchmarks/bench_reservoir.py
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import keras
import numpy as np
from machine import machine
from reservoirpy.nodes import Reservoir

from elegans_keras import load_connectome
from elegans_keras.layers import ReservoirCell


def mackey_glass(
    steps: int,
    tau: float = 17.0,
    beta: float = 0.2,
    gamma: float = 0.1,
    power: int = 10,
    x0: float = 1.2,
    dt: float = 0.1,
    subsample: int = 10,
) -> np.ndarray:
    """Mackey-Glass series, RK4 on the delay equation, one sample per time unit."""
    delay = int(round(tau / dt))
    total = steps * subsample + delay
    x = np.full(total + 1, x0)

    def slope(value: float, lagged: float) -> float:
        return beta * lagged / (1.0 + lagged**power) - gamma * value

    for t in range(delay, total):
        lag, lag_next = x[t - delay], x[t - delay + 1]
        lag_mid = 0.5 * (lag + lag_next)
        k1 = slope(x[t], lag)
        k2 = slope(x[t] + 0.5 * dt * k1, lag_mid)
        k3 = slope(x[t] + 0.5 * dt * k2, lag_mid)
        k4 = slope(x[t] + dt * k3, lag_next)
        x[t + 1] = x[t] + dt * (k1 + 2 * k2 + 2 * k3 + k4) / 6.0
    return x[delay + 1 :: subsample][:steps]


def ridge_nrmse(
    states: np.ndarray, targets: np.ndarray, split: int, washout: int, alpha: float
) -> float:
    """Fit a ridge readout (with bias) on [washout, split), NRMSE on [split, end)."""
    design = np.hstack([states, np.ones((len(states), 1))]).astype(np.float64)
    train, target = design[washout:split], targets[washout:split]
    weights = np.linalg.solve(train.T @ train + alpha * np.eye(train.shape[1]), train.T @ target)
    error = design[split:] @ weights - targets[split:]
    return float(np.sqrt(np.mean(error**2)) / np.std(targets[split:]))


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
    parser.add_argument("--alpha", type=float, default=1e-6)
    parser.add_argument("--washout", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    series = mackey_glass(args.steps + 1)
    scaled = 2.0 * (series - series.min()) / (series.max() - series.min()) - 1.0
    inputs, targets = scaled[:-1, None], scaled[1:]
    split = int(0.7 * args.steps)

    cell = ReservoirCell(
        load_connectome(),
        spectral_radius=args.rho,
        leak_rate=args.leak,
        input_neurons="S",
        seed=args.seed,
    )
    model = keras.Sequential(
        [keras.Input((None, 1)), keras.layers.RNN(cell, return_sequences=True)]
    )
    model.compile(jit_compile=True)
    # reservoirpy multiplies column vectors (W @ s): the transposes of the (pre, post) weights.
    recurrent = cell.recurrent_kernel.numpy().astype(np.float64).T
    input_weights = cell.input_kernel.numpy().astype(np.float64).T
    bias = cell.bias.numpy().astype(np.float64)

    def reservoirpy_states(sequences: np.ndarray) -> list[np.ndarray]:
        return [
            Reservoir(W=recurrent, Win=input_weights, bias=bias, lr=args.leak).run(sequence)
            for sequence in sequences
        ]

    def keras_states(sequences: np.ndarray) -> np.ndarray:
        return model.predict(sequences.astype("float32"), batch_size=len(sequences), verbose=0)

    single = inputs[None]
    keras_out, keras_first, keras_best = timed(lambda: keras_states(single), args.repeats)
    rpy_out, rpy_first, rpy_best = timed(lambda: reservoirpy_states(single), args.repeats)
    keras_nrmse = ridge_nrmse(keras_out[0], targets, split, args.washout, args.alpha)
    rpy_nrmse = ridge_nrmse(rpy_out[0], targets, split, args.washout, args.alpha)
    largest_gap = float(np.abs(keras_out[0] - rpy_out[0]).max())

    shifts = np.random.default_rng(args.seed).integers(0, args.steps // 2, args.batch)
    batch = np.stack([np.roll(inputs, -int(s), axis=0) for s in shifts])
    _, _, keras_batch = timed(lambda: keras_states(batch), args.repeats)
    _, _, rpy_batch = timed(lambda: reservoirpy_states(batch), 1)

    print(machine())
    print(
        f"Mackey-Glass tau=17, {args.steps} steps, rho={args.rho}, leak={args.leak}, "
        f"ridge alpha={args.alpha}, washout {args.washout}, train {split} / test "
        f"{args.steps - split}"
    )
    print("| | ReservoirCell (Keras) | reservoirpy | Keras / reservoirpy |")
    print("|---|---|---|---|")
    print(
        f"| states, 1 series, first call (s) | {keras_first:.3f} | {rpy_first:.3f} | "
        f"{keras_first / rpy_first:.2f} |"
    )
    print(
        f"| states, 1 series, best warm call (s) | {keras_best:.3f} | {rpy_best:.3f} | "
        f"{keras_best / rpy_best:.2f} |"
    )
    print(
        f"| states, {args.batch} series, best warm call (s) | {keras_batch:.3f} | "
        f"{rpy_batch:.3f} | {keras_batch / rpy_batch:.2f} |"
    )
    print(
        f"| one-step NRMSE (test) | {keras_nrmse:.3e} | {rpy_nrmse:.3e} | "
        f"{keras_nrmse / rpy_nrmse:.3f} |"
    )
    print(f"largest state difference (float32 vs float64): {largest_gap:.2e}")


if __name__ == "__main__":
    main()
