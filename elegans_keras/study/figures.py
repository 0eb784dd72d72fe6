"""Figures of the topology study: a metric against rewiring and across graph families,
against graph statistics, memory curves and ablations.

Example:
    >>> plot_topology("results/topology.csv", "figures/topology.png")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy import stats

from elegans_keras.errors import ConfigurationError
from elegans_keras.plots.figures import check_output, new_figure, save_figure
from elegans_keras.study.vocabulary import (
    ABLATION_FAMILIES,
    CONNECTOME,
    DEFAULT_WEIGHTS,
    REWIRE,
)

REQUIRED = ("family", "p", "seed")
DEFAULT_METRICS = ("test_accuracy", "accuracy", "memory_capacity", "nrmse")


def read_topology(
    csv_path: str | os.PathLike, metric: str | None = None
) -> tuple[pd.DataFrame, str]:
    """The study's tidy table (one row per run) and the metric to chart, checked.

    ``metric`` defaults to the first of ``test_accuracy``, ``accuracy``,
    ``memory_capacity``, ``nrmse`` that the CSV has. Rows without a value of
    the metric are dropped.

    Example:
        >>> table, metric = read_topology("results/topology.csv")
        >>> metric  # the first of the four that the CSV has
        'test_accuracy'
        >>> read_topology("results/topology.csv", "memory_capacity")[1]
        'memory_capacity'
    """
    path = Path(csv_path)
    if not path.is_file():
        raise ConfigurationError(f"topology table {str(path)!r} does not exist")
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ConfigurationError(f"topology table {str(path)!r} is unreadable ({err})") from None
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise ConfigurationError(f"topology table {str(path)!r} lacks column(s) {missing}")
    if metric is None:
        metric = next((m for m in DEFAULT_METRICS if m in table.columns), None)
        if metric is None:
            raise ConfigurationError(
                f"topology table {str(path)!r} has none of the metric columns "
                f"{list(DEFAULT_METRICS)}; name one with metric=... "
                f"(columns: {list(table.columns)})"
            )
    elif metric not in table.columns:
        raise ConfigurationError(
            f"topology table {str(path)!r} has no column {metric!r} "
            f"(columns: {list(table.columns)})"
        )
    for column in ("p", metric):
        if not pd.api.types.is_numeric_dtype(table[column]):
            raise ConfigurationError(
                f"topology table {str(path)!r}: column {column!r} is not numeric"
            )
    table = table.dropna(subset=[metric])
    if table.empty:
        raise ConfigurationError(f"topology table {str(path)!r} has no run with a {metric!r} value")
    table = table.assign(family=table["family"].astype(str))
    return table, metric


def confidence_band(table: pd.DataFrame, metric: str, by: str = "p") -> pd.DataFrame:
    """Mean, seed count and 95 % t-interval bounds of ``metric`` per value of ``by``.

    The interval is NaN where a group has a single run.

    Example:
        >>> band = confidence_band(pd.DataFrame({"p": [0.1, 0.1], "acc": [0.9, 0.8]}), "acc")
        >>> band["count"].tolist()
        [2]
    """
    groups = table.groupby(by)[metric].agg(["mean", "std", "count"])
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.975, groups["count"] - 1) * groups["std"] / np.sqrt(groups["count"])
    return groups.assign(low=groups["mean"] - half, high=groups["mean"] + half)


def family_order(families: pd.Series) -> list[str]:
    """Families as they appear, the connectome first and rewiring second.

    Example:
        >>> family_order(pd.Series(["erdos_renyi", "rewire", "connectome"]))
        ['connectome', 'rewire', 'erdos_renyi']
    """
    present = list(dict.fromkeys(families))
    first = [f for f in (CONNECTOME, REWIRE) if f in present]
    return first + [f for f in present if f not in first]


def _rewiring_panel(axes: Axes, table: pd.DataFrame, metric: str) -> None:
    rewired = table[(table["family"] == REWIRE) & table["p"].notna()]
    if rewired.empty:
        axes.text(
            0.5,
            0.5,
            f"no '{REWIRE}' runs with a p value",
            ha="center",
            va="center",
            transform=axes.transAxes,
        )
    else:
        band = confidence_band(rewired, metric)
        axes.scatter(rewired["p"], rewired[metric], s=10, color="grey", alpha=0.5, label="one seed")
        axes.plot(band.index, band["mean"], marker="o", color="#1f6fb4", label="rewired: mean")
        axes.fill_between(
            band.index,
            band["low"],
            band["high"],
            color="#1f6fb4",
            alpha=0.2,
            label="rewired: 95% t-interval",
        )
        positive = band.index[band.index > 0]
        if len(positive) and band.index.max() / positive.min() >= 50:
            if band.index.min() > 0:
                axes.set_xscale("log")
            else:
                axes.set_xscale("symlog", linthresh=positive.min())
    original = table.loc[table["family"] == CONNECTOME, metric]
    if len(original):
        mean = original.mean()
        axes.axhline(
            mean, color="#c0392b", linestyle="--", label=f"connectome: mean of {len(original)}"
        )
        if len(original) > 1:
            half = stats.t.ppf(0.975, len(original) - 1) * stats.sem(original)
            axes.axhspan(
                mean - half,
                mean + half,
                color="#c0392b",
                alpha=0.1,
                label="connectome: 95% t-interval",
            )
    axes.set_xlabel("rewiring probability p")
    axes.set_ylabel(metric)
    axes.set_title("A. metric against rewiring")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)


def _family_panel(axes: Axes, table: pd.DataFrame, metric: str) -> None:
    families = family_order(table["family"])
    values = [table.loc[table["family"] == f, metric].to_numpy() for f in families]
    axes.boxplot(values, positions=np.arange(len(families)), widths=0.5, showfliers=False)
    for k, family in enumerate(families):
        rows = table[table["family"] == family].sort_values(["p", "seed"])
        offsets = np.linspace(-0.18, 0.18, len(rows)) if len(rows) > 1 else np.zeros(1)
        if family == REWIRE:
            points = axes.scatter(  # p on its whole range, whichever p values ran
                k + offsets,
                rows[metric],
                s=12,
                c=rows["p"],
                cmap="viridis",
                vmin=0.0,
                vmax=1.0,
                zorder=3,
            )
            axes.figure.colorbar(points, ax=axes, label="rewiring probability p", pad=0.01)
        else:
            axes.scatter(k + offsets, rows[metric], s=12, color="black", alpha=0.7, zorder=3)
    tilt = len(families) > 4
    style: dict[str, Any] = (
        {"rotation": 25, "ha": "right", "rotation_mode": "anchor"} if tilt else {}
    )
    separator = " " if tilt else "\n"
    axes.set_xticks(
        np.arange(len(families)),
        [f"{f}{separator}(n={len(v)})" for f, v in zip(families, values)],
        **style,
    )
    axes.set_ylabel(metric)
    axes.set_title("B. per graph family")
    axes.grid(alpha=0.3, axis="y")


FACETS = ("task", "mode", "spectral_radius")


def facets(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The table split by task, mode and spectral radius (where those columns vary).

    Example:
        >>> [label for label, _ in facets(table)]  # doctest: +SKIP
        ['spectral_radius=0.5', 'spectral_radius=0.9']
    """
    columns = [c for c in FACETS if c in table.columns and table[c].nunique(dropna=False) > 1]
    if not columns:
        return [("", table)]
    return [
        (
            ", ".join(
                f"{c}={v:g}" if isinstance(v, float) else f"{c}={v}" for c, v in zip(columns, keys)
            ),
            group,
        )
        for keys, group in table.groupby(columns, sort=True, dropna=False)
    ]


def topology_figure(table: pd.DataFrame, metric: str, title: str) -> Figure:
    """Panels A (metric vs rewiring p) and B (per family) for each facet of ``table``.

    Rows of the ablation families are left out; one facet gives one row of
    two panels, several give two rows (A above B) with a column per facet.

    Example:
        >>> figure = topology_figure(table, "memory_capacity", "memory")  # doctest: +SKIP
    """
    table = label_weights(table[~table["family"].isin(ABLATION_FAMILIES)])
    groups = facets(table)
    if len(groups) == 1:
        figure = new_figure(13.0, 5.0)
        panels = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1.0]})
        panels = panels.reshape(2, 1)
    else:
        figure = new_figure(5.0 * len(groups) + 1.0, 9.0)
        panels = figure.subplots(2, len(groups), squeeze=False)
    for column, (label, group) in enumerate(groups):
        _rewiring_panel(panels[0, column], group, metric)
        _family_panel(panels[1, column], group, metric)
        panels[1, column].sharey(panels[0, column])
        if label:
            for row in (0, 1):
                panels[row, column].set_title(
                    f"{panels[row, column].get_title()}\n{label}", fontsize=9
                )
    figure.suptitle(title)
    return figure


def plot_topology(
    csv_path: str | os.PathLike, out: str | os.PathLike, metric: str | None = None, dpi: int = 150
) -> Path:
    """Panel A: ``metric`` against rewiring p with a 95 % band; panel B: one box per family.

    ``csv_path`` is a tidy table with one row per run and columns ``family``,
    ``p`` (NaN outside the ``rewire`` family), ``seed`` and the metric. The
    connectome's own runs (``family == "connectome"``) are the dashed line of
    panel A. Where the table has several tasks, modes or spectral radii, each
    gets its own column of panels.

    Example:
        >>> plot_topology("results/topology.csv", "figures/topology.png",  # doctest: +SKIP
        ...               metric="test_accuracy")
        PosixPath('figures/topology.png')
    """
    check_output(out)
    table, metric = read_topology(csv_path, metric)
    title = f"topology study: {metric} ({Path(csv_path).name}, {len(table)} runs)"
    return save_figure(topology_figure(table, metric, title), out, dpi=dpi)


def condition_label(row: pd.Series) -> str:
    """``rewire p=0.2``, ``ablation S->I``, ``connectome [random]`` or the family name.

    Example:
        >>> condition_label(pd.Series({"family": "rewire", "p": 0.2, "ablation": np.nan}))
        'rewire p=0.2'
    """
    if pd.notna(row.get("p")):
        text = f"{row['family']} p={row['p']:g}"
    elif pd.notna(row.get("ablation")):
        text = f"{row['family']} {row['ablation']}"
    else:
        text = str(row["family"])
    weights = row.get("weights", DEFAULT_WEIGHTS)
    return text if pd.isna(weights) or weights == DEFAULT_WEIGHTS else f"{text} [{weights}]"


def label_weights(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with non-default weight variants folded into the family (``connectome [random]``).

    Example:
        >>> frame = pd.DataFrame({"family": ["connectome"], "weights": ["random"]})
        >>> label_weights(frame)["family"][0]
        'connectome [random]'
    """
    if "weights" not in table.columns:
        return table
    other = table["weights"].notna() & (table["weights"] != DEFAULT_WEIGHTS)
    family = (
        table["family"]
        .astype(str)
        .where(~other, table["family"].astype(str) + " [" + table["weights"].astype(str) + "]")
    )
    return table.assign(family=family)


def plot_statistic_scatter(
    table: pd.DataFrame,
    metric: str,
    statistics: Sequence[str],
    out: str | os.PathLike,
    title: str = "",
    dpi: int = 150,
) -> Path:
    """One panel per graph statistic: ``metric`` of every run against the statistic of its graph.

    Families get a colour each, the connectome a red star; each panel's title
    gives Spearman's rho and its p-value across all runs.

    Example:
        >>> plot_statistic_scatter(table, "memory_capacity", ["graph_sigma"],  # doctest: +SKIP
        ...                        "scatter.png")
        PosixPath('scatter.png')
    """
    table = label_weights(table)
    statistics = [s for s in statistics if s in table.columns]
    columns = min(4, max(1, len(statistics)))
    rows = int(np.ceil(len(statistics) / columns))
    figure = new_figure(4.0 * columns, 3.4 * rows + 0.6)
    panels = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    families = family_order(table["family"])
    colours = {f: f"C{k % 10}" for k, f in enumerate(f for f in families if f != CONNECTOME)}
    for axes, statistic in zip(panels, statistics):
        pair = table[[metric, statistic]].dropna()
        if len(pair) >= 3 and pair[statistic].nunique() > 1 and pair[metric].nunique() > 1:
            rho, p_value = stats.spearmanr(pair[metric], pair[statistic])
            axes.set_title(
                f"{statistic.removeprefix('graph_')}\nrho={rho:+.2f}, p={p_value:.2g}", fontsize=9
            )
        else:
            axes.set_title(f"{statistic.removeprefix('graph_')}\n(constant)", fontsize=9)
        for family in families:
            rows_of = table[table["family"] == family]
            if family == CONNECTOME:
                axes.scatter(
                    rows_of[statistic],
                    rows_of[metric],
                    marker="*",
                    s=120,
                    color="#c0392b",
                    zorder=4,
                    label=family,
                )
            else:
                axes.scatter(
                    rows_of[statistic],
                    rows_of[metric],
                    s=12,
                    alpha=0.7,
                    color=colours[family],
                    label=family,
                )
        axes.set_xlabel(statistic.removeprefix("graph_"))
        axes.set_ylabel(metric)
        axes.grid(alpha=0.3)
    for axes in panels[len(statistics) :]:
        axes.set_visible(False)
    handles, labels = panels[0].get_legend_handles_labels()
    figure.legend(
        handles, labels, loc="outside lower center", ncols=min(6, len(labels)), fontsize=8
    )
    figure.suptitle(title or f"{metric} against graph statistics ({len(table)} runs)")
    return save_figure(figure, out, dpi=dpi)


def plot_memory_curves(
    table: pd.DataFrame, out: str | os.PathLike, title: str = "", dpi: int = 150
) -> Path:
    """Memory capacity per delay (mean and 95 % band over seeds), one panel per spectral radius.

    One line per condition outside the ablation families; rewiring lines are
    shaded by p, the connectome is the thick red line.

    Example:
        >>> plot_memory_curves(memory_rows, "memory_curves.png")  # doctest: +SKIP
        PosixPath('memory_curves.png')
    """
    delays = sorted(
        (c for c in table.columns if c.startswith("mc_delay_")),
        key=lambda c: int(c.rsplit("_", 1)[1]),
    )
    table = table[~table["family"].isin(ABLATION_FAMILIES)].dropna(subset=delays[:1])
    radii = sorted(table["spectral_radius"].unique())
    figure = new_figure(4.2 * len(radii), 4.4)
    panels = np.atleast_1d(figure.subplots(1, len(radii), squeeze=False)).ravel()
    lag = np.array([int(c.rsplit("_", 1)[1]) for c in delays])
    conditions = table.assign(condition=table.apply(condition_label, axis=1))
    p_values = sorted(conditions["p"].dropna().unique())
    others = [f for f in family_order(conditions["family"]) if f not in (CONNECTOME, "rewire")]
    for axes, radius in zip(panels, radii):
        at_radius = conditions[conditions["spectral_radius"] == radius]
        for condition, runs in at_radius.groupby("condition", sort=False):
            capacity = runs[delays].to_numpy(dtype=float)
            mean = capacity.mean(axis=0)
            half = (
                stats.t.ppf(0.975, len(capacity) - 1) * stats.sem(capacity, axis=0)
                if len(capacity) > 1
                else np.zeros_like(mean)
            )
            family = runs["family"].iloc[0]
            if family == CONNECTOME:
                style = {"color": "#c0392b", "linewidth": 2.5, "zorder": 5}
            elif family == "rewire":
                share = p_values.index(runs["p"].iloc[0]) / max(1, len(p_values) - 1)
                style = {"color": _viridis(share), "linewidth": 1.0}
            else:
                style = {
                    "color": f"C{others.index(family) % 10}",
                    "linewidth": 1.0,
                    "linestyle": "--",
                }
            axes.plot(lag, mean, label=condition, **style)
            axes.fill_between(lag, mean - half, mean + half, color=style["color"], alpha=0.12)
        axes.set_title(f"spectral radius {radius:g}", fontsize=10)
        axes.set_xlabel("delay k")
        axes.set_ylabel("memory capacity MC_k")
        axes.grid(alpha=0.3)
    handles, labels = panels[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside right center", fontsize=8)
    figure.suptitle(title or "memory capacity per delay (mean and 95% band over seeds)")
    return save_figure(figure, out, dpi=dpi)


def _viridis(share: float) -> tuple[float, ...]:
    from matplotlib import colormaps

    return colormaps["viridis"](0.1 + 0.8 * share)


def plot_ablations(
    effects: pd.DataFrame, out: str | os.PathLike, title: str = "", dpi: int = 150
) -> Path:
    """Per synapse class: change from the intact connectome after ablation and after random removal.

    ``effects`` is :func:`elegans_keras.study.stats.ablation_effects` output;
    one panel per (metric, spectral radius).

    Example:
        >>> plot_ablations(ablation_effects(table, "memory_capacity"),  # doctest: +SKIP
        ...                "ablations.png")
        PosixPath('ablations.png')
    """
    groups = list(effects.groupby(["metric", "spectral_radius"], sort=False))
    figure = new_figure(4.6 * len(groups), 0.35 * effects["ablation"].nunique() + 2.2)
    panels = np.atleast_1d(figure.subplots(1, len(groups), squeeze=False)).ravel()
    for axes, ((metric, radius), rows) in zip(panels, groups):
        position = np.arange(len(rows))
        axes.barh(
            position - 0.2,
            rows["ablation_change"],
            height=0.4,
            color="#c0392b",
            label="class removed",
        )
        axes.barh(
            position + 0.2,
            rows["random_change"],
            height=0.4,
            color="grey",
            label="same number removed at random",
        )
        for k, q in enumerate(rows["q_value"]):
            if q < 0.05:
                axes.text(0, k, " *", va="center", fontsize=12)
        axes.set_yticks(position, rows["ablation"])
        axes.axvline(0, color="black", linewidth=0.8)
        axes.set_xlabel(f"change in {metric}")
        axes.set_title(f"{metric}, spectral radius {radius:g}", fontsize=9)
        axes.invert_yaxis()
        axes.grid(alpha=0.3, axis="x")
    handles, labels = panels[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=8)
    figure.suptitle(
        title or "synapse-class ablations vs matched random removal (* : q < 0.05, class vs random)"
    )
    return save_figure(figure, out, dpi=dpi)
