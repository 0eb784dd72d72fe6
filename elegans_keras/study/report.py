"""``topology.md``: the study's tables, tests, figures and a plain-words reading, from its CSV.

Example:
    >>> write_report("results/topology.csv", "results")  # doctest: +SKIP
    PosixPath('results/topology.md')
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from elegans_keras.atomic import atomic_path
from elegans_keras.errors import ConfigurationError
from elegans_keras.plots.figures import save_figure
from elegans_keras.study.arms import FOREST_RADIUS, arm_pvalues, read_arms, write_arms_report
from elegans_keras.study.arms import MIN_SEEDS as MEMORY_MIN_SEEDS
from elegans_keras.study.figures import (
    condition_label,
    plot_ablations,
    plot_memory_curves,
    plot_statistic_scatter,
    topology_figure,
)
from elegans_keras.study.markdown import markdown_table
from elegans_keras.study.overview import (
    STUDY_FOREST,
    STUDY_POWER_CSV,
    STUDY_TESTS_CSV,
    plot_study_forest,
    study_power,
    study_tests,
)
from elegans_keras.study.runner import read_results
from elegans_keras.study.scarce import MIN_SEEDS as SCARCE_MIN_SEEDS
from elegans_keras.study.scarce import read_scarce_arms, write_scarce_report
from elegans_keras.study.stats import (
    ALPHA,
    ablation_effects,
    correlations,
    summarize,
    versus_connectome,
)
from elegans_keras.study.tasks import TASKS, budget_named
from elegans_keras.study.vocabulary import ABLATION_FAMILIES, ARM_COLUMNS, CORRELATES

SIGNIFICANCE = 0.05
WHOLE_TYPE_NOTE = (
    "For `chemical` and `electrical` the control is the same graph as the "
    "ablation (removing every synapse of a type at random removes them all), so "
    "only their change from the intact connectome is informative.",
    "",
)


def _number(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.4g}"


def _by_condition(frame: pd.DataFrame, cell: pd.Series) -> pd.DataFrame:
    """Rows = conditions (in study order), columns = spectral radii, values = ``cell``."""
    frame = frame.assign(condition=frame.apply(condition_label, axis=1), cell=cell)
    order = list(dict.fromkeys(frame["condition"]))
    wide = frame.pivot(index="condition", columns="spectral_radius", values="cell").loc[order]
    wide.columns = [f"ρ={r:g}" for r in wide.columns]
    return wide.fillna("–").reset_index()


def _plain_words(comparison: pd.DataFrame, metric: str, direction: str) -> list[str]:
    lines = []
    for radius, rows in comparison.groupby("spectral_radius", sort=True):
        significant = rows[rows["q_value"] < SIGNIFICANCE]
        if significant.empty:
            lines.append(
                f"- ρ={radius:g}: none of the {len(rows)} alternatives differs from the "
                f"connectome in {metric} at q < {SIGNIFICANCE}."
            )
            continue
        parts = []
        for better, word in ((True, "better than"), (False, "worse than")):
            chosen = significant[significant["connectome_better"] == better]
            if len(chosen):
                parts.append(f"{word} {', '.join(chosen.apply(condition_label, axis=1))}")
        lines.append(
            f"- ρ={radius:g}: the connectome's {metric} ({direction} is better) is "
            f"significantly {' and '.join(parts)}; the other "
            f"{len(rows) - len(significant)} of {len(rows)} alternatives do not differ "
            f"at q < {SIGNIFICANCE}."
        )
    return lines


def _power_lines(summary: pd.DataFrame, comparison: pd.DataFrame, metric: str) -> list[str]:
    """The smallest difference each comparison could detect (80 % power, alpha 0.05)."""
    lines = []
    for radius, rows in comparison.groupby("spectral_radius", sort=True):
        detectable = rows["detectable"].dropna()
        reference = summary[
            (summary["spectral_radius"] == radius)
            & (summary["family"] == "connectome")
            & (summary["weights"] == "count")
        ]
        if detectable.empty or reference.empty:
            continue
        sd, n = reference["sd"].iloc[0], int(reference["n"].iloc[0])
        lines.append(
            f"- ρ={radius:g}: the connectome's {metric} has sd {_number(sd)} over {n} "
            f"seeds; a two-sided test at α = 0.05 detects, with 80 % power, a "
            f"difference of {_number(detectable.min())} to {_number(detectable.max())} "
            f"(median {_number(detectable.median())}) from the pooled sd of each "
            "comparison."
        )
    return (
        [
            "Statistical power (the smallest difference each comparison could detect):",
            "",
            *lines,
            "",
        ]
        if lines
        else []
    )


def _metric_section(
    group: pd.DataFrame,
    comparison: pd.DataFrame,
    task: str,
    mode: str,
    metric: str,
    direction: str,
    figures: Path,
    stem: str,
) -> list[str]:
    """The tables, figures and plain words of one metric; ``comparison``: its tests."""
    nulls = group[~group["family"].isin(ABLATION_FAMILIES)]
    lines = [f"#### {metric} ({direction} is better)", ""]
    if nulls.empty or not (nulls["family"] == "connectome").any():
        return lines + ["No connectome runs for this metric.", ""]
    summary = summarize(nulls, metric)
    cells = summary.apply(
        lambda r: f"{_number(r['mean'])} ± {r['mean'] - r['ci_low']:.2g} (n={r['n']})", axis=1
    )
    lines += [
        "Mean ± half-width of the 95 % t-interval over seeds:",
        "",
        markdown_table(_by_condition(summary, cells)),
        "",
    ]
    if not comparison.empty:
        cells = comparison.apply(
            lambda r: (
                f"{r['difference']:+.3g} (g={_number(r['hedges_g'])}, "
                f"p={_number(r['permutation_p'])}, q={_number(r['q_value'])})"
            ),
            axis=1,
        )
        lines += [
            (
                "Against the connectome: difference of means (alternative − connectome), "
                "Hedges' g, two-sided permutation p (exact) and Benjamini–Hochberg q over "
                "this table (Welch p in the CSV of tests):"
            ),
            "",
            markdown_table(_by_condition(comparison, cells)),
            "",
            *_power_lines(summary, comparison, metric),
            "In plain words:",
            "",
            *_plain_words(comparison, metric, direction),
            "",
        ]
    figure = topology_figure(nulls, metric, f"{task}/{mode}: {metric}")
    path = save_figure(figure, figures / f"{stem}_{metric}.png")
    lines += [f"![{metric} against rewiring and per family]({path.parent.name}/{path.name})", ""]

    if (group["family"] == "ablation").any():
        effects = ablation_effects(group, metric)
        table = effects.assign(
            **{
                "ρ": effects["spectral_radius"].map("{:g}".format),
                "class removed": effects["ablation_change"].map(_number),
                "q vs intact": effects["intact_q"].map(_number),
                "random removal": effects["random_change"].map(_number),
                "class − random": effects["specific_change"].map(_number),
                "g": effects["hedges_g"].map(_number),
                "p": effects["permutation_p"].map(_number),
                "q": effects["q_value"].map(_number),
            }
        )
        path = plot_ablations(effects, figures / f"{stem}_{metric}_ablations.png")
        lines += [
            (
                "Synapse-class ablations: change from the intact connectome's mean, its "
                "Benjamini–Hochberg q against the intact connectome, the change after "
                "removing as many chemical and gap-junction pairs at random, and the "
                "class − random difference with its Hedges' g, permutation p and q:"
            ),
            "",
            markdown_table(
                table[
                    [
                        "ablation",
                        "ρ",
                        "class removed",
                        "q vs intact",
                        "random removal",
                        "class − random",
                        "g",
                        "p",
                        "q",
                    ]
                ]
            ),
            "",
            *(
                WHOLE_TYPE_NOTE
                if {"chemical", "electrical"} & set(effects["ablation"])
                and effects["random_change"].notna().any()
                else ()
            ),
            f"![ablations]({path.parent.name}/{path.name})",
            "",
        ]

    return lines + _correlation_section(group, task, mode, metric, figures, stem)


def _correlation_section(
    group: pd.DataFrame, task: str, mode: str, metric: str, figures: Path, stem: str
) -> list[str]:
    correlation = correlations(group, metric)
    if correlation.empty:
        return []
    cells = correlation.apply(
        lambda r: f"{r['rho']:+.2f} (p={_number(r['p_value'])})" if pd.notna(r["rho"]) else "–",
        axis=1,
    )
    wide = (
        correlation.assign(cell=cells)
        .pivot(index="statistic", columns="spectral_radius", values="cell")
        .loc[[s for s in CORRELATES if s in set(correlation["statistic"])]]
    )
    wide.columns = [f"ρ={r:g}" for r in wide.columns]
    radius = _scatter_radius(group)
    path = plot_statistic_scatter(
        group[group["spectral_radius"] == radius],
        metric,
        CORRELATES,
        figures / f"{stem}_{metric}_statistics.png",
        title=f"{task}/{mode}: {metric} at spectral radius {radius:g}",
    )
    return [
        (
            f"Spearman correlation across all {int(correlation['n'].max())} runs per radius "
            "(every graph, ablations included) between the metric and graph statistics:"
        ),
        "",
        markdown_table(wide.reset_index()),
        "",
        f"![{metric} against graph statistics]({path.parent.name}/{path.name})",
        "",
    ]


def _scatter_radius(group: pd.DataFrame) -> float:
    """The spectral radius the scatter shows: the budget's classifier radius when present."""
    radii = sorted(group["spectral_radius"].unique())
    preferred = budget_named(group["budget"].iloc[0]).classifier_radius
    return preferred if preferred in radii else radii[len(radii) // 2]


DATASET_NAMES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}


def _budget_lines(budgets: Iterable[str]) -> list[str]:
    lines = []
    for name in budgets:
        b = budget_named(name)
        if b.train_size is not None:
            images = (
                f"{b.train_size} training images drawn (stratified) with each run's seed "
                f"({b.validation_fraction:.0%} as many others held out for validation, "
                "monitored only)"
            )
        else:
            images = (
                "the whole training split"
                if b.train_images is None
                else f"the first {b.train_images} training images"
            ) + f" ({b.validation_fraction:.0%} held out for validation, monitored only)"
        lines.append(
            f"- `{name}` budget: memory — signals of {b.sequence_length} steps (ridge readout "
            f"fitted on the first half after a washout of {b.sequence_length // 15}, scored on "
            f"the second), delays 1–{b.max_delay}, spectral radii {list(b.radii)}; "
            f"{DATASET_NAMES[b.dataset]} — {images}, {b.epochs} epochs, batch {b.batch_size}, Adam "
            f"with a cosine learning rate from {b.learning_rate:g} to 0, scored once on the "
            f"first {b.test_images} test images; "
            f"small-world references per graph: {b.graph_references}."
        )
    return lines


def _arm_reports(folder: Path, out_dir: Path) -> list[str]:
    """Write the memory and scarce-data arms' reports and the study-wide overview; link them.

    Each arm's ``q (study)`` pools the main study's tests and the other arms'
    (computed here from their CSVs, so no arm reads another's stale tests);
    :func:`~elegans_keras.study.overview.study_tests` then applies the same
    correction to all of them at once.
    """
    memory, scarce = read_arms(folder), read_scarce_arms(folder)
    main_path = out_dir / "topology_tests.csv"
    main = pd.read_csv(main_path)[["permutation_p"]] if main_path.is_file() else None
    lines: list[str] = []
    if memory:
        others = pd.concat([main, arm_pvalues(scarce, SCARCE_MIN_SEEDS, "mnist")])
        arms = write_arms_report(folder, out_dir / "topology_memory_arms.md", extra_tests=others)
        lines += [
            (
                "The memory arms (development, species and sources, synapse ablations) and "
                f"the structure-performance analysis: [`{arms.name}`]({arms.name})."
            ),
            "",
        ]
    if scarce:
        others = pd.concat([main, arm_pvalues(memory, MEMORY_MIN_SEEDS, "memory")])
        report = write_scarce_report(
            folder, out_dir / "topology_scarce_arms.md", extra_tests=others
        )
        lines += [
            (
                "The scarce-data arms (every family at 2,000 and 5,000 training images, MNIST "
                f"and Fashion-MNIST): [`{report.name}`]({report.name})."
            ),
            "",
        ]
    if not (memory or scarce):
        return lines
    tests = study_tests(out_dir)
    with atomic_path(out_dir / STUDY_TESTS_CSV) as temporary:
        tests.to_csv(temporary, index=False)
    forest = plot_study_forest(tests, out_dir / "figures" / STUDY_FOREST)
    power = study_power(tests)
    with atomic_path(out_dir / STUDY_POWER_CSV) as temporary:
        power.to_csv(temporary, index=False)
    significant = tests[tests["q_study"] < ALPHA]["arm"].value_counts(sort=False)
    per_arm = ", ".join(f"{arm}: {n}" for arm, n in significant.items()) or "none"
    return lines + [
        "## The whole study in one figure",
        "",
        (
            f"Every condition of every arm against its own connectome: {len(tests)} tests "
            f"(all metrics and spectral radii), one Benjamini-Hochberg correction over all of "
            f"them, {int(significant.sum())} with q < {ALPHA:g} ({per_arm}). "
            f"The figure shows memory capacity at spectral radius 0.9 and test accuracy; every "
            f"test, with its q: [`{STUDY_TESTS_CSV}`]({STUDY_TESTS_CSV})."
        ),
        "",
        f"![every arm]({forest.parent.name}/{forest.name})",
        "",
        *_study_power_lines(power),
    ]


def _study_power_lines(power: pd.DataFrame) -> list[str]:
    """The corrected tests' power per arm: memory capacity at radius 0.9, accuracy in points."""
    shown = power[
        (power["metric"] == "test_accuracy")
        | (
            (power["metric"] == "memory_capacity")
            & np.isclose(power["spectral_radius"].astype(float), FOREST_RADIUS)
        )
    ]
    if shown.empty:
        return []
    scale = np.where(shown["metric"] == "test_accuracy", 100.0, 1.0)
    table = pd.DataFrame(
        {
            "arm": shown["arm"],
            "metric": np.where(
                shown["metric"] == "test_accuracy",
                "test accuracy (points)",
                f"memory capacity (ρ = {FOREST_RADIUS:g})",
            ),
            "comparisons": shown["comparisons"],
            "detectable, median [range]": [
                f"{m * k:.3g} [{lo * k:.3g}, {hi * k:.3g}]"
                for m, lo, hi, k in zip(
                    shown["detectable_median"],
                    shown["detectable_min"],
                    shown["detectable_max"],
                    scale,
                )
            ],
        }
    )
    first = power.iloc[0]
    return [
        (
            f"Power of the corrected tests: Benjamini-Hochberg over all "
            f"{int(first['study_tests'])} tests ({int(first['study_rejections'])} rejected) "
            f"applies p ≤ {first['level']:.3g}; at that level a t-test detects with 80 % "
            "power the differences below (from each comparison's pooled sd; every radius "
            f"and metric in [`{STUDY_POWER_CSV}`]({STUDY_POWER_CSV})):"
        ),
        "",
        markdown_table(table.reset_index(drop=True)),
        "",
    ]


def write_report(
    csv_path: str | os.PathLike = "results/topology.csv",
    out_dir: str | os.PathLike = "results",
    discussion: str | os.PathLike | None = None,
) -> Path:
    """Write ``out_dir/topology.md`` and its PNGs (in ``out_dir/figures``) from the study CSV.

    ``discussion``: an optional Markdown file whose text is placed under
    "Discussion" (the human reading of the numbers). When memory-arm CSVs
    (:data:`~elegans_keras.study.arms.ARMS`) lie next to ``csv_path``, their
    report ``out_dir/topology_memory_arms.md`` is written too and linked, and
    so is ``out_dir/topology_scarce_arms.md`` for the scarce-data arms'
    CSVs (:data:`~elegans_keras.study.scarce.SCARCE_ARMS`): one command
    regenerates every arm of the study.

    Example:
        >>> write_report("results/topology.csv", "results",  # doctest: +SKIP
        ...              "results/topology_discussion.md")
        PosixPath('results/topology.md')
    """
    table = read_results(csv_path)
    if table.empty:
        raise ConfigurationError(f"study table {str(csv_path)!r} has no runs yet")
    unknown = sorted(set(table["task"]) - set(TASKS))
    if unknown:
        raise ConfigurationError(f"study table {str(csv_path)!r}: unknown task(s) {unknown}")
    if discussion is not None and not Path(discussion).is_file():
        raise ConfigurationError(f"discussion file {str(discussion)!r} does not exist")
    out_dir = Path(out_dir)
    figures = out_dir / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Topology study: does the worm's wiring matter?",
        "",
        (
            f"Generated from `{csv_path}` ({len(table)} rows) by `elegans-keras report` on "
            f"{datetime.date.today().isoformat()}. Every seed run is included; nothing was "
            "selected on the test split."
        ),
        "",
        *_budget_lines(sorted(set(table["budget"]))),
        "",
    ]
    if discussion is not None:
        lines += ["## Discussion", "", Path(discussion).read_text(encoding="utf-8").strip(), ""]
    tests = []
    for (task, mode, budget, connectome), group in table.groupby(list(ARM_COLUMNS), sort=True):
        stem = f"topology_{task}_{mode}_{budget}"
        lines += [f"## {task} / {mode} ({budget} budget, {connectome})", ""]
        for metric, direction in TASKS[task].metrics.items():
            if metric in group.columns and group[metric].notna().any():
                nulls = group[~group["family"].isin(ABLATION_FAMILIES)]
                comparison = versus_connectome(nulls, metric, direction == "higher")
                tests.append(comparison)
                lines += _metric_section(
                    group, comparison, task, mode, metric, direction, figures, stem
                )
        if (
            any(c.startswith("mc_delay_") for c in group.columns)
            and group["mc_delay_1"].notna().any()
        ):
            path = plot_memory_curves(group, figures / f"{stem}_memory_curves.png")
            lines += [
                "#### Memory capacity per delay",
                "",
                f"![memory capacity curves]({path.parent.name}/{path.name})",
                "",
            ]
    tests = [t for t in tests if not t.empty]
    if tests:
        with atomic_path(out_dir / "topology_tests.csv") as temporary:
            pd.concat(tests, ignore_index=True).to_csv(temporary, index=False)
        lines += [
            (
                "All comparisons with Welch's t and permutation p-values: "
                "[`topology_tests.csv`](topology_tests.csv)."
            ),
            "",
        ]
    lines += _arm_reports(Path(csv_path).parent, out_dir)
    report = out_dir / "topology.md"
    with atomic_path(report) as temporary:
        Path(temporary).write_text("\n".join(lines), encoding="utf-8")
    return report
