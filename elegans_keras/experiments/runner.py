"""What every image experiment shares: arguments, data split, fit, test report, publishing."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from elegans_keras.atomic import write_json
from elegans_keras.connectome import resolve_connectome
from elegans_keras.models import count_parameters
from elegans_keras.training import machine_description, run_callbacks, set_seed, start_run


def experiment_parser(name: str, description: str, epochs: int, batch_size: int) -> argparse.ArgumentParser:
    """The options every experiment takes (``--epochs --batch-size --seed ...``)."""
    parser = argparse.ArgumentParser(prog=name, description=description)
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--connectome", default=None,
                        help="bundled name or .graphml/.csv path (default celegans_herm)")
    parser.add_argument("--mode", choices=("deep", "reservoir"), default="deep")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--validation-fraction", type=float, default=0.1)
    parser.add_argument("--limit", type=int, default=None,
                        help="use only the first N training images (quick runs)")
    parser.add_argument("--out", default="logs", help="root folder of run directories")
    parser.add_argument("--run-id", default=None, help="run directory name (reuse to resume)")
    parser.add_argument("--publish", default=None, metavar="NAME",
                        help="save weights/NAME.weights.h5 and its manifest entry")
    parser.add_argument("--weights-dir", default=None, help="where --publish writes")
    parser.add_argument("--data-dir", default=None, help="folder with the dataset files")
    parser.add_argument("--strategy", default="default",
                        help="distribution: auto, default, mirrored, multi_worker, tpu, "
                             "data_parallel (--batch-size is per replica)")
    parser.add_argument("--precision", default="float32",
                        choices=("float32", "mixed_float16", "mixed_bfloat16"))
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser


@dataclass
class ImageTask:
    """An image experiment: how to get (x, y) arrays, how to build, what to report."""

    experiment: str
    dataset: str
    factory: str
    load: Callable[[str, argparse.Namespace], tuple[np.ndarray, np.ndarray]]
    build: Callable[[argparse.Namespace], tuple[keras.Model, dict[str, Any]]]
    extra_report: Callable[[keras.Model, np.ndarray, np.ndarray], dict[str, float]] | None = None


def run_image_task(task: ImageTask, args: argparse.Namespace) -> dict[str, Any]:
    """Train on a seeded train/validation split, report on the test split, maybe publish.

    Model selection (early stopping, best epoch) looks at the validation split
    only; the test split is evaluated once, at the end.
    """
    from elegans_keras.distribute import (
        describe_strategy,
        get_strategy,
        scaled_batch_size,
        set_precision,
    )

    set_seed(args.seed)
    strategy = get_strategy(args.strategy)
    previous_policy = set_precision(args.precision)
    try:
        return _train_and_report(task, args, strategy, describe_strategy(strategy),
                                 scaled_batch_size(args.batch_size, strategy))
    finally:
        keras.mixed_precision.set_dtype_policy(previous_policy)


def _train_and_report(
    task: ImageTask, args: argparse.Namespace, strategy: Any, strategy_text: str, batch_size: int
) -> dict[str, Any]:
    from elegans_keras.datasets import train_validation_split
    from elegans_keras.distribute import strategy_scope

    x, y = task.load("train", args)
    if args.limit:
        x, y = x[: args.limit], y[: args.limit]
    (x_train, y_train), (x_val, y_val) = train_validation_split(
        x, y, validation_fraction=args.validation_fraction, seed=args.seed, stratify=y.ndim == 1
    )
    with strategy_scope(strategy):
        model, config = task.build(args)
    worm = resolve_connectome(args.connectome)
    run_dir = start_run(task.experiment, {
        "factory": task.factory, "model_config": config, "dataset": task.dataset,
        "connectome": worm.name, "connectome_fingerprint": worm.fingerprint,
        "seed": args.seed, "epochs": args.epochs, "batch_size": batch_size,
        "strategy": strategy_text, "precision": args.precision,
        "train_size": len(x_train), "validation_size": len(x_val),
        "parameters": count_parameters(model),
    }, root=args.out, run_id=args.run_id)

    started = time.perf_counter()
    callbacks = run_callbacks(run_dir) + [
        keras.callbacks.ReduceLROnPlateau(factor=0.3, patience=1, min_lr=1e-5),
        keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True),
    ]
    model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=args.epochs,
              batch_size=batch_size, callbacks=callbacks, verbose=0 if args.quiet else 1)
    wall_time = time.perf_counter() - started

    x_test, y_test = task.load("test", args)
    scores = model.evaluate(x_test, y_test, batch_size=256, verbose=0, return_dict=True)
    test_metrics = {k: float(v) for k, v in scores.items()}
    if task.extra_report:
        test_metrics.update(task.extra_report(model, x_test, y_test))
    report = {
        "test_metrics": test_metrics, "wall_time_s": round(wall_time, 1),
        "run_dir": str(run_dir), "parameters": count_parameters(model),
    }
    write_json(Path(run_dir) / "test_metrics.json", report)
    if args.publish:
        from elegans_keras.pretrained import publish

        publish(model, args.publish, {
            "experiment": task.experiment, "factory": task.factory, "config": config,
            "dataset": task.dataset, "test_metrics": test_metrics, "parameters": count_parameters(model),
            "epochs": len(_read_epochs(run_dir)), "wall_time_s": round(wall_time, 1),
            "machine": machine_description(), "command": _command_line(task.experiment, args),
            "connectome_fingerprint": worm.fingerprint, "logs": str(run_dir),
        }, weights_dir=args.weights_dir)
        report["published"] = args.publish
    return report


def _read_epochs(run_dir: str | Path) -> list[str]:
    lines = (Path(run_dir) / "metrics.csv").read_text().strip().splitlines()
    return lines[1:]


def _command_line(experiment: str, args: argparse.Namespace) -> str:
    options = [f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()
               if v not in (None, False) and k not in ("quiet",)]
    options = [o.removesuffix(" True") for o in options]
    return f"python experiments/{experiment}.py " + " ".join(options)


def print_report(report: dict[str, Any], lines: Sequence[str] = ()) -> None:
    """Print the test metrics and where the run wrote its logs."""
    for key, value in report["test_metrics"].items():
        print(f"test {key:22s} {value:.4f}")
    for line in lines:
        print(line)
    print(f"logs: {report['run_dir']}  (tensorboard --logdir {report['run_dir']})")
