"""Reservoir-computing benchmark sequences, generated locally and seeded, with their scores.

The generators return float32 arrays of shape (length, features), ready for a
Keras RNN after adding a batch axis (``inputs[np.newaxis]``).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from elegans_keras.errors import ConfigurationError

NARMA_MAX_RETRIES = 100
# Bounded NARMA-10 runs stay below about 2; a diverging run overflows to inf.
NARMA_BOUND = 10.0


def memory_capacity_task(
    length: int, max_delay: int = 40, seed: int = 0, amplitude: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Jaeger's (2001) short-term memory task: recall the input k steps back.

    ``inputs`` (length, 1) is i.i.d. uniform in [-amplitude, amplitude];
    ``targets[t, k - 1] = inputs[t - k]`` for k = 1..max_delay, and 0 for
    t < k (the input before the sequence is taken as 0, as a network starting
    at rest sees it). Drop a washout of at least ``max_delay`` steps before
    scoring with :func:`memory_capacity`.

    Example:
        >>> inputs, targets = memory_capacity_task(1000, max_delay=40)
        >>> inputs.shape, targets.shape
        ((1000, 1), (1000, 40))
    """
    _check_positive(length, "length")
    _check_positive(max_delay, "max_delay")
    if not amplitude > 0:
        raise ConfigurationError(f"amplitude={amplitude!r} must be positive")
    rng = np.random.default_rng(seed)
    u = rng.uniform(-amplitude, amplitude, size=length)
    padded = np.concatenate([np.zeros(max_delay), u])
    delays = np.arange(1, max_delay + 1)
    targets = padded[max_delay + np.arange(length)[:, np.newaxis] - delays]
    return u[:, np.newaxis].astype(np.float32), targets.astype(np.float32)


def memory_capacity(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, float]:
    """Per-delay squared correlation of targets and predictions, and their sum (Jaeger 2001).

    Both arrays have shape (time, max_delay); a constant prediction scores 0.
    A perfect predictor scores 1 per delay, so its total is ``max_delay``.

    Example:
        >>> per_delay, total = memory_capacity(targets, readout_predictions)  # doctest: +SKIP
    """
    y_true, y_pred = _matching(y_true, y_pred)
    if y_true.ndim != 2:
        raise ConfigurationError(f"expected (time, max_delay) arrays, got shape {y_true.shape}")
    true_dev = y_true - y_true.mean(axis=0)
    pred_dev = y_pred - y_pred.mean(axis=0)
    covariance = np.sum(true_dev * pred_dev, axis=0)
    variances = np.sum(true_dev**2, axis=0) * np.sum(pred_dev**2, axis=0)
    safe = np.where(variances > 0, variances, 1.0)
    per_delay = np.where(variances > 0, covariance**2 / safe, 0.0)
    return per_delay, float(per_delay.sum())


def mackey_glass(
    length: int,
    tau: float = 17.0,
    beta: float = 0.2,
    gamma: float = 0.1,
    n: float = 10.0,
    dt: float = 0.1,
    sample_step: float = 1.0,
    discard: int = 1000,
    seed: int = 0,
    normalize: bool = True,
) -> np.ndarray:
    """The Mackey-Glass series dx/dt = beta x(t-tau) / (1 + x(t-tau)^n) - gamma x(t).

    Integrated with classic 4th-order Runge-Kutta at step ``dt`` over a
    history buffer (the delayed value at half steps is linearly interpolated),
    sampled every ``sample_step`` time units after a transient of ``discard``
    samples. ``tau`` and ``sample_step`` must be multiples of ``dt``. The
    history on [-tau, 0] is a constant drawn uniformly from [0.5, 1.5] with
    ``seed``. With ``normalize`` the returned (length,) float64 series has zero
    mean and unit variance (a constant series is only centred); otherwise it is
    x itself (about 0.4..1.3 for tau=17).

    Because the delay spans ``tau / dt`` steps, the delayed forcing of the next
    ``tau / dt`` steps is already known; there the equation is linear in x and
    each block of steps is one first-order linear recurrence (``lfilter``).

    Example:
        >>> series = mackey_glass(2000, tau=17)
        >>> series.shape
        (2000,)
    """
    _check_positive(length, "length")
    if int(discard) != discard or discard < 0:
        raise ConfigurationError(f"discard={discard!r} must be an integer >= 0")
    if dt <= 0:
        raise ConfigurationError(f"dt={dt!r} must be positive")
    lag = _multiple_of(tau, dt, "tau")
    stride = _multiple_of(sample_step, dt, "sample_step")
    discard, length = int(discard), int(length)
    steps = (discard + length - 1) * stride
    x = np.empty(lag + 1 + steps)
    x[: lag + 1] = np.random.default_rng(seed).uniform(0.5, 1.5)
    growth = _rk4_step(1.0, 0.0, 0.0, 0.0, gamma, dt)
    for start in range(0, steps, lag):
        stop = min(start + lag, steps)
        delayed = x[start : stop + 1]
        forcing = beta * delayed / (1.0 + delayed**n)
        midpoint = 0.5 * (delayed[:-1] + delayed[1:])
        forcing_mid = beta * midpoint / (1.0 + midpoint**n)
        drive = _rk4_step(0.0, forcing[:-1], forcing_mid, forcing[1:], gamma, dt)
        initial = [growth * x[lag + start]]
        x[lag + start + 1 : lag + stop + 1] = lfilter([1.0], [1.0, -growth], drive, zi=initial)[0]
    series = x[lag + discard * stride :: stride]
    if normalize:
        spread = series.std()
        series = (series - series.mean()) / (spread if spread > 0 else 1.0)
    return series


def mackey_glass_task(
    length: int, horizon: int = 1, tau: float = 17.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Predict the normalised Mackey-Glass series ``horizon`` samples ahead.

    ``targets[t] = inputs[t + horizon]`` of the same series; both (length, 1) float32.

    Example:
        >>> inputs, targets = mackey_glass_task(2000, horizon=1)
        >>> bool(np.allclose(inputs[1:], targets[:-1]))
        True
    """
    _check_positive(length, "length")
    _check_positive(horizon, "horizon")
    series = mackey_glass(length + horizon, tau=tau, seed=seed).astype(np.float32)
    return series[:length, np.newaxis], series[horizon:, np.newaxis]


def narma10(length: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The NARMA-10 task: inputs u (length, 1) and targets y (length, 1), float32.

    ``u`` is i.i.d. uniform in [0, 0.5]; starting from y = 0,
    y(t+1) = 0.3 y(t) + 0.05 y(t) sum_{i=0..9} y(t-i) + 1.5 u(t-9) u(t) + 0.1,
    and ``targets[t] = y(t+1)`` depends on ``inputs[: t + 1]``. The recurrence
    diverges for some input draws (about 3 % at length 2000); a draw whose y
    leaves [-10, 10] is discarded and the input redrawn with ``seed + 1``,
    ``seed + 2``, ... (deterministic for ``seed``).

    Example:
        >>> u, y = narma10(2000, seed=0)
        >>> u.shape, y.shape
        ((2000, 1), (2000, 1))
    """
    _check_positive(length, "length")
    for attempt in range(NARMA_MAX_RETRIES):
        u = np.random.default_rng(seed + attempt).uniform(0.0, 0.5, size=length)
        y = _narma10_response(u)
        if np.all(np.isfinite(y)) and np.max(np.abs(y)) <= NARMA_BOUND:
            return u[:, np.newaxis].astype(np.float32), y[:, np.newaxis].astype(np.float32)
    raise ConfigurationError(
        f"NARMA-10 diverged for seeds {seed}..{seed + NARMA_MAX_RETRIES - 1}; try a shorter length"
    )


def nrmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Root-mean-square error divided by the standard deviation of ``y_true``.

    Example:
        >>> nrmse(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0]))
        0.0
    """
    y_true, y_pred = _matching(y_true, y_pred)
    spread = y_true.var()
    if spread == 0:
        raise ConfigurationError("nrmse needs a y_true that is not constant")
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2) / spread))


def _narma10_response(u: np.ndarray) -> np.ndarray:
    y = np.zeros(len(u) + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(len(u)):
            recent = y[max(t - 9, 0) : t + 1].sum()
            echo = u[t - 9] if t >= 9 else 0.0
            y[t + 1] = 0.3 * y[t] + 0.05 * y[t] * recent + 1.5 * echo * u[t] + 0.1
    return y[1:]


def _rk4_step(x, f0, f_mid, f1, gamma: float, h: float):
    """One RK4 step of dx/dt = f(t) - gamma x with f known at the start, middle and end."""
    k1 = f0 - gamma * x
    k2 = f_mid - gamma * (x + 0.5 * h * k1)
    k3 = f_mid - gamma * (x + 0.5 * h * k2)
    k4 = f1 - gamma * (x + h * k3)
    return x + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def _multiple_of(value: float, dt: float, label: str) -> int:
    ratio = value / dt
    steps = round(ratio)
    if steps < 1 or abs(ratio - steps) > 1e-9 * max(1.0, ratio):
        raise ConfigurationError(f"{label}={value!r} must be a positive multiple of dt={dt!r}")
    return steps


def _check_positive(value: int, label: str) -> None:
    if int(value) != value or value <= 0:
        raise ConfigurationError(f"{label}={value!r} must be a positive integer")


def _matching(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ConfigurationError(f"y_true {y_true.shape} and y_pred {y_pred.shape} differ in shape")
    return y_true, y_pred
