"""Reservoir memory of a connectome: memory capacity and Mackey-Glass prediction error."""

from __future__ import annotations

from typing import Any

from elegans_keras.connectome import Connectome
from elegans_keras.layers import SynapseSpec
from elegans_keras.models.common import connectome_first, count_parameters
from elegans_keras.models.echo_state import echo_state_network, fit_ridge


@connectome_first(
    (
        "connectome",
        "spectral_radius",
        "seed",
        "length",
        "washout",
        "max_delay",
        "leak_rate",
        "magnitudes",
        "signs",
    ),
    renamed={"weights": "magnitudes"},
)
def memory_scores(
    connectome: Connectome | SynapseSpec | str | None = None,
    *,
    spectral_radius: float = 0.9,
    seed: int = 0,
    length: int = 3000,
    washout: int = 200,
    max_delay: int = 40,
    leak_rate: float = 1.0,
    magnitudes: str = "count",
    signs: str = "random",
) -> dict[str, float]:
    """Memory capacity (total over delays 1..max_delay) and Mackey-Glass one-step NRMSE.

    The reservoir arguments are :func:`~elegans_keras.models.echo_state_network`'s
    (the connectome first, the rest by keyword; last release's positional
    order and ``weights=`` still work, with a DeprecationWarning).

    Also returns each delay's capacity (``mc_delay_K``) and the memory
    readout's trainable parameter count (``readout_parameters``). Readouts are
    ridge regressions fitted on the first half of each signal (after washout)
    and scored on the second half; every neuron receives the input.

    Example:
        >>> scores = memory_scores(load_connectome(), length=600, washout=50, max_delay=10)
        >>> 0 < scores["memory_capacity"] <= 10
        True
    """
    from elegans_keras.datasets import (
        mackey_glass_task,
        memory_capacity,
        memory_capacity_task,
        nrmse,
    )

    half = length // 2
    reservoir: dict[str, Any] = {
        "spectral_radius": spectral_radius,
        "leak_rate": leak_rate,
        "input_neurons": "all",
        "magnitudes": magnitudes,
        "signs": signs,
        "seed": seed,
    }
    scores: dict[str, float] = {}
    u, delayed = memory_capacity_task(length, max_delay=max_delay, seed=seed)
    esn = echo_state_network(connectome, input_dim=1, output_dim=max_delay, **reservoir)
    fit_ridge(esn, u[:half], delayed[:half], washout=washout, ridge=1e-6)
    predicted = esn.predict(u[None], verbose=0)[0]
    per_delay, total = memory_capacity(delayed[half + washout :], predicted[half + washout :])
    scores["memory_capacity"] = float(total)
    scores["readout_parameters"] = count_parameters(esn)["trainable"]
    scores.update({f"mc_delay_{k}": float(v) for k, v in enumerate(per_delay, start=1)})

    signal, target = mackey_glass_task(length, horizon=1, seed=seed)
    esn = echo_state_network(connectome, **reservoir)
    fit_ridge(esn, signal[:half], target[:half], washout=washout, ridge=1e-6)
    predicted = esn.predict(signal[None], verbose=0)[0]
    scores["mackey_glass_nrmse"] = float(
        nrmse(target[half + washout :], predicted[half + washout :])
    )
    return scores
