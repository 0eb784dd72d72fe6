"""The topology study: does the real wiring beat no wiring, all-to-all, rewired and synthetic
graphs?

``run_study`` trains one task on the connectome, its baselines, null models
and ablations with the same budget and seeds (serially or on Dask) and writes
a tidy CSV; ``stats`` turns that table into means, intervals, tests against
the connectome and statistical power; ``report`` writes the tables and
figures of ``results/topology.md``.

Example:
    >>> from elegans_keras.study import build_plan
    >>> len(build_plan(["connectome", "no_graph"], seeds=5))
    10
"""

from elegans_keras.study.plan import Run, build_plan, make_graph
from elegans_keras.study.runner import read_results, record_rows, run_one, run_study
from elegans_keras.study.stats import (
    correlations,
    detectable_difference,
    summarize,
    versus_connectome,
)
from elegans_keras.study.tasks import BUDGETS, TASKS, Budget, get_task
from elegans_keras.study.vocabulary import (
    FAMILIES,
    NULL_FAMILIES,
    P_VALUES,
    STUDY_ABLATIONS,
    WEIGHT_VARIANTS,
)

__all__ = [
    "BUDGETS",
    "FAMILIES",
    "NULL_FAMILIES",
    "P_VALUES",
    "STUDY_ABLATIONS",
    "TASKS",
    "WEIGHT_VARIANTS",
    "Budget",
    "Run",
    "build_plan",
    "correlations",
    "detectable_difference",
    "get_task",
    "make_graph",
    "read_results",
    "record_rows",
    "run_one",
    "run_study",
    "summarize",
    "versus_connectome",
]
