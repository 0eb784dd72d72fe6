"""The tasks of the topology study and their training budgets.

Every task is a function ``(graph, base, run, mode, budget, strategy) -> rows``
returning one dict per spectral radius it scores. The budget is the same for
every graph of a study; ``quick`` is a smaller one for smoke runs.

* ``memory`` (mode ``reservoir``): an echo-state network on the graph with a
  ridge readout; memory capacity (total and per delay) and Mackey-Glass
  one-step NRMSE at each spectral radius of the budget. Readouts are fitted on
  the first half of each signal and scored on the second.
* ``mnist`` (modes ``reservoir`` and ``deep``): :func:`elegans_classifier` (or,
  for ``no_graph``, its plain twin) trained for a fixed number of epochs on the
  training split of the budget's data set (MNIST or Fashion-MNIST; all of it,
  or a seeded subset of ``train_size`` images: see :func:`training_indices`;
  a fixed stratified validation part is held out and only monitored), its
  learning rate a cosine from the budget's rate to 0 over the budget's steps,
  then scored once on the test split.

Example:
    >>> rows = TASKS["memory"].run(worm, worm, Run("connectome", 0), "reservoir",
    ...                            BUDGETS["quick"], "default")  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from elegans_keras.checks import check_choice, check_int
from elegans_keras.connectome import Connectome
from elegans_keras.errors import ConfigurationError
from elegans_keras.study.plan import Run
from elegans_keras.study.vocabulary import COMPLETE, NO_GRAPH

Rows = list[dict[str, Any]]


@dataclasses.dataclass(frozen=True)
class Budget:
    """How much work one run gets, and on which images; the same for every graph of a study.

    ``train_images`` None means the whole training split (the first
    ``train_images`` images otherwise, the validation part carved from them).
    ``train_size`` (see :func:`study_budget`) replaces that rule by a seeded
    subset: the run trains on ``train_size`` images drawn, stratified by class,
    with the run's seed (the same images for every family at a seed), and is
    monitored on ``validation_fraction * train_size`` other training images
    (the same for every seed). ``dataset`` is the image data set of the MNIST
    task (``mnist`` or ``fashion_mnist``); ``data_dir`` where its files are
    (see :func:`~elegans_keras.datasets.load_images`; not part of the name).
    """

    name: str
    radii: tuple[float, ...]
    sequence_length: int
    max_delay: int
    train_images: int | None
    validation_fraction: float
    epochs: int
    batch_size: int
    learning_rate: float
    test_images: int
    classifier_radius: float
    graph_references: int
    dataset: str = "mnist"
    train_size: int | None = None
    data_dir: str | None = None


BUDGETS = {
    "full": Budget(
        "full",
        radii=(0.5, 0.7, 0.9, 0.99, 1.1),
        sequence_length=3000,
        max_delay=40,
        train_images=None,
        validation_fraction=0.1,
        epochs=3,
        batch_size=128,
        learning_rate=1e-3,
        test_images=10000,
        classifier_radius=0.9,
        graph_references=10,
    ),
    "quick": Budget(
        "quick",
        radii=(0.5, 0.9, 1.1),
        sequence_length=1200,
        max_delay=20,
        train_images=1000,
        validation_fraction=0.2,
        epochs=2,
        batch_size=32,
        learning_rate=5e-3,
        test_images=500,
        classifier_radius=0.9,
        graph_references=3,
    ),
}
# Image data sets of the MNIST task (28 x 28 grey images, ten classes).
IMAGE_DATASETS = ("mnist", "fashion_mnist")


def study_budget(
    quick: bool = False,
    dataset: str | None = None,
    train_size: int | None = None,
    epochs: int | None = None,
    data_dir: str | os.PathLike | None = None,
) -> Budget:
    """The ``full`` (or ``quick``) budget with the MNIST task's data and epochs changed.

    Its name is the base name followed by each setting that differs from the
    base (``-<dataset>``, ``-n<train_size>``, ``-e<epochs>``): the name is part
    of every run's key in the study CSV, so a run with another size, data set
    or number of epochs is a different run, and the base settings keep the
    base name (old tables resume). :func:`budget_named` reads a name back.

    Example:
        >>> study_budget(dataset="fashion_mnist", train_size=2000, epochs=5).name
        'full-fashion_mnist-n2000-e5'
        >>> study_budget(epochs=3).name
        'full'
    """
    where = "study budget"
    base = BUDGETS["quick" if quick else "full"]
    changes: dict[str, Any] = {}
    parts = []
    if dataset is not None and dataset != base.dataset:
        changes["dataset"] = check_choice(dataset, "dataset", where, IMAGE_DATASETS)
        parts.append(dataset)
    if train_size is not None:
        changes["train_size"] = check_int(train_size, "train_size", where, low=10)
        parts.append(f"n{train_size}")
    if epochs is not None and epochs != base.epochs:
        changes["epochs"] = check_int(epochs, "epochs", where, low=1)
        parts.append(f"e{epochs}")
    if data_dir is not None:
        changes["data_dir"] = str(data_dir)
    return dataclasses.replace(base, name="-".join([base.name, *parts]), **changes)


def budget_named(name: str) -> Budget:
    """The budget a CSV's ``budget`` column names (see :func:`study_budget`).

    Example:
        >>> budget = budget_named("full-n2000-e5")
        >>> budget.train_size, budget.epochs, budget.dataset
        (2000, 5, 'mnist')
    """
    base, *parts = str(name).split("-")
    if base not in BUDGETS:
        raise ConfigurationError(f"unknown budget {name!r}; expected one of {list(BUDGETS)}")
    settings: dict[str, Any] = {}
    for part in parts:
        if part in IMAGE_DATASETS:
            settings["dataset"] = part
        elif part[:1] in ("n", "e") and part[1:].isdigit():
            settings["train_size" if part[0] == "n" else "epochs"] = int(part[1:])
        else:
            raise ConfigurationError(f"budget {name!r}: unknown setting {part!r}")
    budget = study_budget(base == "quick", **settings)
    if budget.name != name:
        raise ConfigurationError(f"budget {name!r} is not canonical (expected {budget.name!r})")
    return budget


@dataclasses.dataclass(frozen=True)
class Task:
    """A study task: its modes, its metrics (and which way is better), and how to run it."""

    name: str
    modes: tuple[str, ...]
    metrics: dict[str, str]
    run: Callable[[Connectome, Connectome, Run, str, Budget, str], Rows]
    radii: Callable[[Budget], tuple[float, ...]]
    families_excluded: tuple[str, ...] = ()


def memory_task(
    graph: Connectome, base: Connectome, run: Run, mode: str, budget: Budget, strategy: str
) -> Rows:
    """Memory capacity and Mackey-Glass NRMSE of an echo-state network on ``graph``, per radius."""
    from elegans_keras.models import memory_scores

    return [
        {
            "spectral_radius": rho,
            **memory_scores(
                graph,
                spectral_radius=rho,
                seed=run.seed,
                length=budget.sequence_length,
                washout=budget.sequence_length // 15,
                max_delay=budget.max_delay,
                **run.synapse_options,
            ),
        }
        for rho in budget.radii
    ]


@functools.lru_cache(maxsize=4)
def _images(dataset: str, split: str, data_dir: str | None) -> tuple[np.ndarray, np.ndarray]:
    from elegans_keras.datasets import load_images

    return load_images(dataset, split, data_dir=data_dir)


def training_indices(
    labels: np.ndarray, budget: Budget, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation) into the training split that a run of ``budget`` uses.

    Without ``train_size``: the budget's first ``train_images`` images (all if
    None), a fixed stratified ``validation_fraction`` of them held out. With
    it: ``round(validation_fraction * train_size)`` images held out first
    (stratified, fixed: the same for every seed), then ``train_size`` of the
    others drawn stratified with ``seed`` (the same for every family at a
    seed). Both keep the split's order; neither touches the test split.

    Example:
        >>> budget = study_budget(train_size=100)
        >>> train, val = training_indices(np.arange(1000) % 10, budget, seed=0)
        >>> len(train), len(val), len(set(train) & set(val))
        (100, 10, 0)
    """
    from elegans_keras.datasets import train_validation_split

    labels = np.asarray(labels)
    if budget.train_size is None:
        index = np.arange(len(labels) if budget.train_images is None else budget.train_images)
        (train, _), (validation, _) = train_validation_split(
            index, labels[index], validation_fraction=budget.validation_fraction, seed=0
        )
        return train, validation
    n = len(labels)
    n_val = max(1, round(budget.validation_fraction * budget.train_size))
    if budget.train_size + n_val >= n:
        raise ConfigurationError(
            f"train_size={budget.train_size} and {n_val} validation images need more than the "
            f"{n} images of the training split"
        )
    index = np.arange(n)
    (rest, rest_labels), (validation, _) = train_validation_split(
        index, labels, validation_fraction=n_val / n, seed=0
    )
    _, (train, _) = train_validation_split(
        rest, rest_labels, validation_fraction=budget.train_size / len(rest), seed=seed
    )
    return train, validation


def mnist_model(
    graph: Connectome, base: Connectome, run: Run, mode: str, budget: Budget, decay_steps: int
):
    """The classifier a run trains: the plain twin for ``no_graph``, else the connectome model.

    Its learning rate decays (cosine) from the budget's to 0 over
    ``decay_steps`` (the run's batches). ``complete`` in deep mode shares the
    connectome's number of synapse values among its all-to-all entries
    (matched trainable parameters).
    """
    from elegans_keras.layers.synapses import synapses_of
    from elegans_keras.models import elegans_classifier, plain_classifier

    common = {
        "mode": mode,
        "seed": run.seed,
        "spectral_radius": budget.classifier_radius,
        "learning_rate": budget.learning_rate,
        "decay_steps": decay_steps,
        **run.synapse_options,
    }
    if run.family == NO_GRAPH:
        return plain_classifier(connectome=base, **common)
    shared = None
    if run.family == COMPLETE and mode == "deep":
        shared = synapses_of(base, "all").num_values
    return elegans_classifier(connectome=graph, shared_values=shared, **common)


def mnist_task(
    graph: Connectome, base: Connectome, run: Run, mode: str, budget: Budget, strategy: str
) -> Rows:
    """Test accuracy after a fixed MNIST budget (one row, at the classifier's spectral radius)."""
    from elegans_keras.distribute import get_strategy, scaled_batch_size, strategy_scope
    from elegans_keras.models import count_parameters
    from elegans_keras.training import set_seed

    x, y = _images(budget.dataset, "train", budget.data_dir)
    train, validation = training_indices(y, budget, run.seed)
    x_train, y_train, x_val, y_val = x[train], y[train], x[validation], y[validation]
    x_test, y_test = _images(budget.dataset, "test", budget.data_dir)
    x_test, y_test = x_test[: budget.test_images], y_test[: budget.test_images]

    set_seed(run.seed)
    distribution = get_strategy(strategy)
    batch_size = scaled_batch_size(budget.batch_size, distribution)
    with strategy_scope(distribution):
        model = mnist_model(
            graph,
            base,
            run,
            mode,
            budget,
            decay_steps=budget.epochs * -(-len(x_train) // batch_size),
        )
    history = model.fit(
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        epochs=budget.epochs,
        batch_size=batch_size,
        verbose=0,
    )
    test = model.evaluate(x_test, y_test, batch_size=256, verbose=0, return_dict=True)
    counts = count_parameters(model)
    return [
        {
            "spectral_radius": budget.classifier_radius,
            "test_accuracy": float(test["accuracy"]),
            "test_loss": float(test["loss"]),
            "val_accuracy": float(history.history["val_accuracy"][-1]),
            "dataset": budget.dataset,
            "train_size": len(x_train),
            "validation_size": len(x_val),
            "epochs": budget.epochs,
            "trainable_parameters": counts["trainable"],
            "parameters": counts["total"],
        }
    ]


TASKS = {
    "memory": Task(
        "memory",
        ("reservoir",),
        {"memory_capacity": "higher", "mackey_glass_nrmse": "lower"},
        memory_task,
        lambda budget: budget.radii,
        families_excluded=(NO_GRAPH,),
    ),
    "mnist": Task(
        "mnist",
        ("reservoir", "deep"),
        {"test_accuracy": "higher"},
        mnist_task,
        lambda budget: (budget.classifier_radius,),
    ),
}


def get_task(name: str, mode: str) -> Task:
    """The task called ``name``, checked to support ``mode``.

    Example:
        >>> get_task("mnist", "deep").metrics
        {'test_accuracy': 'higher'}
    """
    task = TASKS[check_choice(name, "task", "get_task", TASKS)]
    if mode not in task.modes:
        raise ConfigurationError(
            f"task {name!r} has no mode {mode!r}; expected one of {list(task.modes)}"
        )
    return task
