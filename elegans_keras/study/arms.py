"""The memory arms of the topology study: development, species and sources, synapse ablations.

Each arm is a resumable ``elegans-keras compare --task memory`` run into its
own CSV next to ``topology.csv`` (:data:`ARMS` names them). This module turns
the CSVs into

* tests of every condition against *its own* connectome (the same context:
  a Witvliet stage's degree-preserving null against that stage), with the
  95 % Welch interval of the difference, the exact permutation p, a
  Benjamini-Hochberg q within the arm (``q_arm``) and one across every test of
  the study (``q_study``: these arms plus ``topology_tests.csv``);
* the power of the *corrected* tests (:func:`corrected_power`): the smallest
  difference each arm detects at the significance level Benjamini-Hochberg
  actually applies across the study, and whether the exact permutation test
  can reach it at all with this many seeds;
* one forest plot (every condition of every arm, difference and interval);
* a structure-performance analysis (:func:`graph_table`,
  :func:`structure_correlations`, :func:`rank_regression`): one row per graph
  (a connectome, a stage, an ablated connectome, each null-model draw), its
  metrics from :func:`~elegans_keras.connectome.metrics.graph_metrics` and its
  mean score, Spearman correlations and a rank regression with bootstrap
  intervals.

:func:`write_arms_report` writes all of it (``topology_memory_arms.md``, its
CSVs and figures); ``elegans-keras report`` calls it when arm CSVs lie next
to the study CSV.

Example:
    >>> tests = arm_tests({"species": example_arm()})
    >>> tests.loc[0, ["condition", "metric"]].tolist()
    ['toy: erdos_renyi', 'memory_capacity']
    >>> len(ARMS)
    3
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from elegans_keras.atomic import atomic_path
from elegans_keras.checks import check_int
from elegans_keras.errors import ConfigurationError
from elegans_keras.plots.figures import new_figure, save_figure
from elegans_keras.study.graph_structure import (
    LATE_STATISTICS,
    update_graph_structure,
    with_graph_structure,
)
from elegans_keras.study.markdown import markdown_table
from elegans_keras.study.runner import read_results
from elegans_keras.study.stats import (
    ALPHA,
    POWER,
    _adjust,
    detectable_difference,
    versus_connectome,
)
from elegans_keras.study.tasks import TASKS
from elegans_keras.study.vocabulary import (
    ABLATION_LABELS,
    CONNECTOME,
    DEFAULT_WEIGHTS,
    RANDOM_REMOVAL,
)

# Families whose graph does not depend on the seed (the seed only changes the model).
FIXED_GRAPH_FAMILIES = ("connectome", "complete", "no_graph", "ablation")
FOREST_RADIUS = 0.9
MIN_SEEDS = 5  # a condition with fewer seeds (a run cut at a deadline) is left out and named
# Graph statistics of the structure-performance analysis (CSV columns; reciprocity derived).
STRUCTURE = (
    "graph_homophily_ratio",
    "graph_role_assortativity",
    "graph_clustering",
    "graph_transitivity",
    "graph_path_length",
    "graph_sigma",
    "graph_omega",
    "graph_reciprocity",
    "graph_density",
    "graph_spectral_radius_binary",
    "graph_neurons",
    *LATE_STATISTICS,
)
# Predictors of the multiple rank regression (one per kind of structure, plus size and density).
REGRESSORS = (
    "graph_homophily_ratio",
    "graph_clustering",
    "graph_path_length",
    "graph_reciprocity",
    "graph_modularity",
    "graph_density",
    "graph_neurons",
)


@dataclasses.dataclass(frozen=True)
class Arm:
    """One arm: its name, its CSV (next to ``topology.csv``) and what it asks."""

    name: str
    csv: str
    title: str
    question: str


ARMS = (
    Arm(
        "development",
        "memory_development.csv",
        "Development (Witvliet et al. 2021, stages 1-8)",
        "Does each developmental stage hold less memory than its own degree-preserving null?",
    ),
    Arm(
        "species",
        "memory_species.csv",
        "Species and sources",
        "Does the worm's result hold on Cook's hermaphrodite and on the Drosophila larva?",
    ),
    Arm(
        "ablations",
        "memory_ablations.csv",
        "Synapse-class ablations (celegans_herm)",
        "Which synapse class, once removed, changes the corrected connectome's memory?",
    ),
)


def example_arm(seed: int = 0) -> pd.DataFrame:
    """A toy memory arm for examples: connectome ``toy`` (memory capacity ~10) and 5 Erdős-Rényi
    draws (~12), 5 seeds each, at spectral radius 0.9, with a few graph statistics.

    Example:
        >>> example_arm().groupby("family")["memory_capacity"].mean().round().to_dict()
        {'connectome': 10.0, 'erdos_renyi': 12.0}
    """
    rng = np.random.default_rng(seed)
    rows = []
    for family, capacity, homophily in (("connectome", 10.0, 1.4), ("erdos_renyi", 12.0, 1.0)):
        for s in range(5):
            drawn = 0 if family == CONNECTOME else s
            rows.append(
                {
                    "task": "memory",
                    "mode": "reservoir",
                    "budget": "full",
                    "connectome": "toy",
                    "family": family,
                    "p": np.nan,
                    "ablation": np.nan,
                    "weights": DEFAULT_WEIGHTS,
                    "seed": s,
                    "spectral_radius": 0.9,
                    "memory_capacity": capacity + rng.normal(0, 0.3),
                    "mackey_glass_nrmse": 0.002 - 0.0001 * capacity + rng.normal(0, 1e-5),
                    "graph_homophily_ratio": homophily + 0.02 * drawn,
                    "graph_clustering": 0.3 - 0.01 * drawn,
                    "graph_neurons": 20,
                    "graph_mutual_dyads": 10 + drawn,
                    "graph_asymmetric_dyads": 60,
                }
            )
    return pd.DataFrame(rows)


def read_arms(results_dir: str | os.PathLike) -> dict[str, pd.DataFrame]:
    """The memory rows of every arm whose CSV exists in ``results_dir`` (by arm name).

    Example:
        >>> read_arms("/tmp/no-such-folder")
        {}
    """
    return read_arm_tables(results_dir, ARMS, lambda table, arm: table["task"] == "memory")


def read_arm_tables(
    results_dir: str | os.PathLike,
    arms: Sequence[Any],
    chosen: Callable[[pd.DataFrame, Any], pd.Series],
) -> dict[str, pd.DataFrame]:
    """The rows ``chosen(table, arm)`` of each arm's CSV (``arm.csv``) that exists, by ``arm.name``.

    Arms without a CSV or without a chosen row are left out.
    """
    tables = {}
    for arm in arms:
        path = Path(results_dir) / arm.csv
        if path.is_file():
            table = read_results(path)
            table = table[chosen(table, arm)].reset_index(drop=True)
            if len(table):
                tables[arm.name] = table
    return tables


def complete_conditions(table: pd.DataFrame, min_seeds: int = 5) -> tuple[pd.DataFrame, list[str]]:
    """The rows of conditions run with at least ``min_seeds`` seeds; the names of the others.

    A study stopped early (a resumable run cut at a deadline) leaves its last
    conditions with fewer seeds; they are left out of the tests and named.

    Example:
        >>> kept, left_out = complete_conditions(example_arm().iloc[:-1])
        >>> left_out
        ['toy: erdos_renyi (4 seeds)']
    """
    keys = ["connectome", "family", "p", "ablation", "weights"]
    seeds = table.groupby(keys, dropna=False, sort=False)["seed"].transform("nunique")
    short = table[seeds < min_seeds]
    left_out = [
        f"{condition_name(g.iloc[0])} ({g['seed'].nunique()} seeds)"
        for _, g in short.groupby(keys, dropna=False, sort=False)
    ]
    return table[seeds >= min_seeds].reset_index(drop=True), left_out


def complete_tables(
    tables: Mapping[str, pd.DataFrame], min_seeds: int
) -> tuple[dict[str, pd.DataFrame], dict[str, list[str]]]:
    """:func:`complete_conditions` for every arm; arms with nothing complete are dropped.

    Example:
        >>> kept, left_out = complete_tables({"species": example_arm().iloc[:3]}, 5)
        >>> kept, left_out["species"]
        ({}, ['toy: connectome (3 seeds)'])
    """
    kept: dict[str, pd.DataFrame] = {}
    left_out: dict[str, list[str]] = {}
    for name, table in tables.items():
        complete, left_out[name] = complete_conditions(table, min_seeds)
        if not complete.empty:
            kept[name] = complete
    return kept, left_out


def arm_pvalues(tables: Mapping[str, pd.DataFrame], min_seeds: int, task: str) -> pd.DataFrame:
    """The permutation p of every test of these arms (what the study's correction pools).

    Example:
        >>> len(arm_pvalues({"species": example_arm()}, 5, "memory"))
        2
    """
    complete, _ = complete_tables(tables, min_seeds)
    tests = arm_tests(complete, task=task) if complete else pd.DataFrame()
    return pd.DataFrame({"permutation_p": tests.get("permutation_p", pd.Series(dtype=float))})


def condition_words(row: pd.Series) -> str:
    """A condition without its connectome: ``rewire p=0.4``, ``S->I removed``.

    Example:
        >>> condition_words(pd.Series({"family": "ablation", "ablation": "S->I", "p": None}))
        'S->I removed'
        >>> condition_words(pd.Series({"family": "random_removal", "ablation": "S->I"}))
        'random removal, as many synapses as S->I'
    """
    if pd.notna(row.get("ablation")) and row.get("family") == RANDOM_REMOVAL:
        what = f"random removal, as many synapses as {row['ablation']}"
    elif pd.notna(row.get("ablation")):
        removed = str(row["ablation"])
        what = (
            f"{ABLATION_LABELS[removed]} ({removed} removed)"
            if removed in ABLATION_LABELS
            else f"{removed} removed"
        )
    elif pd.notna(row.get("p")):
        what = f"{row['family']} p={float(row['p']):g}"
    else:
        what = str(row["family"])
    weights = row.get("weights", DEFAULT_WEIGHTS)
    if pd.notna(weights) and weights != DEFAULT_WEIGHTS:
        what = f"{what} [{weights}]"
    return what


def condition_name(row: pd.Series) -> str:
    """A condition with its connectome: ``witvliet2021_3: degree_preserving``.

    Example:
        >>> condition_name(pd.Series({"connectome": "celegans_herm", "family": "ablation",
        ...                           "ablation": "electrical", "p": float("nan")}))
        'celegans_herm: chemical only (electrical removed)'
    """
    return f"{row['connectome']}: {condition_words(row)}"


def arm_tests(
    tables: Mapping[str, pd.DataFrame],
    extra: pd.DataFrame | None = None,
    seed: int = 0,
    task: str = "memory",
) -> pd.DataFrame:
    """Every condition of every arm against its own connectome, every metric of ``task``.

    Adds ``arm``, ``condition`` (:func:`condition_name`), ``q_arm``
    (Benjamini-Hochberg within the arm, all metrics and radii) and ``q_study``
    (Benjamini-Hochberg over these tests and the ``permutation_p`` of
    ``extra``, the study's other tests, e.g. ``topology_tests.csv``).

    Example:
        >>> tests = arm_tests({"species": example_arm()}, pd.DataFrame({"permutation_p": [0.5]}))
        >>> int(tests["study_tests"].iloc[0]), bool(tests["difference_low"].iloc[0] > 0)
        (3, True)
    """
    parts = []
    for arm, table in tables.items():
        for metric, direction in TASKS[task].metrics.items():
            if metric not in table.columns or table[metric].isna().all():
                continue
            tests = versus_connectome(table, metric, direction == "higher", seed=seed)
            if tests.empty:
                continue
            tests = tests.rename(columns={"q_value": "q_within"})
            tests.insert(0, "arm", arm)
            tests.insert(1, "condition", tests.apply(condition_name, axis=1))
            parts.append(tests)
    if not parts:
        return pd.DataFrame()
    result = pd.concat(parts, ignore_index=True)
    result["q_arm"] = np.nan
    for _arm, rows in result.groupby("arm", sort=False):
        result.loc[rows.index, "q_arm"] = _adjust(rows["permutation_p"])
    others = (
        extra["permutation_p"].to_numpy(dtype=float)
        if extra is not None and "permutation_p" in extra.columns
        else np.empty(0)
    )
    pooled = pd.Series(np.concatenate([result["permutation_p"].to_numpy(dtype=float), others]))
    result["q_study"] = _adjust(pooled)[: len(result)]
    result["study_tests"] = int(pooled.notna().sum())
    return result.drop(columns=["q_within"])


def permutation_floor(n_a: int, n_b: int) -> float:
    """The smallest two-sided p an exact permutation test of two groups can return.

    Example:
        >>> round(permutation_floor(5, 5), 4)
        0.0079
    """
    return min(1.0, 2.0 / math.comb(n_a + n_b, n_a))


def bh_level(p_values: Sequence[float], alpha: float = ALPHA) -> tuple[int, float]:
    """(rejections, level): Benjamini-Hochberg's rejections and the p level it applies.

    The level is ``alpha * max(R, 1) / m`` (m tests, R rejections): a further
    test of the study is significant when its p is below it.

    Example:
        >>> bh_level([0.001, 0.02, 0.5, 0.9])
        (2, 0.025)
    """
    p = np.sort(np.asarray([v for v in p_values if np.isfinite(v)], dtype=float))
    m = p.size
    if m == 0:
        return 0, float("nan")
    passed = np.flatnonzero(p <= alpha * np.arange(1, m + 1) / m)
    rejections = int(passed[-1] + 1) if passed.size else 0
    return rejections, alpha * max(rejections, 1) / m


def corrected_power(
    tests: pd.DataFrame,
    extra: pd.DataFrame | None = None,
    alpha: float = ALPHA,
    power: float = POWER,
) -> pd.DataFrame:
    """Per arm, metric and radius: the smallest difference the *corrected* tests detect.

    The level is the one Benjamini-Hochberg applies across the whole study
    (:func:`bh_level` on ``tests`` and ``extra``); ``detectable_*`` are the
    minimum, median and maximum over the arm's comparisons of the t-test
    approximation at that level and ``power`` (from each comparison's pooled
    sd). ``floor`` is the smallest p the exact permutation test reaches with
    these seeds: when it is above ``level`` no difference, however large, can
    be significant after correction (``reachable`` False).

    Example:
        >>> power = corrected_power(arm_tests({"species": example_arm()}))
        >>> float(power.loc[0, "level"]), bool(power.loc[0, "reachable"])
        (0.05, True)
    """
    others = (
        list(extra["permutation_p"].to_numpy(dtype=float))
        if extra is not None and "permutation_p" in extra.columns
        else []
    )
    rejections, level = bh_level([*tests["permutation_p"].to_numpy(dtype=float), *others], alpha)
    rows = []
    for (arm, metric, radius), group in tests.groupby(
        ["arm", "metric", "spectral_radius"], sort=False
    ):
        detectable = np.array(
            [
                detectable_difference(sd, int(nr), int(n), alpha=level, power=power)
                for sd, nr, n in zip(group["pooled_sd"], group["connectome_n"], group["n"])
            ]
        )
        floor = max(
            permutation_floor(int(nr), int(n)) for nr, n in zip(group["connectome_n"], group["n"])
        )
        finite = detectable[np.isfinite(detectable)]
        rows.append(
            {
                "arm": arm,
                "metric": metric,
                "spectral_radius": radius,
                "comparisons": len(group),
                "study_tests": len(tests) + len(others),
                "study_rejections": rejections,
                "level": level,
                "floor": floor,
                "reachable": bool(floor <= level),
                "detectable_min": finite.min() if finite.size else np.nan,
                "detectable_median": float(np.median(finite)) if finite.size else np.nan,
                "detectable_max": finite.max() if finite.size else np.nan,
            }
        )
    return pd.DataFrame(rows)


def draw_forest(axes: Any, rows: pd.DataFrame, scale: float = 1.0, q: str = "q_study") -> None:
    """Draw one forest on ``axes``: a row per test, its difference and 95 % interval.

    Filled markers: ``q`` < 0.05; colours and grey lines separate arms; the
    differences are multiplied by ``scale`` (100: accuracy in points).
    """
    rows = rows.reset_index(drop=True)
    positions = np.arange(len(rows))[::-1]
    for k, arm in enumerate(dict.fromkeys(rows["arm"])):
        chosen = (rows["arm"] == arm).to_numpy()
        y = positions[chosen]
        part = rows[chosen]
        significant = (part[q] < ALPHA).to_numpy()
        colour = f"C{k % 10}"
        axes.hlines(
            y, scale * part["difference_low"], scale * part["difference_high"], color=colour, lw=1.6
        )
        for mask, face, word in (
            (significant, colour, f"q < {ALPHA:g}"),
            (~significant, "white", "n.s."),
        ):
            if mask.any():
                axes.scatter(
                    scale * part["difference"][mask],
                    y[mask],
                    facecolor=face,
                    edgecolor=colour,
                    s=28,
                    zorder=3,
                    label=f"{arm} ({word})",
                )
        if k:
            axes.axhline(y.max() + 0.5, color="0.7", lw=0.8)
    axes.axvline(0.0, color="black", lw=0.8)
    axes.set_yticks(positions, rows["condition"], fontsize=7)
    axes.set_ylim(-0.7, len(rows) - 0.3)
    axes.grid(axis="x", alpha=0.3)


def plot_forest(
    tests: pd.DataFrame,
    out: str | os.PathLike,
    metric: str = "memory_capacity",
    radius: float = FOREST_RADIUS,
    title: str = "",
    dpi: int = 150,
) -> Path:
    """Every condition of every arm: difference from its connectome and 95 % interval.

    One row per condition at spectral radius ``radius``; filled markers are
    significant across the study (``q_study`` < 0.05), grey lines separate arms.

    Example:
        >>> plot_forest(arm_tests({"species": example_arm()}), "/tmp/forest.png")
        PosixPath('/tmp/forest.png')
    """
    rows = tests[
        (tests["metric"] == metric) & np.isclose(tests["spectral_radius"].astype(float), radius)
    ]
    if rows.empty:
        raise ConfigurationError(f"plot_forest: no {metric} tests at spectral radius {radius:g}")
    rows = rows.reset_index(drop=True)
    figure = new_figure(8.0, 1.6 + 0.28 * len(rows))
    axes = figure.add_subplot()
    draw_forest(axes, rows)
    axes.set_xlabel(f"{metric}: condition − its connectome (95 % Welch interval)")
    handles, labels = axes.get_legend_handles_labels()
    figure.legend(
        handles, labels, loc="outside lower center", ncols=min(4, len(labels)), fontsize=7
    )
    axes.set_title(title or f"memory arms at spectral radius {radius:g}", fontsize=10)
    return save_figure(figure, out, dpi=dpi)


def graph_table(
    tables: Mapping[str, pd.DataFrame],
    metric: str = "memory_capacity",
    radius: float = FOREST_RADIUS,
) -> pd.DataFrame:
    """One row per graph: its arm, identity, ``graph_*`` metrics and mean ``metric`` over seeds.

    A graph is a connectome, an ablated connectome (the same graph for every
    seed: the seeds change only the model) or one null-model draw (one graph
    per seed). Only the default synaptic values count (other weight variants
    are the same graph with other values). ``graph_reciprocity`` is the share
    of connected chemical pairs joined both ways, ``2 m / (2 m + a)`` from the
    dyad census (m mutual, a asymmetric dyads).

    Example:
        >>> graphs = graph_table({"species": example_arm()})
        >>> graphs["family"].value_counts().to_dict(), graphs["runs"].iloc[0]
        ({'erdos_renyi': 5, 'connectome': 1}, np.int64(5))
    """
    parts = []
    for arm, table in tables.items():
        rows = table[np.isclose(table["spectral_radius"].astype(float), radius)]
        if "weights" in rows.columns:
            rows = rows[rows["weights"].fillna(DEFAULT_WEIGHTS) == DEFAULT_WEIGHTS]
        rows = rows.dropna(subset=[metric])
        if rows.empty:
            continue
        rows = rows.assign(
            arm=arm,
            graph_seed=np.where(rows["family"].isin(FIXED_GRAPH_FAMILIES), -1, rows["seed"]),
        )
        keys = ["arm", "connectome", "family", "p", "ablation", "graph_seed"]
        statistics = [c for c in rows.columns if c.startswith("graph_") and c != "graph_seed"]
        grouped = rows.groupby(keys, dropna=False, sort=False)
        frame = grouped[statistics].first()
        frame[metric] = grouped[metric].mean()
        frame["runs"] = grouped[metric].size()
        parts.append(frame.reset_index())
    if not parts:
        return pd.DataFrame()
    graphs = pd.concat(parts, ignore_index=True)
    if {"graph_mutual_dyads", "graph_asymmetric_dyads"} <= set(graphs.columns):
        mutual, asymmetric = graphs["graph_mutual_dyads"], graphs["graph_asymmetric_dyads"]
        graphs["graph_reciprocity"] = 2 * mutual / (2 * mutual + asymmetric)
    return graphs


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    if np.unique(x).size < 2 or np.unique(y).size < 2:
        return float("nan")
    return float(stats.spearmanr(x, y).statistic)


def structure_correlations(
    graphs: pd.DataFrame,
    metric: str = "memory_capacity",
    statistics: Sequence[str] = STRUCTURE,
    scope: str = "arm",
    n_boot: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Spearman's rho between ``metric`` and each statistic across graphs, per scope and pooled.

    The interval is the 2.5-97.5 % percentile of rho over ``n_boot`` bootstrap
    resamples of the graphs; ``p_value`` is Spearman's test and ``q_value``
    Benjamini-Hochberg over the whole table. The pooled scope (``all``) counts
    each distinct graph once.

    Example:
        >>> graphs = pd.DataFrame({"arm": ["a"] * 6, "x": [1, 2, 3, 4, 5, 6],
        ...                        "memory_capacity": [2.0, 1, 4, 3, 6, 5]})
        >>> row = structure_correlations(graphs, statistics=["x"], n_boot=200).iloc[-1]
        >>> row["scope"], round(float(row["rho"]), 3), int(row["n_graphs"])
        ('all', 0.829, 6)
    """
    check_int(n_boot, "n_boot", "structure_correlations", low=10)
    rng = np.random.default_rng(seed)
    identity = [
        c for c in ("connectome", "family", "p", "ablation", "graph_seed") if c in graphs.columns
    ]
    pooled = graphs.drop_duplicates(subset=identity) if identity else graphs
    scopes = (
        [*((name, part) for name, part in graphs.groupby(scope, sort=False)), ("all", pooled)]
        if scope in graphs.columns
        else [("all", pooled)]
    )
    rows = []
    for name, part in scopes:
        for statistic in statistics:
            if statistic not in part.columns:
                continue
            pair = part[[statistic, metric]].dropna().to_numpy(dtype=float)
            rho, p_value, low, high = (float("nan"),) * 4
            if len(pair) >= 4:
                rho = _spearman(pair[:, 0], pair[:, 1])
                if np.isfinite(rho):
                    p_value = float(stats.spearmanr(pair[:, 0], pair[:, 1]).pvalue)
                    draws = rng.integers(0, len(pair), size=(n_boot, len(pair)))
                    boot = np.array([_spearman(pair[d, 0], pair[d, 1]) for d in draws])
                    boot = boot[np.isfinite(boot)]
                    if boot.size:
                        low, high = np.percentile(boot, [2.5, 97.5])
            rows.append(
                {
                    "scope": name,
                    "statistic": statistic,
                    "n_graphs": len(pair),
                    "rho": rho,
                    "ci_low": float(low),
                    "ci_high": float(high),
                    "p_value": p_value,
                }
            )
    result = pd.DataFrame(rows)
    if not result.empty:
        result["q_value"] = _adjust(result["p_value"])
    return result


def rank_regression(
    graphs: pd.DataFrame,
    metric: str = "memory_capacity",
    predictors: Sequence[str] = REGRESSORS,
    n_boot: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Least squares of the rank of ``metric`` on the ranks of ``predictors``, all standardised.

    Each coefficient is the change in the metric's rank (in sd) per sd of the
    predictor's rank with the other predictors held fixed; intervals are
    2.5-97.5 % percentiles over ``n_boot`` bootstrap resamples of the graphs.
    Predictors constant across the graphs are dropped. Each distinct graph
    counts once.

    Example:
        >>> x = np.arange(12.0)
        >>> graphs = pd.DataFrame({"a": x, "b": (x * 7) % 12, "memory_capacity": -x})
        >>> fit = rank_regression(graphs, predictors=["a", "b"], n_boot=100)
        >>> round(float(fit.set_index("predictor").loc["a", "coefficient"]), 3)
        -1.0
    """
    check_int(n_boot, "n_boot", "rank_regression", low=10)
    identity = [
        c for c in ("connectome", "family", "p", "ablation", "graph_seed") if c in graphs.columns
    ]
    data = graphs.drop_duplicates(subset=identity) if identity else graphs
    predictors = [p for p in predictors if p in data.columns and data[p].notna().any()]
    data = data[[*predictors, metric]].dropna()
    predictors = [p for p in predictors if data[p].nunique() > 1]
    data = data[[*predictors, metric]]
    if len(data) <= len(predictors) + 2 or not predictors:
        return pd.DataFrame(
            columns=["predictor", "coefficient", "ci_low", "ci_high", "n_graphs", "r_squared"]
        )
    ranks = data.rank().to_numpy(dtype=float)

    def fit(sample: np.ndarray) -> tuple[np.ndarray, float]:
        sd = sample.std(axis=0)
        if np.any(sd == 0):
            return np.full(len(predictors), np.nan), float("nan")
        z = (sample - sample.mean(axis=0)) / sd
        design, target = z[:, :-1], z[:, -1]
        coefficients, *_ = np.linalg.lstsq(design, target, rcond=None)
        residual = target - design @ coefficients
        return coefficients, float(1 - residual.var() / target.var())

    coefficients, r_squared = fit(ranks)
    rng = np.random.default_rng(seed)
    boot = np.array([fit(ranks[rng.integers(0, len(ranks), len(ranks))])[0] for _ in range(n_boot)])
    low, high = np.nanpercentile(boot, [2.5, 97.5], axis=0)
    return pd.DataFrame(
        {
            "predictor": predictors,
            "coefficient": coefficients,
            "ci_low": low,
            "ci_high": high,
            "n_graphs": len(data),
            "r_squared": r_squared,
        }
    )


def _number(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.3g}"


def _arm_table(tests: pd.DataFrame, means: pd.DataFrame) -> str:
    """Rows: conditions (connectome first); columns: radii; cells: mean or difference and q."""
    cells = tests.apply(
        lambda r: (
            f"{r['difference']:+.3g} [{r['difference_low']:+.3g}, "
            f"{r['difference_high']:+.3g}], p={_number(r['permutation_p'])}, "
            f"q={_number(r['q_study'])}"
        ),
        axis=1,
    )
    frame = tests.assign(cell=cells)
    wide = frame.pivot_table(
        index="condition", columns="spectral_radius", values="cell", aggfunc="first", sort=False
    )
    reference = means.pivot_table(
        index="condition", columns="spectral_radius", values="cell", aggfunc="first", sort=False
    )
    wide = pd.concat([reference, wide])
    wide.columns = [f"ρ={float(r):g}" for r in wide.columns]
    return markdown_table(wide.fillna("–").reset_index())


def _connectome_means(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = table[
        (table["family"] == CONNECTOME)
        & (table["weights"].fillna(DEFAULT_WEIGHTS) == DEFAULT_WEIGHTS)
    ]
    summary = rows.groupby(["connectome", "spectral_radius"])[metric].agg(["mean", "std", "size"])
    summary = summary.reset_index()
    summary["condition"] = summary["connectome"] + ": connectome (reference)"
    summary["cell"] = summary.apply(
        lambda r: f"{r['mean']:.4g} ± {r['std']:.2g} sd (n={int(r['size'])})", axis=1
    )
    return summary


def write_arms_report(
    results_dir: str | os.PathLike = "results",
    out: str | os.PathLike | None = None,
    extra_tests: str | os.PathLike | pd.DataFrame | None = None,
    n_boot: int = 2000,
    min_seeds: int = MIN_SEEDS,
) -> Path:
    """Write ``topology_memory_arms.md`` with its CSVs and figures from the arms' CSVs.

    ``results_dir`` holds the arm CSVs (:data:`ARMS`). ``extra_tests``: the
    study's other tests, pooled into ``q_study`` (a CSV or a table with a
    ``permutation_p`` column); by default ``topology_tests.csv`` and
    ``topology_scarce_arms_tests.csv`` where they lie next to the arms.
    ``topology.csv`` there joins the
    structure-performance analysis (its memory runs). Writes, next to the
    report, ``topology_memory_arms_tests.csv``, ``topology_memory_arms_power.csv``,
    ``topology_memory_graphs.csv``, ``topology_memory_structure.csv`` and
    ``figures/topology_memory_arms_forest.png``. Conditions with fewer than
    ``min_seeds`` seeds are left out and named (:func:`complete_conditions`).

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> example_arm().to_csv(folder / "memory_species.csv", index=False)
        >>> write_arms_report(folder, n_boot=20).name
        'topology_memory_arms.md'
    """
    folder = Path(results_dir)
    tables = read_arms(folder)
    if not tables:
        raise ConfigurationError(
            f"no memory arm CSV ({', '.join(a.csv for a in ARMS)}) in {str(folder)!r}"
        )
    tables, left_out = complete_tables(tables, min_seeds)
    if not tables:
        raise ConfigurationError(
            f"no condition of the memory arms in {str(folder)!r} has {min_seeds} seeds yet"
        )
    out = Path(out) if out is not None else folder / "topology_memory_arms.md"
    if isinstance(extra_tests, pd.DataFrame):
        extra, extra_note = extra_tests, f"the study's other {len(extra_tests)} tests"
    else:
        paths = (
            [Path(extra_tests)]
            if extra_tests is not None
            else [folder / "topology_tests.csv", folder / "topology_scarce_arms_tests.csv"]
        )
        found = [path for path in paths if path.is_file()]
        extra = pd.concat([pd.read_csv(path) for path in found]) if found else None
        extra_note = (
            " and ".join(f"`{path.name}`" for path in found) + f" ({len(extra)} tests)"
            if extra is not None
            else "no other tests"
        )
    tests = arm_tests(tables, extra)
    power = corrected_power(tests, extra)
    (out.parent / "figures").mkdir(parents=True, exist_ok=True)
    forest = plot_forest(tests, out.parent / "figures" / "topology_memory_arms_forest.png")

    structure_tables = dict(tables)
    topology = folder / "topology.csv"
    if topology.is_file():
        memory = read_results(topology)
        structure_tables["nulls (topology.csv)"] = memory[memory["task"] == "memory"]
    graphs = graph_table(structure_tables)
    graphs = with_graph_structure(graphs, update_graph_structure(folder, graphs))
    correlation = structure_correlations(graphs, n_boot=n_boot)
    regression = rank_regression(graphs, n_boot=n_boot)

    for name, frame in (
        ("topology_memory_arms_tests.csv", tests),
        ("topology_memory_arms_power.csv", power),
        ("topology_memory_graphs.csv", graphs),
        (
            "topology_memory_structure.csv",
            pd.concat(
                [
                    correlation.assign(analysis="spearman"),
                    regression.assign(analysis="rank_regression"),
                ],
                ignore_index=True,
            ),
        ),
    ):
        with atomic_path(out.parent / name) as temporary:
            frame.to_csv(temporary, index=False)

    lines = [
        "# Topology study, memory arms: development, species, ablations",
        "",
        (
            f"Generated from {', '.join(f'`{a.csv}`' for a in ARMS if a.name in tables)} by "
            f"`elegans-keras report` (elegans_keras.study.arms) on "
            f"{datetime.date.today().isoformat()}. Reservoir memory task, `full` budget, "
            "every seed run included."
        ),
        "",
        (
            f"Tests: every condition against its own connectome (same graph source, same "
            f"radius). Cells: difference of means (condition − connectome) with its 95 % "
            f"Welch interval, exact two-sided permutation p, and q = Benjamini–Hochberg over "
            f"all {int(tests['study_tests'].iloc[0])} tests of the study (these arms and "
            f"{extra_note}). Every test: "
            f"[`topology_memory_arms_tests.csv`](topology_memory_arms_tests.csv)."
        ),
        "",
        f"![forest plot]({forest.parent.name}/{forest.name})",
        "",
    ]
    for arm in ARMS:
        incomplete = left_out.get(arm.name, [])
        note = (
            [
                f"Left out (fewer than {min_seeds} seeds when the run was stopped): "
                f"{', '.join(incomplete)}.",
                "",
            ]
            if incomplete
            else []
        )
        if arm.name not in tables:
            lines += [f"## {arm.title}", "", "Not run (no CSV).", "", *note]
            continue
        table = tables[arm.name]
        runs = table.drop_duplicates(
            subset=["connectome", "family", "p", "ablation", "weights", "seed"]
        )
        lines += [
            f"## {arm.title}",
            "",
            arm.question,
            "",
            (
                f"{len(runs)} runs: "
                + "; ".join(
                    f"{condition_name(r)} ×{int(n)}"
                    for r, n in (
                        (g.iloc[0], len(g))
                        for _, g in runs.groupby(
                            ["connectome", "family", "p", "ablation", "weights"],
                            dropna=False,
                            sort=False,
                        )
                    )
                )
                + "."
            ),
            "",
            *note,
        ]
        for metric, direction in TASKS["memory"].metrics.items():
            chosen = tests[(tests["arm"] == arm.name) & (tests["metric"] == metric)]
            if chosen.empty:
                continue
            lines += [
                f"### {metric} ({direction} is better)",
                "",
                _arm_table(chosen, _connectome_means(table, metric)),
                "",
            ]
            rows = power[(power["arm"] == arm.name) & (power["metric"] == metric)]
            if len(rows):
                first = rows.iloc[0]
                sizes = "; ".join(
                    f"ρ={r.spectral_radius:g}: {_number(r.detectable_median)}"
                    + (
                        ""
                        if r.detectable_min == r.detectable_max
                        else f" ({_number(r.detectable_min)}–{_number(r.detectable_max)})"
                    )
                    for r in rows.itertuples(index=False)
                )
                lines.append(
                    f"Power: Benjamini–Hochberg across the study ({first['study_tests']} tests, "
                    f"{first['study_rejections']} rejected) applies p ≤ {first['level']:.3g}; at "
                    f"that level a t-test detects with 80 % power a difference (median over the "
                    f"arm's comparisons, range) of {sizes}."
                )
                if not rows["reachable"].all():
                    lines.append(
                        f"The exact permutation test cannot reach that level with these seeds "
                        f"(its smallest p is {rows['floor'].max():.2g}): nothing here can be "
                        "significant after correction, whatever its size."
                    )
            lines.append("")
    lines += [
        "## Structure and memory capacity",
        "",
        (
            f"One row per graph at ρ={FOREST_RADIUS:g} ({len(graphs)} graphs: connectomes, "
            "stages, ablated connectomes and every null-model draw of these arms and of "
            "`topology.csv`'s memory runs, default synaptic values; the score is the mean "
            "over the graph's seeds): "
            "[`topology_memory_graphs.csv`](topology_memory_graphs.csv). Spearman's rho with "
            f"a bootstrap 95 % interval ({n_boot} resamples of the graphs), its p and "
            "Benjamini–Hochberg q over the table:"
        ),
        "",
    ]
    if not correlation.empty:
        cells = correlation.apply(
            lambda r: (
                f"{r['rho']:+.2f} [{r['ci_low']:+.2f}, {r['ci_high']:+.2f}] "
                f"q={_number(r['q_value'])}"
                if pd.notna(r["rho"])
                else "–"
            ),
            axis=1,
        )
        wide = correlation.assign(cell=cells).pivot_table(
            index="statistic", columns="scope", values="cell", aggfunc="first", sort=False
        )
        counts = correlation.groupby("scope", sort=False)["n_graphs"].max()
        wide.columns = [f"{c} (n={counts[c]})" for c in wide.columns]
        lines += [markdown_table(wide.fillna("–").reset_index()), ""]
    if not regression.empty:
        lines += [
            (
                f"Rank regression of memory capacity on the graphs' structure (all "
                f"{int(regression['n_graphs'].iloc[0])} distinct graphs, standardised ranks, "
                f"R² = {regression['r_squared'].iloc[0]:.2f}; bootstrap 95 % intervals):"
            ),
            "",
            markdown_table(
                regression.assign(
                    coefficient=regression["coefficient"].map("{:+.2f}".format),
                    interval=regression.apply(
                        lambda r: f"[{r['ci_low']:+.2f}, {r['ci_high']:+.2f}]", axis=1
                    ),
                )[["predictor", "coefficient", "interval"]]
            ),
            "",
        ]
    with atomic_path(out) as temporary:
        Path(temporary).write_text("\n".join(lines), encoding="utf-8")
    return out


def main(argv: Sequence[str] | None = None) -> str:
    """``python -m elegans_keras.study.arms [RESULTS_DIR]``: write the arms report there.

    Example:
        >>> main(["/tmp/no-such-results"])  # doctest: +IGNORE_EXCEPTION_DETAIL
        Traceback (most recent call last):
        elegans_keras.errors.ConfigurationError: no memory arm CSV ...
    """
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m elegans_keras.study.arms",
        description="Write topology_memory_arms.md from the memory arms' CSVs.",
    )
    parser.add_argument(
        "results",
        nargs="?",
        default="results",
        help="folder of the arm CSVs and topology_tests.csv (default: results)",
    )
    parser.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples")
    parser.add_argument(
        "--min-seeds",
        type=int,
        default=MIN_SEEDS,
        help="leave out conditions with fewer seeds (default: 5)",
    )
    options = parser.parse_args(argv)
    return str(
        write_arms_report(options.results, n_boot=options.bootstrap, min_seeds=options.min_seeds)
    )


if __name__ == "__main__":
    print(main())
