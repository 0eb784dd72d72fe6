"""What every figure shares: a window-free Figure, an atomic save, the role palette."""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from elegans_keras.atomic import atomic_path
from elegans_keras.errors import ConfigurationError

ROLE_NAMES = {"S": "sensory", "I": "inter", "M": "motor"}
ROLE_COLOURS = {"S": "#2a9d4b", "I": "#6a4c93", "M": "#c0392b"}
CHEMICAL_COLOUR = "#1f6fb4"
ELECTRICAL_COLOUR = "#f08a00"
FORMATS = ("png", "pdf", "svg")


def new_figure(width: float, height: float) -> Figure:
    """A Figure on the Agg canvas: it never opens a window, whatever the backend.

    Example:
        >>> figure = new_figure(6, 4)
        >>> axes = figure.subplots()
    """
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def check_output(out: str | os.PathLike) -> Path:
    """``out`` as a Path whose suffix names an image format (png, pdf or svg).

    Example:
        >>> check_output("figures/curves.png")
        PosixPath('figures/curves.png')
    """
    path = Path(out)
    if path.suffix.lower().lstrip(".") not in FORMATS:
        raise ConfigurationError(
            f"output {str(path)!r}: unsupported image format {path.suffix or '(none)'!r}; "
            f"use one of {', '.join('.' + f for f in FORMATS)}"
        )
    if path.is_dir():
        raise ConfigurationError(f"output {str(path)!r} is a directory, not an image file")
    return path


def save_figure(figure: Figure, out: str | os.PathLike, dpi: int = 150) -> Path:
    """Write ``figure`` to ``out`` atomically (a temporary file, then one rename).

    Example:
        >>> save_figure(new_figure(4, 3), "/tmp/empty.png")
        PosixPath('/tmp/empty.png')
    """
    path = check_output(out)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=dpi, format=path.suffix.lower().lstrip("."))
    return path
