"""Training curves from a run directory's ``metrics.csv`` (Keras ``CSVLogger``)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from elegans_keras.errors import ConfigurationError
from elegans_keras.plots.figures import check_output, new_figure, save_figure

METRICS_FILE = "metrics.csv"
NOT_METRICS = ("epoch", "learning_rate", "lr")


def read_metrics(source: str | os.PathLike) -> pd.DataFrame:
    """The per-epoch log of a run directory (or a ``metrics.csv`` path), checked.

    Raises :class:`ConfigurationError` naming the file when it is missing,
    unreadable, empty, lacks an ``epoch`` column or holds no numeric metric.

    Example:
        >>> read_metrics("logs/mnist_classify/deep-seed0").columns[:3].tolist()  # doctest: +SKIP
        ['epoch', 'accuracy', 'loss']
    """
    path = Path(source)
    if path.is_dir():
        path = path / METRICS_FILE
    if not path.is_file():
        raise ConfigurationError(f"training log {str(path)!r} does not exist")
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ConfigurationError(f"training log {str(path)!r} is unreadable ({err})") from None
    if "epoch" not in table.columns:
        raise ConfigurationError(f"training log {str(path)!r} has no 'epoch' column")
    if table.empty:
        raise ConfigurationError(f"training log {str(path)!r} has no epochs")
    if not pd.api.types.is_numeric_dtype(table["epoch"]):
        raise ConfigurationError(f"training log {str(path)!r}: the 'epoch' column is not numeric")
    if not metric_names(table):
        raise ConfigurationError(
            f"training log {str(path)!r} has no numeric metric column besides 'epoch'"
        )
    return table


def metric_names(table: pd.DataFrame) -> list[str]:
    """Metric names in column order, each once (``val_loss`` and ``loss`` give ``loss``).

    Example:
        >>> history = {"epoch": [0], "loss": [1.0], "val_loss": [1.1], "val_f1": [0.5]}
        >>> metric_names(pd.DataFrame(history))
        ['loss', 'f1']
    """
    names: list[str] = []
    for column in table.columns:
        if column in NOT_METRICS or not pd.api.types.is_numeric_dtype(table[column]):
            continue
        name = column.removeprefix("val_")
        if name not in names:
            names.append(name)
    return names


def plot_curves(
    run_dir: str | os.PathLike, out: str | os.PathLike, columns: int = 3, dpi: int = 150
) -> Path:
    """One panel per metric, training against validation, from ``metrics.csv``.

    A dotted vertical line marks the epoch of the lowest validation loss,
    the one early stopping restores.

    Example:
        >>> plot_curves("logs/mnist_classify/deep-seed0", "figures/curves.png")  # doctest: +SKIP
        PosixPath('figures/curves.png')
    """
    check_output(out)
    table = read_metrics(run_dir)
    names = metric_names(table)
    epochs = table["epoch"].to_numpy() + 1
    best = None
    if "val_loss" in table and table["val_loss"].notna().any():
        best = epochs[int(np.nanargmin(table["val_loss"].to_numpy()))]

    columns = max(1, min(columns, len(names)))
    rows = math.ceil(len(names) / columns)
    figure = new_figure(4.2 * columns, 3.0 * rows + 0.4)
    grid = figure.subplots(rows, columns, squeeze=False)
    for axes, name in zip(grid.flat, names):
        for column, label, style in ((name, "training", "-"), (f"val_{name}", "validation", "--")):
            if column in table:
                axes.plot(epochs, table[column], style, marker="o", markersize=3, label=label)
        if best is not None:
            axes.axvline(
                best,
                color="grey",
                linestyle=":",
                linewidth=1,
                label=f"lowest val_loss (epoch {best})",
            )
        axes.set_title(name)
        axes.set_xlabel("epoch")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7)
    for axes in grid.flat[len(names) :]:
        axes.set_visible(False)
    folder = Path(run_dir) if Path(run_dir).is_dir() else Path(run_dir).parent
    figure.suptitle(f"training curves: {folder.parent.name}/{folder.name}")
    return save_figure(figure, out, dpi=dpi)
