"""Pieces the model factories share: the image-shape check, the conv stem, parameter counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from elegans_keras.checks import MAX_SIZE, is_int
from elegans_keras.errors import ConfigurationError


def check_image_shape(input_shape: Any, where: str) -> tuple[int, int, int]:
    """Validate an (H, W, C) image shape.

    Example:
        >>> check_image_shape([28, 28, 1], "demo")
        (28, 28, 1)
    """
    if (
        isinstance(input_shape, (str, bytes))
        or not isinstance(input_shape, Sequence)
        or len(input_shape) != 3
        or not all(is_int(d) and 1 <= d <= MAX_SIZE for d in input_shape)
    ):
        raise ConfigurationError(
            f"{where}: input_shape={input_shape!r} must be (height, width, channels) of "
            "positive ints"
        )
    height, width, channels = (int(d) for d in input_shape)
    return height, width, channels


def conv_tokens(
    images: keras.KerasTensor,
    filters: Sequence[int],
    trainable: bool = True,
    name: str = "stem",
    seed: int | None = None,
    momentum: float = 0.9,
) -> keras.KerasTensor:
    """Conv blocks -> (batch, tokens, channels).

    Each filter count adds one block of two 3x3 convs (the second with stride
    2), each followed by batch norm and ReLU, so a 28x28 image with two blocks
    gives 7 x 7 = 49 tokens. ``seed`` seeds the conv kernels. ``momentum`` is
    the batch norms' running-statistics momentum: the statistics used at
    inference average about ``1 / (1 - momentum)`` recent batches, so a low
    value keeps them in step with weights that still change fast (the first
    few hundred steps of training).

    Example:
        >>> conv_tokens(keras.Input((28, 28, 1)), [32, 64]).shape
        (None, 49, 64)
    """
    x = images
    for block, width in enumerate(filters):
        for stride in (1, 2):
            label = f"{block}{'ab'[stride - 1]}"
            initializer = keras.initializers.GlorotUniform(
                seed=None if seed is None else seed + 10 * block + stride
            )
            conv = keras.layers.Conv2D(
                width,
                3,
                strides=stride,
                padding="same",
                use_bias=False,
                kernel_initializer=initializer,
                name=f"{name}_conv{label}",
                trainable=trainable,
            )
            norm = keras.layers.BatchNormalization(
                momentum=momentum, name=f"{name}_norm{label}", trainable=trainable
            )
            x = keras.layers.Activation("relu", name=f"{name}_relu{label}")(norm(conv(x)))
    height, width, channels = x.shape[1:]
    return keras.layers.Reshape((height * width, channels), name=f"{name}_tokens")(x)


def seeded(seed: int | None, offset: int) -> keras.initializers.Initializer:
    """A Glorot-uniform initializer seeded with ``seed + offset`` (unseeded for None).

    Example:
        >>> type(seeded(0, 1)).__name__
        'GlorotUniform'
    """
    return keras.initializers.GlorotUniform(seed=None if seed is None else seed + offset)


def count_parameters(model: keras.Model) -> dict[str, int]:
    """Trainable, non-trainable and total parameter counts.

    Example:
        >>> count_parameters(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]))
        {'trainable': 8, 'non_trainable': 0, 'total': 8}
    """
    trainable = sum(int(keras.ops.size(w)) for w in model.trainable_weights)
    frozen = sum(int(keras.ops.size(w)) for w in model.non_trainable_weights)
    return {"trainable": trainable, "non_trainable": frozen, "total": trainable + frozen}
