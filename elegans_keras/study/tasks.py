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
  MNIST training split (a fixed stratified validation split is carved from it
  and only monitored), its learning rate a cosine from the budget's rate to 0
  over the budget's steps, then scored once on the test split.

Example:
    >>> rows = TASKS["memory"].run(worm, worm, Run("connectome", 0), "reservoir",
    ...                            BUDGETS["quick"], "default")  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import numpy as np

from elegans_keras.checks import check_choice
from elegans_keras.connectome import Connectome
from elegans_keras.errors import ConfigurationError
from elegans_keras.study.plan import Run
from elegans_keras.study.vocabulary import COMPLETE, NO_GRAPH

Rows = list[dict[str, float]]


@dataclasses.dataclass(frozen=True)
class Budget:
    """How much work one run gets; the same for every graph of a study.

    ``train_images`` None means the whole training split.
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
                rho,
                seed=run.seed,
                length=budget.sequence_length,
                washout=budget.sequence_length // 15,
                max_delay=budget.max_delay,
                **run.synapse_options,
            ),
        }
        for rho in budget.radii
    ]


@functools.lru_cache(maxsize=2)
def _mnist(split: str) -> tuple[np.ndarray, np.ndarray]:
    from elegans_keras.datasets import load_images

    return load_images("mnist", split)


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
    from elegans_keras.datasets import train_validation_split
    from elegans_keras.distribute import get_strategy, scaled_batch_size, strategy_scope
    from elegans_keras.models import count_parameters
    from elegans_keras.training import set_seed

    x, y = _mnist("train")
    if budget.train_images is not None:
        x, y = x[: budget.train_images], y[: budget.train_images]
    (x_train, y_train), (x_val, y_val) = train_validation_split(
        x, y, validation_fraction=budget.validation_fraction, seed=0
    )
    x_test, y_test = _mnist("test")
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
