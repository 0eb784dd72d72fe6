"""A run's logged scalars, read from its TensorBoard event files the way TensorBoard reads them.

Keras writes its scalars as TF2 tensor summaries (plugin ``scalars``), so
``EventAccumulator.Tags()["scalars"]`` is empty; they are in the accumulator's
``tensors``. :func:`read_scalars` collects them from every event file under a
run directory (``train/``, ``validation/``) into one table.

Keras logs ``epoch_*`` tags once per epoch (step = epoch); other tags (the
package's ``evaluation_*_vs_iterations``, Keras's ``batch_*``) are steps of
training iterations. :func:`wide_table` shows one kind at a time, so epochs and
iterations never share a step column full of ``NaN``.

Example:
    >>> read_scalars("logs/mnist_classify/classifier-deep-seed0").columns.tolist()  # doctest: +SKIP
    ['split', 'tag', 'step', 'value']
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

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


def is_epoch_tag(tag: str) -> bool:
    """Keras's per-epoch scalars are the tags ``epoch_*``.

    Example:
        >>> is_epoch_tag("epoch_loss"), is_epoch_tag("evaluation_loss_vs_iterations")
        (True, False)
    """
    return tag.startswith("epoch_")


def wide_table(table: pd.DataFrame, per: Literal["epoch", "iteration"] = "epoch") -> pd.DataFrame:
    """The scalars logged per epoch (or per iteration): one row per step, one column per tag.

    Example:
        >>> table = pd.DataFrame({"split": ["train", "train", "validation"],
        ...                       "tag": ["epoch_loss", "epoch_loss", "batch_loss"],
        ...                       "step": [0, 1, 300], "value": [0.5, 0.25, 0.4]})
        >>> wide_table(table).to_dict()
        {('train', 'epoch_loss'): {0: 0.5, 1: 0.25}}
        >>> wide_table(table, per="iteration").index.tolist()
        [300]
    """
    if per not in ("epoch", "iteration"):
        raise ConfigurationError(f"per={per!r}; expected 'epoch' or 'iteration'")
    epochs = table["tag"].map(is_epoch_tag).astype(bool)
    rows = table[epochs if per == "epoch" else ~epochs]
    wide = rows.pivot_table(index="step", columns=["split", "tag"], values="value")
    return wide.rename_axis(index=per)
