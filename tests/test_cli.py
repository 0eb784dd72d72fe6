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
    assert main(["-q", "analyze", "witvliet2021_1", "--null", "rewire", "--p", "0.3", "--seeds", "2",
                 "--csv", str(csv)]) == 0
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
