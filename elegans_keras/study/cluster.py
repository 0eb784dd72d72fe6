"""Executors for study sweeps: serial, a local Dask cluster, or an existing Dask scheduler.

``study_executor(workers=N)`` starts a ``distributed.LocalCluster`` of N
single-threaded worker processes on this machine; ``study_executor(
scheduler="tcp://host:8786")`` connects to a scheduler started elsewhere
(``dask scheduler`` on one machine, ``dask worker tcp://host:8786`` on each
worker machine, or ``dask_jobqueue.SLURMCluster`` on a SLURM cluster); with
neither, runs stay serial in this process. Every worker needs the same
``elegans-keras`` installed (``pip install "elegans-keras[cluster]"``) and
the MNIST data it bundles; nothing else is shipped to the workers but the
run's arguments. Dask retries a run whose worker dies on another worker.

Example:
    >>> with study_executor() as executor:
    ...     executor is None
    True
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from elegans_keras.checks import check_int
from elegans_keras.errors import ConfigurationError

INSTALL = 'pip install "elegans-keras[cluster]"'
THREAD_VARIABLES = ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ConfigurationError(
            f"--workers and --scheduler run the study on Dask, which is not installed: {INSTALL}"
        ) from None
    return distributed


@contextlib.contextmanager
def study_executor(
    workers: int | None = None, scheduler: str | None = None, quiet: bool = True
) -> Iterator[Any]:
    """A ``concurrent.futures.Executor`` for :func:`~elegans_keras.study.runner.run_study`, or None.

    Args:
        workers: start a local Dask cluster of this many single-threaded
            worker processes.
        scheduler: the address of a running Dask scheduler (many machines).
        quiet: keep Dask's own logging at warnings.
    """
    if workers is not None and scheduler is not None:
        raise ConfigurationError("give --workers or --scheduler, not both")
    if workers is None and scheduler is None:
        yield None
        return
    distributed = _distributed()
    if workers is not None:
        check_int(workers, "workers", "study_executor", low=1)
        threads = dict.fromkeys(THREAD_VARIABLES, "1")
        cluster = distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40 if quiet else 20,
            env=threads,
        )
        with cluster, distributed.Client(cluster) as client:
            yield client.get_executor(pure=False)
        return
    try:
        client = distributed.Client(scheduler, timeout=30)
    except (OSError, TimeoutError) as err:
        raise ConfigurationError(f"cannot reach the Dask scheduler {scheduler!r} ({err})") from None
    with client:
        yield client.get_executor(pure=False)
