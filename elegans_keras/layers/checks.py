"""Argument checks shared by the layers; each failure is a ConfigurationError."""

from __future__ import annotations

import numbers
from typing import Any

import keras
import numpy as np

from elegans_keras.errors import ConfigurationError


def check_number(
    value: Any,
    argument: str,
    where: str,
    low: float,
    high: float | None = None,
    low_inclusive: bool = False,
    high_inclusive: bool = True,
) -> float:
    """``value`` as a float if it is a finite number in the interval, else raise.

    Example:
        >>> check_number(0.5, "leak_rate", "demo", low=0.0, high=1.0)
        0.5
    """
    valid = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    if valid:
        above = value >= low if low_inclusive else value > low
        below = high is None or (value <= high if high_inclusive else value < high)
        valid = above and below
    if not valid:
        lower = f"[{low}" if low_inclusive else f"({low}"
        upper = "inf)" if high is None else (f"{high}]" if high_inclusive else f"{high})")
        raise ConfigurationError(
            f"{where}: {argument}={value!r}; expected a number in {lower}, {upper}"
        )
    return float(value)


MAX_SIZE = 2**31 - 1


def check_positive_int(value: Any, argument: str, where: str) -> int:
    """``value`` if it is a positive int, else raise.

    Example:
        >>> check_positive_int(4, "num_heads", "demo")
        4
    """
    if (not isinstance(value, numbers.Integral) or isinstance(value, bool) or value <= 0
            or value > MAX_SIZE):
        raise ConfigurationError(
            f"{where}: {argument}={value!r}; expected a positive int up to {MAX_SIZE}"
        )
    return int(value)


def check_activation(value: Any, where: str) -> Any:
    """The Keras activation named or given by ``value``, else raise.

    Example:
        >>> check_activation("gelu", "demo").__name__
        'gelu'
    """
    try:
        return keras.activations.get(value)
    except (ValueError, TypeError) as err:
        raise ConfigurationError(
            f"{where}: activation={value!r} is not a Keras activation ({err})"
        ) from None


def check_initializer(value: Any, argument: str, where: str) -> keras.initializers.Initializer:
    """The Keras initializer named or given by ``value``, else raise.

    Example:
        >>> type(check_initializer("zeros", "bias_initializer", "demo")).__name__
        'Zeros'
    """
    try:
        return keras.initializers.get(value)
    except (ValueError, TypeError) as err:
        raise ConfigurationError(
            f"{where}: {argument}={value!r} is not a Keras initializer ({err})"
        ) from None


def draw_seed(seed: int | None, where: str) -> int:
    """``seed`` itself, or a fresh one when None (recorded so configs reproduce).

    Example:
        >>> draw_seed(7, "demo")
        7
    """
    if seed is None:
        return int(np.random.default_rng().integers(2**30))
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise ConfigurationError(f"{where}: seed={seed!r}; expected a non-negative int or None")
    return int(seed)
