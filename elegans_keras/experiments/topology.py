"""The whole topology study: memory and MNIST on the connectome, baselines, null models, ablations.

Runs (or resumes) every study of :data:`STUDIES` into one CSV, then writes
``topology.md``, its figures and the tests CSV next to it. Each study is the
same as one ``elegans-keras compare`` call; ``--workers N`` runs them on a
local Dask cluster, ``--scheduler ADDRESS`` on an existing one.

Example:
    $ python experiments/topology.py --quick --out /tmp/topology
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from elegans_keras.options import home
from elegans_keras.study.vocabulary import (
    ABLATION,
    COMPLETE,
    CONNECTOME,
    NO_GRAPH,
    RANDOM_REMOVAL,
    WEIGHT_VARIANTS,
)

MEMORY_FAMILIES = (
    CONNECTOME,
    COMPLETE,
    "rewire",
    "degree_preserving",
    "shuffle_weights",
    "erdos_renyi",
    "watts_strogatz",
    "barabasi_albert",
    ABLATION,
    RANDOM_REMOVAL,
)
MNIST_FAMILIES = (
    CONNECTOME,
    NO_GRAPH,
    COMPLETE,
    "rewire",
    "degree_preserving",
    "shuffle_weights",
    "erdos_renyi",
    "watts_strogatz",
    "barabasi_albert",
)
MNIST_P = (0.1, 0.4, 1.0)  # issue 22's arm 1: light, medium and full rewiring
# name: (task, mode, families, rewiring probabilities)
STUDIES = {
    "memory": ("memory", "reservoir", MEMORY_FAMILIES, (0.1, 0.2, 0.4, 0.6, 0.8, 1.0)),
    "mnist-deep": ("mnist", "deep", MNIST_FAMILIES, MNIST_P),
    "mnist-reservoir": ("mnist", "reservoir", MNIST_FAMILIES, MNIST_P),
}


def main(argv: Sequence[str] | None = None) -> Path:
    """Run the studies from command-line arguments; return the report's path."""
    from elegans_keras.study import run_study
    from elegans_keras.study.cluster import study_executor
    from elegans_keras.study.report import write_report

    parser = argparse.ArgumentParser(prog="topology", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--studies",
        nargs="+",
        default=list(STUDIES),
        choices=list(STUDIES),
        help="which studies to run (default: all)",
    )
    parser.add_argument("--seeds", type=int, default=5, help="seeds per condition (default: 5)")
    parser.add_argument("--quick", action="store_true", help="the smoke-test budget")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="run on a local Dask cluster of N worker processes",
    )
    parser.add_argument("--scheduler", default=None, help="run on an existing Dask scheduler")
    parser.add_argument("--connectome", default=None, help="bundled name or file")
    parser.add_argument(
        "--out",
        default=str(home() / "results"),
        help="folder of topology.csv and the report (default: %(default)s)",
    )
    parser.add_argument("--discussion", default=None, help="Markdown discussion to include")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    csv = Path(args.out) / "topology.csv"
    with study_executor(args.workers, args.scheduler) as executor:
        for name in args.studies:
            task, mode, families, p_values = STUDIES[name]
            run_study(
                task,
                mode,
                families=families,
                seeds=args.seeds,
                p_values=p_values,
                weights=WEIGHT_VARIANTS,
                quick=args.quick,
                out=csv,
                connectome=args.connectome,
                executor=executor,
                threads=1 if args.workers else None,
                quiet=args.quiet,
            )
    report = write_report(csv, args.out, args.discussion)
    print(f"report: {report}")
    return report


if __name__ == "__main__":
    main()
