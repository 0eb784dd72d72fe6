"""Charts of the topology study beyond panel A/B: graph statistics, memory curves, ablations."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from elegans_keras.plots.figures import new_figure, save_figure
from elegans_keras.plots.topology import ABLATION_FAMILIES, CONNECTOME, family_order


def condition_label(row: pd.Series) -> str:
    """``rewire p=0.2``, ``ablation S->I`` or the family name.

    Example:
        >>> condition_label(pd.Series({"family": "rewire", "p": 0.2, "ablation": np.nan}))
        'rewire p=0.2'
    """
    if pd.notna(row.get("p")):
        return f"{row['family']} p={row['p']:g}"
    if pd.notna(row.get("ablation")):
        return f"{row['family']} {row['ablation']}"
    return str(row["family"])


def plot_statistic_scatter(table: pd.DataFrame, metric: str, statistics: Sequence[str],
                           out: str | os.PathLike, title: str = "", dpi: int = 150) -> Path:
    """One panel per graph statistic: ``metric`` of every run against the statistic of its graph.

    Families get a colour each, the connectome a red star; each panel's title
    gives Spearman's rho and its p-value across all runs.

    Example:
        >>> plot_statistic_scatter(table, "memory_capacity", ["graph_sigma"], "scatter.png")
        PosixPath('scatter.png')
    """
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
            axes.set_title(f"{statistic.removeprefix('graph_')}\nrho={rho:+.2f}, p={p_value:.2g}",
                           fontsize=9)
        else:
            axes.set_title(f"{statistic.removeprefix('graph_')}\n(constant)", fontsize=9)
        for family in families:
            rows_of = table[table["family"] == family]
            if family == CONNECTOME:
                axes.scatter(rows_of[statistic], rows_of[metric], marker="*", s=120,
                             color="#c0392b", zorder=4, label=family)
            else:
                axes.scatter(rows_of[statistic], rows_of[metric], s=12, alpha=0.7,
                             color=colours[family], label=family)
        axes.set_xlabel(statistic.removeprefix("graph_"))
        axes.set_ylabel(metric)
        axes.grid(alpha=0.3)
    for axes in panels[len(statistics):]:
        axes.set_visible(False)
    handles, labels = panels[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=min(6, len(labels)),
                  fontsize=8)
    figure.suptitle(title or f"{metric} against graph statistics ({len(table)} runs)")
    return save_figure(figure, out, dpi=dpi)


def plot_memory_curves(table: pd.DataFrame, out: str | os.PathLike, title: str = "",
                       dpi: int = 150) -> Path:
    """Memory capacity per delay (mean and 95 % band over seeds), one panel per spectral radius.

    One line per condition outside the ablation families; rewiring lines are
    shaded by p, the connectome is the thick red line.

    Example:
        >>> plot_memory_curves(memory_rows, "memory_curves.png")
        PosixPath('memory_curves.png')
    """
    delays = sorted((c for c in table.columns if c.startswith("mc_delay_")),
                    key=lambda c: int(c.rsplit("_", 1)[1]))
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
            half = (stats.t.ppf(0.975, len(capacity) - 1) * stats.sem(capacity, axis=0)
                    if len(capacity) > 1 else np.zeros_like(mean))
            family = runs["family"].iloc[0]
            if family == CONNECTOME:
                style = {"color": "#c0392b", "linewidth": 2.5, "zorder": 5}
            elif family == "rewire":
                share = p_values.index(runs["p"].iloc[0]) / max(1, len(p_values) - 1)
                style = {"color": _viridis(share), "linewidth": 1.0}
            else:
                style = {"color": f"C{others.index(family) % 10}", "linewidth": 1.0,
                         "linestyle": "--"}
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


def plot_ablations(effects: pd.DataFrame, out: str | os.PathLike, title: str = "",
                   dpi: int = 150) -> Path:
    """Per synapse class: change from the intact connectome after ablation and after random removal.

    ``effects`` is :func:`elegans_keras.study.stats.ablation_effects` output;
    one panel per (metric, spectral radius).

    Example:
        >>> plot_ablations(ablation_effects(table, "memory_capacity"), "ablations.png")
        PosixPath('ablations.png')
    """
    groups = list(effects.groupby(["metric", "spectral_radius"], sort=False))
    figure = new_figure(4.6 * len(groups), 0.35 * effects["ablation"].nunique() + 2.2)
    panels = np.atleast_1d(figure.subplots(1, len(groups), squeeze=False)).ravel()
    for axes, ((metric, radius), rows) in zip(panels, groups):
        position = np.arange(len(rows))
        axes.barh(position - 0.2, rows["ablation_change"], height=0.4, color="#c0392b",
                  label="class removed")
        axes.barh(position + 0.2, rows["random_change"], height=0.4, color="grey",
                  label="same number removed at random")
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
    figure.suptitle(title or "synapse-class ablations vs matched random removal "
                             "(* : q < 0.05, class vs random)")
    return save_figure(figure, out, dpi=dpi)
