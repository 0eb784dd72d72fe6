"""Binarised digits and a seeded validation split carved from the training data."""

from __future__ import annotations

import numpy as np

from elegans_keras.errors import ConfigurationError


def binarize(images: np.ndarray, threshold: float = 0.3) -> np.ndarray:
    """Pixels strictly above ``threshold`` become 1.0, the rest 0.0 (float32).

    This is the input and target of the paper's "MNIST Unsup" reconstruction
    task (images in [0, 1], threshold 0.3); 84.7 % of the pixels of the
    binarised MNIST test digits are background.

    Example:
        >>> binarize(np.array([0.1, 0.3, 0.8]))
        array([0., 0., 1.], dtype=float32)
    """
    if not np.isfinite(threshold):
        raise ConfigurationError(f"threshold={threshold!r} must be a finite number")
    return (np.asarray(images) > threshold).astype(np.float32)


def train_validation_split(
    x: np.ndarray,
    y: np.ndarray,
    validation_fraction: float = 0.1,
    seed: int = 0,
    stratify: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Split training data into (x_train, y_train), (x_val, y_val), seeded.

    ``round(validation_fraction * n)`` samples go to validation. With
    ``stratify=True`` (``y`` must then be a 1-D array of class labels) every
    class gives the same share of its samples, up to rounding; otherwise the
    validation samples are a uniform random subset. Both parts keep the
    original order of the samples. Pass the training split only: model
    selection must never see the test split.

    Example:
        >>> split = train_validation_split(x, y, 0.1, seed=0)  # doctest: +SKIP
        >>> (x_tr, y_tr), (x_val, y_val) = split  # doctest: +SKIP
        >>> len(x_val) == round(0.1 * len(x))  # doctest: +SKIP
        True
    """
    x, y = np.asarray(x), np.asarray(y)
    n = len(x)
    if len(y) != n:
        raise ConfigurationError(f"x has {n} samples but y has {len(y)}")
    if not 0.0 < validation_fraction < 1.0:
        raise ConfigurationError(
            f"validation_fraction={validation_fraction!r} must lie strictly between 0 and 1"
        )
    n_val = round(validation_fraction * n)
    if not 0 < n_val < n:
        raise ConfigurationError(
            f"validation_fraction={validation_fraction!r} of {n} samples leaves an empty part"
        )
    if stratify and y.ndim != 1:
        raise ConfigurationError(
            f"stratify=True needs 1-D class labels, y has shape {y.shape}; pass stratify=False"
        )
    rng = np.random.default_rng(seed)
    order = _stratified_order(y, rng) if stratify else rng.permutation(n)
    is_val = np.zeros(n, dtype=bool)
    is_val[order[:n_val]] = True
    return (x[~is_val], y[~is_val]), (x[is_val], y[is_val])


def _stratified_order(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A sample order in which every prefix holds each class in proportion to its size.

    Within each class the samples are shuffled and given quantile positions
    ``(rank + 0.5) / class_size``; sorting by position (ties at random)
    interleaves the classes evenly.
    """
    _, classes, counts = np.unique(y, return_inverse=True, return_counts=True)
    shuffled = rng.permutation(len(y))
    by_class = shuffled[np.argsort(classes[shuffled], kind="stable")]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ranks = np.arange(len(y)) - starts[classes[by_class]]
    positions = (ranks + 0.5) / counts[classes[by_class]]
    return by_class[np.lexsort((rng.random(len(y)), positions))]
