"""Progress lines: plain text when redirected, a redrawn bar on a terminal, an honest ETA."""

from __future__ import annotations

import io

from elegans_keras.progress import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def ticks(*times: float):
    return iter(times).__next__


def test_redirected_output_is_plain_lines():
    out = io.StringIO()
    assert list(
        progress(range(50), desc="graph metrics", stream=out, clock=ticks(*range(51)))
    ) == list(range(50))
    text = out.getvalue()
    assert "\r" not in text and "\x1b" not in text and "\b" not in text
    lines = text.splitlines()
    assert lines[0] == "graph metrics: 1/50, 1 s elapsed"
    assert lines[-1] == "graph metrics: 50/50, done in 50 s"
    assert len(lines) == 11  # the first item, then one line per tenth


def test_terminal_output_redraws_one_line():
    out = Terminal()
    list(progress(range(3), desc="x", stream=out, clock=ticks(0, 1, 2, 3)))
    text = out.getvalue()
    assert text.count("\r") == 3 and text.count("\n") == 1 and text.endswith("done in 3 s\x1b[K\n")


def test_a_slow_first_item_does_not_inflate_the_eta():
    """34 items: the first takes 20 s (tracing), the others 0.4 s each; the run takes 33 s."""
    out = io.StringIO()
    times = [0.0, 20.0] + [20.0 + 0.4 * k for k in range(1, 34)]
    list(progress(range(34), desc="runs", stream=out, clock=ticks(*times)))
    lines = out.getvalue().splitlines()
    assert lines[0] == "runs: 1/34, 20 s elapsed"  # no ETA from one item
    assert "ETA 12 s" in lines[1]  # 31 items left at 0.4 s, not 31 x 20 s


def test_quiet_and_empty_print_nothing():
    out = io.StringIO()
    assert list(progress([1, 2], quiet=True, stream=out)) == [1, 2]
    assert list(progress([], stream=out)) == []
    assert out.getvalue() == ""


def test_keras_fit_prints_plain_lines_when_redirected():
    """verbose=2 (one line per epoch) unless stdout is a terminal; quiet is 0."""
    from elegans_keras.progress import keras_verbose

    assert keras_verbose(stream=io.StringIO()) == 2
    assert keras_verbose(stream=Terminal()) == 1
    assert keras_verbose(quiet=True, stream=Terminal()) == 0
