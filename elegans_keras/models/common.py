"""Pieces the model factories share: argument checks, the conv stem, the head."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import keras

from elegans_keras.errors import ConfigurationError
from elegans_keras.layers.checks import check_number

MODES = ("deep", "reservoir")
MAX_SIZE = 2**31 - 1


def check_mode(mode: str) -> str:
    """Return ``mode`` if it is ``"deep"`` or ``"reservoir"``, else raise."""
    if mode not in MODES:
        raise ConfigurationError(f"mode={mode!r} is not one of {', '.join(MODES)}")
    return mode


def is_size(value: Any, low: int = 1) -> bool:
    """True for an int (not a bool) in ``[low, 2**31 - 1]``."""
    return (isinstance(value, numbers.Integral) and not isinstance(value, bool)
            and low <= value <= MAX_SIZE)


def check_size(value: Any, argument: str, low: int = 1) -> int:
    """``value`` as an int if it is an int in ``[low, 2**31 - 1]``, else raise.

    Example:
        >>> check_size(10, "num_classes", low=2)
        10
    """
    if not is_size(value, low):
        raise ConfigurationError(f"{argument}={value!r} must be an int in [{low}, {MAX_SIZE}]")
    return int(value)


def check_sizes(values: Any, argument: str) -> tuple[int, ...]:
    """``values`` as a tuple if it is a sequence of positive ints (filters per block...).

    Example:
        >>> check_sizes([32, 64], "filters")
        (32, 64)
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) \
            or not all(is_size(v) for v in values):
        raise ConfigurationError(f"{argument}={values!r} must be a sequence of positive ints")
    return tuple(int(v) for v in values)


def check_rates(where: str, learning_rate: Any, dropout: Any = 0.0) -> None:
    """Raise unless ``learning_rate`` is finite and > 0 and ``dropout`` is in [0, 1).

    Example:
        >>> check_rates("elegans_classifier", learning_rate=1e-3, dropout=0.1)
    """
    check_number(learning_rate, "learning_rate", where, low=0.0)
    check_number(dropout, "dropout", where, low=0.0, high=1.0, low_inclusive=True,
                 high_inclusive=False)


def check_image_shape(input_shape: Sequence[int]) -> tuple[int, int, int]:
    """Validate an (H, W, C) image shape."""
    if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, Sequence) \
            or len(input_shape) != 3 or not all(is_size(d) for d in input_shape):
        raise ConfigurationError(
            f"input_shape={input_shape!r} must be (height, width, channels) of positive ints"
        )
    return tuple(int(d) for d in input_shape)


def conv_tokens(
    images: keras.KerasTensor,
    filters: Sequence[int],
    trainable: bool = True,
    name: str = "stem",
) -> keras.KerasTensor:
    """Conv blocks -> (batch, tokens, channels).

    Each filter count adds one block of two 3x3 convs (the second with stride
    2), each followed by batch norm (momentum 0.9, so its statistics settle
    within a short first epoch) and ReLU, so a 28x28 image with two blocks
    gives 7 x 7 = 49 tokens.
    """
    x = images
    for block, width in enumerate(filters):
        for stride in (1, 2):
            label = f"{block}{'ab'[stride - 1]}"
            conv = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False,
                                       name=f"{name}_conv{label}", trainable=trainable)
            norm = keras.layers.BatchNormalization(momentum=0.9, name=f"{name}_norm{label}",
                                                   trainable=trainable)
            x = keras.layers.Activation("relu", name=f"{name}_relu{label}")(norm(conv(x)))
    height, width, channels = x.shape[1:]
    return keras.layers.Reshape((height * width, channels), name=f"{name}_tokens")(x)


def count_parameters(model: keras.Model) -> dict[str, int]:
    """Trainable, non-trainable and total parameter counts.

    Example:
        >>> count_parameters(model)["trainable"]
    """
    trainable = sum(int(keras.ops.size(w)) for w in model.trainable_weights)
    frozen = sum(int(keras.ops.size(w)) for w in model.non_trainable_weights)
    return {"trainable": trainable, "non_trainable": frozen, "total": trainable + frozen}
