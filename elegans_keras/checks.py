"""Argument checks shared by the whole package; each failure is a ConfigurationError.

Every check takes the value, the argument's name and ``where`` (the function,
layer or command that received it), so a message reads
``"rewire: seed=-1; expected an int in [0, 2147418111]"``.

Example:
    >>> check_int(3, "seeds", "build_plan", low=1)
    3
    >>> check_choice("deep", "mode", "demo", MODES)
    'deep'
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from elegans_keras.errors import ConfigurationError

MAX_SIZE = 2**31 - 1
# torch seed generators hold int32, and layers derive sub-seeds ``seed + k`` (k < 2**16)
SEED_OFFSETS = 2**16
MAX_SEED = 2**31 - 1 - SEED_OFFSETS
# model factories pass their layers seed + k (k < 1000)
MAX_FACTORY_SEED = MAX_SEED - 1000
MODES = ("deep", "reservoir")


def is_int(value: Any) -> bool:
    """True for an integer that is not a bool (``numpy.int64`` counts).

    Example:
        >>> is_int(True), is_int(np.int64(2))
        (False, True)
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_int(value: Any, argument: str, where: str, low: int = 0, high: int = MAX_SIZE) -> int:
    """``value`` as an int if it is an int in ``[low, high]``, else raise.

    Example:
        >>> check_int(0, "limit", "demo", low=1)
        Traceback (most recent call last):
        ...
        elegans_keras.errors.ConfigurationError: demo: limit=0; expected an int in [1, 2147483647]
    """
    if not is_int(value) or not low <= value <= high:
        raise ConfigurationError(
            f"{where}: {argument}={value!r}; expected an int in [{low}, {high}]"
        )
    return int(value)


def check_seed(seed: Any, where: str, argument: str = "seed") -> int:
    """A seed: an int in ``[0, MAX_SEED]`` (so every sub-seed fits every backend's int32).

    Example:
        >>> check_seed(7, "rewire")
        7
    """
    return check_int(seed, argument, where, low=0, high=MAX_SEED)


def draw_seed(seed: int | None, where: str) -> int:
    """``seed`` itself, or a fresh one when None (recorded so configs reproduce).

    A fresh seed comes from NumPy's global generator, so
    ``keras.utils.set_random_seed`` (which seeds it) makes unseeded layers
    reproducible too.

    Example:
        >>> draw_seed(7, "demo")
        7
    """
    if seed is None:
        return int(np.random.randint(2**30))  # noqa: NPY002 - the global generator, on purpose
    return check_seed(seed, where)


def make_rng(seed: int, where: str) -> np.random.Generator:
    """A numpy Generator for a checked seed.

    Example:
        >>> bool(make_rng(3, "rewire").integers(10) == make_rng(3, "rewire").integers(10))
        True
    """
    return np.random.default_rng(check_seed(seed, where))


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
    valid = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and bool(np.isfinite(float(value)))
    )
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


def check_probability(value: Any, argument: str, where: str) -> float:
    """A number in [0, 1].

    Example:
        >>> check_probability(1, "p", "rewire")
        1.0
    """
    return check_number(value, argument, where, low=0.0, high=1.0, low_inclusive=True)


def check_rate(value: Any, argument: str, where: str) -> float:
    """A dropout-like rate in [0, 1).

    Example:
        >>> check_rate(0.1, "dropout", "demo")
        0.1
    """
    return check_number(
        value, argument, where, low=0.0, high=1.0, low_inclusive=True, high_inclusive=False
    )


def check_choice(value: Any, argument: str, where: str, choices: Iterable[Any]) -> Any:
    """``value`` if it is one of ``choices``, else raise naming them.

    Example:
        >>> check_choice("sparse", "implementation", "demo", ("auto", "dense", "sparse"))
        'sparse'
    """
    choices = tuple(choices)
    try:
        valid = value in choices
    except TypeError:
        valid = False
    if not valid:
        raise ConfigurationError(
            f"{where}: {argument}={value!r}; expected one of {', '.join(map(repr, choices))}"
        )
    return value


def check_sizes(values: Any, argument: str, where: str) -> tuple[int, ...]:
    """``values`` as a tuple if it is a non-empty sequence of positive ints (filters per block...).

    Example:
        >>> check_sizes([32, 64], "filters", "demo")
        (32, 64)
    """
    if (
        isinstance(values, (str, bytes))
        or not isinstance(values, (list, tuple))
        or not values
        or not all(is_int(v) and 1 <= v <= MAX_SIZE for v in values)
    ):
        raise ConfigurationError(
            f"{where}: {argument}={values!r}; expected a non-empty sequence of positive ints"
        )
    return tuple(int(v) for v in values)


def check_activation(value: Any, where: str) -> Any:
    """The Keras activation named or given by ``value``, else raise.

    Example:
        >>> check_activation("gelu", "demo").__name__
        'gelu'
    """
    import keras

    try:
        return keras.activations.get(value)
    except (ValueError, TypeError) as err:
        raise ConfigurationError(
            f"{where}: activation={value!r} is not a Keras activation ({err})"
        ) from None


def check_initializer(value: Any, argument: str, where: str) -> Any:
    """The Keras initializer named or given by ``value``, else raise.

    Example:
        >>> type(check_initializer("zeros", "bias_initializer", "demo")).__name__
        'Zeros'
    """
    import keras

    try:
        return keras.initializers.get(value)
    except (ValueError, TypeError) as err:
        raise ConfigurationError(
            f"{where}: {argument}={value!r} is not a Keras initializer ({err})"
        ) from None
