"""Seeding, run directories and the callbacks every experiment uses."""

from __future__ import annotations

import datetime
import importlib.util
import json
import numbers
import os
import platform
import sys
from pathlib import Path
from typing import Any

import keras
import numpy as np

from elegans_keras.atomic import write_json
from elegans_keras.errors import ConfigurationError


def set_seed(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy and the Keras backend; make TensorFlow ops deterministic.

    Example:
        >>> set_seed(0)
    """
    keras.utils.set_random_seed(seed)
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def machine_description() -> str:
    """A one-line description of this machine (CPU count, platform, backend)."""
    return (
        f"{os.cpu_count()} CPU cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, Keras {keras.__version__} "
        f"({keras.backend.backend()} backend)"
    )


def library_versions() -> dict[str, str]:
    """Versions of the libraries a result depends on."""
    import networkx
    import numpy

    from elegans_keras import __version__

    versions = {
        "elegans_keras": __version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
        "networkx": networkx.__version__,
        "python": platform.python_version(),
        "backend": keras.backend.backend(),
    }
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        versions["tensorflow"] = tf.__version__
    if keras.backend.backend() == "jax":
        import jax

        versions["jax"] = jax.__version__
    return versions


def start_run(
    experiment: str,
    config: dict[str, Any],
    root: str | os.PathLike = "logs",
    run_id: str | None = None,
) -> Path:
    """Create ``root/<experiment>/<run-id>/`` and write its ``config.json``.

    The config records what is given plus library versions, backend, machine,
    the command line and the start time. A run id that already exists is
    reused, so that an interrupted run resumes in the same directory.

    Example:
        >>> run_dir = start_run("mnist_classify", {"seed": 0}, run_id="deep-seed0")
    """
    run_id = run_id or datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = Path(root) / experiment / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    record = {
        **config,
        "experiment": experiment,
        "run_id": run_id,
        "versions": library_versions(),
        "machine": machine_description(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
    }
    write_json(run_dir / "config.json", record)
    return run_dir


class EpochSeeds(keras.callbacks.Callback):
    """Reseed every random source at the start of each epoch from ``(seed, epoch)``.

    ``keras.utils.set_random_seed`` resets Python, NumPy, TensorFlow and the
    Keras global generator, and the state of each ``SeedGenerator`` in the
    model (dropout, random augmentation) is set from ``(seed, epoch, k)``. An
    epoch's randomness then does not depend on how many epochs this process
    has already run, so a run resumed by ``BackupAndRestore`` (which restores
    weights and optimizer state, not seed-generator states) follows the same
    trajectory as an uninterrupted one.

    Example:
        >>> model.fit(x, y, epochs=5, callbacks=[EpochSeeds(seed=0)])
    """

    def __init__(self, seed: int) -> None:
        super().__init__()
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ConfigurationError(f"EpochSeeds: seed={seed!r}; expected a non-negative int")
        self.seed = int(seed)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        states = seed_states(self.model)
        words = np.random.SeedSequence([self.seed, epoch]).generate_state(1 + len(states))
        keras.utils.set_random_seed(int(words[0] >> 1))
        for state, word in zip(states, words[1:]):
            state.assign(np.array([word >> 1, 0]).astype(state.dtype))


def seed_states(model: keras.Model) -> list[keras.Variable]:
    """The model's ``SeedGenerator`` state variables (its variables that are not weights).

    Example:
        >>> [v.name for v in seed_states(model)]
        ['seed_generator_state', 'seed_generator_state']
    """
    weights = {id(w) for w in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def run_callbacks(
    run_dir: str | os.PathLike,
    resume: bool = True,
    seed: int | None = None,
) -> list[keras.callbacks.Callback]:
    """TensorBoard events, ``metrics.csv``, per-epoch reseeding and BackupAndRestore in ``run_dir``.

    ``seed`` (default: the ``seed`` recorded in ``run_dir/config.json`` by
    :func:`start_run`, if any) adds :class:`EpochSeeds`, so that a run
    interrupted and resumed (``resume=True``: ``BackupAndRestore`` in
    ``run_dir/backup``) ends with the same weights as an uninterrupted one.
    The backup keeps the last two epochs, so a run killed while writing one
    resumes from the other.
    TensorBoard events need TensorFlow's summary writer; where TensorFlow is
    not installed (a JAX-only GPU machine) the CSV log is still written.

    Example:
        >>> model.fit(x, y, callbacks=run_callbacks(run_dir, seed=0))
    """
    run_dir = Path(run_dir)
    callbacks: list[keras.callbacks.Callback] = [
        keras.callbacks.CSVLogger(str(run_dir / "metrics.csv"), append=resume),
    ]
    if importlib.util.find_spec("tensorflow") is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(run_dir), write_graph=False))
    seed = _recorded_seed(run_dir) if seed is None else seed
    if seed is not None:
        callbacks.append(EpochSeeds(seed))
    if resume:
        callbacks.append(
            keras.callbacks.BackupAndRestore(str(run_dir / "backup"), double_checkpoint=True)
        )
    return callbacks


def _recorded_seed(run_dir: Path) -> int | None:
    config = run_dir / "config.json"
    if not config.is_file():
        return None
    return json.loads(config.read_text(encoding="utf-8")).get("seed")
