"""Figures (PNG, PDF or SVG), drawn without a window and written atomically.

``PLOTS`` maps the ``elegans-keras plot`` names to functions of the form
``fn(source, out, **options) -> Path``: ``connectome`` and ``adjacency`` take a
connectome spec, ``curves`` a run directory, ``reconstructions`` a published
model name (or its run directory). The study's own figures live in
:mod:`elegans_keras.study.figures`.

Example:
    >>> from elegans_keras.plots import PLOTS
    >>> PLOTS["adjacency"]("celegans_herm", "/tmp/adjacency.png")
    PosixPath('/tmp/adjacency.png')
"""

from collections.abc import Callable
from pathlib import Path

from elegans_keras.plots.connectome import plot_adjacency, plot_connectome
from elegans_keras.plots.curves import plot_curves
from elegans_keras.plots.reconstructions import (
    plot_model_reconstructions,
    plot_reconstructions,
)

PLOTS: dict[str, Callable[..., Path]] = {
    "connectome": plot_connectome,
    "adjacency": plot_adjacency,
    "curves": plot_curves,
    "reconstructions": plot_model_reconstructions,
}

__all__ = [
    "PLOTS",
    "plot_adjacency",
    "plot_connectome",
    "plot_curves",
    "plot_model_reconstructions",
    "plot_reconstructions",
]
