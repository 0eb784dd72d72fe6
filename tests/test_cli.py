"""The elegans-keras command: info, analyze, errors, evaluate, demo."""

from __future__ import annotations

import pytest

from elegans_keras.cli import main


def test_info_prints_counts_and_fingerprint(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "279 (sensory 98, inter 92, motor 89)" in out
    assert "2194 directed pairs" in out and "517 pairs" in out
    assert "elegans-keras info: described celegans_herm" in out


def test_info_on_a_file(tmp_path, capsys):
    path = tmp_path / "tiny.csv"
    path.write_text("pre,post,type,count\nA,B,chemical,2\nB,C,electrical,1\n")
    assert main(["info", str(path)]) == 0
    assert "3 (sensory 0, inter 3, motor 0)" in capsys.readouterr().out


def test_bad_input_exits_2_with_a_message(capsys):
    assert main(["info", "nowhere.graphml"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_analyze_with_null_models_writes_csv(tmp_path, capsys):
    csv = tmp_path / "metrics.csv"
    assert (
        main(
            [
                "-q",
                "analyze",
                "witvliet2021_1",
                "--null",
                "rewire",
                "--p",
                "0.3",
                "--seeds",
                "2",
                "--csv",
                str(csv),
            ]
        )
        == 0
    )
    text = csv.read_text()
    assert text.count("\n") == 4 and "rewire/seed=1" in text
    assert "analysed 3 graph(s)" in capsys.readouterr().out


def test_analyze_reports_missing_null_parameters(capsys):
    assert main(["analyze", "--null", "rewire", "--seeds", "1"]) == 2
    assert "'p'" in capsys.readouterr().err


def test_demo_runs_end_to_end(tmp_path, capsys):
    assert main(["-q", "demo", "--limit", "500", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "[1/3] connectome" in out and "test accuracy" in out
    assert list(tmp_path.rglob("events.out.tfevents*"))


def test_unknown_published_model(capsys):
    assert main(["evaluate", "no_such_model"]) == 2
    assert "no published model" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["train", "nothing"], ["bogus"]])
def test_argument_errors(argv):
    with pytest.raises(SystemExit):
        main(argv)


def test_plot_writes_a_png(tmp_path, capsys):
    out = tmp_path / "adjacency.png"
    assert main(["plot", "adjacency", "witvliet2021_1", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {out}" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["demo", "--limit", "0"], "--limit=0"),
        (["demo", "--limit", "-5"], "--limit=-5"),
        (["train", "mnist_classify", "--epochs", "-1"], "epochs=-1"),
        (["train", "mnist_classify", "--epochs", "-3"], "epochs=-3"),
        (["train", "mnist_classify", "--seed", "-1"], "seed=-1"),
        (["train", "mnist_classify", "--seed", str(2**40)], "seed=1099511627776"),
        (["train", "mnist_classify", "--run-id", "../../../escaped_run"], "run_id"),
        (["analyze", "--seeds", "-2"], "--seeds=-2"),
        (["analyze", "--seed", "-1"], "--seed=-1"),
        (["analyze", "witvliet2021_1", "--seeds", "0", "--csv", "/tmp"], "is a folder"),
        (["train", "mnist_classify", "--limit", "300", "--out", "/proc/x"], "/proc/x"),
        (["train", "mnist_classify", "--limit", "300", "--out", "/etc/passwd"], "/etc/passwd"),
        (
            [
                "train",
                "mnist_classify",
                "--limit",
                "300",
                "--publish",
                "p",
                "--weights-dir",
                "/proc/x",
            ],
            "cannot publish into '/proc/x'",
        ),
        (["plot", "curves", "--out", "x.png"], "plot curves needs SOURCE"),
        (["plot", "reconstructions", "--out", "x.png"], "plot reconstructions needs SOURCE"),
        (["plot", "topology", "--out", "x.png"], "plot topology needs SOURCE"),
        (["report", "/tmp", "--out", "/proc/x"], "/tmp"),
        (["compare", "--task", "memory", "--seeds", "0"], "seeds=0"),
        (["compare", "--task", "memory", "--workers", "2", "--scheduler", "tcp://x:1"], "not both"),
    ],
)
def test_bad_arguments_exit_2_with_a_message_and_no_traceback(
    argv, message, capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "logs").exists()


def test_train_help_shows_every_option_with_its_default(capsys):
    with pytest.raises(SystemExit):
        main(["train", "mnist_classify", "--help"])
    out = capsys.readouterr().out
    for text in (
        "--epochs EPOCHS",
        "training epochs (default: 10)",
        "--batch-size",
        "(default: 128)",
        "--mode",
        "--learning-rate",
        "(default: 0.001)",
    ):
        assert text in out


def test_analyze_prints_counts_as_integers(capsys):
    assert main(["-q", "analyze", "witvliet2021_1", "--seeds", "0"]) == 0
    out = capsys.readouterr().out
    assert "161" in out and "161.000000" not in out


def test_commands_print_no_tensorflow_noise():
    """The quick start's commands: no E0000 cuInit or NodeDef lines on stderr."""
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "elegans_keras.cli",
            "-q",
            "analyze",
            "witvliet2021_1",
            "--seeds",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "E0000" not in done.stderr and "cuInit" not in done.stderr
    assert "I0000" not in done.stderr


def test_logs_prints_a_runs_scalars(tmp_path, capsys):
    from elegans_keras.experiments import EXPERIMENTS

    EXPERIMENTS["mnist_classify"](
        ["--epochs", "2", "--limit", "300", "--out", str(tmp_path), "--run-id", "r", "--quiet"]
    )
    capsys.readouterr()
    run = tmp_path / "mnist_classify" / "r"
    assert main(["logs", str(run), "--csv", str(tmp_path / "scalars.csv")]) == 0
    out = capsys.readouterr().out
    assert "epoch_accuracy" in out and "validation" in out and "train" in out
    from elegans_keras.runlogs import read_scalars

    table = read_scalars(run)
    losses = table[(table.tag == "epoch_loss") & (table.split == "train")].sort_values("step")
    assert list(losses.step) == [0, 1]
    import pandas as pd

    logged = pd.read_csv(run / "metrics.csv")
    assert losses.value.to_numpy() == pytest.approx(logged["loss"].to_numpy(), rel=1e-6)


def test_warnings_are_one_line_without_the_source_line():
    """`info elegans_ai_paper`: the DataDefectWarning as one line, not the `warnings.warn(` line."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "elegans_keras.cli", "info", "elegans_ai_paper"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "elegans-keras: DataDefectWarning: elegans_ai_paper: "
    ), done.stderr


def write_events(run, tags_steps):
    """TensorBoard event files under run/<split>, as Keras writes them (tensor summaries)."""
    import tensorflow as tf

    for split, tags in tags_steps.items():
        with tf.summary.create_file_writer(str(run / split)).as_default():
            for tag, steps in tags.items():
                for step in steps:
                    tf.summary.scalar(tag, 1.0 / (step + 1), step=step)


def test_logs_shows_epochs_by_default_and_iterations_on_request(tmp_path, capsys):
    run = tmp_path / "run"
    write_events(
        run,
        {
            "train": {"epoch_loss": [0, 1, 2]},
            "validation": {
                "epoch_loss": [0, 1, 2],
                "evaluation_loss_vs_iterations": [422, 844, 1266],
            },
        },
    )
    assert main(["logs", str(run)]) == 0
    out = capsys.readouterr().out
    assert "evaluation_loss_vs_iterations" not in out and "NaN" not in out
    assert out.splitlines()[2].split()[0] == "epoch" and len(out.splitlines()) == 7
    assert main(["logs", str(run), "--iterations", "--csv", str(tmp_path / "all.csv")]) == 0
    out = capsys.readouterr().out
    assert "epoch_loss" not in out and "1266" in out and "iteration" in out
    assert (tmp_path / "all.csv").read_text().count("\n") == 10  # the CSV keeps every scalar


def test_plot_topology_takes_the_metric(tmp_path, capsys):
    import numpy as np
    import pandas as pd

    rows = [
        {"family": f, "p": p, "seed": s}
        for f, p in (("connectome", np.nan), ("rewire", 0.5))
        for s in range(3)
    ]
    table = pd.DataFrame(rows).assign(test_accuracy=[0.9, 0.91, 0.92, 0.8, 0.81, 0.82], loss=np.nan)
    csv = tmp_path / "study.csv"
    table.to_csv(csv, index=False)
    out = tmp_path / "t.png"
    assert main(["plot", "topology", str(csv), "--out", str(out)]) == 0 and out.is_file()
    capsys.readouterr()
    assert main(["plot", "topology", str(csv), "--out", str(out), "--metric", "loss"]) == 2
    assert "no run with a 'loss' value" in capsys.readouterr().err
    assert main(["plot", "connectome", "--out", str(out), "--metric", "loss"]) == 2
    assert "--metric applies to plot topology only" in capsys.readouterr().err
