"""Reservoir memory on the connectome: memory capacity and Mackey-Glass NRMSE vs spectral radius.

Example:
    $ python experiments/memory.py --radii 0.5 0.9 0.99 --seed 0
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from elegans_keras.atomic import atomic_path
from elegans_keras.connectome import resolve_connectome
from elegans_keras.models import memory_scores
from elegans_keras.options import MemoryOptions, parse
from elegans_keras.progress import progress
from elegans_keras.training import set_seed, start_run


def main(argv: Sequence[str] | None = None) -> pd.DataFrame:
    """Run the spectral-radius scan from command-line arguments."""
    options = parse(MemoryOptions, argv, "memory", __doc__.splitlines()[0])
    set_seed(options.seed)
    worm = resolve_connectome(options.connectome)
    run_dir = start_run(
        "memory",
        {
            "connectome": worm.name,
            "connectome_fingerprint": worm.fingerprint,
            "seed": options.seed,
            "radii": list(options.radii),
            "length": options.length,
            "weights": options.weights,
            "signs": options.signs,
        },
        root=options.root,
        run_id=options.run_id,
    )
    rows = [
        {
            "spectral_radius": rho,
            **memory_scores(
                worm,
                spectral_radius=rho,
                seed=options.seed,
                length=options.length,
                magnitudes=options.weights,
                signs=options.signs,
            ),
        }
        for rho in progress(options.radii, desc="spectral radii", quiet=options.quiet)
    ]
    table = pd.DataFrame(rows)
    with atomic_path(Path(run_dir) / "results.csv") as temporary:
        table.to_csv(temporary, index=False)
    columns = ["spectral_radius", "memory_capacity", "mackey_glass_nrmse"]
    print(table[columns].to_string(index=False))
    print(f"logs: {run_dir}")
    return table


if __name__ == "__main__":
    main()
