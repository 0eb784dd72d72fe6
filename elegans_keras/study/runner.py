"""Run a topology study into a tidy CSV: resumable, serial or on any executor (Dask).

The CSV has one row per (run, spectral radius): the key columns
:data:`~elegans_keras.study.vocabulary.KEY_COLUMNS`, ``spectral_radius``, the
task's metrics, parameter counts, ``wall_time_s`` and the graph's metrics
prefixed ``graph_`` (see :func:`~elegans_keras.connectome.metrics.graph_metrics`).

* Resumable: a run whose rows are all in the CSV already is skipped; a run
  with only some of its rows is run again and its old rows replaced.
* Written as runs finish: each finished run's rows are merged into the CSV
  under a lock file (``<csv>.lock``), re-reading the file first and writing
  it atomically, so concurrent studies on the same file (two ``compare``
  commands, or many Dask clients) never lose each other's rows.
* ``executor``: None runs in this process, one run after another; any
  ``concurrent.futures.Executor`` (a process pool, or a Dask client's
  executor from :func:`~elegans_keras.study.cluster.study_executor`) runs
  them in parallel. Each run is seeded by its own key and runs its NumPy/SciPy
  linear algebra on one BLAS/OpenMP thread (:data:`RUN_BLAS_THREADS`, on every
  path), so the rows are the same bit for bit whatever ran them and in which
  order: a multi-threaded BLAS sums a product's terms in an order that depends
  on its thread count (the memory readout's ridge solve amplified that to
  2.3e-5 in memory capacity between a serial and a Dask run).

Example:
    >>> table = run_study("memory", "reservoir", families=["connectome", "rewire"],
    ...                   seeds=5, quick=True, out="/tmp/topology.csv")  # doctest: +SKIP
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import logging
import os
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from elegans_keras.atomic import atomic_path, check_writable, locked
from elegans_keras.connectome import Connectome, resolve_connectome
from elegans_keras.connectome.metrics import graph_metrics
from elegans_keras.errors import ConfigurationError, ElegansKerasError
from elegans_keras.progress import progress
from elegans_keras.study.plan import Run, build_plan, make_graph
from elegans_keras.study.tasks import Budget, Task, get_task, study_budget
from elegans_keras.study.vocabulary import (
    DEFAULT_WEIGHTS,
    KEY_COLUMNS,
    NO_GRAPH,
    NULL_FAMILIES,
    P_VALUES,
    STUDY_ABLATIONS,
)

Key = tuple[Any, ...]
# BLAS/OpenMP threads of a run's NumPy/SciPy work, serial or on any worker (determinism)
RUN_BLAS_THREADS = 1


def run_key(task: str, mode: str, budget: str, connectome: str, run: Run) -> Key:
    """The identity of a run in the CSV (``None`` where p or ablation do not apply)."""
    return (task, mode, budget, connectome, run.family, run.p, run.ablation, run.weights, run.seed)


def read_results(path: str | os.PathLike) -> pd.DataFrame:
    """The study CSV, or an empty table when it does not exist yet.

    Example:
        >>> read_results("/tmp/no-such-study.csv").columns[:3].tolist()
        ['task', 'mode', 'budget']
    """
    path = Path(path)
    if not path.exists():
        return pd.DataFrame(columns=[*KEY_COLUMNS, "spectral_radius"])
    if path.is_dir():
        raise ConfigurationError(f"study table {str(path)!r} is a folder, not a CSV file")
    try:
        table = pd.read_csv(path)
    except (
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        UnicodeDecodeError,
        PermissionError,
    ) as err:
        raise ConfigurationError(f"study table {str(path)!r} is unreadable ({err})") from None
    if "weights" not in table.columns and "family" in table.columns:
        table["weights"] = DEFAULT_WEIGHTS
    missing = [c for c in (*KEY_COLUMNS, "spectral_radius") if c not in table.columns]
    if missing:
        raise ConfigurationError(
            f"study table {str(path)!r} lacks column(s) {missing}; is it a topology study CSV?"
        )
    return table


def row_keys(table: pd.DataFrame) -> list[Key]:
    """The run key of every row, read by column name."""
    keys = []
    for row in table[list(KEY_COLUMNS)].to_dict("records"):
        values: dict[str, Any] = {k: (None if pd.isna(v) else v) for k, v in row.items()}
        values["p"] = None if values["p"] is None else float(values["p"])
        values["seed"] = int(values["seed"])
        keys.append(tuple(values[k] for k in KEY_COLUMNS))
    return keys


def completed_keys(table: pd.DataFrame, radii: Sequence[float]) -> set[Key]:
    """Keys of the runs whose rows cover every spectral radius in ``radii``."""
    found: dict[Key, set[float]] = {}
    for key, radius in zip(row_keys(table), table["spectral_radius"]):
        found.setdefault(key, set()).add(round(float(radius), 6))
    wanted = {round(float(r), 6) for r in radii}
    return {key for key, seen in found.items() if wanted <= seen}


def record_rows(out: str | os.PathLike, rows: list[dict[str, Any]]) -> None:
    """Merge one run's rows into the CSV at ``out`` (its older rows replaced), under the lock.

    Example:
        >>> record_rows("/tmp/study.csv", rows)  # doctest: +SKIP
    """
    out = Path(out)
    fresh = pd.DataFrame(rows)
    with locked(f"{out}.lock"):
        table = read_results(out)
        replaced = set(row_keys(fresh))
        kept = table[[key not in replaced for key in row_keys(table)]]
        merged = pd.concat([kept, fresh], ignore_index=True) if len(kept) else fresh
        with atomic_path(out) as temporary:
            merged.to_csv(temporary, index=False)


def check_output(out: str | os.PathLike) -> Path:
    """Raise ConfigurationError unless the study CSV and its lock file can be written (first).

    Example:
        >>> check_output("/tmp/study-check.csv").name
        'study-check.csv'
    """
    out = check_writable(out)
    try:
        with open(f"{out}.lock", "a+"):
            pass
    except OSError as err:
        raise ConfigurationError(f"cannot write the lock file of {str(out)!r}: {err}") from None
    return out


@functools.lru_cache(maxsize=32)
def _graph_statistics(graph: Connectome, references: int) -> dict[str, float]:
    metrics = graph_metrics(graph, seed=0, n_references=references)
    return {f"graph_{k}": v for k, v in metrics.items()}


def limit_threads(threads: int) -> None:
    """Give this process ``threads`` CPU threads (effective before TensorFlow runs anything)."""
    for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        os.environ[name] = str(threads)
    if threads == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_cpu_multi_thread_eigen" not in flags:
            os.environ["XLA_FLAGS"] = f"{flags} --xla_cpu_multi_thread_eigen=false".strip()
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        with contextlib.suppress(RuntimeError):
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)


def run_one(
    base: Connectome,
    run: Run,
    task_name: str,
    mode: str,
    budget: Budget,
    strategy: str = "default",
    threads: int | None = None,
) -> list[dict[str, Any]]:
    """Train and score one run; its CSV rows (one per spectral radius).

    NumPy/SciPy run on :data:`RUN_BLAS_THREADS` BLAS threads inside (the
    same numbers in this process as on any worker); ``threads`` also limits
    TensorFlow's (set in worker processes before TensorFlow starts).

    Example:
        >>> run_one(worm, Run("erdos_renyi", seed=0), "memory", "reservoir",
        ...         BUDGETS["quick"])  # doctest: +SKIP
    """
    if threads is not None:
        limit_threads(threads)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    task = get_task(task_name, mode)
    with threadpool_limits(RUN_BLAS_THREADS):
        started = time.perf_counter()
        graph = make_graph(base, run)
        rows = task.run(graph, base, run, mode, budget, strategy)
        wall_time = round(time.perf_counter() - started, 2)
        statistics = (
            {} if run.family == NO_GRAPH else _graph_statistics(graph, budget.graph_references)
        )
    key = dict(zip(KEY_COLUMNS, run_key(task_name, mode, budget.name, base.name, run)))
    return [{**key, **row, "wall_time_s": wall_time, **statistics} for row in rows]


def run_study(
    task: str,
    mode: str = "reservoir",
    families: Sequence[str] | None = None,
    seeds: int = 5,
    p_values: Sequence[float] = P_VALUES,
    ablations: Sequence[str] = STUDY_ABLATIONS,
    weights: Sequence[str] = (DEFAULT_WEIGHTS,),
    quick: bool = False,
    out: str | os.PathLike = "topology.csv",
    connectome: Connectome | str | os.PathLike | None = None,
    executor: concurrent.futures.Executor | None = None,
    threads: int | None = None,
    strategy: str = "default",
    quiet: bool = False,
    dataset: str | None = None,
    train_size: int | None = None,
    epochs: int | None = None,
    data_dir: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Run every run of the plan that the CSV at ``out`` lacks; return this study's rows.

    ``families`` None: every family of ``NULL_FAMILIES`` that applies to the
    task. ``dataset``, ``train_size``, ``epochs`` and ``data_dir`` change the
    MNIST task's data and training (see
    :func:`~elegans_keras.study.tasks.study_budget`; the budget's name, part
    of each run's key, records them). ``threads``: CPU threads each run may use (set in
    worker processes).
    Runs that fail on an executor (a worker lost more often than the
    scheduler retries) are left out of the CSV for the next resume, and an
    :class:`ElegansKerasError` lists them after the others have finished.

    Example:
        >>> table = run_study("mnist", "reservoir", seeds=5, quick=True)  # doctest: +SKIP
    """
    spec = get_task(task, mode)
    if task != "mnist" and (dataset, train_size, epochs) != (None, None, None):
        raise ConfigurationError(
            f"task {task!r}: dataset, train_size and epochs apply to the mnist task only"
        )
    budget = study_budget(quick, dataset, train_size, epochs, data_dir)
    if families is None:
        families = [f for f in NULL_FAMILIES if f not in spec.families_excluded]
    excluded = [f for f in families if f in spec.families_excluded]
    if excluded:
        noun = "family" if len(excluded) == 1 else "families"
        raise ConfigurationError(f"task {task!r} has no use for {noun} {excluded}")
    out = check_output(out)
    base = resolve_connectome(connectome)
    plan = build_plan(families, seeds, p_values, ablations, weights)
    done = completed_keys(read_results(out), spec.radii(budget))
    keys = {run: run_key(task, mode, budget.name, base.name, run) for run in plan}
    todo = [run for run in plan if keys[run] not in done]
    if not quiet:
        where = "this process" if executor is None else type(executor).__name__
        print(
            f"{task}/{mode} ({budget.name} budget) on {base.name}: {len(plan)} runs, "
            f"{len(plan) - len(todo)} already in {out}, {len(todo)} to run on {where}"
        )
    failures: list[tuple[Run, str]] = []
    for _run, rows in progress(
        _execute(todo, base, task, mode, budget, strategy, executor, threads, failures),
        quiet=quiet,
        total=len(todo),
    ):
        if rows:
            record_rows(out, rows)
    if failures:
        raise ElegansKerasError(
            f"{len(failures)} run(s) failed and were left for the next resume: "
            + "; ".join(f"{run.label} seed {run.seed}: {error}" for run, error in failures)
        )
    return select_study(read_results(out), spec, budget, base.name, mode, plan)


def _execute(
    runs: list[Run],
    base: Connectome,
    task: str,
    mode: str,
    budget: Budget,
    strategy: str,
    executor: concurrent.futures.Executor | None,
    threads: int | None,
    failures: list,
) -> Iterator[tuple[Run, list]]:
    if executor is None:
        for run in runs:
            yield run, run_one(base, run, task, mode, budget, strategy)
        return
    futures = {
        executor.submit(run_one, base, run, task, mode, budget, strategy, threads): run
        for run in runs
    }
    try:
        for future in concurrent.futures.as_completed(futures):
            run = futures[future]
            try:
                yield run, future.result()
            except Exception as error:  # a lost worker, a failed run: keep the others going
                warnings.warn(f"run {run.label} seed {run.seed} failed: {error!r}", stacklevel=2)
                failures.append((run, repr(error)))
                yield run, []
    finally:
        for future in futures:
            future.cancel()


def select_study(
    table: pd.DataFrame, task: Task, budget: Budget, connectome: str, mode: str, plan: Sequence[Run]
) -> pd.DataFrame:
    """The rows of ``table`` that belong to ``plan`` (same task, mode, budget, connectome)."""
    keys = {run_key(task.name, mode, budget.name, connectome, run) for run in plan}
    mask = np.array([key in keys for key in row_keys(table)], dtype=bool)
    return table[mask].reset_index(drop=True) if len(table) else table
