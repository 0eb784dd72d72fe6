"""A run's logged scalars, read from its TensorBoard event files the way TensorBoard reads them.

Keras writes its scalars as TF2 tensor summaries (plugin ``scalars``), so
``EventAccumulator.Tags()["scalars"]`` is empty; they are in the accumulator's
``tensors``. :func:`read_scalars` collects them from every event file under a
run directory (``train/``, ``validation/``) into one table.

Example:
    >>> read_scalars("logs/mnist_classify/classifier-deep-seed0").columns.tolist()  # doctest: +SKIP
    ['split', 'tag', 'step', 'value']
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from elegans_keras.errors import ConfigurationError


def read_scalars(run_dir: str | os.PathLike) -> pd.DataFrame:
    """Every scalar of every event file under ``run_dir``: split, tag, step, value."""
    from tensorboard.backend.event_processing.event_accumulator import (
        SCALARS,
        TENSORS,
        EventAccumulator,
    )
    from tensorboard.util.tensor_util import make_ndarray

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ConfigurationError(f"run directory {str(run_dir)!r} does not exist")
    files = sorted(run_dir.rglob("events.out.tfevents.*"))
    if not files:
        raise ConfigurationError(f"run directory {str(run_dir)!r} holds no TensorBoard event files")
    rows = []
    for folder in sorted({path.parent for path in files}):
        accumulator = EventAccumulator(str(folder), size_guidance={TENSORS: 0, SCALARS: 0})
        accumulator.Reload()
        split = folder.relative_to(run_dir).as_posix() if folder != run_dir else "."
        tags = accumulator.Tags()
        for tag in tags.get(TENSORS, []):
            for event in accumulator.Tensors(tag):
                value = make_ndarray(event.tensor_proto)
                if value.size == 1:
                    rows.append((split, tag, event.step, float(value.reshape(()))))
        for tag in tags.get(SCALARS, []):
            rows.extend((split, tag, e.step, float(e.value)) for e in accumulator.Scalars(tag))
    return pd.DataFrame(rows, columns=["split", "tag", "step", "value"])
