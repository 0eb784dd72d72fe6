"""The whole topology study: memory and MNIST on the connectome, null models and ablations.

Runs (or resumes) every study of :data:`STUDIES` into one CSV, then writes
``topology.md``, its figures and the tests CSV next to it. Each study is the
same as one ``elegans-keras compare`` call.

Example:
    $ python experiments/topology.py --quick --out /tmp/topology
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from elegans_keras.study.plan import ABLATION, NULL_FAMILIES, RANDOM_REMOVAL

STUDIES = (
    ("memory", "reservoir", (*NULL_FAMILIES, ABLATION, RANDOM_REMOVAL)),
    ("mnist", "reservoir", NULL_FAMILIES),
    ("mnist", "deep", NULL_FAMILIES),
    ("mnist", "reservoir", (ABLATION,)),
)


def main(argv: Sequence[str] | None = None) -> Path:
    """Run the studies from command-line arguments; return the report's path."""
    from elegans_keras.study import run_study
    from elegans_keras.study.report import write_report

    parser = argparse.ArgumentParser(prog="topology", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="the smoke-test budget")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--connectome", default=None)
    parser.add_argument("--out", default="results", help="folder of topology.csv and the report")
    parser.add_argument("--discussion", default=None, help="Markdown discussion to include")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    csv = Path(args.out) / "topology.csv"
    for task, mode, families in STUDIES:
        run_study(task, mode, families=families, seeds=args.seeds, quick=args.quick, out=csv,
                  connectome=args.connectome, workers=args.workers, quiet=args.quiet)
    report = write_report(csv, args.out, args.discussion)
    print(f"report: {report}")
    return report


if __name__ == "__main__":
    main()
