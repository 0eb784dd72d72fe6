"""A progress bar over long loops (sweeps, graph generation), using Keras's Progbar."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

Item = TypeVar("Item")


def progress(items: Iterable[Item], desc: str = "", quiet: bool = False,
             total: int | None = None) -> Iterator[Item]:
    """Yield ``items`` while drawing a progress bar on stdout.

    Without ``total`` the items are collected first to count them; with it
    they are consumed lazily (results arriving from worker processes).

    Example:
        >>> for seed in progress(range(5), desc="null graphs"):
        ...     pass
        null graphs
        ...
    """
    if total is None:
        items = list(items)
        total = len(items)
    if quiet or not total:
        yield from items
        return
    from keras.utils import Progbar

    if desc:
        print(desc)
    bar = Progbar(total, unit_name="item")
    for done, item in enumerate(items, start=1):
        yield item
        bar.update(done)
