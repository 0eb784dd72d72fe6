"""CPU time of one training step: the connectome classifier beside its plain twin.

Builds ``elegans_classifier()`` and ``plain_classifier()`` with the factories'
defaults (``--mode`` and ``--implementation`` aside), warms both up, then times
``train_on_batch`` on one batch of MNIST-shaped images in rounds that alternate
the two models in this one process, and reports CPU time per step
(``time.process_time``: all threads of the process) and the ratio. With
``--parts`` it also times, forward and backward, the connectome model's parts
alone on the same batch: the conv stem, the connectome block and the
attention readout (each a ``tf.function`` with a gradient tape, TensorFlow
only).

Usage:
    python benchmarks/profile_classifier_step.py [--mode deep|reservoir]
        [--implementation auto|dense|sparse] [--batch 128] [--steps 30] [--rounds 5]
        [--parts]
"""

from __future__ import annotations

import argparse
import time

import keras
import numpy as np

from elegans_keras.models import elegans_classifier, plain_classifier


def per_step(step: object, steps: int) -> float:
    """CPU milliseconds per call of ``step`` over ``steps`` calls."""
    started = time.process_time()
    for _ in range(steps):
        step()
    return 1000 * (time.process_time() - started) / steps


def parts(model: keras.Model, images: np.ndarray, steps: int) -> dict[str, float]:
    """CPU ms of the stem, block and readout alone, forward + backward (TensorFlow)."""
    import tensorflow as tf

    stem = keras.Model(model.input, model.get_layer("stem_tokens").output)
    block = model.get_layer("connectome")
    tokens = stem(images)
    motor = block(tokens)
    readout = model.get_layer("motor_readout")
    query = model.get_layer("query")(model.get_layer("pool")(tokens))

    def timed(forward: object, inputs: list, weights: list) -> float:
        @tf.function
        def step() -> object:
            with tf.GradientTape() as tape:
                tape.watch(inputs)
                loss = tf.reduce_sum(forward(*inputs))
            return tape.gradient(loss, [*inputs, *weights])

        step()
        return per_step(step, steps)

    return {
        "stem": timed(lambda x: stem(x, training=True), [tf.constant(images)], stem.weights),
        "block": timed(lambda t: block(t, training=True), [tokens], block.trainable_weights),
        "readout": timed(
            lambda q, m: readout(q, m, training=True), [query, motor], readout.trainable_weights
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="deep")
    parser.add_argument("--implementation", default="auto")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--parts", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    images = rng.random((args.batch, 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, args.batch)
    models = {
        "connectome": elegans_classifier(mode=args.mode, implementation=args.implementation),
        "plain twin": plain_classifier(mode=args.mode),
    }
    for model in models.values():
        for _ in range(3):
            model.train_on_batch(images, labels)
    times: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(args.rounds):
        for name, model in models.items():
            times[name].append(
                per_step(lambda m=model: m.train_on_batch(images, labels), args.steps)
            )
    median = {name: float(np.median(t)) for name, t in times.items()}
    for name, t in times.items():
        print(f"{name}: {median[name]:.1f} ms CPU per step (rounds {[round(v, 1) for v in t]})")
    print(f"ratio connectome / twin: {median['connectome'] / median['plain twin']:.3f}")
    if args.parts:
        found = parts(models["connectome"], images, args.steps)
        print("parts (forward + backward, CPU ms):", {k: round(v, 1) for k, v in found.items()})


if __name__ == "__main__":
    main()
