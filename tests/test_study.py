"""The topology study: plan, ablations, statistics, resumable runner, report and CLI."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from elegans_keras.cli import main
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
from elegans_keras.study.cluster import study_executor
from elegans_keras.study.report import write_report
from elegans_keras.study.runner import completed_keys, read_results, record_rows
from elegans_keras.study.vocabulary import KEY_COLUMNS, WEIGHT_VARIANTS


# --- plan -------------------------------------------------------------------------------------
def test_default_plan_has_every_family_variant_and_seed():
    runs = build_plan(seeds=5)
    assert len(runs) == (3 + 6 + 5) * 5
    crossed = build_plan(["connectome", "erdos_renyi"], seeds=2, weights=WEIGHT_VARIANTS)
    assert [(r.family, r.weights) for r in crossed[::2]] == [
        ("connectome", "count"),
        ("connectome", "random"),
        ("connectome", "neurotransmitter"),
        ("erdos_renyi", "count"),
    ]
    assert Run("connectome", 0, weights="neurotransmitter").synapse_options == {
        "magnitudes": "count",
        "signs": "neurotransmitter",
    }
    assert Run("connectome", 0, weights="random").label == "connectome [random]"
    assert {r.p for r in runs if r.family == "rewire"} == {0.1, 0.2, 0.4, 0.6, 0.8, 1.0}
    assert len(set(runs)) == len(runs)
    assert Run("rewire", 0, p=0.2).label == "rewire p=0.2"
    assert Run("ablation", 0, ablation="S->I").label == "ablation S->I"


@pytest.mark.parametrize(
    "arguments, problem",
    [
        ({"families": ["rewired"]}, "unknown family"),
        ({"seeds": 0}, "seeds=0"),
        ({"weights": ["counts"]}, "weights"),
        ({"p_values": [1.5]}, "p_values"),
        ({"families": ["ablation"], "ablations": ["S->X"]}, "ablations"),
    ],
)
def test_bad_plans_are_refused(arguments, problem):
    with pytest.raises(ConfigurationError, match=problem):
        build_plan(**arguments)


def test_a_seed_draws_a_new_graph_but_not_a_new_connectome(worm):
    assert make_graph(worm, Run("connectome", 3)) is worm
    complete = make_graph(worm, Run("complete", 0))
    assert complete.num_edges("chemical") == 279 * 278 and complete.roles == worm.roles
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
    chemical, original = cut.chemical.toarray(), worm.chemical.toarray()
    assert not chemical[s_to_i].any()
    assert np.array_equal(chemical[~s_to_i], original[~s_to_i])
    between = s_to_i | s_to_i.T
    electrical, original = cut.electrical.toarray(), worm.electrical.toarray()
    assert not electrical[between].any()
    assert np.array_equal(electrical[~between], original[~between])
    chemical, electrical = removed_counts(worm, "S->I")
    assert worm.num_edges("chemical") - cut.num_edges("chemical") == chemical == 480
    assert worm.num_edges("electrical") - cut.num_edges("electrical") == electrical == 115


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
    assert shares["S"] == pytest.approx(351 / 1067)
    for role in "SIM":
        assert shares[role] == pytest.approx(mixing.loc[role, role] / mixing.loc[role].sum())


# --- statistics -----------------------------------------------------------------------------
def study_table(shift: float = 1.0, seeds: int = 5) -> pd.DataFrame:
    """A synthetic study: the connectome is ``shift`` better than erdos_renyi; rewire equals it."""
    rng = np.random.default_rng(0)
    rows = []
    conditions = [
        ("connectome", np.nan, np.nan, 0.0),
        ("rewire", 0.5, np.nan, 0.0),
        ("erdos_renyi", np.nan, np.nan, -shift),
        ("ablation", np.nan, "S->I", -shift),
        ("random_removal", np.nan, "S->I", 0.0),
    ]
    for family, p, ablation, offset in conditions:
        for radius in (0.5, 0.9):
            for seed in range(seeds):
                value = 10 + offset + rng.normal(0, 0.1)
                rows.append(
                    {
                        "task": "memory",
                        "mode": "reservoir",
                        "budget": "quick",
                        "connectome": "celegans_herm",
                        "family": family,
                        "p": p,
                        "ablation": ablation,
                        "weights": "count",
                        "seed": seed,
                        "spectral_radius": radius,
                        "memory_capacity": value,
                        "mackey_glass_nrmse": 1 / value,
                        **{f"mc_delay_{k}": float(np.exp(-k / value)) for k in (1, 2, 3)},
                        "graph_sigma": 1.7 + offset,
                        "graph_clustering": 0.2 + offset / 10,
                        "graph_homophily_ratio": 1.2 + rng.normal(0, 0.1),
                    }
                )
    return pd.DataFrame(rows)


def test_summary_is_the_t_interval_of_every_seed():
    table = study_table()
    summary = study_stats.summarize(table, "memory_capacity")
    row = summary[(summary["family"] == "erdos_renyi") & (summary["spectral_radius"] == 0.9)].iloc[
        0
    ]
    values = table.query("family == 'erdos_renyi' and spectral_radius == 0.9")["memory_capacity"]
    low, high = stats.t.interval(0.95, len(values) - 1, values.mean(), stats.sem(values))
    assert row["n"] == 5 and row["mean"] == pytest.approx(values.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    assert row["sd"] == pytest.approx(values.std(ddof=1))


def test_versus_connectome_finds_the_real_difference_only():
    table = study_table()
    tests = study_stats.versus_connectome(
        table[table["family"].isin(["connectome", "rewire", "erdos_renyi"])], "memory_capacity"
    )
    er = tests[tests["family"] == "erdos_renyi"]
    rewire = tests[tests["family"] == "rewire"]
    assert (er["q_value"] < 0.05).all() and er["connectome_better"].all()
    assert (er["hedges_g"] < -3).all()
    assert er["difference"].tolist() == pytest.approx([-1, -1], abs=0.2)
    assert (rewire["q_value"] > 0.05).all()
    assert er["permutation_p"].tolist() == pytest.approx([2 / 252] * 2)
    pooled = np.sqrt(
        (
            table.query("family == 'erdos_renyi' and spectral_radius == 0.9")[
                "memory_capacity"
            ].var()
            + table.query("family == 'connectome' and spectral_radius == 0.9")[
                "memory_capacity"
            ].var()
        )
        / 2
    )
    expected = (stats.t.ppf(0.975, 8) + stats.t.ppf(0.8, 8)) * pooled * np.sqrt(2 / 5)
    assert er.loc[er["spectral_radius"] == 0.9, "detectable"].iloc[0] == pytest.approx(expected)
    lower = study_stats.versus_connectome(table, "mackey_glass_nrmse", higher_is_better=False)
    assert lower.loc[lower["family"] == "erdos_renyi", "connectome_better"].all()


def test_weight_variants_are_tested_against_the_count_connectome():
    table = study_table()
    variant = table[table["family"] == "connectome"].assign(
        weights="random", memory_capacity=lambda t: t.memory_capacity - 1
    )
    tests = study_stats.versus_connectome(pd.concat([table, variant]), "memory_capacity")
    random = tests[(tests["family"] == "connectome") & (tests["weights"] == "random")]
    assert len(random) == 2 and (random["difference"] < -0.8).all()


def test_detectable_difference_matches_a_power_calculation():
    """At the detectable difference a two-sided Welch test rejects in about 80 % of draws."""
    rng = np.random.default_rng(0)
    sd, n = 0.002, 5
    delta = study_stats.detectable_difference(sd, n, n)
    rejections = np.mean(
        [
            stats.ttest_ind(rng.normal(0, sd, n), rng.normal(delta, sd, n)).pvalue < 0.05
            for _ in range(4000)
        ]
    )
    assert 0.74 < rejections < 0.86
    assert np.isnan(study_stats.detectable_difference(sd, 1, 1))


def test_hedges_g_and_tests_on_known_samples():
    a, b = np.array([2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0])
    assert study_stats.hedges_g(a, b) == pytest.approx(1.0 * (1 - 3 / 15))
    assert np.isnan(study_stats.hedges_g(a[:1], b))
    assert study_stats.two_sample_tests(a, b)["welch_p"] == pytest.approx(
        stats.ttest_ind(a, b, equal_var=False).pvalue
    )


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
def fake_run(graph, base, run, mode, budget, strategy):
    """A task body that scores instantly."""
    return [
        {
            "spectral_radius": r,
            "memory_capacity": float(run.seed + r),
            "mackey_glass_nrmse": 0.1,
            "test_accuracy": 0.5 + run.seed / 100,
        }
        for r in budget.radii
    ]


@pytest.fixture
def fake_task(monkeypatch):
    """Tasks that score instantly; returns the list of runs made in this process."""
    calls = []

    def run(graph, base, run, mode, budget, strategy):
        calls.append((graph.name, run.seed))
        return fake_run(graph, base, run, mode, budget, strategy)

    for name in ("memory", "mnist"):
        task = dataclasses.replace(study_tasks.TASKS[name], run=run)
        monkeypatch.setitem(study_tasks.TASKS, name, task)
    monkeypatch.setattr(
        "elegans_keras.study.runner._graph_statistics",
        lambda graph, references: {"graph_neurons": graph.num_neurons},
    )
    return calls


def test_study_resumes_and_skips_finished_runs(tmp_path, fake_task):
    out = tmp_path / "study.csv"
    options = {
        "families": ["connectome", "erdos_renyi"],
        "seeds": 3,
        "quick": True,
        "out": out,
        "quiet": True,
    }
    table = run_study("memory", **options)
    assert len(fake_task) == 6 and len(table) == 6 * len(BUDGETS["quick"].radii)
    assert list(read_results(out).columns[: len(KEY_COLUMNS)]) == list(KEY_COLUMNS)

    run_study("memory", **options)
    assert len(fake_task) == 6

    partial = read_results(out)
    partial = partial[
        ~(
            (partial["family"] == "erdos_renyi")
            & (partial["seed"] == 2)
            & (partial["spectral_radius"] == 0.9)
        )
    ]
    partial.to_csv(out, index=False)
    again = run_study("memory", **options)
    assert len(fake_task) == 7 and fake_task[-1][1] == 2
    assert len(again) == len(table)

    run_study("memory", **{**options, "seeds": 4})
    assert len(fake_task) == 9
    assert len(completed_keys(read_results(out), BUDGETS["quick"].radii)) == 8


ROW = {
    "task": "memory",
    "mode": "reservoir",
    "budget": "quick",
    "connectome": "w",
    "p": np.nan,
    "ablation": np.nan,
    "weights": "count",
    "spectral_radius": 0.9,
}


def write_rows(out: Path, family: str) -> None:
    """Record 20 one-row runs of ``family`` into ``out`` (one writer process)."""
    for seed in range(20):
        record_rows(out, [{**ROW, "family": family, "seed": seed, "memory_capacity": 1.0}])


def test_two_writers_on_one_csv_keep_each_others_rows(tmp_path):
    """Two studies recording into the same file at once: every row survives (issue 13.2)."""
    out = tmp_path / "shared.csv"
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        list(pool.map(write_rows, [out, out], ["connectome", "erdos_renyi"]))
    table = read_results(out)
    assert len(table) == 40
    assert table.groupby("family")["seed"].nunique().to_dict() == {
        "connectome": 20,
        "erdos_renyi": 20,
    }


def test_two_compare_commands_at_once_lose_no_rows(tmp_path):
    out = tmp_path / "s.csv"
    commands = [
        [
            sys.executable,
            "-m",
            "elegans_keras.cli",
            "-q",
            "compare",
            "--task",
            "memory",
            "--families",
            family,
            "--seeds",
            "2",
            "--quick",
            "--out",
            str(out),
        ]
        for family in ("connectome", "erdos_renyi")
    ]
    processes = [
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for command in commands
    ]
    for process in processes:
        assert process.wait(timeout=900) == 0, process.stderr.read().decode()[-2000:]
    table = read_results(out)
    assert (
        sorted(table.drop_duplicates(["family", "seed"])["family"])
        == ["connectome"] * 2 + ["erdos_renyi"] * 2
    )
    assert len(table) == 4 * len(BUDGETS["quick"].radii)


def test_an_unreadable_or_foreign_csv_is_refused(tmp_path, fake_task):
    foreign = tmp_path / "other.csv"
    foreign.write_text("a,b\n1,2\n")
    with pytest.raises(ConfigurationError, match="lacks column"):
        run_study("memory", families=["connectome"], seeds=1, out=foreign, quiet=True)
    with pytest.raises(ConfigurationError, match="task 'mnist' has no mode 'recurrent'"):
        run_study("mnist", "recurrent", out=tmp_path / "x.csv")
    with pytest.raises(ConfigurationError, match="no use for family \\['no_graph'\\]"):
        run_study("memory", families=["no_graph"], out=tmp_path / "x.csv")
    with pytest.raises(ConfigurationError, match="workers=0"):
        with study_executor(workers=0):
            pass


def test_memory_run_scores_every_radius(worm):
    rows = run_one(worm, Run("degree_preserving", 1), "memory", "reservoir", BUDGETS["quick"])
    assert [r["spectral_radius"] for r in rows] == list(BUDGETS["quick"].radii)
    for row in rows:
        assert 0 < row["memory_capacity"] <= BUDGETS["quick"].max_delay
        assert row["memory_capacity"] == pytest.approx(
            sum(row[f"mc_delay_{k}"] for k in range(1, BUDGETS["quick"].max_delay + 1))
        )
        assert 0 < row["mackey_glass_nrmse"] < 1
        assert row["family"] == "degree_preserving" and row["seed"] == 1
        assert row["graph_neurons"] == 279 and row["graph_sigma"] > 0


def serial_single_threaded(
    out: Path, families: list[str], seeds: int, weights: tuple[str, ...] = ("count",)
) -> pd.DataFrame:
    """The same study run serially in a fresh process with one CPU thread per run (as a worker)."""
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "TF_NUM_INTRAOP_THREADS": "1",
        "TF_NUM_INTEROP_THREADS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    command = [
        sys.executable,
        "-m",
        "elegans_keras.cli",
        "-q",
        "compare",
        "--task",
        "memory",
        "--families",
        *families,
        "--seeds",
        str(seeds),
        "--weights",
        *weights,
        "--quick",
        "--out",
        str(out),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-2000:]
    return read_results(out)


def test_serial_and_dask_with_one_and_two_workers_give_the_same_numbers_bit_for_bit(tmp_path):
    """``compare --task memory --families connectome erdos_renyi --seeds 2 --quick``, three ways.

    Serially in this process (the BLAS's default thread count, TensorFlow
    already started) and on Dask with 1 and 2 single-threaded workers: equal,
    not close (a run's BLAS thread count is fixed on every path).
    """
    options = {"families": ["connectome", "erdos_renyi"], "seeds": 2, "quick": True, "quiet": True}
    tables = {"serial": run_study("memory", out=tmp_path / "serial.csv", **options)}
    for workers in (1, 2):
        with study_executor(workers=workers) as executor:
            tables[workers] = run_study(
                "memory",
                out=tmp_path / f"dask{workers}.csv",
                executor=executor,
                threads=1,
                **options,
            )
    order = ["family", "seed", "spectral_radius"]
    metrics = [
        "memory_capacity",
        "mackey_glass_nrmse",
        *[f"mc_delay_{k}" for k in range(1, BUDGETS["quick"].max_delay + 1)],
    ]
    serial = tables["serial"].sort_values(order).reset_index(drop=True)
    assert len(serial) == 2 * 2 * len(BUDGETS["quick"].radii)
    for workers in (1, 2):
        parallel = tables[workers].sort_values(order).reset_index(drop=True)
        assert serial[order].equals(parallel[order])
        for metric in metrics:
            assert serial[metric].tolist() == parallel[metric].tolist(), (workers, metric)


def test_a_separately_started_scheduler_and_a_killed_worker_lose_nothing(tmp_path):
    """Runs go to a scheduler started apart from the study; one worker is SIGKILLed mid-run.

    The scheduler gives the lost run to another worker (or it is left for the
    next resume): every run ends in the CSV once, with the serial results.
    """
    distributed = pytest.importorskip("distributed")
    options = {"families": ["connectome", "erdos_renyi"], "seeds": 2, "quick": True, "quiet": True}
    serial = serial_single_threaded(tmp_path / "serial.csv", options["families"], 2)
    out = tmp_path / "study.csv"
    results, errors = [], []
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=50,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = client.run(os.getpid)

        def study() -> None:
            try:
                with study_executor(scheduler=cluster.scheduler_address) as executor:
                    results.append(
                        run_study("memory", out=out, executor=executor, threads=1, **options)
                    )
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        thread = threading.Thread(target=study)
        thread.start()
        deadline = time.monotonic() + 600
        while not any(client.processing().values()):
            assert time.monotonic() < deadline and thread.is_alive(), errors
            time.sleep(0.05)
        time.sleep(2.0)  # well into the run
        busy = next(address for address, tasks in client.processing().items() if tasks)
        os.kill(pids[busy], signal.SIGKILL)
        thread.join(timeout=900)
    if errors:  # the run was not retried: it must have been left for the next resume
        assert "left for the next resume" in str(errors[0])
        with study_executor(workers=1) as executor:
            results.append(run_study("memory", out=out, executor=executor, threads=1, **options))
    table = read_results(out)
    assert not table.duplicated(["family", "seed", "spectral_radius"]).any()
    columns = ["family", "seed", "spectral_radius", "memory_capacity", "mackey_glass_nrmse"]
    order = ["family", "seed", "spectral_radius"]
    pd.testing.assert_frame_equal(
        serial[columns].sort_values(order).reset_index(drop=True),
        table[columns].sort_values(order).reset_index(drop=True),
        check_exact=True,
    )


def test_dask_is_optional_and_says_how_to_install_it(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed":
            raise ImportError("no dask here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    with pytest.raises(ConfigurationError, match=r'pip install "elegans-keras\[cluster\]"'):
        with study_executor(workers=2):
            pass


def test_mnist_runs_train_the_connectome_its_twin_and_the_complete_graph(worm):
    budget = dataclasses.replace(BUDGETS["quick"], train_images=1500, test_images=300, epochs=2)
    (row,) = run_one(worm, Run("rewire", 0, p=1.0), "mnist", "deep", budget)
    assert 0.15 < row["test_accuracy"] <= 1.0 and row["val_accuracy"] > 0.1
    assert row["trainable_parameters"] > 0 and row["parameters"] >= row["trainable_parameters"]
    assert row["p"] == 1.0 and row["mode"] == "deep" and row["budget"] == "quick"
    models = {
        family: study_tasks.mnist_model(
            make_graph(worm, Run(family, 0)), worm, Run(family, 0), "deep", budget, decay_steps=70
        )
        for family in ("connectome", "no_graph", "complete")
    }
    for model in models.values():  # the same cosine learning rate for every family
        rate = model.optimizer._learning_rate
        assert float(rate(0)) == pytest.approx(budget.learning_rate)
        assert float(rate(70)) == pytest.approx(0.0, abs=1e-9)
    counts = {
        family: sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        for family, model in models.items()
    }
    assert abs(counts["no_graph"] - counts["connectome"]) < 80
    assert counts["complete"] == counts["connectome"]  # shared values: matched
    assert models["no_graph"].name == "plain_classifier"


# --- report and CLI -------------------------------------------------------------------------
def test_report_writes_tables_tests_power_and_figures(tmp_path):
    csv = tmp_path / "topology.csv"
    study_table().to_csv(csv, index=False)
    discussion = tmp_path / "discussion.md"
    discussion.write_text("The worm wins here, by construction.")
    report = write_report(csv, tmp_path / "results", discussion)
    text = report.read_text()
    assert "## memory / reservoir (quick budget, celegans_herm)" in text
    assert "The worm wins here, by construction." in text
    assert "significantly better than erdos_renyi" in text
    assert "Statistical power" in text and "detects, with 80 % power" in text
    assert "| ablation | ρ | class removed | q vs intact |" in text
    figures = sorted(p.name for p in (tmp_path / "results" / "figures").iterdir())
    assert "topology_memory_reservoir_quick_memory_capacity.png" in figures
    assert "topology_memory_reservoir_quick_memory_curves.png" in figures
    assert "topology_memory_reservoir_quick_memory_capacity_ablations.png" in figures
    for name in figures:
        assert f"figures/{name}" in text
    tests = pd.read_csv(tmp_path / "results" / "topology_tests.csv")
    assert {"welch_p", "permutation_p", "q_value", "hedges_g", "detectable"} <= set(tests.columns)


def test_one_correction_over_every_arm_and_one_forest_of_them(tmp_path):
    from elegans_keras.study.arms import example_arm
    from elegans_keras.study.overview import study_tests
    from elegans_keras.study.scarce import example_scarce_arm

    study_table().to_csv(tmp_path / "topology.csv", index=False)
    example_arm().to_csv(tmp_path / "memory_species.csv", index=False)
    example_scarce_arm().to_csv(tmp_path / "scarce_mnist.csv", index=False)
    text = write_report(tmp_path / "topology.csv", tmp_path).read_text()
    assert "## The whole study in one figure" in text
    assert (tmp_path / "figures" / "topology_study_forest.png").is_file()
    every = pd.read_csv(tmp_path / "topology_study_tests.csv")
    main_tests = pd.read_csv(tmp_path / "topology_tests.csv")
    arms = {
        name: pd.read_csv(tmp_path / f"topology_{name}_arms_tests.csv")
        for name in ("memory", "scarce")
    }
    assert len(every) == len(main_tests) + sum(len(t) for t in arms.values())
    pooled = np.concatenate(
        [main_tests["permutation_p"], *(t["permutation_p"] for t in arms.values())]
    )
    expected = stats.false_discovery_control(pooled)
    np.testing.assert_allclose(every["q_study"], expected)
    for tests in arms.values():  # each arm's report pools every other test of the study
        assert (tests["study_tests"] == len(every)).all()
        mine = every[every["arm"].isin(tests["arm"])]
        np.testing.assert_allclose(mine["q_study"], tests["q_study"])
    assert set(every["arm"]) >= {"memory/reservoir (quick)", "species", "mnist2000"}
    assert study_tests(tmp_path)["q_study"].tolist() == every["q_study"].tolist()
    # the corrected tests' power, per arm, at the level the study-wide correction applies
    power = pd.read_csv(tmp_path / "topology_study_power.csv")
    assert set(power["arm"]) == set(every["arm"])
    assert (power["study_tests"] == len(every)).all()
    assert (power["level"] <= 0.05).all() and (power["detectable_median"] > 0).all()
    assert "Power of the corrected tests: Benjamini-Hochberg over all" in text


def test_report_refuses_missing_inputs(tmp_path):
    with pytest.raises(ConfigurationError, match="has no runs yet"):
        write_report(tmp_path / "none.csv", tmp_path)
    csv = tmp_path / "topology.csv"
    study_table().to_csv(csv, index=False)
    with pytest.raises(ConfigurationError, match="discussion file"):
        write_report(csv, tmp_path, tmp_path / "missing.md")


def test_compare_and_report_commands(tmp_path, capsys):
    out = tmp_path / "topology.csv"
    assert (
        main(
            [
                "compare",
                "--task",
                "memory",
                "--families",
                "connectome",
                "watts_strogatz",
                "--seeds",
                "2",
                "--quick",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "memory_capacity (higher is better) against the connectome" in printed
    assert "watts_strogatz" in printed and "4 runs, 0 already" in printed
    assert (
        main(
            [
                "-q",
                "compare",
                "--task",
                "memory",
                "--families",
                "connectome",
                "watts_strogatz",
                "--seeds",
                "2",
                "--quick",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "12 rows of memory/reservoir" in capsys.readouterr().out
    assert main(["report", str(out), "--out", str(tmp_path / "results")]) == 0
    assert (tmp_path / "results" / "topology.md").is_file()
    assert (
        main(
            [
                "compare",
                "--task",
                "mnist",
                "--mode",
                "deep",
                "--families",
                "ablation",
                "--ablations",
                "X->Y",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "ablations ['X->Y'] unknown" in capsys.readouterr().err


def test_topology_experiment_runs_every_study_then_reports(tmp_path, fake_task):
    from elegans_keras.experiments.topology import STUDIES
    from elegans_keras.experiments.topology import main as topology_main

    report = topology_main(["--quick", "--seeds", "2", "--out", str(tmp_path), "--quiet"])
    table = read_results(tmp_path / "topology.csv")
    assert set(zip(table["task"], table["mode"])) == {(t, m) for t, m, _, _ in STUDIES.values()}
    runs = table.drop_duplicates(list(KEY_COLUMNS))
    # memory: weights, complete, 6 p, 5 nulls, 11 ablation and 11 random-removal classes;
    # mnist (deep, reservoir): weights, no_graph + complete, 3 p, 5 nulls
    expected = 2 * ((3 + 1 + 6 + 5 + 11 + 11) + 2 * (3 + 2 + 3 + 5))
    assert len(runs) == len(fake_task) == expected
    text = report.read_text()
    assert "## mnist / deep (quick budget, celegans_herm)" in text
    assert "## memory / reservoir (quick budget, celegans_herm)" in text
    topology_main(["--quick", "--seeds", "2", "--out", str(tmp_path), "--quiet"])
    assert len(fake_task) == expected
