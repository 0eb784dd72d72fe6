"""Typed options of the experiments, shared by the scripts, the CLI, the study and the tests.

Each options class is a frozen dataclass whose fields carry their help text;
:func:`add_arguments` turns one into argparse options (so defaults and help
are written once) and :func:`from_arguments` turns parsed arguments back into
a validated instance. Invalid values raise
:class:`~elegans_keras.errors.ConfigurationError` when the instance is made,
before anything is trained or written.

Example:
    >>> TrainingOptions(epochs=2, mode="reservoir").epochs
    2
    >>> TrainingOptions(epochs=-1)
    Traceback (most recent call last):
    ...
    elegans_keras.errors.ConfigurationError: training options: epochs=-1; expected an int in [1, ...
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from elegans_keras.checks import (
    MODES,
    check_choice,
    check_int,
    check_number,
    check_seed,
)
from elegans_keras.errors import ConfigurationError

STRATEGIES = ("auto", "default", "mirrored", "multi_worker", "tpu", "data_parallel")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
SCHEDULES = ("plateau", "cosine")
HOME_VARIABLE = "ELEGANS_KERAS_HOME"
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
Options = TypeVar("Options")


def home() -> Path:
    """Where runs are written unless ``--out`` says otherwise.

    ``$ELEGANS_KERAS_HOME``, else ``$XDG_DATA_HOME/elegans-keras``, else
    ``~/.local/share/elegans-keras`` (never the current folder).

    Example:
        >>> home().name
        'elegans-keras'
    """
    if os.environ.get(HOME_VARIABLE):
        return Path(os.environ[HOME_VARIABLE]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "elegans-keras"


def check_run_id(run_id: str | None, where: str) -> str | None:
    """A run id is one plain folder name (letters, digits, ``._-``): it cannot leave ``--out``.

    Example:
        >>> check_run_id("deep-seed0", "demo")
        'deep-seed0'
    """
    if run_id is not None and (
        not isinstance(run_id, str) or not _RUN_ID.match(run_id) or run_id in (".", "..")
    ):
        raise ConfigurationError(
            f"{where}: run_id={run_id!r}; expected one folder name of letters, digits, '.', "
            "'_' or '-' (no path separators)"
        )
    return run_id


def help_field(default: Any, text: str) -> Any:
    """A dataclass field with its help text."""
    return dataclasses.field(default=default, metadata={"help": text})


@dataclasses.dataclass(frozen=True)
class TrainingOptions:
    """How an image experiment trains, where it writes and what it publishes."""

    epochs: int = help_field(10, "training epochs")
    batch_size: int = help_field(128, "examples per batch (per replica with a strategy)")
    seed: int = help_field(0, "seed of the split, the model and every random draw")
    connectome: str | None = help_field(
        None,
        "bundled name, file, folder or "
        "prefixed spec (flywire:DIR, neuprint:DIR, "
        "adjacency:CHEM[,ELEC]...; default: celegans_herm)",
    )
    mode: str = help_field("deep", "deep (train the synapses) or reservoir (freeze them)")
    learning_rate: float = help_field(1e-3, "Adam learning rate")
    schedule: str = help_field(
        "plateau",
        "learning rate: plateau (x0.3 when the validation "
        "loss stalls; early stopping) or cosine (from "
        "--learning-rate to 0 over the epochs, every epoch "
        "run); both keep the best validation epoch",
    )
    validation_fraction: float = help_field(
        0.1, "share of the training split held out for validation (model selection)"
    )
    limit: int | None = help_field(None, "use only the first N training images (quick runs)")
    out: str | None = help_field(
        None,
        f"root folder of run directories (default: "
        f"${HOME_VARIABLE} or ~/.local/share/elegans-keras)",
    )
    run_id: str | None = help_field(None, "run directory name (reuse it to resume)")
    publish: str | None = help_field(None, "publish the weights under this name")
    weights_dir: str | None = help_field(
        None, "where --publish writes (default: the package's weights/)"
    )
    data_dir: str | None = help_field(None, "folder with the dataset files")
    strategy: str = help_field(
        "default", "distribution: " + ", ".join(STRATEGIES) + " (--batch-size is then per replica)"
    )
    precision: str = help_field("float32", "dtype policy: " + ", ".join(PRECISIONS))
    quiet: bool = help_field(False, "no progress bars")

    def __post_init__(self) -> None:
        where = "training options"
        check_int(self.epochs, "epochs", where, low=1)
        check_int(self.batch_size, "batch_size", where, low=1)
        check_seed(self.seed, where)
        check_choice(self.mode, "mode", where, MODES)
        check_number(self.learning_rate, "learning_rate", where, low=0.0)
        check_choice(self.schedule, "schedule", where, SCHEDULES)
        check_number(
            self.validation_fraction,
            "validation_fraction",
            where,
            low=0.0,
            high=1.0,
            high_inclusive=False,
        )
        if self.limit is not None:
            check_int(self.limit, "limit", where, low=1)
        check_run_id(self.run_id, where)
        if self.publish is not None:
            check_run_id(self.publish, f"{where} (publish)")
        check_choice(self.strategy, "strategy", where, STRATEGIES)
        check_choice(self.precision, "precision", where, PRECISIONS)

    @property
    def root(self) -> Path:
        """The folder run directories go in."""
        return Path(self.out) if self.out is not None else home() / "logs"


@dataclasses.dataclass(frozen=True)
class MemoryOptions:
    """The spectral-radius scan of reservoir memory."""

    connectome: str | None = help_field(
        None, "bundled name, file, folder or prefixed spec (flywire:DIR, adjacency:CHEM[,ELEC]...)"
    )
    radii: tuple[float, ...] = help_field((0.5, 0.7, 0.9, 0.99, 1.1), "spectral radii")
    seed: int = help_field(0, "seed of the signals and the reservoir")
    length: int = help_field(3000, "signal length")
    weights: str = help_field("count", "synapse magnitudes: count or random")
    signs: str = help_field("random", "synapse signs: random or neurotransmitter")
    out: str | None = help_field(None, "root folder of run directories")
    run_id: str | None = help_field(None, "run directory name")
    quiet: bool = help_field(False, "no progress bar")

    def __post_init__(self) -> None:
        where = "memory options"
        if not self.radii:
            raise ConfigurationError(f"{where}: radii is empty")
        for radius in self.radii:
            check_number(radius, "radii", where, low=0.0)
        check_seed(self.seed, where)
        check_int(self.length, "length", where, low=100)
        check_run_id(self.run_id, where)

    @property
    def root(self) -> Path:
        """The folder run directories go in."""
        return Path(self.out) if self.out is not None else home() / "logs"


def _argument_type(annotation: Any) -> tuple[Any, bool]:
    """(element type, is a sequence) of a field annotation such as ``int | None``.

    Example:
        >>> _argument_type(tuple[str, ...]), _argument_type(int | None)
        ((<class 'str'>, True), (<class 'int'>, False))
    """
    kind = annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kind = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(kind) is tuple:
        return typing.get_args(kind)[0], True
    return kind, False


def add_arguments(parser: argparse.ArgumentParser, cls: type, **defaults: Any) -> None:
    """Add one ``--option`` per field of ``cls`` (help and default from the field).

    ``defaults`` overrides field defaults for this parser (an experiment's
    own number of epochs, say).

    Example:
        >>> parser = argparse.ArgumentParser()
        >>> add_arguments(parser, TrainingOptions, epochs=3)
        >>> from_arguments(parser.parse_args(["--mode", "reservoir"]), TrainingOptions).epochs
        3
    """
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        default = defaults.get(field.name, field.default)
        flag = "--" + field.name.replace("_", "-")
        text = field.metadata.get("help", "")
        kind, many = _argument_type(hints[field.name])
        if kind is bool:
            parser.add_argument(flag, action="store_true", help=text)
            continue
        shown = " ".join(map(str, default)) if many and default is not None else default
        suffix = "" if "(default:" in text else f" (default: {shown})"
        parser.add_argument(
            flag,
            type=kind,
            default=default,
            nargs="+" if many else None,
            metavar=field.name.upper(),
            help=text + suffix,
        )


def from_arguments(namespace: argparse.Namespace, cls: type[Options]) -> Options:
    """The options instance of parsed arguments (validated by the dataclass)."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]  # Options is a dataclass
    values = {f.name: getattr(namespace, f.name) for f in fields}
    for f in fields:
        if isinstance(values[f.name], list):
            values[f.name] = tuple(values[f.name])
    return cls(**values)


def command_line(options: Any, script: str, defaults: dict[str, Any] | None = None) -> str:
    """The command that reproduces ``options`` (fields that differ from the defaults).

    Example:
        >>> options = TrainingOptions(epochs=3, mode="reservoir")
        >>> command_line(options, "experiments/mnist_classify.py")
        'python experiments/mnist_classify.py --epochs 3 --mode reservoir'
    """
    defaults = defaults or {}
    parts = [f"python {script}"]
    for field in dataclasses.fields(options):
        value = getattr(options, field.name)
        if field.name == "quiet" or value == defaults.get(field.name, field.default):
            continue
        flag = "--" + field.name.replace("_", "-")
        if value is True:
            parts.append(flag)
        elif isinstance(value, tuple):
            parts.append(f"{flag} {' '.join(map(str, value))}")
        elif value is not None and value is not False:
            parts.append(f"{flag} {value}")
    return " ".join(parts)


def parse(
    cls: type[Options], argv: Sequence[str] | None, prog: str, description: str, **defaults: Any
) -> Options:
    """Parse ``argv`` into ``cls`` options (what the experiment scripts' ``main`` does).

    Example:
        >>> parse(TrainingOptions, ["--epochs", "2"], "demo", "a demo").epochs
        2
    """
    parser = argparse.ArgumentParser(prog=prog, description=description)
    add_arguments(parser, cls, **defaults)
    return from_arguments(parser.parse_args(argv), cls)


@dataclasses.dataclass(frozen=True)
class StudyOptions:
    """One topology study (``elegans-keras compare``): a task, a mode, the graphs, the seeds."""

    task: str = help_field("memory", "memory or mnist")
    mode: str = help_field("reservoir", "reservoir or deep (mnist only)")
    families: tuple[str, ...] | None = help_field(
        None,
        "graph families (default: connectome, no_graph, complete, rewire, "
        "degree_preserving, shuffle_weights, erdos_renyi, watts_strogatz, barabasi_albert; "
        "those that apply to the task)",
    )
    seeds: int = help_field(5, "seeds per family and variant")
    p: tuple[float, ...] = help_field(
        (0.1, 0.2, 0.4, 0.6, 0.8, 1.0), "rewiring probabilities of the rewire family"
    )
    ablations: tuple[str, ...] = help_field(
        ("S->I", "I->M", "I->I", "S->S", "I->S", "M->M", "chemical", "electrical"),
        "synapse classes of the ablation families",
    )
    weights: tuple[str, ...] = help_field(
        ("count",), "synaptic value variants of the connectome: count, random, neurotransmitter"
    )
    quick: bool = help_field(False, "the small smoke-test budget")
    workers: int | None = help_field(None, "run on a local Dask cluster of N worker processes")
    scheduler: str | None = help_field(None, "run on an existing Dask scheduler (tcp://host:8786)")
    connectome: str | None = help_field(
        None,
        "bundled name, file, folder or prefixed spec such as flywire:DIR (default: celegans_herm)",
    )
    out: str | None = help_field(
        None,
        f"the study CSV, resumed if it exists (default: ${HOME_VARIABLE}/results/topology.csv)",
    )
    strategy: str = help_field("default", "distribution strategy of the MNIST task")
    quiet: bool = help_field(False, "no progress bar or tables")

    def __post_init__(self) -> None:
        where = "study options"
        check_int(self.seeds, "seeds", where, low=1)
        if self.workers is not None:
            check_int(self.workers, "workers", where, low=1)
        if self.workers is not None and self.scheduler is not None:
            raise ConfigurationError(f"{where}: give workers or scheduler, not both")
        check_choice(self.strategy, "strategy", where, STRATEGIES)

    @property
    def csv(self) -> Path:
        """The study table."""
        return Path(self.out) if self.out is not None else home() / "results" / "topology.csv"
