"""Reservoir memory on the connectome: memory capacity and Mackey-Glass NRMSE vs spectral radius.

Example:
    $ python experiments/memory.py --radii 0.5 0.9 0.99 --seed 0
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from elegans_keras.atomic import atomic_path
from elegans_keras.connectome import Connectome, resolve_connectome
from elegans_keras.progress import progress
from elegans_keras.training import set_seed, start_run

RADII = (0.5, 0.7, 0.9, 0.99, 1.1)


def memory_scores(
    connectome: Connectome,
    spectral_radius: float,
    seed: int = 0,
    length: int = 3000,
    washout: int = 200,
    max_delay: int = 40,
    leak_rate: float = 1.0,
) -> dict[str, float]:
    """Memory capacity (total over delays 1..max_delay) and Mackey-Glass one-step NRMSE.

    Also returns each delay's capacity (``mc_delay_K``) and the memory
    readout's trainable parameter count (``readout_parameters``).

    Readouts are ridge regressions fitted on the first half of each signal
    (after washout) and scored on the second half.

    Example:
        >>> memory_scores(load_connectome(), 0.9)["memory_capacity"]
    """
    from elegans_keras.datasets import (
        mackey_glass_task,
        memory_capacity,
        memory_capacity_task,
        nrmse,
    )
    from elegans_keras.models import count_parameters, echo_state_network, fit_ridge

    half = length // 2
    scores: dict[str, float] = {}
    u, delayed = memory_capacity_task(length, max_delay=max_delay, seed=seed)
    esn = echo_state_network(connectome, input_dim=1, output_dim=max_delay,
                             spectral_radius=spectral_radius, leak_rate=leak_rate,
                             input_neurons="all", seed=seed)
    fit_ridge(esn, u[:half], delayed[:half], washout=washout, ridge=1e-6)
    predicted = esn.predict(u[None], verbose=0)[0]
    per_delay, total = memory_capacity(delayed[half + washout:], predicted[half + washout:])
    scores["memory_capacity"] = float(total)
    scores["readout_parameters"] = count_parameters(esn)["trainable"]
    scores.update({f"mc_delay_{k}": float(v) for k, v in enumerate(per_delay, start=1)})

    signal, target = mackey_glass_task(length, horizon=1, seed=seed)
    esn = echo_state_network(connectome, spectral_radius=spectral_radius, leak_rate=leak_rate,
                             input_neurons="all", seed=seed)
    fit_ridge(esn, signal[:half], target[:half], washout=washout, ridge=1e-6)
    predicted = esn.predict(signal[None], verbose=0)[0]
    scores["mackey_glass_nrmse"] = float(nrmse(target[half + washout:], predicted[half + washout:]))
    return scores


def main(argv: Sequence[str] | None = None) -> pd.DataFrame:
    """Run the spectral-radius scan from command-line arguments."""
    parser = argparse.ArgumentParser(prog="memory", description=__doc__.splitlines()[0])
    parser.add_argument("--connectome", default=None)
    parser.add_argument("--radii", type=float, nargs="+", default=list(RADII))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--length", type=int, default=3000)
    parser.add_argument("--out", default="logs")
    parser.add_argument("--run-id", default=None)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    set_seed(args.seed)
    worm = resolve_connectome(args.connectome)
    run_dir = start_run("memory", {"connectome": worm.name, "connectome_fingerprint": worm.fingerprint,
                                   "seed": args.seed, "radii": args.radii, "length": args.length},
                        root=args.out, run_id=args.run_id)
    rows = [{"spectral_radius": rho, **memory_scores(worm, rho, args.seed, args.length)}
            for rho in progress(args.radii, desc="spectral radii", quiet=args.quiet)]
    table = pd.DataFrame(rows)
    with atomic_path(Path(run_dir) / "results.csv") as temporary:
        table.to_csv(temporary, index=False)
    print(table[["spectral_radius", "memory_capacity", "mackey_glass_nrmse"]].to_string(index=False))
    print(f"logs: {run_dir}")
    return table


if __name__ == "__main__":
    main()
