"""Statistics of a topology study: intervals, tests against the connectome, correlations.

Every seed of a condition counts (no seed is dropped). A *context* is one
task, mode, budget, base connectome and spectral radius; a *condition* is one
family, rewiring probability and ablation within it.

Example:
    >>> table = read_results("results/topology.csv")  # doctest: +SKIP
    >>> versus_connectome(table, "memory_capacity")[  # doctest: +SKIP
    ...     ["family", "p", "hedges_g", "q_value"]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from elegans_keras.errors import ConfigurationError
from elegans_keras.study.vocabulary import (
    ABLATION,
    CONDITION,
    CONNECTOME,
    CONTEXT,
    CORRELATES,
    DEFAULT_WEIGHTS,
    RANDOM_REMOVAL,
)

POWER = 0.8
ALPHA = 0.05


def is_reference(table: pd.DataFrame) -> pd.Series:
    """The connectome's own runs with the default synaptic values.

    What everything is tested against.
    """
    weights = table["weights"] if "weights" in table.columns else DEFAULT_WEIGHTS
    return (table["family"] == CONNECTOME) & (weights == DEFAULT_WEIGHTS)


def detectable_difference(
    sd: float, n_reference: int, n_other: int, alpha: float = ALPHA, power: float = POWER
) -> float:
    """The smallest difference of means a two-sided t-test detects with this power.

    ``(t_{1 - alpha/2} + t_{power}) * sd * sqrt(1/n_reference + 1/n_other)`` with
    ``n_reference + n_other - 2`` degrees of freedom (the normal-approximation
    formula with t quantiles; ``sd`` is the pooled standard deviation).

    Example:
        >>> round(detectable_difference(0.002, 5, 5), 4)
        0.004
    """
    dof = n_reference + n_other - 2
    if dof < 1 or not np.isfinite(sd):
        return float("nan")
    quantiles = stats.t.ppf(1 - alpha / 2, dof) + stats.t.ppf(power, dof)
    return float(quantiles * sd * np.sqrt(1 / n_reference + 1 / n_other))


def _check_metric(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    if "weights" not in table.columns:
        table = table.assign(weights=DEFAULT_WEIGHTS)
    missing = [c for c in (*CONTEXT, *CONDITION, "seed", metric) if c not in table.columns]
    if missing:
        raise ConfigurationError(f"study table lacks column(s) {missing}")
    return table.dropna(subset=[metric])


def confidence_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Student-t interval of the mean (NaN bounds with fewer than two values).

    Example:
        >>> confidence_interval(np.array([1.0, 2.0, 3.0]))
        (-0.4841..., 4.4841...)
    """
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        return float("nan"), float("nan")
    half = stats.t.ppf(0.5 + level / 2, values.size - 1) * stats.sem(values)
    return float(values.mean() - half), float(values.mean() + half)


def summarize(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per context and condition: runs, mean, standard deviation and 95 % interval of ``metric``.

    Example:
        >>> summarize(table, "test_accuracy")[  # doctest: +SKIP
        ...     ["family", "n", "mean", "ci_low", "ci_high"]]
    """
    table = _check_metric(table, metric)
    rows = []
    for keys, group in table.groupby([*CONTEXT, *CONDITION], dropna=False, sort=False):
        values = group[metric].to_numpy(dtype=float)
        low, high = confidence_interval(values)
        rows.append(
            {
                **dict(zip((*CONTEXT, *CONDITION), keys)),
                "metric": metric,
                "n": values.size,
                "mean": values.mean(),
                "sd": values.std(ddof=1) if values.size > 1 else float("nan"),
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows)


def difference_interval(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Welch interval of mean(a) - mean(b) (unequal variances; NaN with fewer than 2 per side).

    Example:
        >>> low, high = difference_interval(np.array([4.0, 5, 6]), np.array([1.0, 2, 3]))
        >>> round(low, 3), round(high, 3)
        (0.733, 5.267)
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size < 2 or b.size < 2:
        return float("nan"), float("nan")
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    difference = a.mean() - b.mean()
    if va + vb == 0:
        return float(difference), float(difference)
    dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = stats.t.ppf(0.5 + level / 2, dof) * np.sqrt(va + vb)
    return float(difference - half), float(difference + half)


def hedges_g(a: np.ndarray, b: np.ndarray) -> float:
    """Bias-corrected standardised mean difference (a - b) / pooled sd.

    Example:
        >>> round(hedges_g(np.array([2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0])), 3)
        0.8
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    pooled = _pooled_sd(a, b)
    if not np.isfinite(pooled) or pooled == 0:
        return float("nan")
    return float((a.mean() - b.mean()) / pooled * (1 - 3 / (4 * (a.size + b.size - 2) - 1)))


def _pooled_sd(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 2 or b.size < 2:
        return float("nan")
    return float(
        np.sqrt(
            ((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / (a.size + b.size - 2)
        )
    )


def two_sample_tests(a: np.ndarray, b: np.ndarray, seed: int = 0) -> dict[str, float]:
    """Welch's t-test and a two-sided permutation test of mean(a) - mean(b).

    The permutation test is exact when there are at most 9999 relabellings.

    Example:
        >>> two_sample_tests(np.array([1.0, 2, 3]), np.array([4.0, 5, 6]))["welch_p"] < 0.05
        True
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size < 2 or b.size < 2:
        return {"welch_t": float("nan"), "welch_p": float("nan"), "permutation_p": float("nan")}
    welch = stats.ttest_ind(a, b, equal_var=False)
    permutation = stats.permutation_test(
        (a, b),
        lambda x, y, axis: np.mean(x, axis=axis) - np.mean(y, axis=axis),
        permutation_type="independent",
        vectorized=True,
        n_resamples=9999,
        alternative="two-sided",
        rng=np.random.default_rng(seed),
    )
    return {
        "welch_t": float(welch.statistic),
        "welch_p": float(welch.pvalue),
        "permutation_p": float(permutation.pvalue),
    }


def _adjust(p_values: pd.Series) -> np.ndarray:
    """Benjamini-Hochberg q-values, NaN kept."""
    q = np.full(len(p_values), np.nan)
    present = p_values.notna().to_numpy()
    if present.any():
        q[present] = stats.false_discovery_control(p_values[present].to_numpy())
    return q


def versus_connectome(
    table: pd.DataFrame, metric: str, higher_is_better: bool = True, seed: int = 0
) -> pd.DataFrame:
    """Every condition against the connectome's runs of the same context.

    The reference is the connectome with the default (count) synaptic values;
    its other weight variants are conditions like the other graphs.
    Columns: the context and condition, ``n``, ``mean``, ``connectome_mean``,
    ``difference`` (condition - connectome) with its 95 % Welch interval
    (``difference_low``, ``difference_high``), ``hedges_g``, ``connectome_n``
    and ``pooled_sd`` (the connectome's runs and the pooled standard deviation), ``welch_p``,
    ``permutation_p``, ``q_value`` (Benjamini-Hochberg over all rows of the
    result, on the permutation p), ``detectable`` (the smallest difference
    this comparison detects at 80 % power, from the pooled sd) and
    ``connectome_better`` (the connectome's mean is better, in the direction
    ``higher_is_better``).

    Example:
        >>> versus_connectome(table, "mackey_glass_nrmse", higher_is_better=False)  # doctest: +SKIP
    """
    table = _check_metric(table, metric)
    rows = []
    for context, group in table.groupby(list(CONTEXT), dropna=False, sort=False):
        reference_rows = is_reference(group)
        reference = group.loc[reference_rows, metric].to_numpy(dtype=float)
        if reference.size == 0:
            continue
        others = group[~reference_rows]
        for condition, runs in others.groupby(list(CONDITION), dropna=False, sort=False):
            values = runs[metric].to_numpy(dtype=float)
            difference = values.mean() - reference.mean()
            rows.append(
                {
                    **dict(zip(CONTEXT, context)),
                    **dict(zip(CONDITION, condition)),
                    "metric": metric,
                    "n": values.size,
                    "mean": values.mean(),
                    "connectome_mean": reference.mean(),
                    "difference": difference,
                    **dict(
                        zip(
                            ("difference_low", "difference_high"),
                            difference_interval(values, reference),
                        )
                    ),
                    "hedges_g": hedges_g(values, reference),
                    "connectome_n": reference.size,
                    "pooled_sd": _pooled_sd(values, reference),
                    **two_sample_tests(values, reference, seed),
                    "detectable": detectable_difference(
                        _pooled_sd(values, reference), reference.size, values.size
                    ),
                    "connectome_better": bool(
                        difference < 0 if higher_is_better else difference > 0
                    ),
                }
            )
    result = pd.DataFrame(rows)
    if not result.empty:
        result["q_value"] = _adjust(result["permutation_p"])
    return result


def ablation_effects(table: pd.DataFrame, metric: str, seed: int = 0) -> pd.DataFrame:
    """Per context and synapse class: the ablation's and its random control's change.

    ``ablation_change`` and ``random_change`` are mean differences from the
    intact connectome (``intact_p``, ``intact_q``: permutation test of the
    ablation against the intact connectome); ``specific_change`` = ablation -
    random control, tested with Welch and permutation tests (``q_value``:
    Benjamini-Hochberg).

    Example:
        >>> ablation_effects(table, "memory_capacity")[  # doctest: +SKIP
        ...     ["ablation", "specific_change", "q_value"]]
    """
    table = _check_metric(table, metric)
    rows = []
    for context, group in table.groupby(list(CONTEXT), dropna=False, sort=False):
        reference = group.loc[is_reference(group), metric].to_numpy(dtype=float)
        intact = reference.mean() if reference.size else np.nan
        cut = group[group["family"] == ABLATION]
        for ablation, runs in cut.groupby("ablation", sort=False):
            control = group.loc[
                (group["family"] == RANDOM_REMOVAL) & (group["ablation"] == ablation), metric
            ].to_numpy(dtype=float)
            values = runs[metric].to_numpy(dtype=float)
            tests = two_sample_tests(values, control, seed)
            rows.append(
                {
                    **dict(zip(CONTEXT, context)),
                    "ablation": ablation,
                    "metric": metric,
                    "intact_mean": intact,
                    "ablation_change": values.mean() - intact,
                    "random_change": control.mean() - intact if control.size else np.nan,
                    "specific_change": values.mean() - control.mean() if control.size else np.nan,
                    "hedges_g": hedges_g(values, control),
                    **tests,
                    "intact_p": two_sample_tests(values, reference, seed)["permutation_p"],
                }
            )
    result = pd.DataFrame(rows)
    if not result.empty:
        result["q_value"] = _adjust(result["permutation_p"])
        result["intact_q"] = _adjust(result["intact_p"])
    return result


def correlations(
    table: pd.DataFrame, metric: str, statistics: Sequence[str] = CORRELATES
) -> pd.DataFrame:
    """Spearman correlation, per context, between ``metric`` and each graph statistic across runs.

    Example:
        >>> correlations(table, "test_accuracy")[["statistic", "rho", "p_value"]]  # doctest: +SKIP
    """
    table = _check_metric(table, metric)
    rows = []
    for context, group in table.groupby(list(CONTEXT), dropna=False, sort=False):
        for statistic in statistics:
            if statistic not in group.columns:
                continue
            pair = group[[metric, statistic]].dropna()
            if len(pair) < 3 or pair[statistic].nunique() < 2 or pair[metric].nunique() < 2:
                rho, p_value = float("nan"), float("nan")
            else:
                rho, p_value = stats.spearmanr(pair[metric], pair[statistic])
            rows.append(
                {
                    **dict(zip(CONTEXT, context)),
                    "metric": metric,
                    "statistic": statistic,
                    "n": len(pair),
                    "rho": float(rho),
                    "p_value": float(p_value),
                }
            )
    return pd.DataFrame(rows)
