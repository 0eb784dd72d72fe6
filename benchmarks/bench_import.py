"""Start-up time: import + load_connectome, ``elegans-keras --help`` and ``info``.

Each command runs ``--repeats`` times in a fresh interpreter (after one
untimed warm-up that fills the disk cache); the table gives the median wall
time and the median CPU time (user + system) of the child process, and the
load average before and after. Targets, on an idle machine: import +
``load_connectome()`` < 1 s, ``--help`` and ``info`` < 1.5 s. On a busy
machine the wall time grows with the load and the CPU time does not: read
the CPU column there.

Usage:
    python benchmarks/bench_import.py [--repeats 5] [--write]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

from machine import machine, stamp, write_section

TITLE = "Start-up time (`bench_import.py`)"
TARGETS = {
    "import + load_connectome()": 1.0,
    "elegans-keras --help": 1.5,
    "elegans-keras info": 1.5,
}


def commands() -> dict[str, list[str]]:
    """The timed command lines (the installed console script when there is one)."""
    script = shutil.which("elegans-keras")
    cli = [script] if script else [sys.executable, "-m", "elegans_keras.cli"]
    return {
        "import + load_connectome()": [
            sys.executable,
            "-c",
            "import elegans_keras as ek; ek.load_connectome()",
        ],
        "elegans-keras --help": [*cli, "--help"],
        "elegans-keras info": [*cli, "info"],
    }


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run of ``argv`` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        argv,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if k != "ELEGANS_KERAS_VERBOSE"},
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="write the section of RESULTS.md")
    args = parser.parse_args()
    before = os.getloadavg()
    rows = []
    for name, argv in commands().items():
        timed(argv)  # warm-up: disk cache, .pyc files
        runs = [timed(argv) for _ in range(args.repeats)]
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        verdict = "met" if wall < TARGETS[name] else "missed"
        rows.append(f"| {name} | {wall:.2f} | {cpu:.2f} | < {TARGETS[name]} s ({verdict}) |")
    after = os.getloadavg()
    body = "\n".join(
        [
            f"{machine()}",
            f"{stamp()}; load before {' '.join(f'{x:.2f}' for x in before)}, "
            f"after {' '.join(f'{x:.2f}' for x in after)}; median of {args.repeats}",
            "",
            "| command | wall s | CPU s | target (wall, idle machine) |",
            "|---|---|---|---|",
            *rows,
        ]
    )
    print(body)
    if args.write:
        print(f"wrote {write_section(TITLE, body)}")


if __name__ == "__main__":
    main()
