"""Seeding, run directories and the callbacks every experiment uses."""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

import keras
import numpy as np

from elegans_keras.atomic import atomic_path, write_json
from elegans_keras.checks import check_seed
from elegans_keras.errors import ConfigurationError
from elegans_keras.options import check_run_id


def set_seed(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy and the Keras backend; make TensorFlow ops deterministic.

    Example:
        >>> set_seed(0)
    """
    keras.utils.set_random_seed(check_seed(seed, "set_seed"))
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
    root: str | os.PathLike,
    run_id: str | None = None,
) -> Path:
    """Create ``root/<experiment>/<run-id>/`` and write its ``config.json``.

    The config records what is given plus library versions, backend, machine,
    the command line and the start time. A run id that already exists is
    reused, so that an interrupted run resumes in the same directory; a run
    id must be one plain folder name (it cannot point outside ``root``).

    Example:
        >>> run_dir = start_run("mnist_classify", {"seed": 0}, "/tmp/logs", run_id="deep-seed0")
        >>> run_dir.name
        'deep-seed0'
    """
    run_id = check_run_id(run_id, "start_run") or datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = Path(root) / experiment / run_id
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigurationError(f"cannot create run directory {str(run_dir)!r} ({err})") from None
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
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dropout(0.5),
        ...                           keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> x, y = np.ones((8, 4)), np.ones((8, 1))
        >>> history = model.fit(x, y, epochs=5, callbacks=[EpochSeeds(seed=0)], verbose=0)
    """

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.seed = check_seed(seed, "EpochSeeds")

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        states = seed_states(self.model)
        words = np.random.SeedSequence([self.seed, epoch]).generate_state(1 + len(states))
        keras.utils.set_random_seed(int(words[0] >> 1))
        for state, word in zip(states, words[1:]):
            state.assign(np.array([word >> 1, 0]).astype(state.dtype))


def seed_states(model: keras.Model) -> list[keras.Variable]:
    """The model's ``SeedGenerator`` state variables (its variables that are not weights).

    Example:
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dropout(0.5),
        ...                           keras.layers.Dense(4), keras.layers.Dropout(0.5)])
        >>> [v.name for v in seed_states(model)]
        ['seed_generator_state', 'seed_generator_state']
    """
    weights = {id(w) for w in model.weights}
    return [v for v in model.variables if id(v) not in weights]


# Callback attributes that ResumeTraining saves and restores.
CALLBACK_STATE = {
    keras.callbacks.ReduceLROnPlateau: ("wait", "best", "cooldown_counter"),
    keras.callbacks.EarlyStopping: ("wait", "best", "best_epoch", "stopped_epoch"),
}
POINTER = "latest.json"


class ResumeTraining(keras.callbacks.Callback):
    """Checkpoint after every epoch, and resume from the last complete checkpoint.

    A checkpoint is a folder ``backup/epoch-K/`` holding the model weights
    with the optimizer state (learning rate included), the state of the
    learning-rate and early-stopping callbacks (their counters, best values
    and best weights) and the epoch; ``backup/latest.json`` names the newest
    complete folder and is replaced atomically only once that folder is
    written, so a kill at any moment leaves a consistent checkpoint (the
    previous one). Put it after the callbacks it restores, so that their own
    ``on_train_begin`` resets run first.

    Example:
        >>> import tempfile
        >>> stopping = keras.callbacks.EarlyStopping()
        >>> callbacks = [stopping, ResumeTraining(f"{tempfile.mkdtemp()}/backup", [stopping])]
    """

    def __init__(
        self, folder: str | os.PathLike, callbacks: list[keras.callbacks.Callback]
    ) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.tracked = [c for c in callbacks if type(c) in CALLBACK_STATE]

    def on_train_begin(self, logs: dict | None = None) -> None:
        pointer = self.folder / POINTER
        if not pointer.is_file():
            return
        checkpoint = self.folder / json.loads(pointer.read_text(encoding="utf-8"))["folder"]
        state = json.loads((checkpoint / "state.json").read_text(encoding="utf-8"))
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        self.model.load_weights(checkpoint / "model.weights.h5")
        for callback, saved in zip(self.tracked, state["callbacks"]):
            for name, value in saved.items():
                setattr(callback, name, value)
            best = checkpoint / f"best-{self.tracked.index(callback)}.npz"
            if best.is_file():
                with np.load(best) as arrays:
                    callback.best_weights = [arrays[f"w{k}"] for k in range(len(arrays.files))]
        epoch = state["epoch"]
        if state.get("stopped"):
            epoch = self.params.get("epochs", epoch)
        self.model._initial_epoch = epoch

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        name = f"epoch-{epoch + 1:04d}"
        checkpoint = self.folder / name
        if checkpoint.exists():
            shutil.rmtree(checkpoint)
        checkpoint.mkdir(parents=True)
        self.model.save_weights(checkpoint / "model.weights.h5")
        states = []
        for k, callback in enumerate(self.tracked):
            states.append(
                {attr: _plain(getattr(callback, attr)) for attr in CALLBACK_STATE[type(callback)]}
            )
            if getattr(callback, "best_weights", None) is not None:
                np.savez(
                    checkpoint / f"best-{k}.npz",
                    **{f"w{i}": w for i, w in enumerate(callback.best_weights)},
                )
        write_json(
            checkpoint / "state.json",
            {"epoch": epoch + 1, "callbacks": states, "stopped": bool(self.model.stop_training)},
        )
        write_json(self.folder / POINTER, {"folder": name})
        for old in self.folder.glob("epoch-*"):
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)


def checkpoint_epoch(folder: str | os.PathLike) -> int:
    """Epochs completed by the last checkpoint in ``folder`` (0 when there is none)."""
    pointer = Path(folder) / POINTER
    if not pointer.is_file():
        return 0
    name = json.loads(pointer.read_text(encoding="utf-8"))["folder"]
    return json.loads((Path(folder) / name / "state.json").read_text(encoding="utf-8"))["epoch"]


def trim_metrics(metrics_csv: str | os.PathLike, epochs: int) -> None:
    """Drop rows of epochs >= ``epochs`` from a CSVLogger file (logged, then lost to a kill)."""
    path = Path(metrics_csv)
    if not path.is_file():
        return
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = lines[:1] + [line for line in lines[1:] if int(line.split(",", 1)[0]) < epochs]
    if len(kept) != len(lines):
        with atomic_path(path) as temporary:
            Path(temporary).write_text("".join(kept), encoding="utf-8")


def _plain(value: Any) -> Any:
    """A JSON-able copy of a callback attribute (numpy scalars, infinities)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return float(value)
    return value


def run_callbacks(
    run_dir: str | os.PathLike,
    resume: bool = True,
    seed: int | None = None,
    extra: list[keras.callbacks.Callback] | None = None,
) -> list[keras.callbacks.Callback]:
    """TensorBoard events, ``metrics.csv``, per-epoch reseeding, ``extra``, then ResumeTraining.

    ``seed`` (default: the ``seed`` recorded in ``run_dir/config.json`` by
    :func:`start_run`, if any) adds :class:`EpochSeeds`, so that a run
    interrupted and resumed (``resume=True``: :class:`ResumeTraining` in
    ``run_dir/backup``, restoring the model, the optimizer and the state of
    the ``extra`` learning-rate and early-stopping callbacks) ends with the
    same weights as an uninterrupted one. TensorBoard events need
    TensorFlow's summary writer; where TensorFlow is not installed (a
    JAX-only GPU machine) the CSV log is still written.

    Example:
        >>> callbacks = run_callbacks("/tmp/run", seed=0)
    """
    run_dir = Path(run_dir)
    extra = list(extra or [])
    if resume:
        trim_metrics(run_dir / "metrics.csv", checkpoint_epoch(run_dir / "backup"))
    callbacks: list[keras.callbacks.Callback] = [
        keras.callbacks.CSVLogger(str(run_dir / "metrics.csv"), append=resume),
    ]
    if importlib.util.find_spec("tensorflow") is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(run_dir), write_graph=False))
    seed = _recorded_seed(run_dir) if seed is None else seed
    if seed is not None:
        callbacks.append(EpochSeeds(seed))
    callbacks += extra
    if resume:
        callbacks.append(ResumeTraining(run_dir / "backup", extra))
    return callbacks


def _recorded_seed(run_dir: Path) -> int | None:
    config = run_dir / "config.json"
    if not config.is_file():
        return None
    return json.loads(config.read_text(encoding="utf-8")).get("seed")
