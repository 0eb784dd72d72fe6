"""The scarce-data arm's options: data set, training-set size and epochs reach every run, are
recorded in its rows and are part of its key (issue 22, arm 2).

Training is replaced by a one-layer model (the subset and the options are what is checked here,
not learning); tests/test_study.py trains the real classifier.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from elegans_keras.cli import main
from elegans_keras.datasets import load_images, train_validation_split
from elegans_keras.errors import ConfigurationError
from elegans_keras.study import BUDGETS, run_study
from elegans_keras.study import tasks as study_tasks
from elegans_keras.study.plan import Run
from elegans_keras.study.runner import completed_keys, read_results, run_key
from elegans_keras.study.tasks import budget_named, study_budget, training_indices

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ["connectome", "no_graph", "erdos_renyi"]


# --- budgets and subsets ----------------------------------------------------------------------
def test_the_budget_name_records_data_set_size_and_epochs_and_reads_back():
    assert study_budget().name == "full" and study_budget(quick=True).name == "quick"
    assert study_budget(dataset="mnist", epochs=3).name == "full"  # the base settings: old key
    budget = study_budget(dataset="fashion_mnist", train_size=2000, epochs=5, data_dir="/d")
    assert budget.name == "full-fashion_mnist-n2000-e5"
    assert (budget.dataset, budget.train_size, budget.epochs, budget.data_dir) == (
        "fashion_mnist",
        2000,
        5,
        "/d",
    )
    for name in ("full", "quick", "full-n2000-e5", "quick-fashion_mnist-n50", "full-e7"):
        assert budget_named(name).name == name
    assert budget_named("full") == BUDGETS["full"]
    for bad in ("huge", "full-cifar10", "full-e3", "full-n20-x"):
        with pytest.raises(ConfigurationError):
            budget_named(bad)
    for bad in ({"dataset": "cifar10"}, {"train_size": 5}, {"epochs": 0}):
        with pytest.raises(ConfigurationError):
            study_budget(**bad)


def test_the_subset_is_drawn_by_the_seed_stratified_and_never_from_validation():
    labels = load_images("mnist", "train")[1]
    budget = study_budget(train_size=2000)
    train, validation = training_indices(labels, budget, seed=0)
    again, validation_again = training_indices(labels, budget, seed=0)
    other, validation_other = training_indices(labels, budget, seed=1)
    assert len(train) == 2000 and len(validation) == 200
    assert np.array_equal(train, again) and not np.array_equal(train, other)
    assert np.array_equal(validation, validation_again)
    assert np.array_equal(validation, validation_other)  # validation: the same for every seed
    assert not set(train) & set(validation) and not set(other) & set(validation)
    assert np.all(np.diff(train) > 0)  # the split's order kept
    counts = np.bincount(labels[train], minlength=10)
    expected = 2000 * np.bincount(labels, minlength=10) / len(labels)
    assert np.all(np.abs(counts - expected) <= 1)  # stratified
    assert len(set(train) & set(other)) < 200  # two seeds share few images (~4% by chance)


def test_without_a_size_the_old_rule_is_kept_bit_for_bit():
    labels = np.arange(3000) % 10
    budget = dataclasses.replace(BUDGETS["quick"], train_images=1000)
    train, validation = training_indices(labels, budget, seed=3)
    index = np.arange(1000)
    (old_train, _), (old_validation, _) = train_validation_split(index, labels[:1000], 0.2, seed=0)
    assert np.array_equal(train, old_train) and np.array_equal(validation, old_validation)
    with pytest.raises(ConfigurationError, match="need more than"):
        training_indices(labels, study_budget(train_size=2900), seed=0)


# --- runs -------------------------------------------------------------------------------------
@pytest.fixture
def tiny_model(monkeypatch):
    """Every family trains a one-layer softmax model; returns what each fit saw, in order."""
    import keras

    seen: list[dict] = []

    def model(graph, base, run, mode, budget, decay_steps):
        net = keras.Sequential(
            [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]
        )
        net.compile(
            "sgd",
            keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        fit = net.fit

        def recording_fit(x, y, validation_data, epochs, batch_size, verbose):
            seen.append(
                {
                    "family": run.family,
                    "seed": run.seed,
                    "budget": budget.name,
                    "train": hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest(),
                    "validation": hashlib.sha256(validation_data[0].tobytes()).hexdigest(),
                    "images": len(x),
                    "epochs": epochs,
                    "mean": float(x.mean()),
                }
            )
            return fit(x, y, validation_data=validation_data, epochs=1, batch_size=64, verbose=0)

        net.fit = recording_fit
        return net

    monkeypatch.setattr(study_tasks, "mnist_model", model)
    monkeypatch.setattr(
        "elegans_keras.study.runner._graph_statistics",
        lambda graph, references: {"graph_neurons": graph.num_neurons},
    )
    return seen


def test_every_family_trains_on_the_same_images_at_a_seed_and_rows_record_the_options(
    tmp_path, tiny_model
):
    out = tmp_path / "scarce.csv"
    table = run_study(
        "mnist",
        "deep",
        families=FAMILIES,
        seeds=2,
        quick=True,
        out=out,
        quiet=True,
        train_size=60,
        epochs=4,
    )
    assert len(tiny_model) == 6
    by_run = {(f["family"], f["seed"]): f for f in tiny_model}
    for seed in (0, 1):
        fits = [by_run[(family, seed)] for family in FAMILIES]
        assert len({fit["train"] for fit in fits}) == 1, "families saw different images"
        assert all(fit["images"] == 60 and fit["epochs"] == 4 for fit in fits)
    assert by_run[("connectome", 0)]["train"] != by_run[("connectome", 1)]["train"]
    assert by_run[("connectome", 0)]["validation"] == by_run[("connectome", 1)]["validation"]
    assert set(table["budget"]) == {"quick-n60-e4"} and set(table["dataset"]) == {"mnist"}
    assert set(table["train_size"]) == {60} and set(table["validation_size"]) == {12}
    assert set(table["epochs"]) == {4} and len(read_results(out)) == 6


def test_another_size_data_set_or_epochs_is_another_run_and_the_same_one_resumes(
    tmp_path, tiny_model
):
    fashion = fake_fashion_mnist(tmp_path / "data")
    out = tmp_path / "scarce.csv"
    common = {"families": ["connectome"], "seeds": 2, "quick": True, "out": out, "quiet": True}
    run_study("mnist", "deep", train_size=60, **common)
    assert len(tiny_model) == 2
    tiny_model.clear()
    run_study("mnist", "deep", train_size=60, **common)
    assert not tiny_model  # resumed: nothing to run
    run_study("mnist", "deep", train_size=80, **common)
    run_study("mnist", "deep", train_size=60, epochs=3, **common)
    run_study("mnist", "deep", train_size=60, dataset="fashion_mnist", data_dir=fashion, **common)
    assert [f["budget"] for f in tiny_model] == [
        "quick-n80",
        "quick-n80",
        "quick-n60-e3",
        "quick-n60-e3",
        "quick-fashion_mnist-n60",
        "quick-fashion_mnist-n60",
    ]
    assert tiny_model[-1]["mean"] == pytest.approx(128 / 255)  # the fake Fashion-MNIST images
    table = read_results(out)
    assert set(table["budget"]) == {
        "quick-n60",
        "quick-n80",
        "quick-n60-e3",
        "quick-fashion_mnist-n60",
    }
    assert len(table) == 8 and len(completed_keys(table, [0.9])) == 8
    keys = {
        run_key(
            "mnist", "deep", study_budget(True, d, n, e).name, "celegans_herm", Run("connectome", 0)
        )
        for d, n, e in [
            (None, 60, None),
            (None, 80, None),
            (None, 60, 3),
            ("fashion_mnist", 60, None),
        ]
    }
    assert len(keys) == 4
    with pytest.raises(ConfigurationError, match="mnist task only"):
        run_study("memory", train_size=60, **common)


def test_compare_passes_the_options_to_the_run(tmp_path, tiny_model, capsys):
    fashion = fake_fashion_mnist(tmp_path / "data")
    out = tmp_path / "scarce.csv"
    argv = ["-q", "compare", "--task", "mnist", "--mode", "deep", "--quick", "--seeds", "1"]
    argv += ["--families", "connectome", "no_graph", "--out", str(out)]
    argv += ["--dataset", "fashion_mnist", "--data-dir", str(fashion)]
    assert main([*argv, "--train-size", "40", "--epochs", "3"]) == 0
    table = read_results(out)
    assert set(table["budget"]) == {"quick-fashion_mnist-n40-e3"}
    assert set(table["dataset"]) == {"fashion_mnist"} and set(table["train_size"]) == {40}
    assert [(f["family"], f["epochs"]) for f in tiny_model] == [("connectome", 3), ("no_graph", 3)]
    assert main([*argv, "--train-size", "5"]) == 2
    assert "train_size=5" in capsys.readouterr().err


def test_the_published_full_data_table_still_loads_and_resumes_under_its_old_key(
    tmp_path, tiny_model
):
    out = tmp_path / "topology.csv"
    shutil.copy(ROOT / "results" / "topology.csv", out)
    families = ["connectome", "no_graph", "complete", "degree_preserving", "shuffle_weights"]
    table = run_study("mnist", "deep", families=families, seeds=5, out=out, quiet=True)
    assert not tiny_model and len(table) == 25 and set(table["budget"]) == {"full"}
    assert pd.read_csv(out).equals(pd.read_csv(ROOT / "results" / "topology.csv"))


def fake_fashion_mnist(root: Path) -> Path:
    """A data folder with a tiny Fashion-MNIST in the official IDX layout (grey 0.5 images)."""
    folder = root / "fashion_mnist"
    folder.mkdir(parents=True)
    for prefix, n in (("train", 300), ("t10k", 50)):
        images = np.full((n, 28, 28), 128, dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        header = np.array([0x803, n, 28, 28], dtype=">i4").tobytes()
        with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
            f.write(header + images.tobytes())
        with gzip.open(folder / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(np.array([0x801, n], dtype=">i4").tobytes() + labels.tobytes())
    return root


# --- report -----------------------------------------------------------------------------------
def test_the_scarce_report_tests_every_family_against_the_connectome(tmp_path):
    from elegans_keras.study.scarce import example_scarce_arm
    from elegans_keras.study.scarce import main as scarce_main

    table = pd.concat([example_scarce_arm(), example_scarce_arm(2).assign(budget="full-n5000-e5")])
    table.to_csv(tmp_path / "scarce_mnist.csv", index=False)
    report = Path(scarce_main([str(tmp_path), "--bootstrap", "20"]))
    text = report.read_text()
    assert "## MNIST, 2,000 training images" in text and "Not run yet" in text
    assert "| no wiring (plain twin) | 5 | 86." in text
    assert "`full-n5000-e5`: every condition has fewer than 4 seeds" in text
    assert "over the arm (q < 0.05): no wiring (plain twin) -4.96 points" in text
    assert "the connectome's mean accuracy ranks 1 of 2" in text
    tests = pd.read_csv(tmp_path / "topology_scarce_arms_tests.csv")
    no_wiring = tests[tests["family"] == "no_graph"].iloc[0]
    assert no_wiring["difference_high"] < 0 and no_wiring["q_arm"] < 0.05
    assert (tmp_path / "figures" / "scarce_arms_forest.png").is_file()


def test_the_scarce_report_keeps_each_ablation_apart(tmp_path):
    from elegans_keras.study.scarce import example_scarce_arm
    from elegans_keras.study.scarce import main as scarce_main

    arm = example_scarce_arm()
    reference = arm[arm["family"] == "connectome"]
    removed = [
        reference.assign(
            family="ablation", ablation=name, test_accuracy=reference["test_accuracy"] + shift
        )
        for name, shift in (("electrical", -0.05), ("S->I", 0.0))
    ]
    pd.concat([reference, *removed]).to_csv(tmp_path / "scarce_ablations.csv", index=False)
    text = Path(scarce_main([str(tmp_path), "--bootstrap", "20"])).read_text()
    assert "## Synapse-class ablations of celegans_herm" in text
    assert "| chemical only (electrical removed) | 5 | 86." in text
    assert "| S->I removed | 5 | 91." in text
    assert "chemical only (electrical removed) -5.00 points" in text


def test_the_scarce_report_tests_each_stage_against_its_own_null(tmp_path):
    from elegans_keras.study.scarce import example_scarce_arm
    from elegans_keras.study.scarce import main as scarce_main

    arm = example_scarce_arm()
    reference = arm[arm["family"] == "connectome"]
    stages = []
    for stage, shift in (("witvliet2021_1", -0.04), ("witvliet2021_8", 0.0)):
        stages.append(reference.assign(connectome=stage))
        stages.append(
            reference.assign(
                connectome=stage,
                family="degree_preserving",
                test_accuracy=reference["test_accuracy"] + shift,
            )
        )
    pd.concat(stages).to_csv(tmp_path / "scarce_development.csv", index=False)
    text = Path(scarce_main([str(tmp_path), "--bootstrap", "20"])).read_text()
    assert "## Development: each Witvliet stage against its own degree-preserving null" in text
    assert "| connectome | family |" in text
    assert "| witvliet2021_1 | degree-preserving | 5 | 87." in text
    assert "| witvliet2021_8 | degree-preserving | 5 | 91." in text
    assert "degree-preserving: 2 connectomes, below its connectome's mean at 1" in text
    assert "q (arm) < 0.05 at 1 (witvliet2021_1 -4.00" in text
    tests = pd.read_csv(tmp_path / "topology_scarce_arms_tests.csv")
    assert sorted(tests["connectome"]) == ["witvliet2021_1", "witvliet2021_8"]
