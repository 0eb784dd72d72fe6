"""Experiments write complete run directories and publish loadable weights."""

from __future__ import annotations

import json

import pytest

from elegans_keras.experiments import EXPERIMENTS
from elegans_keras.pretrained import load_pretrained, read_manifest


def test_mnist_classify_run_directory_and_publish(tmp_path):
    report = EXPERIMENTS["mnist_classify"](
        [
            "--epochs",
            "1",
            "--limit",
            "600",
            "--batch-size",
            "64",
            "--mode",
            "reservoir",
            "--out",
            str(tmp_path / "logs"),
            "--run-id",
            "quick",
            "--publish",
            "quick_classifier",
            "--weights-dir",
            str(tmp_path / "weights"),
            "--quiet",
        ]
    )
    run_dir = tmp_path / "logs" / "mnist_classify" / "quick"
    config = json.loads((run_dir / "config.json").read_text())
    assert len(config["connectome_fingerprint"]) == 64
    assert config["train_size"] == 540 and config["validation_size"] == 60
    assert config["versions"]["backend"]
    assert (run_dir / "metrics.csv").read_text().startswith("epoch")
    assert list(run_dir.rglob("events.out.tfevents*"))
    assert (run_dir / "final.weights.h5").is_file()
    assert report["epochs_trained"] == 1 and report["test_metrics"]["loss"] > 0
    assert 0.1 < report["test_metrics"]["accuracy"] <= 1.0
    entry = read_manifest(tmp_path / "weights")["quick_classifier"]
    assert entry["test_data"] == {"dataset": "mnist"}
    assert entry["experiment"] == "mnist_classify" and entry["epochs"] == 1
    assert "--limit 600" in entry["command"]
    load_pretrained("quick_classifier", tmp_path / "weights")


def test_mnist_unsup_reports_the_background_baseline(tmp_path):
    report = EXPERIMENTS["mnist_unsup"](
        [
            "--epochs",
            "1",
            "--limit",
            "300",
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    metrics = report["test_metrics"]
    assert 0.84 < metrics["all_background_pixel_accuracy"] < 0.855
    assert {"pixel_accuracy", "foreground_f1", "ssim", "loss"} <= set(metrics)


def test_memory_scan(tmp_path):
    table = EXPERIMENTS["memory"](
        ["--radii", "0.9", "--length", "800", "--out", str(tmp_path), "--quiet"]
    )
    assert list(table["spectral_radius"]) == [0.9]
    assert 1.0 < table.loc[0, "memory_capacity"] <= 40
    assert 0 <= table.loc[0, "mackey_glass_nrmse"] < 0.5
    assert list(tmp_path.rglob("results.csv"))


@pytest.mark.parametrize(
    "argument, message",
    [
        (["--epochs", "-1"], "epochs=-1"),
        (["--limit", "0"], "limit=0"),
        (["--seed", "-1"], "seed=-1"),
        (["--seed", str(2**40)], "seed=1099511627776"),
        (["--run-id", "../../../escaped_run"], "run_id"),
        (["--validation-fraction", "1.5"], "validation_fraction"),
        (["--schedule", "step"], "schedule"),
    ],
)
def test_bad_options_are_refused_before_anything_runs(tmp_path, argument, message):
    from elegans_keras.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match=message):
        EXPERIMENTS["mnist_classify"]([*argument, "--out", str(tmp_path), "--quiet"])
    assert not list(tmp_path.iterdir())


def test_cosine_schedule_decays_over_every_epoch_and_is_published(tmp_path):
    report = EXPERIMENTS["mnist_classify"](
        [
            "--epochs",
            "2",
            "--limit",
            "400",
            "--batch-size",
            "64",
            "--schedule",
            "cosine",
            "--learning-rate",
            "0.003",
            "--out",
            str(tmp_path / "logs"),
            "--run-id",
            "cos",
            "--publish",
            "cos",
            "--weights-dir",
            str(tmp_path / "weights"),
            "--quiet",
        ]
    )
    config = json.loads((tmp_path / "logs" / "mnist_classify" / "cos" / "config.json").read_text())
    assert config["model_config"]["decay_steps"] == 2 * 6  # 360 training images in batches of 64
    assert report["epochs_trained"] == 2
    entry = read_manifest(tmp_path / "weights")["cos"]
    assert entry["config"]["decay_steps"] == 12 and "--schedule cosine" in entry["command"]
    model = load_pretrained("cos", tmp_path / "weights")
    rate = model.optimizer.learning_rate
    assert float(rate) == pytest.approx(0.003)  # a fresh optimizer starts the schedule again


def test_a_schedule_the_task_cannot_take_is_refused_before_anything_runs(tmp_path):
    from elegans_keras.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="schedule 'cosine' is not available"):
        EXPERIMENTS["mnist_unsup"](["--schedule", "cosine", "--out", str(tmp_path), "--quiet"])
    assert not list(tmp_path.iterdir())


def test_unwritable_weights_dir_is_refused_before_training(tmp_path):
    from elegans_keras.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="cannot publish into '/proc/x'"):
        EXPERIMENTS["mnist_classify"](
            [
                "--limit",
                "200",
                "--publish",
                "p",
                "--weights-dir",
                "/proc/x",
                "--out",
                str(tmp_path),
                "--quiet",
            ]
        )
    assert not list(tmp_path.iterdir())


def test_cifar_without_files_says_where_to_put_them(tmp_path, monkeypatch):
    from elegans_keras.errors import ElegansKerasError

    monkeypatch.setenv("ELEGANS_KERAS_DATA", str(tmp_path))
    with pytest.raises(ElegansKerasError, match="cifar-10-batches-py"):
        EXPERIMENTS["cifar"](
            ["--epochs", "1", "--data-dir", str(tmp_path), "--out", str(tmp_path), "--quiet"]
        )


def test_strategy_and_precision_options_are_recorded_and_restored(tmp_path):
    import keras

    EXPERIMENTS["mnist_classify"](
        [
            "--epochs",
            "1",
            "--limit",
            "300",
            "--batch-size",
            "32",
            "--strategy",
            "auto",
            "--precision",
            "mixed_bfloat16",
            "--out",
            str(tmp_path),
            "--run-id",
            "mp",
            "--quiet",
        ]
    )
    config = json.loads((tmp_path / "mnist_classify" / "mp" / "config.json").read_text())
    assert config["precision"] == "mixed_bfloat16"
    assert "1 replica" in config["strategy"] and config["batch_size"] == 32
    assert keras.mixed_precision.dtype_policy().name == "float32"
