"""Training-step cost of the connectome layers, measured side by side with plain Keras layers.

Rows (default connectome, 279 neurons, batch 256):
- ConnectomeDense rank-2 (279 -> 279) vs Dense(279).
- Each ConnectomeDense also against a second copy of itself: the spread of
  that ratio around 1 is the timing noise of the machine.
- ConnectomeDense rank-3 (279 x F -> 279 x F) vs the same computation
  without the mask (EinsumDense over the neuron axis + Dense over features),
  and vs a Dense(F) over the feature axis only (same input and output shapes).
- ConnectomicBlock: construction + build time, and forward+backward per batch.

Each model trains with SGD on MSE through ``model.fit`` (compiled, XLA where
the backend allows it, one epoch per execution so Python overhead does not
hide the arithmetic); the models are timed in alternation and the best of
``--repeats`` epochs is kept, so both sides see the same machine state.

Usage:
    python benchmarks/bench_layers.py [--batch 256] [--features 32] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import keras
import numpy as np
from machine import machine

from elegans_keras import load_connectome
from elegans_keras.layers import ConnectomeDense, ConnectomicBlock

STEPS_PER_EPOCH = 20


def compiled(layers: list[keras.layers.Layer], input_shape: tuple[int, ...]) -> keras.Model:
    model = keras.Sequential([keras.Input(input_shape), *layers])
    model.compile(keras.optimizers.SGD(1e-3), "mse", steps_per_execution=STEPS_PER_EPOCH)
    return model


def step_times(
    models: dict[str, keras.Model], batch: int, repeats: int, seed: int = 0
) -> dict[str, float]:
    """Best seconds per training step of each model, epochs timed in alternation."""
    rng = np.random.default_rng(seed)
    data = {}
    for name, model in models.items():
        x = rng.normal(size=(batch * STEPS_PER_EPOCH, *model.input_shape[1:])).astype("float32")
        y = rng.normal(size=(batch * STEPS_PER_EPOCH, *model.output_shape[1:])).astype("float32")
        data[name] = (x, y)
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    best = dict.fromkeys(models, np.inf)
    for _ in range(repeats):
        for name, model in models.items():
            x, y = data[name]
            start = time.perf_counter()
            model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
            best[name] = min(best[name], (time.perf_counter() - start) / STEPS_PER_EPOCH)
    return best


def build_seconds(worm, mode: str, input_dim: int, features: int, repeats: int) -> float:
    """Median seconds to construct and build a ConnectomicBlock."""
    times = []
    for seed in range(repeats):
        start = time.perf_counter()
        block = ConnectomicBlock(worm, mode=mode, features=features, seed=seed)
        block.build((None, input_dim))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--input-dim", type=int, default=784)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    worm = load_connectome()
    size, features = worm.num_neurons, args.features

    rank2 = step_times(
        {
            "connectome": compiled([ConnectomeDense(worm)], (size,)),
            "dense": compiled([keras.layers.Dense(size)], (size,)),
            "control": compiled([ConnectomeDense(worm)], (size,)),
        },
        args.batch,
        args.repeats,
    )
    rank3 = step_times(
        {
            "connectome": compiled([ConnectomeDense(worm, features=features)], (size, features)),
            "control": compiled([ConnectomeDense(worm, features=features)], (size, features)),
            "unmasked": compiled(
                [
                    keras.layers.EinsumDense("bif,ij->bjf", output_shape=(size, features)),
                    keras.layers.Dense(features),
                ],
                (size, features),
            ),
            "dense": compiled([keras.layers.Dense(features)], (size, features)),
        },
        args.batch,
        args.repeats,
    )
    blocks = step_times(
        {
            mode: compiled(
                [ConnectomicBlock(worm, mode=mode, features=features, seed=0)], (args.input_dim,)
            )
            for mode in ("deep", "reservoir")
        },
        args.batch,
        args.repeats,
    )

    print(machine())
    print(
        f"batch {args.batch}, features {features}, best of {args.repeats} epochs of "
        f"{STEPS_PER_EPOCH} steps (steps_per_execution={STEPS_PER_EPOCH}), SGD + MSE via model.fit"
    )
    print("| layer | ms / training step | reference | ms / step | ratio |")
    print("|---|---|---|---|---|")
    rows = [
        (f"rank-2 ({size} -> {size})", rank2, "dense", f"Dense({size})"),
        (f"rank-2 ({size} -> {size})", rank2, "control", "the same layer again (noise)"),
        (f"rank-3 ({size} x {features})", rank3, "unmasked", "unmasked EinsumDense + Dense"),
        (f"rank-3 ({size} x {features})", rank3, "dense", f"Dense({features}) on features"),
        (f"rank-3 ({size} x {features})", rank3, "control", "the same layer again (noise)"),
    ]
    for shape, times, key, label in rows:
        ours, reference = 1e3 * times["connectome"], 1e3 * times[key]
        print(
            f"| ConnectomeDense {shape} | {ours:.3f} | {label} | {reference:.3f} | "
            f"{ours / reference:.2f} |"
        )
    print()
    print("| ConnectomicBlock | build (s, median) | forward+backward (ms / batch) |")
    print("|---|---|---|")
    for mode in ("deep", "reservoir"):
        build = build_seconds(worm, mode, args.input_dim, features, args.repeats)
        print(
            f"| mode={mode}, features={features}, steps=2, input {args.input_dim} | "
            f"{build:.3f} | {1e3 * blocks[mode]:.1f} |"
        )


if __name__ == "__main__":
    main()
