"""The topology study: plan, ablations, statistics, resumable runner, report and CLI."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from elegans_keras.cli import main
from elegans_keras.connectome import load_connectome
from elegans_keras.connectome.ablation import (
    ABLATIONS,
    ablate,
    remove_random,
    removed_counts,
)
from elegans_keras.connectome.metrics import role_homophily, role_mixing
from elegans_keras.errors import ConfigurationError
from elegans_keras.study import BUDGETS, Run, build_plan, make_graph, run_one, run_study
from elegans_keras.study import stats as study_stats
from elegans_keras.study import tasks as study_tasks
from elegans_keras.study.report import write_report
from elegans_keras.study.runner import KEY_COLUMNS, completed_keys, read_results



# --- plan -------------------------------------------------------------------------------------
def test_default_plan_has_every_family_variant_and_seed():
    runs = build_plan(seeds=5)
    assert len(runs) == (1 + 6 + 5) * 5
    assert {r.p for r in runs if r.family == "rewire"} == {0.1, 0.2, 0.4, 0.6, 0.8, 1.0}
    assert len(set(runs)) == len(runs)
    assert Run("rewire", 0, p=0.2).label == "rewire p=0.2"
    assert Run("ablation", 0, ablation="S->I").label == "ablation S->I"


@pytest.mark.parametrize("arguments, problem", [
    ({"families": ["rewired"]}, "unknown family"),
    ({"seeds": 0}, "seeds must be a positive int"),
    ({"p_values": [1.5]}, "p_values"),
    ({"families": ["ablation"], "ablations": ["S->X"]}, "ablations"),
])
def test_bad_plans_are_refused(arguments, problem):
    with pytest.raises(ConfigurationError, match=problem):
        build_plan(**arguments)


def test_a_seed_draws_a_new_graph_but_not_a_new_connectome(worm):
    assert make_graph(worm, Run("connectome", 3)) is worm
    first, second = (make_graph(worm, Run("erdos_renyi", s)) for s in (0, 1))
    assert first.fingerprint != second.fingerprint
    assert make_graph(worm, Run("erdos_renyi", 0)).fingerprint == first.fingerprint
    rewired = make_graph(worm, Run("rewire", 0, p=0.4))
    assert rewired.num_edges("chemical") == worm.num_edges("chemical")


# --- ablations ------------------------------------------------------------------------------
def test_role_pair_ablation_removes_exactly_that_class(worm):
    cut = ablate(worm, "S->I")
    roles = np.array(worm.roles)
    s_to_i = np.outer(roles == "S", roles == "I")
    assert not cut.chemical[s_to_i].any()
    assert np.array_equal(cut.chemical[~s_to_i], worm.chemical[~s_to_i])
    between = s_to_i | s_to_i.T
    assert not cut.electrical[between].any()
    assert np.array_equal(cut.electrical[~between], worm.electrical[~between])
    chemical, electrical = removed_counts(worm, "S->I")
    assert worm.num_edges("chemical") - cut.num_edges("chemical") == chemical == 485
    assert worm.num_edges("electrical") - cut.num_edges("electrical") == electrical == 112


@pytest.mark.parametrize("ablation", ["I->M", "electrical", "chemical"])
def test_random_removal_matches_the_ablation_counts(worm, ablation):
    cut, control = ablate(worm, ablation), remove_random(worm, ablation, seed=4)
    for kind in ("chemical", "electrical"):
        assert control.num_edges(kind) == cut.num_edges(kind)
    assert remove_random(worm, ablation, seed=4) == control
    if ablation == "I->M":  # removing a whole type at random removes that whole type
        assert remove_random(worm, ablation, seed=5) != control


def test_every_class_is_known_and_unknown_ones_are_refused(worm):
    assert len(ABLATIONS) == 11
    assert ablate(worm, "electrical").num_edges("electrical") == 0
    with pytest.raises(ConfigurationError, match="ablation 'S->X' is unknown"):
        ablate(worm, "S->X")


def test_role_homophily_is_the_same_role_share_of_outgoing_edges(worm):
    mixing = role_mixing(worm)
    shares = role_homophily(worm)
    assert shares["S"] == pytest.approx(302 / 1027)
    for role in "SIM":
        assert shares[role] == pytest.approx(mixing.loc[role, role] / mixing.loc[role].sum())


# --- statistics -----------------------------------------------------------------------------
def study_table(shift: float = 1.0, seeds: int = 5) -> pd.DataFrame:
    """A synthetic study: the connectome is ``shift`` better than erdos_renyi; rewire equals it."""
    rng = np.random.default_rng(0)
    rows = []
    conditions = [("connectome", np.nan, np.nan, 0.0), ("rewire", 0.5, np.nan, 0.0),
                  ("erdos_renyi", np.nan, np.nan, -shift), ("ablation", np.nan, "S->I", -shift),
                  ("random_removal", np.nan, "S->I", 0.0)]
    for family, p, ablation, offset in conditions:
        for radius in (0.5, 0.9):
            for seed in range(seeds):
                value = 10 + offset + rng.normal(0, 0.1)
                rows.append({"task": "memory", "mode": "reservoir", "budget": "quick",
                             "connectome": "celegans_herm", "family": family, "p": p,
                             "ablation": ablation, "seed": seed, "spectral_radius": radius,
                             "memory_capacity": value, "mackey_glass_nrmse": 1 / value,
                             **{f"mc_delay_{k}": float(np.exp(-k / value)) for k in (1, 2, 3)},
                             "graph_sigma": 1.7 + offset, "graph_clustering": 0.2 + offset / 10,
                             "graph_homophily_ratio": 1.2 + rng.normal(0, 0.1)})
    return pd.DataFrame(rows)


def test_summary_is_the_t_interval_of_every_seed():
    table = study_table()
    summary = study_stats.summarize(table, "memory_capacity")
    row = summary[(summary["family"] == "erdos_renyi") & (summary["spectral_radius"] == 0.9)].iloc[0]
    values = table.query("family == 'erdos_renyi' and spectral_radius == 0.9")["memory_capacity"]
    low, high = stats.t.interval(0.95, len(values) - 1, values.mean(), stats.sem(values))
    assert row["n"] == 5 and row["mean"] == pytest.approx(values.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    assert row["sd"] == pytest.approx(values.std(ddof=1))


def test_versus_connectome_finds_the_real_difference_only():
    table = study_table()
    tests = study_stats.versus_connectome(table[table["family"].isin(["connectome", "rewire",
                                                                       "erdos_renyi"])],
                                          "memory_capacity")
    er = tests[tests["family"] == "erdos_renyi"]
    rewire = tests[tests["family"] == "rewire"]
    assert (er["q_value"] < 0.05).all() and er["connectome_better"].all()
    assert (er["hedges_g"] < -3).all()
    assert er["difference"].tolist() == pytest.approx([-1, -1], abs=0.2)
    assert (rewire["q_value"] > 0.05).all()
    assert er["permutation_p"].tolist() == pytest.approx([2 / 252] * 2)
    lower = study_stats.versus_connectome(table, "mackey_glass_nrmse", higher_is_better=False)
    assert lower.loc[lower["family"] == "erdos_renyi", "connectome_better"].all()


def test_hedges_g_and_tests_on_known_samples():
    a, b = np.array([2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0])
    assert study_stats.hedges_g(a, b) == pytest.approx(1.0 * (1 - 3 / 15))
    assert np.isnan(study_stats.hedges_g(a[:1], b))
    assert study_stats.two_sample_tests(a, b)["welch_p"] == pytest.approx(
        stats.ttest_ind(a, b, equal_var=False).pvalue)


def test_ablation_effects_separate_the_class_from_its_random_control():
    effects = study_stats.ablation_effects(study_table(), "memory_capacity")
    assert set(effects["ablation"]) == {"S->I"}
    assert effects["ablation_change"].tolist() == pytest.approx([-1, -1], abs=0.2)
    assert (effects["random_change"].abs() < 0.2).all()
    assert (effects["q_value"] < 0.05).all()


def test_correlations_follow_the_graph_statistic():
    table = study_table()
    result = study_stats.correlations(table, "memory_capacity")
    sigma = result[result["statistic"] == "graph_sigma"]
    assert (sigma["rho"] > 0.5).all() and (sigma["p_value"] < 0.01).all()
    assert len(sigma) == 2 and (sigma["n"] == 25).all()


# --- runner ---------------------------------------------------------------------------------
@pytest.fixture
def fake_task(monkeypatch):
    """A task that scores instantly and records what it ran."""
    calls = []

    def run(graph, mode, seed, budget, strategy):
        calls.append((graph.name, seed))
        return [{"spectral_radius": r, "memory_capacity": float(seed + r),
                 "mackey_glass_nrmse": 0.1, "test_accuracy": 0.5 + seed / 100}
                for r in budget.radii]

    for name in ("memory", "mnist"):
        task = dataclasses.replace(study_tasks.TASKS[name], run=run)
        monkeypatch.setitem(study_tasks.TASKS, name, task)
    monkeypatch.setattr("elegans_keras.study.runner._graph_statistics",
                        lambda graph, references: {"graph_neurons": graph.num_neurons})
    return calls


def test_study_resumes_and_skips_finished_runs(tmp_path, fake_task):
    out = tmp_path / "study.csv"
    options = {"families": ["connectome", "erdos_renyi"], "seeds": 3, "quick": True,
               "out": out, "workers": 1, "quiet": True}
    table = run_study("memory", **options)
    assert len(fake_task) == 6 and len(table) == 6 * len(BUDGETS["quick"].radii)
    assert list(read_results(out).columns[: len(KEY_COLUMNS)]) == list(KEY_COLUMNS)

    run_study("memory", **options)
    assert len(fake_task) == 6

    partial = read_results(out)
    partial = partial[~((partial["family"] == "erdos_renyi") & (partial["seed"] == 2)
                        & (partial["spectral_radius"] == 0.9))]
    partial.to_csv(out, index=False)
    again = run_study("memory", **options)
    assert len(fake_task) == 7 and fake_task[-1][1] == 2
    assert len(again) == len(table)

    run_study("memory", **{**options, "seeds": 4})
    assert len(fake_task) == 9
    assert len(completed_keys(read_results(out), BUDGETS["quick"].radii)) == 8


def test_an_unreadable_or_foreign_csv_is_refused(tmp_path, fake_task):
    foreign = tmp_path / "other.csv"
    foreign.write_text("a,b\n1,2\n")
    with pytest.raises(ConfigurationError, match="lacks column"):
        run_study("memory", families=["connectome"], seeds=1, out=foreign, quiet=True)
    with pytest.raises(ConfigurationError, match="task 'mnist' has no mode 'recurrent'"):
        run_study("mnist", "recurrent", out=tmp_path / "x.csv")
    with pytest.raises(ConfigurationError, match="workers"):
        run_study("memory", workers=0, out=tmp_path / "x.csv")


def test_memory_run_scores_every_radius(worm):
    rows = run_one(worm, Run("degree_preserving", 1), "memory", "reservoir", BUDGETS["quick"])
    assert [r["spectral_radius"] for r in rows] == list(BUDGETS["quick"].radii)
    for row in rows:
        assert 0 < row["memory_capacity"] <= BUDGETS["quick"].max_delay
        assert row["memory_capacity"] == pytest.approx(
            sum(row[f"mc_delay_{k}"] for k in range(1, BUDGETS["quick"].max_delay + 1)))
        assert 0 < row["mackey_glass_nrmse"] < 1
        assert row["family"] == "degree_preserving" and row["seed"] == 1
        assert row["graph_neurons"] == 279 and row["graph_sigma"] > 0


def test_parallel_workers_give_the_serial_results(tmp_path):
    options = {"families": ["connectome", "erdos_renyi"], "seeds": 1, "quick": True,
               "quiet": True}
    serial = run_study("memory", out=tmp_path / "serial.csv", workers=1, **options)
    parallel = run_study("memory", out=tmp_path / "parallel.csv", workers=2, **options)
    columns = ["family", "seed", "spectral_radius", "memory_capacity", "mackey_glass_nrmse"]
    order = ["family", "spectral_radius"]
    pd.testing.assert_frame_equal(serial[columns].sort_values(order).reset_index(drop=True),
                                  parallel[columns].sort_values(order).reset_index(drop=True))


def test_mnist_run_trains_and_scores_on_test_images(worm):
    budget = dataclasses.replace(BUDGETS["quick"], train_images=400, test_images=300, epochs=1)
    (row,) = run_one(worm, Run("rewire", 0, p=1.0), "mnist", "deep", budget)
    assert 0.0 <= row["test_accuracy"] <= 1.0 and 0.0 <= row["val_accuracy"] <= 1.0
    assert row["trainable_parameters"] > 0 and row["parameters"] >= row["trainable_parameters"]
    assert row["p"] == 1.0 and row["mode"] == "deep" and row["budget"] == "quick"


# --- report and CLI -------------------------------------------------------------------------
def test_report_writes_tables_tests_and_figures(tmp_path):
    csv = tmp_path / "topology.csv"
    study_table().to_csv(csv, index=False)
    discussion = tmp_path / "discussion.md"
    discussion.write_text("The worm wins here, by construction.")
    report = write_report(csv, tmp_path / "results", discussion)
    text = report.read_text()
    assert "## memory / reservoir (quick budget, celegans_herm)" in text
    assert "The worm wins here, by construction." in text
    assert "significantly better than erdos_renyi" in text
    assert "| ablation | ρ | class removed | q vs intact |" in text
    figures = sorted(p.name for p in (tmp_path / "results" / "figures").iterdir())
    assert "topology_memory_reservoir_quick_memory_capacity.png" in figures
    assert "topology_memory_reservoir_quick_memory_curves.png" in figures
    assert "topology_memory_reservoir_quick_memory_capacity_ablations.png" in figures
    for name in figures:
        assert f"figures/{name}" in text
    tests = pd.read_csv(tmp_path / "results" / "topology_tests.csv")
    assert {"welch_p", "permutation_p", "q_value", "hedges_g"} <= set(tests.columns)


def test_report_refuses_missing_inputs(tmp_path):
    with pytest.raises(ConfigurationError, match="has no runs yet"):
        write_report(tmp_path / "none.csv", tmp_path)
    csv = tmp_path / "topology.csv"
    study_table().to_csv(csv, index=False)
    with pytest.raises(ConfigurationError, match="discussion file"):
        write_report(csv, tmp_path, tmp_path / "missing.md")


def test_compare_and_report_commands(tmp_path, capsys):
    out = tmp_path / "topology.csv"
    assert main(["compare", "--task", "memory", "--families", "connectome", "watts_strogatz",
                 "--seeds", "2", "--quick", "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "memory_capacity (higher is better) against the connectome" in printed
    assert "watts_strogatz" in printed and "4 runs, 0 already" in printed
    assert main(["-q", "compare", "--task", "memory", "--families", "connectome",
                 "watts_strogatz", "--seeds", "2", "--quick", "--out", str(out)]) == 0
    assert "12 rows of memory/reservoir" in capsys.readouterr().out
    assert main(["report", str(out), "--out", str(tmp_path / "results")]) == 0
    assert (tmp_path / "results" / "topology.md").is_file()
    assert main(["compare", "--task", "mnist", "--mode", "deep", "--families", "ablation",
                 "--ablations", "X->Y", "--out", str(out)]) == 2
    assert "ablations ['X->Y'] unknown" in capsys.readouterr().err


def test_topology_experiment_runs_every_study_then_reports(tmp_path, fake_task):
    from elegans_keras.experiments.topology import STUDIES, main as topology_main

    report = topology_main(["--quick", "--seeds", "2", "--out", str(tmp_path), "--quiet"])
    table = read_results(tmp_path / "topology.csv")
    assert set(zip(table["task"], table["mode"])) == {(t, m) for t, m, _ in STUDIES}
    runs = table.drop_duplicates(list(KEY_COLUMNS))
    assert len(runs) == len(fake_task) == 2 * (28 + 12 + 12 + 8)
    text = report.read_text()
    assert "## mnist / deep (quick budget, celegans_herm)" in text
    assert "## memory / reservoir (quick budget, celegans_herm)" in text
    topology_main(["--quick", "--seeds", "2", "--out", str(tmp_path), "--quiet"])
    assert len(fake_task) == 2 * 60
