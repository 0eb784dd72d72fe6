"""Autoencoder inputs against their reconstructions, from arrays or a published model."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from elegans_keras.errors import ConfigurationError
from elegans_keras.plots.figures import check_output, new_figure, save_figure


def _as_images(array: np.ndarray, label: str) -> np.ndarray:
    try:
        images = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ConfigurationError(f"{label} are not numeric ({err})") from None
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] != 3):
        raise ConfigurationError(
            f"{label} have shape {images.shape}; expected (n, H, W), (n, H, W, 1) or (n, H, W, 3)"
        )
    if not np.all(np.isfinite(images)):
        raise ConfigurationError(f"{label} hold NaN or infinite pixels")
    return images


def plot_reconstructions(
    images: np.ndarray,
    reconstructions: np.ndarray,
    out: str | os.PathLike,
    n: int = 8,
    title: str | None = None,
    dpi: int = 150,
) -> Path:
    """Two rows of ``n`` panels: the first ``n`` inputs above their reconstructions.

    Pixels are shown in [0, 1] (values outside are clipped). When the inputs
    are binary, each reconstruction is captioned with its pixel accuracy at
    threshold 0.5, the "MNIST Unsup" metric.

    Example:
        >>> predicted = model.predict(x_test[:8])  # doctest: +SKIP
        >>> plot_reconstructions(x_test, predicted, "figures/recon.png")  # doctest: +SKIP
        PosixPath('figures/recon.png')
    """
    check_output(out)
    inputs = _as_images(images, "images")
    outputs = _as_images(reconstructions, "reconstructions")
    if not 1 <= n <= min(len(inputs), len(outputs)):
        raise ConfigurationError(
            f"n={n} must be between 1 and the number of images given "
            f"({len(inputs)} images, {len(outputs)} reconstructions)"
        )
    inputs, outputs = inputs[:n], outputs[:n]
    if inputs.shape != outputs.shape:
        raise ConfigurationError(
            f"images of shape {inputs.shape[1:]} and reconstructions of shape "
            f"{outputs.shape[1:]} differ"
        )
    binary = bool(np.isin(inputs, (0.0, 1.0)).all())

    figure = new_figure(1.3 * n + 0.8, 3.2)
    grid = figure.subplots(2, n, squeeze=False)
    for k in range(n):
        for row, picture in enumerate((inputs[k], outputs[k])):
            axes = grid[row, k]
            axes.imshow(
                np.clip(picture, 0.0, 1.0), cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest"
            )
            axes.set_xticks([])
            axes.set_yticks([])
        if binary:
            accuracy = np.mean((outputs[k] > 0.5) == (inputs[k] > 0.5))
            grid[1, k].set_xlabel(f"{accuracy:.3f}", fontsize=8)
    grid[0, 0].set_ylabel("input")
    grid[1, 0].set_ylabel("reconstruction")
    if title:
        figure.suptitle(title)
    return save_figure(figure, out, dpi=dpi)


def published_name(source: str | os.PathLike, weights_dir: str | os.PathLike | None = None) -> str:
    """The published model name ``source`` means: itself, or the model whose ``logs`` is that run.

    Example:
        >>> published_name("mnist_unsup_deep")
        'mnist_unsup_deep'
    """
    from elegans_keras.pretrained import read_manifest

    folder = Path(source)
    if not folder.is_dir():
        return str(source)
    entries = read_manifest(weights_dir)
    for name, entry in sorted(entries.items()):
        if entry.get("logs") and Path(entry["logs"]).resolve() == folder.resolve():
            return name
    raise ConfigurationError(
        f"run directory {str(folder)!r} has no published weights: no manifest entry records it "
        f"under 'logs' (published: {', '.join(sorted(entries)) or 'none'})"
    )


def plot_model_reconstructions(
    source: str | os.PathLike,
    out: str | os.PathLike,
    n: int = 8,
    weights_dir: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    threshold: float = 0.3,
    dpi: int = 150,
) -> Path:
    """Reconstruct the first ``n`` MNIST test digits (binarised) with a published autoencoder.

    ``source`` is a published model name or the run directory it was trained
    in. Raises :class:`~elegans_keras.errors.WeightsError` when the weights
    are not published and :class:`ConfigurationError` when the model's output
    is not an image of its input's shape.

    Example:
        >>> plot_model_reconstructions("mnist_unsup_deep", "figures/recon.png")  # doctest: +SKIP
        PosixPath('figures/recon.png')
    """
    from elegans_keras.datasets import binarize, load_images
    from elegans_keras.pretrained import load_pretrained

    check_output(out)
    if n < 1:
        raise ConfigurationError(f"n={n} must be at least 1")
    name = published_name(source, weights_dir)
    model = load_pretrained(name, weights_dir)
    if tuple(model.output_shape[1:]) != tuple(model.input_shape[1:]):
        raise ConfigurationError(
            f"published model {name!r} is not an autoencoder: output shape "
            f"{model.output_shape[1:]} differs from input shape {model.input_shape[1:]}"
        )
    images, _ = load_images("mnist", "test", data_dir=data_dir)
    digits = binarize(images[:n], threshold)
    if tuple(model.input_shape[1:]) != digits.shape[1:]:
        raise ConfigurationError(
            f"published model {name!r} takes inputs of shape {model.input_shape[1:]}, "
            f"not MNIST digits {digits.shape[1:]}"
        )
    outputs = model.predict(digits, verbose=0)
    accuracy = float(np.mean((outputs > 0.5) == (digits > 0.5)))
    title = (
        f"{name}: first {len(digits)} MNIST test digits binarised at {threshold} "
        f"(pixel accuracy {accuracy:.4f})"
    )
    return plot_reconstructions(digits, outputs, out, n=n, title=title, dpi=dpi)
