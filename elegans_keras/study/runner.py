"""Run a topology study into a tidy CSV: resumable, optionally over worker processes.

The CSV has one row per (run, spectral radius): the key columns
:data:`KEY_COLUMNS`, ``spectral_radius``, the task's metrics, parameter counts,
``wall_time_s`` and the graph's metrics prefixed ``graph_`` (see
:func:`~elegans_keras.connectome.metrics.graph_metrics`). A run whose rows are
all in the CSV already is skipped, so an interrupted study continues where it
stopped (a run with only some of its rows is run again, its old rows dropped);
the file is rewritten atomically after every run.

Example:
    >>> table = run_study("memory", "reservoir", families=["connectome", "rewire"],
    ...                   seeds=5, quick=True, out="results/topology.csv")
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import pandas as pd

from elegans_keras.atomic import atomic_path
from elegans_keras.connectome import Connectome, resolve_connectome
from elegans_keras.connectome.metrics import graph_metrics
from elegans_keras.errors import ConfigurationError
from elegans_keras.progress import progress
from elegans_keras.study.plan import (
    NULL_FAMILIES,
    P_VALUES,
    STUDY_ABLATIONS,
    Run,
    build_plan,
    make_graph,
)
from elegans_keras.study.tasks import BUDGETS, Budget, Task, get_task

KEY_COLUMNS = ("task", "mode", "budget", "connectome", "family", "p", "ablation", "seed")
Key = tuple[Any, ...]


def run_key(task: str, mode: str, budget: str, connectome: str, run: Run) -> Key:
    """The identity of a run in the CSV (``None`` where p or ablation do not apply)."""
    return (task, mode, budget, connectome, run.family, run.p, run.ablation, run.seed)


def read_results(path: str | os.PathLike) -> pd.DataFrame:
    """The study CSV, or an empty table when it does not exist yet.

    Example:
        >>> read_results("results/topology.csv").columns[:3].tolist()
        ['task', 'mode', 'budget']
    """
    path = Path(path)
    if not path.exists():
        return pd.DataFrame(columns=[*KEY_COLUMNS, "spectral_radius"])
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ConfigurationError(f"study table {str(path)!r} is unreadable ({err})") from None
    missing = [c for c in (*KEY_COLUMNS, "spectral_radius") if c not in table.columns]
    if missing:
        raise ConfigurationError(f"study table {str(path)!r} lacks column(s) {missing}; "
                                 "is it a topology study CSV?")
    return table


def completed_keys(table: pd.DataFrame, radii: Sequence[float]) -> set[Key]:
    """Keys of the runs whose rows cover every spectral radius in ``radii``."""
    found: dict[Key, set[float]] = {}
    for key, radius in zip(_row_keys(table), table["spectral_radius"]):
        found.setdefault(key, set()).add(round(float(radius), 6))
    wanted = {round(float(r), 6) for r in radii}
    return {key for key, seen in found.items() if wanted <= seen}


@functools.lru_cache(maxsize=32)
def _graph_statistics(graph: Connectome, references: int) -> dict[str, float]:
    return {f"graph_{k}": v for k, v in graph_metrics(graph, seed=0, n_references=references).items()}


def run_one(base: Connectome, run: Run, task_name: str, mode: str, budget: Budget,
            strategy: str = "default") -> list[dict[str, Any]]:
    """Train and score one run; its CSV rows (one per spectral radius).

    Example:
        >>> run_one(worm, Run("erdos_renyi", seed=0), "memory", "reservoir", BUDGETS["quick"])
    """
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    task = get_task(task_name, mode)
    started = time.perf_counter()
    graph = make_graph(base, run)
    rows = task.run(graph, mode, run.seed, budget, strategy)
    wall_time = round(time.perf_counter() - started, 2)
    key = dict(zip(KEY_COLUMNS, run_key(task_name, mode, budget.name, base.name, run)))
    statistics = _graph_statistics(graph, budget.graph_references)
    return [{**key, **row, "wall_time_s": wall_time, **statistics} for row in rows]


def limit_threads(threads: int) -> None:
    """Give a worker process ``threads`` CPU threads (call before Keras runs anything)."""
    for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        os.environ[name] = str(threads)
    if threads == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = f"{flags} --xla_cpu_multi_thread_eigen=false".strip()
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)


def _execute(runs: list[Run], base: Connectome, task: str, mode: str, budget: Budget,
             strategy: str, workers: int) -> Iterator[list[dict[str, Any]]]:
    if workers == 1:
        for run in runs:
            yield run_one(base, run, task, mode, budget, strategy)
        return
    threads = max(1, (os.cpu_count() or 1) // workers)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=limit_threads,
                             initargs=(threads,)) as pool:
        futures = [pool.submit(run_one, base, run, task, mode, budget, strategy) for run in runs]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def default_workers() -> int:
    """Worker processes for this machine: one per two CPU cores, at least one.

    Example:
        >>> default_workers() >= 1
        True
    """
    return max(1, (os.cpu_count() or 1) // 2)


def run_study(
    task: str,
    mode: str = "reservoir",
    families: Sequence[str] = NULL_FAMILIES,
    seeds: int = 5,
    p_values: Sequence[float] = P_VALUES,
    ablations: Sequence[str] = STUDY_ABLATIONS,
    quick: bool = False,
    out: str | os.PathLike = "results/topology.csv",
    connectome: Connectome | str | os.PathLike | None = None,
    workers: int | None = None,
    strategy: str = "default",
    quiet: bool = False,
) -> pd.DataFrame:
    """Run every run of the plan that the CSV at ``out`` lacks; return this study's rows.

    Example:
        >>> table = run_study("mnist", "reservoir", seeds=5, quick=True)
        >>> table.groupby("family")["test_accuracy"].mean()
    """
    spec = get_task(task, mode)
    budget = BUDGETS["quick" if quick else "full"]
    workers = default_workers() if workers is None else workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigurationError(f"workers must be a positive int, got {workers!r}")
    base = resolve_connectome(connectome)
    plan = build_plan(families, seeds, p_values, ablations)
    table = read_results(out)
    done = completed_keys(table, spec.radii(budget))
    keys = {run: run_key(task, mode, budget.name, base.name, run) for run in plan}
    todo = [run for run in plan if keys[run] not in done]
    rerun = {keys[run] for run in todo}
    table = table[[key not in rerun for key in _row_keys(table)]]
    workers = min(workers, max(len(todo), 1))
    if not quiet:
        print(f"{task}/{mode} ({budget.name} budget) on {base.name}: {len(plan)} runs, "
              f"{len(plan) - len(todo)} already in {out}, {len(todo)} to run "
              f"on {workers} process(es)")
    results = _execute(todo, base, task, mode, budget, strategy, workers)
    for rows in progress(results, quiet=quiet, total=len(todo)):
        table = pd.concat([table, pd.DataFrame(rows)], ignore_index=True)
        _write(table, out)
    return select_study(table, spec, budget, base.name, mode, plan)


def select_study(table: pd.DataFrame, task: Task, budget: Budget, connectome: str, mode: str,
                 plan: Sequence[Run]) -> pd.DataFrame:
    """The rows of ``table`` that belong to ``plan`` (same task, mode, budget, connectome)."""
    keys = {run_key(task.name, mode, budget.name, connectome, run) for run in plan}
    mask = [key in keys for key in _row_keys(table)]
    return table[mask].reset_index(drop=True)


def _row_keys(table: pd.DataFrame) -> list[Key]:
    keys = []
    for row in table[list(KEY_COLUMNS)].itertuples(index=False):
        values = [None if pd.isna(v) else v for v in row]
        values[5] = None if values[5] is None else float(values[5])
        values[7] = int(values[7])
        keys.append(tuple(values))
    return keys


def _write(table: pd.DataFrame, out: str | os.PathLike) -> None:
    with atomic_path(out) as temporary:
        table.to_csv(temporary, index=False)
