"""The exploration behind issue 21's defaults: head and stem variants on a validation split.

Each variant changes one thing in ``elegans_classifier`` / ``plain_classifier``
(built here from the factories' own pieces): the stem's normalisation
(``batch`` with momentum 0.9 or 0.5, ``layer``, ``none``), a LayerNorm on the
motor tokens (``motor_norm``), a LayerNorm on the head's output
(``readout_norm``, the twin's hidden layer too) and the learning rate. Both
models train on the first ``--size`` training images and are scored after
each epoch on images 50,000-59,999 of the training split (validation; the
test split is not read). The factories' defaults since issue 21 are
``--stem batch5 --motor-norm --readout-norm`` at 1e-3.

Usage:
    python benchmarks/explore_head.py --stem batch5 --motor-norm --readout-norm
        [--learning-rate 1e-3] [--size 5000] [--epochs 2] [--seeds 0 1] [--models conn twin]
"""

from __future__ import annotations

import argparse
import json

import keras

from elegans_keras.datasets import load_images
from elegans_keras.layers import ConnectomicBlock, MotorAttentionReadout
from elegans_keras.models.common import seeded
from elegans_keras.training import set_seed

STEMS = {"batch": 0.9, "batch5": 0.5}


def stem(images: keras.KerasTensor, kind: str, seed: int) -> keras.KerasTensor:
    """The factories' conv stem with the normalisation ``kind``."""
    x = images
    for block, width in enumerate((32, 64)):
        for stride in (1, 2):
            x = keras.layers.Conv2D(
                width,
                3,
                strides=stride,
                padding="same",
                use_bias=kind == "none",
                kernel_initializer=seeded(seed, 10 * block + stride),
            )(x)
            if kind in STEMS:
                x = keras.layers.BatchNormalization(momentum=STEMS[kind])(x)
            elif kind == "layer":
                x = keras.layers.LayerNormalization()(x)
            x = keras.layers.Activation("relu")(x)
    return keras.layers.Reshape((49, 64))(x)


def build(model: str, args: argparse.Namespace, seed: int) -> keras.Model:
    """A connectome classifier (``conn``) or its twin (``twin``, 239 hidden units), compiled
    as the factories compile them (Adam, sparse categorical cross-entropy)."""
    images = keras.Input((28, 28, 1))
    tokens = stem(images, args.stem, seed)
    pooled = keras.layers.GlobalAveragePooling1D()(tokens)
    if model == "twin":
        hidden = keras.layers.Dense(239, activation="gelu", kernel_initializer=seeded(seed, 101))(
            pooled
        )
    else:
        motor = ConnectomicBlock("celegans_herm", seed=seed)(tokens)
        if args.motor_norm:
            motor = keras.layers.LayerNormalization()(motor)
        query = keras.layers.Dense(16, kernel_initializer=seeded(seed, 101))(pooled)
        hidden = MotorAttentionReadout(num_heads=4, key_dim=16, output_dim=64, seed=seed + 200)(
            query, motor
        )
    if args.readout_norm:
        hidden = keras.layers.LayerNormalization()(hidden)
    hidden = keras.layers.Dropout(0.1, seed=seed + 2)(hidden)
    classes = keras.layers.Dense(10, activation="softmax", kernel_initializer=seeded(seed, 102))(
        hidden
    )
    network = keras.Model(images, classes)
    network.compile(
        optimizer=keras.optimizers.Adam(args.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return network


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stem", choices=["batch", "batch5", "layer", "none"], default="batch")
    parser.add_argument("--motor-norm", action="store_true")
    parser.add_argument("--readout-norm", action="store_true")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--models", nargs="+", default=["conn", "twin"])
    args = parser.parse_args()
    x, y = load_images("mnist", "train")
    train, validation = (x[: args.size], y[: args.size]), (x[50000:], y[50000:])
    for seed in args.seeds:
        for model_name in args.models:
            set_seed(seed)
            model = build(model_name, args, seed)
            scores = []
            for epoch in range(args.epochs):
                model.fit(*train, batch_size=128, initial_epoch=epoch, epochs=epoch + 1, verbose=0)
                scores.append(
                    round(
                        model.evaluate(*validation, batch_size=500, verbose=0, return_dict=True)[
                            "accuracy"
                        ],
                        4,
                    )
                )
            print(
                json.dumps(
                    {**vars(args), "model": model_name, "seed": seed, "validation_accuracy": scores}
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
