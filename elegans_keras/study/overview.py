"""The whole topology study at once: every test of every arm, one correction, one forest plot.

Each arm writes its own tests CSV (the main study ``topology_tests.csv``, the
memory arms ``topology_memory_arms_tests.csv``, the scarce-data arms
``topology_scarce_arms_tests.csv``). :func:`study_tests` stacks them, names
each test's arm and condition and applies one Benjamini-Hochberg correction
over all of them (``q_study``; the per-arm reports pool the same tests, so
their ``q (study)`` is this one). :func:`plot_study_forest` draws every
condition of every arm in one figure: memory capacity at spectral radius 0.9
in one panel, test accuracy (percentage points) in the other.

Example:
    >>> import tempfile
    >>> from elegans_keras.study.arms import arm_tests, example_arm
    >>> folder = Path(tempfile.mkdtemp())
    >>> arm_tests({"species": example_arm()}).to_csv(
    ...     folder / "topology_memory_arms_tests.csv", index=False)
    >>> tests = study_tests(folder)
    >>> tests[["arm", "condition"]].iloc[0].tolist(), int(tests["study_tests"].iloc[0])
    (['species', 'toy: erdos_renyi'], 2)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from elegans_keras.errors import ConfigurationError
from elegans_keras.plots.figures import new_figure, save_figure
from elegans_keras.study.arms import (
    FOREST_RADIUS,
    condition_name,
    corrected_power,
    draw_forest,
)
from elegans_keras.study.stats import ALPHA, _adjust

# The tests CSVs of the study, in the order of the forest plot.
TESTS_CSVS = (
    "topology_tests.csv",
    "topology_memory_arms_tests.csv",
    "topology_scarce_arms_tests.csv",
)
STUDY_TESTS_CSV = "topology_study_tests.csv"
STUDY_FOREST = "topology_study_forest.png"
COLUMNS = (
    "arm",
    "condition",
    "task",
    "metric",
    "spectral_radius",
    "n",
    "mean",
    "connectome_mean",
    "difference",
    "difference_low",
    "difference_high",
    "permutation_p",
    "pooled_sd",
    "connectome_n",
)
STUDY_POWER_CSV = "topology_study_power.csv"


def study_tests(folder: str | os.PathLike) -> pd.DataFrame:
    """Every test of the study found in ``folder``, with one Benjamini-Hochberg ``q_study``.

    Rows of ``topology_tests.csv`` (the main study) are named by task, mode and
    budget (``mnist/deep (full)``); the arms' rows keep their arm's name.
    """
    folder = Path(folder)
    parts = []
    for name in TESTS_CSVS:
        path = folder / name
        if not path.is_file():
            continue
        table = pd.read_csv(path)
        if table.empty:
            continue
        if "arm" not in table.columns:
            table.insert(
                0, "arm", table["task"] + "/" + table["mode"] + " (" + table["budget"] + ")"
            )
            table.insert(1, "condition", table.apply(condition_name, axis=1))
        parts.append(table[list(COLUMNS)])
    if not parts:
        raise ConfigurationError(
            f"no tests CSV of the study ({', '.join(TESTS_CSVS)}) in {str(folder)!r}"
        )
    tests = pd.concat(parts, ignore_index=True)
    tests["q_study"] = _adjust(tests["permutation_p"])
    tests["study_tests"] = int(tests["permutation_p"].notna().sum())
    return tests


def study_power(tests: pd.DataFrame) -> pd.DataFrame:
    """Per arm, metric and radius: the difference the study-wide corrected tests detect.

    :func:`~elegans_keras.study.arms.corrected_power` over ``tests`` (from
    :func:`study_tests`): the level Benjamini-Hochberg applies across every
    test of the study, and at that level the smallest difference a t-test
    detects with 80 % power from each comparison's pooled sd (minimum,
    median, maximum over the arm's comparisons).

    Example:
        >>> import tempfile
        >>> from elegans_keras.study.arms import arm_tests, example_arm
        >>> folder = Path(tempfile.mkdtemp())
        >>> arm_tests({"species": example_arm()}).to_csv(
        ...     folder / "topology_memory_arms_tests.csv", index=False)
        >>> float(study_power(study_tests(folder))["level"].iloc[0])
        0.05
    """
    return corrected_power(tests)


def plot_study_forest(tests: pd.DataFrame, out: str | os.PathLike, dpi: int = 150) -> Path:
    """One figure: every condition of every arm against its connectome, 95 % intervals.

    Left: memory capacity at spectral radius 0.9; right: test accuracy in
    percentage points. Filled markers: ``q_study`` < 0.05 across the whole study.
    """
    panels = [
        (
            tests[
                (tests["metric"] == "memory_capacity")
                & np.isclose(tests["spectral_radius"].astype(float), FOREST_RADIUS)
            ],
            1.0,
            f"memory capacity at spectral radius {FOREST_RADIUS:g}: condition − its connectome",
        ),
        (
            tests[tests["metric"] == "test_accuracy"],
            100.0,
            "test accuracy (points): condition − its connectome",
        ),
    ]
    panels = [panel for panel in panels if not panel[0].empty]
    if not panels:
        raise ConfigurationError("plot_study_forest: no memory-capacity or accuracy tests")
    tallest = max(len(rows) for rows, _, _ in panels)
    figure = new_figure(7.5 * len(panels), 2.0 + 0.24 * tallest)
    for k, (rows, scale, label) in enumerate(panels):
        axes = figure.add_subplot(1, len(panels), k + 1)
        draw_forest(axes, rows, scale=scale)
        axes.set_xlabel(f"{label}\n(95 % Welch interval)", fontsize=8)
        axes.legend(fontsize=6, loc="lower left" if k else "lower right")
    figure.suptitle(
        f"Topology study: every condition of every arm ({int(tests['study_tests'].iloc[0])} "
        f"tests; filled: Benjamini-Hochberg q < {ALPHA:g} across all of them)",
        fontsize=10,
    )
    return save_figure(figure, out, dpi=dpi)
