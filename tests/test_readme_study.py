"""The README's topology-study tables recompute from ``results/topology.csv`` (issue 25, item 9).

Every number of the two tables (memory arm, MNIST arm) and of the power
sentence under each is recomputed with :mod:`elegans_keras.study` and compared
at the README's printed precision, so that a README edit cannot drift from the
data. Tables are found by their header row (``| condition | <metric> | vs
connectome |``), not by the prose around them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from elegans_keras.study import TASKS, read_results, summarize, versus_connectome
from elegans_keras.study.vocabulary import ABLATION_FAMILIES, ARM_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RESULTS = ROOT / "results" / "topology.csv"
# Differences of a fraction (accuracy) are printed in percentage points.
POINTS = {"test_accuracy": 100.0}
TABLE_METRICS = ("memory_capacity", "test_accuracy")
POWER = "- Power:"
NUMBER = r"[+-]?\d+(?:\.\d+)?"
# README row labels -> (family, weights); rewired rows name their p values.
FAMILY_WORDS = {
    "connectome": "connectome",
    "rewired": "rewire",
    "complete graph": "complete",
    "degree-preserving": "degree_preserving",
    "shuffled counts": "shuffle_weights",
    "no wiring": "no_graph",
    "erdős-rényi": "erdos_renyi",
    "watts-strogatz": "watts_strogatz",
    "barabási-albert": "barabasi_albert",
}
WEIGHT_WORDS = {
    "synapse counts": "count",
    "random values": "random",
    "transmitter signs": "neurotransmitter",
}

# Where the README may knowingly disagree with the CSV: (metric, row label, quantity) -> the fix.
# Empty since the five cells found at first (rounded twice, a power sentence missing an effect)
# were corrected in the README.
KNOWN_DRIFT: dict[tuple[str, str, str], str] = {}


@dataclass(frozen=True)
class Table:
    """One Markdown table of the README: its metric, rows and the text before and after it."""

    metric: str
    rows: list[list[str]]
    before: str
    after: str


def tables(text: str) -> list[Table]:
    """The README's ``| condition | <metric> | vs connectome |`` tables, in order."""
    lines = text.splitlines()
    found, k = [], 0
    while k < len(lines):
        cells = split_row(lines[k])
        if cells and cells[0] == "condition" and cells[-1] == "vs connectome":
            end = k + 2
            while end < len(lines) and lines[end].startswith("|"):
                end += 1
            start = max((j for j in range(k) if lines[j].startswith(("#", "|"))), default=-1)
            stop = next(
                (j for j in range(end, len(lines)) if lines[j].startswith(("#", "|"))), len(lines)
            )
            found.append(
                Table(
                    cells[1].replace(" ", "_"),
                    [split_row(line) for line in lines[k + 2 : end]],
                    "\n".join(lines[start + 1 : k]),
                    "\n".join(lines[end:stop]),
                )
            )
            k = end
        else:
            k += 1
    return found


def split_row(line: str) -> list[str]:
    if not line.startswith("|"):
        return []
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def conditions(label: str) -> list[tuple[str, float, str]]:
    """(family, p, weights) of each condition a row label names (NaN p when it has none)."""
    text = label.lower()
    if text.startswith("rewired"):
        values = re.search(r"p = ([\d. /]+)", text)
        assert values, f"README row {label!r}: no p values"
        return [("rewire", float(p), "count") for p in values.group(1).split(" / ")]
    found = []
    for part in text.split(" / "):
        family = next((f for word, f in FAMILY_WORDS.items() if part.startswith(word)), None)
        assert family is not None, f"README row {label!r}: unknown condition {part!r}"
        weights = next((w for word, w in WEIGHT_WORDS.items() if word in part), "count")
        found.append((family, np.nan, weights))
    return found


def is_reference(condition: tuple[str, float, str]) -> bool:
    return condition[0] == "connectome" and condition[2] == "count"


def printed_as(value: float, printed: str) -> bool:
    """``value`` rounds to ``printed`` at its decimals, with the sign it shows."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    if printed.startswith("+") and value < 0 or printed.startswith("-") and value > 0:
        return False
    return float(f"{value:.{decimals}f}") == float(printed)


@pytest.fixture(scope="module")
def study() -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Per metric: (summary, tests against the connectome), as ``elegans-keras report`` makes."""
    results = read_results(RESULTS)
    computed = {}
    for task, spec in TASKS.items():
        runs = results[(results["task"] == task) & ~results["family"].isin(ABLATION_FAMILIES)]
        for metric, direction in spec.metrics.items():
            if metric in TABLE_METRICS:
                # Each arm (mode, budget, connectome) corrects its q values over its own tests.
                computed[metric] = (
                    summarize(runs, metric),
                    pd.concat(
                        versus_connectome(arm, metric, direction == "higher")
                        for _, arm in runs.groupby(list(ARM_COLUMNS))
                    ),
                )
    return computed


@pytest.fixture(scope="module")
def readme_tables() -> list[Table]:
    found = tables(README.read_text(encoding="utf-8"))
    assert set(TABLE_METRICS) <= {table.metric for table in found}, (
        "README: the memory and MNIST study tables (| condition | ... | vs connectome |)"
    )
    return found


def radius_of(table: Table, summary: pd.DataFrame) -> float:
    """The spectral radius the table's introduction names, or the data's only one."""
    named = re.findall(r"radius (\d+(?:\.\d+)?)", table.before)
    radii = sorted(summary["spectral_radius"].unique())
    if named:
        assert float(named[-1]) in radii, f"{table.metric}: no runs at radius {named[-1]}"
        return float(named[-1])
    assert len(radii) == 1, f"{table.metric}: the README names no radius among {radii}"
    return radii[0]


def in_mode_of(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the mode the table's introduction names (``mode="deep"``), or the only one."""
    named = re.findall(r'mode="(\w+)"', table.before)
    modes = sorted(frame["mode"].unique())
    if named:
        assert named[-1] in modes, f"{table.metric}: no runs in mode {named[-1]!r}"
        return frame[frame["mode"] == named[-1]]
    assert len(modes) == 1, f"{table.metric}: the README names no mode among {modes}"
    return frame


def select(frame: pd.DataFrame, radius: float, condition: tuple[str, float, str]) -> pd.Series:
    family, p, weights = condition
    rows = frame[
        (frame["spectral_radius"] == radius)
        & (frame["family"] == family)
        & (frame["weights"] == weights)
        & (frame["p"].isna() if np.isnan(p) else np.isclose(frame["p"], p))
    ]
    assert len(rows) == 1, f"{condition} at radius {radius}: {len(rows)} rows in the study"
    return rows.iloc[0]


def check_row(
    row: list[str], metric: str, radius: float, summary: pd.DataFrame, tests: pd.DataFrame
) -> dict[tuple[str, str], str]:
    """The problems of one README table row, by (row label, quantity); empty when all agree."""
    label, value, versus = row
    chosen = conditions(label)
    problems = {}
    if "±" in value:
        assert len(chosen) == 1, f"{label!r}: one mean ± interval for several conditions"
        mean, half = (part.strip() for part in value.split("±"))
        stats = select(summary, radius, chosen[0])
        if not printed_as(stats["mean"], mean):
            problems[label, "mean"] = f"{stats['mean']!r} is printed {mean}"
        if not printed_as(stats["mean"] - stats["ci_low"], half):
            problems[label, "half-width"] = f"{stats['mean'] - stats['ci_low']!r} is printed {half}"
    else:
        means = value.split(" / ")
        assert len(means) == len(chosen), f"{label!r}: {len(chosen)} conditions, cell {value!r}"
        for condition, mean in zip(chosen, means):
            actual = select(summary, radius, condition)["mean"]
            if not printed_as(actual, mean):
                problems[label, f"mean {condition}"] = f"{actual!r} is printed {mean}"
    if not versus:
        if not (len(chosen) == 1 and is_reference(chosen[0])):
            problems[label, "comparison"] = "only the reference has no comparison"
        return problems
    compared = [select(tests, radius, condition) for condition in chosen]
    claim = re.fullmatch(
        rf"(?:(?P<difference>{NUMBER})(?: points)?|all (?P<word>better|worse)),"
        rf" q (?P<op>=|<=|≤) (?P<q>{NUMBER})",
        versus,
    )
    assert claim, f"{label}: unreadable comparison {versus!r}"
    if claim["difference"] is not None:
        difference = compared[0]["difference"] * POINTS.get(metric, 1.0)
        if not printed_as(difference, claim["difference"]):
            problems[label, "difference"] = f"{difference!r} is printed {claim['difference']}"
    else:
        better = claim["word"] == "better"
        wrong = [c for c, t in zip(chosen, compared) if t["connectome_better"] == better]
        if wrong:
            problems[label, "direction"] = f"not all {claim['word']}: {wrong}"
    q_values = [t["q_value"] for t in compared]
    shown = [max(q_values)] if claim["op"] != "=" else q_values
    problems.update(
        {
            (label, f"q {k}"): f"{q!r} is printed {claim['q']}"
            for k, q in enumerate(shown)
            if not printed_as(q, claim["q"])
        }
    )
    return problems


def agree_but_for_known_drift(
    metric: str, problems: dict[tuple[str, str], str], power: bool
) -> None:
    """Every problem is in :data:`KNOWN_DRIFT` and every known drift (of the table or of its
    power bullet) is still there."""
    known = {key for key in KNOWN_DRIFT if key[0] == metric and (key[1] == POWER) == power}
    found = {(metric, *key): message for key, message in problems.items()}
    new = [f"{key[1]} [{key[2]}]: {message}" for key, message in found.items() if key not in known]
    assert not new, "README disagrees with results/topology.csv:\n" + "\n".join(new)
    fixed = sorted(known - set(found))
    assert not fixed, f"README now agrees here; remove from KNOWN_DRIFT: {fixed}"


def study_tables(
    metric: str, study: dict[str, tuple[pd.DataFrame, pd.DataFrame]], readme_tables: list[Table]
) -> list[tuple[Table, pd.DataFrame, pd.DataFrame]]:
    """Each README table of ``metric`` with the summary and tests of its mode."""
    summary, tests = study[metric]
    return [
        (table, in_mode_of(table, summary), in_mode_of(table, tests))
        for table in readme_tables
        if table.metric == metric
    ]


@pytest.mark.parametrize("metric", TABLE_METRICS)
def test_readme_study_table_recomputes_from_the_csv(metric, study, readme_tables):
    problems = {}
    for table, summary, tests in study_tables(metric, study, readme_tables):
        problems.update(table_problems(table, metric, summary, tests))
    agree_but_for_known_drift(metric, problems, power=False)


def table_problems(
    table: Table, metric: str, summary: pd.DataFrame, tests: pd.DataFrame
) -> dict[tuple[str, str], str]:
    """The problems of every row of one README table, by (row label, quantity)."""
    radius = radius_of(table, summary)
    assert len(table.rows) >= 5, f"{metric}: the README table lost its rows"
    assert any(map(is_reference, conditions(table.rows[0][0]))), (
        f"{metric}: the README table's first row is not the connectome reference"
    )
    problems = {}
    for row in table.rows:
        problems.update(check_row(row, metric, radius, summary, tests))
    return problems


def power_claims(
    table: Table, metric: str, summary: pd.DataFrame, tests: pd.DataFrame, radius: float
) -> dict[tuple[str, str], str]:
    """The problems of the table's ``- Power:`` bullet (sd, detectable difference, effects)."""
    bullet = re.search(rf"^{POWER}(.*?)(?=^- |\Z)", table.after, re.S | re.M)
    assert bullet, f"{metric}: no {POWER!r} bullet after the table"
    text = " ".join(bullet.group(1).split())
    at = tests[tests["spectral_radius"] == radius]
    detectable = at["detectable"].dropna() * POINTS.get(metric, 1.0)
    shown_rows = [c for row in table.rows for c in conditions(row[0]) if not is_reference(c)]
    effects = [
        abs(select(tests, radius, c)["difference"]) * POINTS.get(metric, 1.0) for c in shown_rows
    ]
    reference = select(summary, radius, ("connectome", np.nan, "count"))
    checks = [
        (rf"sd is ({NUMBER})", [reference["sd"]]),
        (rf"difference of about ({NUMBER})", [detectable.median()]),
        (rf"difference of ({NUMBER}) to ({NUMBER})", [detectable.min(), detectable.max()]),
        (rf"\(median ({NUMBER})", [detectable.median()]),
        (rf"effects above are ({NUMBER}) to ({NUMBER})", [min(effects), max(effects)]),
    ]
    problems, matched = {}, 0
    for pattern, values in checks:
        found = re.search(pattern, text)
        if found:
            matched += 1
            problems.update(
                {
                    (POWER, found.group(0)): f"{value!r} is printed {printed}"
                    for value, printed in zip(values, found.groups())
                    if not printed_as(value, printed)
                }
            )
    assert matched, f"{metric}: the power bullet states nothing this test reads: {text!r}"
    return problems


@pytest.mark.parametrize("metric", TABLE_METRICS)
def test_readme_study_power_recomputes_from_the_csv(metric, study, readme_tables):
    claims = {}
    for table, summary, tests in study_tables(metric, study, readme_tables):
        claims.update(power_claims(table, metric, summary, tests, radius_of(table, summary)))
    agree_but_for_known_drift(metric, claims, power=True)


def test_a_drifted_readme_number_is_caught(study, readme_tables):
    """The check is not vacuous: one changed digit in a table cell is reported."""
    table = next(table for table in readme_tables if table.metric == "memory_capacity")
    summary, tests = study["memory_capacity"]
    radius = radius_of(table, summary)
    label, value, versus = table.rows[0]
    mean, half = value.split("±")
    drifted = [label, f"{float(mean) + 0.1:.1f} ±{half}", versus]
    assert (label, "mean") in check_row(drifted, "memory_capacity", radius, summary, tests)
