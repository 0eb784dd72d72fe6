"""A progress bar over long loops (sweeps, graph generation), honest when redirected.

On a terminal the bar redraws one line; when the stream is a file or a pipe
(``elegans-keras analyze > out.txt``) it writes plain lines, about one per
tenth of the work, with no carriage returns or escape codes. The ETA leaves
out the first item (it pays for tracing and compilation, so one slow first
item does not promise a 28-minute run) and is shown from the second item on.

Example:
    >>> for seed in progress(range(5), desc="null graphs", clock=iter(range(0, 50, 5)).__next__):
    ...     pass
    null graphs: 1/5, 5 s elapsed
    null graphs: 2/5, 10 s elapsed, ETA 15 s
    null graphs: 3/5, 15 s elapsed, ETA 10 s
    null graphs: 4/5, 20 s elapsed, ETA 5 s
    null graphs: 5/5, done in 25 s
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO, TypeVar

Item = TypeVar("Item")
WIDTH = 30


def duration(seconds: float) -> str:
    """A duration in words short enough for a progress line.

    Example:
        >>> duration(34.2), duration(125), duration(3 * 3600 + 240)
        ('34 s', '2 min 05 s', '3 h 04 min')
    """
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def eta(elapsed: float, first: float, done: int, total: int) -> float | None:
    """Seconds left, from the pace of the items after the first; None before the second.

    Example:
        >>> eta(elapsed=62.0, first=60.0, done=3, total=10)  # 1 s per item after a slow first
        7.0
    """
    if done < 2:
        return None
    return (elapsed - first) / (done - 1) * (total - done)


def status(desc: str, done: int, total: int, elapsed: float, first: float) -> str:
    """One progress line: ``desc: done/total, elapsed, ETA``."""
    head = f"{desc}: {done}/{total}" if desc else f"{done}/{total}"
    if done == total:
        return f"{head}, done in {duration(elapsed)}"
    left = eta(elapsed, first, done, total)
    tail = "" if left is None else f", ETA {duration(left)}"
    return f"{head}, {duration(elapsed)} elapsed{tail}"


def progress(
    items: Iterable[Item],
    desc: str = "",
    quiet: bool = False,
    total: int | None = None,
    stream: TextIO | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Item]:
    """Yield ``items`` while reporting progress on ``stream`` (default: stdout).

    Without ``total`` the items are collected first to count them; with it
    they are consumed lazily (results arriving from worker processes).
    ``clock`` returns seconds (tests pass a fake one).
    """
    if total is None:
        items = list(items)
        total = len(items)
    if quiet or not total:
        yield from items
        return
    out = sys.stdout if stream is None else stream
    terminal = _is_terminal(out)
    start = clock()
    first = 0.0
    shown = 0
    for done, item in enumerate(items, start=1):
        yield item
        elapsed = clock() - start
        if done == 1:
            first = elapsed
        line = status(desc, done, total, elapsed, first)
        if terminal:
            filled = WIDTH * done // total
            bar = "=" * filled + " " * (WIDTH - filled)
            out.write(f"\r[{bar}] {line}\033[K" + ("\n" if done == total else ""))
            out.flush()
        elif done * 10 // total > shown or done in (1, total):
            shown = done * 10 // total
            out.write(line + "\n")
            out.flush()


def keras_verbose(quiet: bool = False, stream: TextIO | None = None) -> int:
    """Keras's ``verbose`` for ``fit``/``evaluate``: 0 when quiet, 1 (the redrawn bar) on a
    terminal, 2 (one plain line per epoch, no escape codes) when ``stream`` (stdout) is not one.

    Example:
        >>> import io
        >>> keras_verbose(), keras_verbose(quiet=True), keras_verbose(stream=io.StringIO())
        (2, 0, 2)
    """
    if quiet:
        return 0
    return 1 if _is_terminal(sys.stdout if stream is None else stream) else 2


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
