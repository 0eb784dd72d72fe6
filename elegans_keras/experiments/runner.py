"""What every image experiment shares: data split, fit, test report, publishing.

Example:
    >>> from elegans_keras.experiments.mnist_classify import TASK  # doctest: +SKIP
    >>> options = TrainingOptions(epochs=1, limit=1000, out="/tmp/logs")  # doctest: +SKIP
    >>> report = run_image_task(TASK, options)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from elegans_keras.atomic import write_json
from elegans_keras.connectome import Connectome, resolve_connectome
from elegans_keras.errors import ConfigurationError
from elegans_keras.layers.synapse_spec import synapse_specs
from elegans_keras.models import FACTORIES, count_parameters
from elegans_keras.options import TrainingOptions, command_line
from elegans_keras.pretrained import check_writable, evaluate, publish
from elegans_keras.progress import keras_verbose
from elegans_keras.training import (
    machine_description,
    run_callbacks,
    set_seed,
    start_run,
)

Arrays = tuple[np.ndarray, np.ndarray]


@dataclasses.dataclass(frozen=True)
class ImageTask:
    """An image experiment: its data, its model and what it reports.

    Attributes:
        experiment: the run directories' folder and the script's name.
        test_data: how the test split is made (``datasets.load_test_data`` keys:
            ``dataset``, optional ``binarize`` threshold and ``target``).
        factory: a key of ``models.FACTORIES``.
        config: the factory's arguments for given options.
        defaults: the script's own defaults (epochs...).
        extra_report: more test metrics from (model, x_test, y_test).
        schedules: the ``TrainingOptions.schedule`` values its factory supports
            (``"cosine"`` needs a factory that takes ``decay_steps``).
    """

    experiment: str
    test_data: dict[str, Any]
    factory: str
    config: Callable[[TrainingOptions], dict[str, Any]]
    defaults: dict[str, Any] = dataclasses.field(default_factory=dict)
    extra_report: Callable[[keras.Model, np.ndarray, np.ndarray], dict[str, float]] | None = None
    schedules: tuple[str, ...] = ("plateau",)

    def load(self, split: str, options: TrainingOptions) -> Arrays:
        """(x, y) of ``split`` for these options (their data folder)."""
        from elegans_keras.datasets import load_task_data

        return load_task_data(self.test_data, split, options.data_dir)

    def build(
        self, options: TrainingOptions, train_size: int
    ) -> tuple[keras.Model, dict[str, Any]]:
        """The model and the factory config that rebuilds it.

        With ``schedule="cosine"`` the learning rate decays to 0 over the run's
        batches, ``epochs x ceil(train_size / batch_size)``.
        """
        config = self.config(options)
        if options.schedule == "cosine":
            config["decay_steps"] = options.epochs * -(-train_size // options.batch_size)
        return FACTORIES[self.factory](**config), config

    def callbacks(self, options: TrainingOptions) -> list[keras.callbacks.Callback]:
        """The schedule's callbacks; both keep the best validation epoch's weights.

        ``plateau`` cuts the rate by 0.3 after an epoch without a lower
        validation loss and stops after 3; ``cosine`` runs every epoch.
        """
        if options.schedule == "cosine":
            return [
                keras.callbacks.EarlyStopping(patience=options.epochs, restore_best_weights=True)
            ]
        return [
            keras.callbacks.ReduceLROnPlateau(factor=0.3, patience=1, min_lr=1e-5),
            keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True),
        ]


def run_image_task(
    task: ImageTask,
    options: TrainingOptions,
    extra_callbacks: Sequence[keras.callbacks.Callback] = (),
) -> dict[str, Any]:
    """Train on a seeded train/validation split, report on the test split, maybe publish.

    Model selection (learning-rate schedule, early stopping, best epoch) looks
    at the validation split only; the test split is evaluated once, at the end.
    A run killed and started again with the same ``run_id`` resumes at its last
    completed epoch and ends as an uninterrupted run would.
    """
    from elegans_keras.distribute import (
        describe_strategy,
        get_strategy,
        scaled_batch_size,
        set_precision,
    )

    if options.schedule not in task.schedules:
        raise ConfigurationError(
            f"{task.experiment}: schedule {options.schedule!r} is not "
            f"available; expected one of {list(task.schedules)}"
        )
    if options.publish:
        check_writable(options.weights_dir)
    set_seed(options.seed)
    strategy = get_strategy(options.strategy)
    previous_policy = set_precision(options.precision)
    try:
        return _train_and_report(
            task,
            options,
            strategy,
            describe_strategy(strategy),
            scaled_batch_size(options.batch_size, strategy),
            list(extra_callbacks),
        )
    finally:
        keras.mixed_precision.set_dtype_policy(previous_policy)


def _train_and_report(
    task: ImageTask,
    options: TrainingOptions,
    strategy: Any,
    strategy_text: str,
    batch_size: int,
    extra_callbacks: list[keras.callbacks.Callback],
) -> dict[str, Any]:
    from elegans_keras.datasets import train_validation_split
    from elegans_keras.distribute import strategy_scope

    x, y = task.load("train", options)
    if options.limit:
        x, y = x[: options.limit], y[: options.limit]
    (x_train, y_train), (x_val, y_val) = train_validation_split(
        x,
        y,
        validation_fraction=options.validation_fraction,
        seed=options.seed,
        stratify=y.ndim == 1,
    )
    x_test, y_test = task.load("test", options)
    if len(x_test) == 0:
        raise ConfigurationError(f"{task.experiment}: the test split is empty")
    with strategy_scope(strategy):
        model, config = task.build(options, len(x_train))
    # what the model was built on (its layers' SynapseSpecs), not the option's text parsed again;
    # a plain twin has none and records the connectome its twin would use
    specs = synapse_specs(model)
    wired = [spec.wiring for spec in specs if isinstance(spec.wiring, Connectome)]
    worm = wired[0] if wired else resolve_connectome(options.connectome)
    wiring_record = {
        "connectome_fingerprint": worm.fingerprint,
        "synapse_spec_fingerprints": [spec.fingerprint for spec in specs],
    }
    run_dir = start_run(
        task.experiment,
        {
            "factory": task.factory,
            "model_config": config,
            "dataset": task.test_data,
            "connectome": worm.name,
            **wiring_record,
            "seed": options.seed,
            "epochs": options.epochs,
            "batch_size": batch_size,
            "strategy": strategy_text,
            "precision": options.precision,
            "train_size": len(x_train),
            "validation_size": len(x_val),
            "parameters": count_parameters(model),
        },
        root=options.root,
        run_id=options.run_id,
    )

    schedule = task.callbacks(options)
    started = time.perf_counter()
    model.fit(
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        epochs=options.epochs,
        batch_size=batch_size,
        verbose=keras_verbose(options.quiet),
        callbacks=run_callbacks(run_dir, extra=schedule) + extra_callbacks,
    )
    wall_time = time.perf_counter() - started
    model.save_weights(run_dir / "final.weights.h5")

    test_metrics = evaluate(model, x_test, y_test, verbose=0)
    if task.extra_report:
        test_metrics.update(task.extra_report(model, x_test, y_test))
    report = {
        "test_metrics": test_metrics,
        "wall_time_s": round(wall_time, 1),
        "run_dir": str(run_dir),
        "parameters": count_parameters(model),
        "epochs_trained": len(_read_epochs(run_dir)),
    }
    write_json(Path(run_dir) / "test_metrics.json", report)
    if options.publish:
        publish(
            model,
            options.publish,
            {
                "experiment": task.experiment,
                "factory": task.factory,
                "config": config,
                "test_data": task.test_data,
                "test_metrics": test_metrics,
                "parameters": count_parameters(model),
                "epochs": report["epochs_trained"],
                "wall_time_s": round(wall_time, 1),
                "machine": machine_description(),
                "command": command_line(
                    options, f"experiments/{task.experiment}.py", task.defaults
                ),
                **wiring_record,
                "logs": str(run_dir),
            },
            weights_dir=options.weights_dir,
        )
        report["published"] = options.publish
    return report


def _read_epochs(run_dir: str | Path) -> list[str]:
    lines = (Path(run_dir) / "metrics.csv").read_text().strip().splitlines()
    return lines[1:]


def print_report(report: dict[str, Any], lines: Sequence[str] = ()) -> None:
    """Print the test metrics and where the run wrote its logs."""
    for key, value in report["test_metrics"].items():
        print(f"test {key:30s} {value:.4f}")
    for line in lines:
        print(line)
    print(f"logs: {report['run_dir']}  (tensorboard --logdir {report['run_dir']})")
