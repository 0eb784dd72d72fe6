"""Pieces the model factories share: argument checks, the conv stem, the head."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from elegans_keras.errors import ConfigurationError

MODES = ("deep", "reservoir")


def check_mode(mode: str) -> str:
    """Return ``mode`` if it is ``"deep"`` or ``"reservoir"``, else raise."""
    if mode not in MODES:
        raise ConfigurationError(f"mode={mode!r} is not one of {', '.join(MODES)}")
    return mode


def check_image_shape(input_shape: Sequence[int]) -> tuple[int, int, int]:
    """Validate an (H, W, C) image shape."""
    shape = tuple(input_shape)
    if len(shape) != 3 or not all(isinstance(d, int) and d > 0 for d in shape):
        raise ConfigurationError(
            f"input_shape={input_shape!r} must be (height, width, channels) of positive ints"
        )
    return shape


def conv_tokens(
    images: keras.KerasTensor,
    filters: Sequence[int],
    trainable: bool = True,
    name: str = "stem",
) -> keras.KerasTensor:
    """Conv blocks (3x3 conv, batch norm, ReLU, stride-2 downsampling) -> (batch, tokens, channels).

    Each filter count adds one block that halves height and width, so a
    28x28 image with two blocks gives 7 x 7 = 49 tokens.
    """
    x = images
    for block, width in enumerate(filters):
        conv = keras.layers.Conv2D(width, 3, strides=2, padding="same", use_bias=False,
                                   name=f"{name}_conv{block}", trainable=trainable)
        norm = keras.layers.BatchNormalization(name=f"{name}_norm{block}", trainable=trainable)
        x = keras.layers.Activation("relu", name=f"{name}_relu{block}")(norm(conv(x)))
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
