"""MNIST Unsup model vs the original Elegans-AI release: build time, throughput, peak memory.

Usage:
    python benchmarks/bench_unsup.py [--steps 30] [--batch-size 128]

Each mode is measured in a fresh subprocess. Peak memory is the process's
peak resident set (TensorFlow runtime and decoded MNIST included); the next
column is the part added by building and training the model. The original
release's figures, measured on the same kind of machine (2 CPU cores,
TensorFlow backend) and given in the project's issue, are printed beside
ours: build 17-21 s, ~23 samples/s (5.5 s per step at batch 128), 9.7 GB
peak memory, 88-109 M parameters.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

ORIGINAL = {
    "build_s": "17-21",
    "samples_per_s": 23.0,
    "peak_memory_gb": 9.7,
    "parameters_m": "88-109",
}


def measure(mode: str, steps: int, batch_size: int) -> dict:
    """Build, then time ``steps`` training steps after two warm-up steps (in this process)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import numpy as np

    from elegans_keras.datasets import binarize, load_images
    from elegans_keras.models import count_parameters, elegans_autoencoder

    images, _ = load_images("mnist", "train")
    batch = binarize(images[: batch_size * 4])
    del images
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    model = elegans_autoencoder(mode=mode)
    build_s = time.perf_counter() - started
    keras.utils.set_random_seed(0)
    model.fit(batch, batch, batch_size=batch_size, epochs=1, steps_per_epoch=2, verbose=0)
    data = np.concatenate([batch] * (steps * batch_size // len(batch) + 1))[: steps * batch_size]
    started = time.perf_counter()
    model.fit(data, data, batch_size=batch_size, epochs=1, verbose=0)
    train_s = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "mode": mode,
        "build_s": round(build_s, 3),
        "samples_per_s": round(steps * batch_size / train_s, 1),
        "step_s": round(train_s / steps, 4),
        "peak_memory_gb": round(peak_kb / 2**20, 3),
        "model_memory_gb": round((peak_kb - baseline_kb) / 2**20, 3),
        "parameters_m": round(count_parameters(model)["total"] / 1e6, 3),
        "trainable_m": round(count_parameters(model)["trainable"] / 1e6, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--child", choices=("deep", "reservoir"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.steps, args.batch_size)))
        return
    rows = []
    for mode in ("deep", "reservoir"):
        output = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                mode,
                "--steps",
                str(args.steps),
                "--batch-size",
                str(args.batch_size),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows.append(json.loads(output.strip().splitlines()[-1]))
    print(
        "| model | build (s) | train samples/s | step (s) | peak memory (GB) "
        "| of which model + training (GB) | parameters (M) | trainable (M) "
        "| vs original throughput |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print(
        f"| original Elegans-AI (issue figures) | {ORIGINAL['build_s']} | "
        f"{ORIGINAL['samples_per_s']} | 5.5 | {ORIGINAL['peak_memory_gb']} | - | "
        f"{ORIGINAL['parameters_m']} | - | 1x |"
    )
    for row in rows:
        speedup = row["samples_per_s"] / ORIGINAL["samples_per_s"]
        print(
            f"| elegans_autoencoder ({row['mode']}) | {row['build_s']} | "
            f"{row['samples_per_s']} | "
            f"{row['step_s']} | {row['peak_memory_gb']} | {row['model_memory_gb']} | "
            f"{row['parameters_m']} | "
            f"{row['trainable_m']} | {speedup:.0f}x |"
        )


if __name__ == "__main__":
    main()
