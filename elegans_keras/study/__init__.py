"""The topology study: does the real wiring beat rewired, synthetic and ablated graphs?

``run_study`` trains one task on the connectome, its null models and its
ablations with the same budget and seeds and writes a tidy CSV; ``stats``
turns that table into means, intervals and tests against the connectome;
``report`` writes the tables and figures of ``results/topology.md``.

Example:
    >>> from elegans_keras.study import run_study, summarize
    >>> table = run_study("memory", "reservoir", seeds=5, quick=True, out="study.csv")
    >>> summarize(table, "memory_capacity")
"""

from elegans_keras.study.plan import (
    FAMILIES,
    NULL_FAMILIES,
    P_VALUES,
    STUDY_ABLATIONS,
    Run,
    build_plan,
    make_graph,
)
from elegans_keras.study.runner import read_results, run_one, run_study
from elegans_keras.study.stats import correlations, summarize, versus_connectome
from elegans_keras.study.tasks import BUDGETS, TASKS, Budget, get_task

__all__ = [
    "BUDGETS",
    "FAMILIES",
    "NULL_FAMILIES",
    "P_VALUES",
    "STUDY_ABLATIONS",
    "TASKS",
    "Budget",
    "Run",
    "build_plan",
    "correlations",
    "get_task",
    "make_graph",
    "read_results",
    "run_one",
    "run_study",
    "summarize",
    "versus_connectome",
]
