"""The memory arms of the topology study: tests against each arm's connectome, corrected power,
forest plot, structure-performance analysis and the arms report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from elegans_keras.connectome.ablation import ABLATIONS
from elegans_keras.errors import ConfigurationError
from elegans_keras.study import build_plan
from elegans_keras.study import stats as study_stats
from elegans_keras.study.arms import (
    arm_tests,
    bh_level,
    condition_name,
    corrected_power,
    graph_table,
    permutation_floor,
    plot_forest,
    rank_regression,
    read_arms,
    structure_correlations,
    write_arms_report,
)
from elegans_keras.study.vocabulary import ABLATION_LABELS, STUDY_ABLATIONS


def fake_arm(
    shifts: dict[tuple[str, str], float],
    seeds: int = 5,
    seed: int = 0,
    radii: tuple[float, ...] = (0.5, 0.9),
) -> pd.DataFrame:
    """Memory rows: per (connectome, family), memory capacity ~ N(10 + shift, 0.5)."""
    rng = np.random.default_rng(seed)
    rows = []
    for (connectome, family), shift in shifts.items():
        ablation = family.split(":")[1] if family.startswith("ablation:") else np.nan
        name = "ablation" if family.startswith("ablation:") else family
        for s in range(seeds):
            graph_seed = 0 if name in ("connectome", "ablation") else s
            homophily = 1.3 - 0.05 * shift + 0.01 * graph_seed
            for radius in radii:
                rows.append(
                    {
                        "task": "memory",
                        "mode": "reservoir",
                        "budget": "full",
                        "connectome": connectome,
                        "family": name,
                        "p": np.nan,
                        "ablation": ablation,
                        "weights": "count",
                        "seed": s,
                        "spectral_radius": radius,
                        "memory_capacity": 10 + shift + rng.normal(0, 0.5),
                        "mackey_glass_nrmse": 0.002 - 0.0001 * shift + rng.normal(0, 1e-5),
                        "graph_homophily_ratio": homophily,
                        "graph_clustering": 0.3,
                        "graph_mutual_dyads": 100 + graph_seed,
                        "graph_asymmetric_dyads": 800,
                        "graph_neurons": 180,
                    }
                )
    return pd.DataFrame(rows)


# --- vocabulary -------------------------------------------------------------------------------
def test_the_study_ablates_every_synapse_class_and_names_what_is_left():
    assert sorted(STUDY_ABLATIONS) == sorted(ABLATIONS)
    assert len(build_plan(["ablation"], seeds=5)) == 5 * len(ABLATIONS)
    assert {"S->M", "M->S", "M->I"} <= set(STUDY_ABLATIONS)
    assert ABLATION_LABELS == {"chemical": "electrical only", "electrical": "chemical only"}
    row = pd.Series({"connectome": "w", "family": "ablation", "ablation": "S->I", "p": np.nan})
    assert condition_name(row) == "w: S->I removed"


# --- tests against each connectome ------------------------------------------------------------
def test_difference_interval_is_welchs():
    a, b = np.array([4.0, 5.5, 6, 9, 1]), np.array([1.0, 2, 3.5])
    expected = stats.ttest_ind(a, b, equal_var=False).confidence_interval()
    assert study_stats.difference_interval(a, b) == pytest.approx((expected.low, expected.high))
    assert np.isnan(study_stats.difference_interval(a, b[:1])[0])


def test_each_stage_is_tested_against_its_own_connectome():
    table = fake_arm(
        {
            ("stage_1", "connectome"): 0.0,
            ("stage_1", "degree_preserving"): 3.0,
            ("stage_2", "connectome"): 5.0,
            ("stage_2", "degree_preserving"): 5.0,
        }
    )
    extra = pd.DataFrame({"permutation_p": [0.5] * 30})
    tests = arm_tests({"development": table}, extra)
    capacity = tests[(tests["metric"] == "memory_capacity") & (tests["spectral_radius"] == 0.9)]
    by_stage = capacity.set_index("connectome")
    assert by_stage.loc["stage_1", "difference"] == pytest.approx(3.0, abs=1.0)
    assert by_stage.loc["stage_2", "difference"] == pytest.approx(0.0, abs=1.0)
    assert (by_stage["difference_low"] < by_stage["difference"]).all()
    assert by_stage.loc["stage_1", "difference_low"] > 0 > by_stage.loc["stage_2", "difference_low"]
    assert by_stage.loc["stage_1", "condition"] == "stage_1: degree_preserving"
    # q over the arm's 8 tests and over the study's 8 + 30 tests
    assert (tests["study_tests"] == 38).all()
    expected = stats.false_discovery_control(np.r_[tests["permutation_p"], [0.5] * 30])[:8]
    assert tests["q_study"].to_numpy() == pytest.approx(expected)


def test_bh_level_and_the_permutation_floor():
    p_values = [0.001, 0.008, 0.039, 0.041, 0.6]
    rejected = stats.false_discovery_control(p_values) < 0.05
    assert bh_level(p_values) == (int(rejected.sum()), pytest.approx(0.05 * rejected.sum() / 5))
    assert bh_level([0.9, 0.8]) == (0, 0.025)
    separated = stats.permutation_test(
        (np.arange(5.0) + 10, np.arange(5.0)),
        lambda x, y, axis: np.mean(x, axis=axis) - np.mean(y, axis=axis),
        permutation_type="independent",
        vectorized=True,
        alternative="two-sided",
    )
    assert permutation_floor(5, 5) == pytest.approx(separated.pvalue)


def test_corrected_power_shrinks_with_the_study_and_says_when_nothing_can_pass():
    table = fake_arm({("w", "connectome"): 0.0, ("w", "erdos_renyi"): 4.0})
    tests = arm_tests({"species": table})
    alone = corrected_power(tests)
    crowded = corrected_power(tests, pd.DataFrame({"permutation_p": [0.9] * 500}))
    assert (crowded["level"] < alone["level"]).all()
    assert (crowded["detectable_median"] > alone["detectable_median"]).all()
    assert alone["reachable"].all() and not crowded["reachable"].any()
    plain = study_stats.detectable_difference(
        tests["pooled_sd"].iloc[0], 5, 5, alpha=alone["level"].iloc[0]
    )
    assert alone["detectable_min"].iloc[0] == pytest.approx(plain)


def test_the_forest_plot_draws_every_condition(tmp_path):
    table = fake_arm(
        {("w", "connectome"): 0.0, ("w", "ablation:S->I"): -2.0, ("w", "ablation:electrical"): 1.0}
    )
    path = plot_forest(arm_tests({"ablations": table}), tmp_path / "forest.png")
    assert path.stat().st_size > 5000
    with pytest.raises(ConfigurationError, match="no memory_capacity tests"):
        plot_forest(arm_tests({"ablations": table}), tmp_path / "f.png", radius=0.7)


# --- structure and performance ----------------------------------------------------------------
def test_graph_table_has_one_row_per_graph():
    table = fake_arm(
        {("w", "connectome"): 0.0, ("w", "ablation:S->I"): -2.0, ("w", "degree_preserving"): 2.0}
    )
    graphs = graph_table({"ablations": table})
    assert graphs.groupby("family").size().to_dict() == {
        "ablation": 1,
        "connectome": 1,
        "degree_preserving": 5,
    }
    assert (graphs.loc[graphs["family"] == "connectome", "runs"] == 5).all()
    connectome = table[(table["family"] == "connectome") & (table["spectral_radius"] == 0.9)]
    assert graphs.loc[graphs["family"] == "connectome", "memory_capacity"].iloc[0] == (
        pytest.approx(connectome["memory_capacity"].mean())
    )
    assert graphs["graph_reciprocity"].iloc[0] == pytest.approx(200 / 1000)


def test_structure_correlations_find_the_direction_with_an_interval():
    rng = np.random.default_rng(1)
    x = rng.normal(size=40)
    graphs = pd.DataFrame(
        {
            "arm": ["a"] * 20 + ["b"] * 20,
            "graph_seed": range(40),
            "graph_homophily_ratio": x,
            "graph_clustering": rng.normal(size=40),
            "memory_capacity": -2 * x + rng.normal(0, 0.3, size=40),
        }
    )
    result = structure_correlations(graphs, n_boot=300).set_index(["scope", "statistic"])
    pooled = result.loc[("all", "graph_homophily_ratio")]
    assert pooled["rho"] < -0.8 and pooled["ci_high"] < 0 and pooled["q_value"] < 1e-6
    assert pooled["ci_low"] <= pooled["rho"] <= pooled["ci_high"]
    noise = result.loc[("all", "graph_clustering")]
    assert noise["ci_low"] < 0 < noise["ci_high"]
    assert result.loc[("a", "graph_homophily_ratio"), "n_graphs"] == 20


def test_rank_regression_separates_a_predictor_from_noise():
    rng = np.random.default_rng(2)
    graphs = pd.DataFrame(
        {
            "graph_path_length": rng.normal(size=60),
            "graph_clustering": rng.normal(size=60),
            "graph_neurons": 180,
        }
    )
    graphs["memory_capacity"] = np.exp(graphs["graph_path_length"]) + rng.normal(0, 0.1, 60)
    fit = rank_regression(graphs, n_boot=300).set_index("predictor")
    assert "graph_neurons" not in fit.index  # constant: dropped
    assert fit.loc["graph_path_length", "ci_low"] > 0.8
    assert fit.loc["graph_clustering", "ci_low"] < 0 < fit.loc["graph_clustering", "ci_high"]


# --- report -----------------------------------------------------------------------------------
def test_the_arms_report_writes_tables_power_forest_and_structure(tmp_path):
    fake_arm(
        {
            ("witvliet2021_1", "connectome"): 0.0,
            ("witvliet2021_1", "degree_preserving"): 3.0,
            ("witvliet2021_8", "connectome"): 1.0,
            ("witvliet2021_8", "degree_preserving"): 1.5,
        }
    ).to_csv(tmp_path / "memory_development.csv", index=False)
    fake_arm(
        {("celegans_herm", "connectome"): 0.0, ("celegans_herm", "ablation:electrical"): 2.0},
        seed=3,
    ).to_csv(tmp_path / "memory_ablations.csv", index=False)
    pd.DataFrame({"permutation_p": [0.3, 0.01]}).to_csv(tmp_path / "topology_tests.csv")
    assert set(read_arms(tmp_path)) == {"development", "ablations"}
    report = write_arms_report(tmp_path, n_boot=50)
    text = report.read_text()
    assert "## Species and sources\n\nNot run (no CSV)." in text
    assert "witvliet2021_1: degree_preserving" in text
    assert "celegans_herm: chemical only (electrical removed)" in text
    assert "over all 14 tests of the study" in text
    assert "Power: Benjamini–Hochberg across the study (14 tests" in text
    assert "ρ=0.9: " in text and "Rank regression" in text
    assert (tmp_path / "figures" / "topology_memory_arms_forest.png").is_file()
    tests = pd.read_csv(tmp_path / "topology_memory_arms_tests.csv")
    assert len(tests) == 12 and tests["q_study"].notna().all()
    graphs = pd.read_csv(tmp_path / "topology_memory_graphs.csv")
    assert len(graphs) == 2 + 5 + 5 + 2
    short = fake_arm(
        {("cook2019_herm", "connectome"): 0.0, ("cook2019_herm", "erdos_renyi"): 1.0}, seeds=5
    )
    short.iloc[:-2].to_csv(tmp_path / "memory_species.csv", index=False)  # ER: 4 seeds
    text = write_arms_report(tmp_path, n_boot=50).read_text()
    assert (
        "Left out (fewer than 5 seeds when the run was stopped): cook2019_herm: "
        "erdos_renyi (4 seeds)."
    ) in text
    assert "cook2019_herm: connectome ×5" in text
    with pytest.raises(ConfigurationError, match="no memory arm CSV"):
        write_arms_report(tmp_path / "empty")


def test_the_report_command_rewrites_every_arm_next_to_the_study_csv(tmp_path):
    from test_study import study_table

    from elegans_keras.cli import main

    study_table().to_csv(tmp_path / "topology.csv", index=False)
    fake_arm(
        {("celegans_herm", "connectome"): 0.0, ("celegans_herm", "ablation:electrical"): 2.0}
    ).to_csv(tmp_path / "memory_ablations.csv", index=False)
    csv = str(tmp_path / "topology.csv")
    assert main(["report", csv, "--out", str(tmp_path)]) == 0
    assert "Synapse-class ablations" in (tmp_path / "topology_memory_arms.md").read_text()
    assert not (tmp_path / "topology_scarce_arms.md").exists()  # no scarce-data CSV yet
    from elegans_keras.study.scarce import example_scarce_arm

    example_scarce_arm().to_csv(tmp_path / "scarce_mnist.csv", index=False)
    assert main(["report", csv, "--out", str(tmp_path)]) == 0
    report = (tmp_path / "topology.md").read_text()
    assert "topology_memory_arms.md" in report and "topology_scarce_arms.md" in report
    assert "MNIST, 2,000 training images" in (tmp_path / "topology_scarce_arms.md").read_text()
