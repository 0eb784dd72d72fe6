"""Connectome models vs plain conv/Dense models of similar FLOPs: throughput and test metric.

Usage (the lent GPU machine has JAX, no TensorFlow):
    KERAS_BACKEND=jax python benchmarks/gpu.py [--steps 200] [--batch-size 128]
    python benchmarks/gpu.py --steps 3 --batch-size 16 --test-examples 256   # CPU smoke run

Trains, in one process, the MNIST classifier (``elegans_classifier``) and the
MNIST Unsup autoencoder (``elegans_autoencoder``) on the bundled MNIST for a
fixed number of steps, each beside a plain model with the same conv stem and
a Dense bottleneck whose width is picked (on JAX, from XLA's cost analysis)
to match the connectome model's forward FLOPs. Prints a markdown table: forward
GFLOP per example (JAX only), samples/s and step time after two warm-up steps,
and the test metric after the budget (top-1 accuracy; pixel accuracy on
digits binarised at 0.3). No TensorBoard callback (not installed there).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import keras
import numpy as np

from elegans_keras.datasets import binarize, load_images
from elegans_keras.models import (
    count_parameters,
    elegans_autoencoder,
    elegans_classifier,
)
from elegans_keras.models.common import conv_tokens

WIDTHS = (32, 64, 128, 256, 512, 1024, 2048, 4096)
FILTERS = (32, 64)


def plain_classifier(width: int) -> keras.Model:
    """Conv stem -> Dense(width) -> 10 classes, compiled like ``elegans_classifier``."""
    images = keras.Input((28, 28, 1))
    x = keras.layers.Flatten()(conv_tokens(images, FILTERS))
    x = keras.layers.Dense(width, activation="relu")(x)
    model = keras.Model(
        images, keras.layers.Dense(10, activation="softmax")(x), name=f"plain_classifier_{width}"
    )
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    return model


def plain_autoencoder(width: int) -> keras.Model:
    """Conv encoder -> Dense(width) code -> the elegans autoencoder's decoder shape."""
    images = keras.Input((28, 28, 1))
    code = keras.layers.Dense(width, activation="relu")(
        keras.layers.Flatten()(conv_tokens(images, FILTERS, name="encoder"))
    )
    x = keras.layers.Dense(7 * 7 * 16, activation="relu")(code)
    x = keras.layers.Reshape((7, 7, 16))(x)
    for channels in (32, 16):
        x = keras.layers.Conv2DTranspose(channels, 3, strides=2, padding="same", activation="relu")(
            x
        )
    pixels = keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid")(x)
    model = keras.Model(images, pixels, name=f"plain_autoencoder_{width}")
    model.compile(
        optimizer="adam",
        loss="binary_crossentropy",
        metrics=[keras.metrics.BinaryAccuracy(name="pixel_accuracy")],
    )
    return model


def forward_flops(model: keras.Model) -> float | None:
    """Forward FLOPs for one example from XLA's cost analysis (JAX backend), else None."""
    if keras.backend.backend() != "jax":
        return None
    import jax

    trainable = [v.value for v in model.trainable_variables]
    frozen = [v.value for v in model.non_trainable_variables]
    example = np.zeros((1, *model.input_shape[1:]), dtype="float32")
    forward = jax.jit(lambda t, f, x: model.stateless_call(t, f, x, training=False)[0])
    analysis = forward.lower(trainable, frozen, example).compile().cost_analysis()
    analysis = analysis[0] if isinstance(analysis, list) else analysis
    return float(analysis.get("flops", 0.0)) or None


def matched_plain(
    factory: Callable[[int], keras.Model], target: float | None, default_width: int
) -> keras.Model:
    """The plain model whose forward FLOPs are closest to ``target``."""
    if target is None:
        return factory(default_width)
    return min(
        (factory(width) for width in WIDTHS), key=lambda model: abs(forward_flops(model) - target)
    )


def measure(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    metric: str,
    steps: int,
    batch_size: int,
) -> dict:
    """Two warm-up steps, then ``steps`` timed steps; then the test metric."""
    model.fit(x[: 2 * batch_size], y[: 2 * batch_size], batch_size=batch_size, epochs=1, verbose=0)
    count = steps * batch_size
    started = time.perf_counter()
    model.fit(x[:count], y[:count], batch_size=batch_size, epochs=1, verbose=0)
    seconds = time.perf_counter() - started
    scores = model.evaluate(test_x, test_y, batch_size=512, verbose=0, return_dict=True)
    flops = forward_flops(model)
    return {
        "model": model.name,
        "gflop": "n/a" if flops is None else f"{flops / 1e9:.4f}",
        "parameters_m": f"{count_parameters(model)['total'] / 1e6:.3f}",
        "samples_per_s": f"{count / seconds:.1f}",
        "step_ms": f"{1000 * seconds / steps:.1f}",
        "metric": f"{metric} {scores[metric]:.4f}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="timed training steps per model")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--test-examples", type=int, default=10000)
    parser.add_argument(
        "--baseline-width",
        type=int,
        default=256,
        help="plain models' Dense width where FLOPs cannot be measured",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    keras.utils.set_random_seed(args.seed)

    images, labels = load_images("mnist", "train")
    test_images, test_labels = load_images("mnist", "test")
    needed = max(args.steps, 2) * args.batch_size
    repeats = -(-needed // len(images))
    x, y = np.concatenate([images] * repeats), np.concatenate([labels] * repeats)
    test_x, test_y = test_images[: args.test_examples], test_labels[: args.test_examples]
    binary_x, binary_test = binarize(x), binarize(test_x)

    rows = []
    classifier = elegans_classifier(seed=args.seed)
    plain = matched_plain(plain_classifier, forward_flops(classifier), args.baseline_width)
    for model in (classifier, plain):
        rows.append(measure(model, x, y, test_x, test_y, "accuracy", args.steps, args.batch_size))
    autoencoder = elegans_autoencoder(seed=args.seed)
    plain = matched_plain(plain_autoencoder, forward_flops(autoencoder), args.baseline_width)
    for model in (autoencoder, plain):
        rows.append(
            measure(
                model,
                binary_x,
                binary_x,
                binary_test,
                binary_test,
                "pixel_accuracy",
                args.steps,
                args.batch_size,
            )
        )

    devices = (
        ", ".join(keras.distribution.list_devices())
        if keras.backend.backend() == "jax"
        else "tensorflow default device"
    )
    print(
        f"backend {keras.backend.backend()}, devices: {devices}; {args.steps} steps at batch "
        f"{args.batch_size}; test metric on {len(test_x)} test images"
    )
    print(
        "| model | forward GFLOP/example | parameters (M) | train samples/s | step (ms) "
        "| test metric |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(
            f"| {row['model']} | {row['gflop']} | {row['parameters_m']} | "
            f"{row['samples_per_s']} | {row['step_ms']} | {row['metric']} |"
        )


if __name__ == "__main__":
    main()
