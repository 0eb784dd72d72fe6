"""The paper's experiments as importable modules (``experiments/*.py`` call these).

Each module has ``main(argv)`` (its command line, generated from the typed
options of :mod:`elegans_keras.options`); the image experiments also expose
their :class:`~elegans_keras.experiments.runner.ImageTask`.

Example:
    >>> sorted(EXPERIMENTS)
    ['cifar', 'memory', 'mnist_classify', 'mnist_unsup', 'topology']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module
from typing import Any


def _main(module: str) -> Callable[[Sequence[str] | None], Any]:
    def run(argv: Sequence[str] | None = None) -> Any:
        return import_module(f"elegans_keras.experiments.{module}").main(argv)

    run.__doc__ = f"Run elegans_keras.experiments.{module}.main(argv)."
    return run


EXPERIMENTS: dict[str, Callable[[Sequence[str] | None], Any]] = {
    name: _main(name) for name in ("mnist_unsup", "mnist_classify", "cifar", "memory", "topology")
}
