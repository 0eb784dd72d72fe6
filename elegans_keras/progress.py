"""A progress bar over long loops (sweeps, graph generation), using Keras's Progbar."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

Item = TypeVar("Item")


def progress(items: Iterable[Item], desc: str = "", quiet: bool = False) -> Iterator[Item]:
    """Yield ``items`` while drawing a progress bar on stdout.

    Example:
        >>> for seed in progress(range(5), desc="null graphs"):
        ...     pass
    """
    items = list(items)
    if quiet or not items:
        yield from items
        return
    from keras.utils import Progbar

    if desc:
        print(desc)
    bar = Progbar(len(items), unit_name="item")
    for done, item in enumerate(items, start=1):
        yield item
        bar.update(done)
