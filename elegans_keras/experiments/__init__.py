"""The paper's experiments as importable modules (``experiments/*.py`` call these).

Example:
    >>> from elegans_keras.experiments import EXPERIMENTS
    >>> EXPERIMENTS["mnist_classify"](["--epochs", "1", "--limit", "2000"])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def _main(module: str) -> Callable[[Sequence[str] | None], Any]:
    def run(argv: Sequence[str] | None = None) -> Any:
        from importlib import import_module

        return import_module(f"elegans_keras.experiments.{module}").main(argv)

    run.__doc__ = f"Run elegans_keras.experiments.{module}.main(argv)."
    return run


def image_task(experiment: str, dataset: str):
    """The :class:`ImageTask` of an image experiment (``mnist_unsup``, ``mnist_classify``, ``cifar``)."""
    from importlib import import_module

    module = import_module(f"elegans_keras.experiments.{experiment}")
    return module.make_task(dataset) if experiment == "cifar" else module.TASK


EXPERIMENTS: dict[str, Callable[[Sequence[str] | None], Any]] = {
    name: _main(name)
    for name in ("mnist_unsup", "mnist_classify", "cifar", "memory", "topology")
}
