"""``compare --out`` and ``analyze --csv`` into a place that cannot be written fail before the work.

"Unwritable" is a path under a regular file: it fails for root too.
"""

from __future__ import annotations

import pytest

from elegans_keras.cli import main


def no_work(*args, **kwargs):
    raise AssertionError("the work started before the output was checked")


@pytest.fixture()
def unwritable(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    return blocker / "results" / "out.csv"


def test_compare_into_an_unwritable_place_fails_before_any_run(unwritable, monkeypatch, capsys):
    import elegans_keras.study.runner as runner

    monkeypatch.setattr(runner, "run_one", no_work)
    monkeypatch.setattr(runner, "resolve_connectome", no_work)
    assert (
        main(
            [
                "-q",
                "compare",
                "--task",
                "memory",
                "--families",
                "connectome",
                "--seeds",
                "1",
                "--quick",
                "--out",
                str(unwritable),
            ]
        )
        == 2
    )
    error = capsys.readouterr().err
    assert f"cannot write {str(unwritable)!r}" in error and "Not a directory" in error


def test_compare_with_an_unopenable_lock_file_fails_before_any_run(tmp_path, monkeypatch, capsys):
    import elegans_keras.study.runner as runner

    monkeypatch.setattr(runner, "run_one", no_work)
    out = tmp_path / "study.csv"
    (tmp_path / "study.csv.lock").mkdir()
    assert (
        main(
            [
                "-q",
                "compare",
                "--task",
                "memory",
                "--families",
                "connectome",
                "--seeds",
                "1",
                "--quick",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "cannot write the lock file of" in capsys.readouterr().err


def test_analyze_into_an_unwritable_place_fails_before_the_metrics(unwritable, monkeypatch, capsys):
    import elegans_keras.connectome.metrics as metrics

    monkeypatch.setattr(metrics, "graph_metrics", no_work)
    assert main(["-q", "analyze", "--csv", str(unwritable)]) == 2
    error = capsys.readouterr().err
    assert f"cannot write {str(unwritable)!r}" in error and "Not a directory" in error
