"""Pieces the model factories share: the image-shape check, the conv stem, parameter counts."""

from __future__ import annotations

import functools
import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import keras

from elegans_keras.checks import MAX_SIZE, is_int
from elegans_keras.connectome.keywords import rename_keywords
from elegans_keras.errors import ConfigurationError

F = TypeVar("F", bound=Callable[..., Any])


def connectome_first(
    old_order: Sequence[str], renamed: Mapping[str, str] | None = None
) -> Callable[[F], F]:
    """Factories take ``(connectome=None, *, ...)``; last release's calls work, with a warning.

    The connectome-based factories take the wiring as their one positional
    argument and everything else by keyword. A call in last release's order
    (e.g. ``elegans_classifier((28, 28, 1), 10, worm)``, recognised by a first
    argument that is a flat sequence of integers, or any call with more than
    one positional argument) is mapped onto ``old_order`` and old keyword
    names onto ``renamed``'s new ones, each with a DeprecationWarning naming
    the new form.

    Example:
        >>> @connectome_first(("input_shape", "connectome"))
        ... def demo(connectome=None, *, input_shape=(1,)):
        ...     return connectome, input_shape
        >>> demo("worm", input_shape=(2,))
        ('worm', (2,))
    """
    renamed = dict(renamed or {})

    def decorate(func: F) -> F:
        name = func.__name__

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            rename_keywords(kwargs, renamed, name)
            if len(args) == 1 and not _is_shape(args[0]) or not args:
                return func(*args, **kwargs)
            if len(args) > len(old_order):
                raise TypeError(
                    f"{name}() takes one positional argument (connectome), got {len(args)}"
                )
            names = old_order[: len(args)]
            twice = [n for n in names if n in kwargs]
            if twice:
                raise TypeError(f"{name}() got multiple values for {twice[0]!r}")
            keywords = ", ".join(f"{n}=..." for n in names if n != "connectome")
            warnings.warn(
                f"{name}({', '.join(names)}) by position is deprecated: pass the connectome "
                f"first and the rest by keyword, {name}(connectome, {keywords})",
                DeprecationWarning,
                stacklevel=2,
            )
            kwargs.update(zip(names, args))
            return func(**kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def factory_spec(connectome: Any, where: str, **arguments: Any) -> Any:
    """The factory's :class:`~elegans_keras.layers.SynapseSpec`: the one given, or one built once
    from its arguments (``connectome=None``: the default worm).

    With a given spec, the synapse arguments left at the factory's defaults
    are read from it; one set otherwise must agree with it, and the spec's own
    seed seeds the connectome layer (the factory's ``seed`` seeds the rest:
    stem, query, readout, classes).
    """
    from elegans_keras.connectome import load_connectome
    from elegans_keras.layers.synapse_spec import DEFAULTS, SynapseSpec, spec_from_arguments

    if connectome is None:
        connectome = load_connectome()
    seed = arguments.pop("seed")
    if isinstance(connectome, SynapseSpec):
        seed = None  # the spec keeps its own seed (and seeds the block); the factory's, the rest
    return spec_from_arguments(connectome, arguments, DEFAULTS, where, seed)


def _is_shape(value: Any) -> bool:
    """A flat tuple/list of integers (an image shape, the old first argument), not a wiring."""
    return (
        isinstance(value, (tuple, list))
        and len(value) > 0
        and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value)
    )


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
