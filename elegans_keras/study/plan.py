"""What the topology study runs: one :class:`Run` per (graph family, variant, seed).

A family is ``"connectome"`` (the real wiring; the seed changes only the
initialisation), a null model of :data:`~elegans_keras.connectome.nullmodels.NULL_MODELS`
(``"rewire"`` once per rewiring probability), ``"ablation"`` (the connectome
without one synapse class) or ``"random_removal"`` (the ablation's control:
as many synapses removed at random). The seed draws the graph and seeds the
model, so two seeds of a null family are two different graphs.

Example:
    >>> runs = build_plan(["connectome", "rewire"], seeds=2, p_values=[0.1, 1.0])
    >>> [(r.family, r.p, r.seed) for r in runs][:3]
    [('connectome', None, 0), ('connectome', None, 1), ('rewire', 0.1, 0)]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from elegans_keras.connectome import Connectome
from elegans_keras.connectome.ablation import ABLATIONS, ablate, remove_random
from elegans_keras.connectome.nullmodels import NULL_MODELS, make_null_model
from elegans_keras.errors import ConfigurationError

CONNECTOME = "connectome"
ABLATION = "ablation"
RANDOM_REMOVAL = "random_removal"
FAMILIES = (CONNECTOME, *NULL_MODELS, ABLATION, RANDOM_REMOVAL)
NULL_FAMILIES = (CONNECTOME, "rewire", "degree_preserving", "shuffle_weights", "erdos_renyi",
                 "watts_strogatz", "barabasi_albert")
P_VALUES = (0.1, 0.2, 0.4, 0.6, 0.8, 1.0)
STUDY_ABLATIONS = ("S->I", "I->M", "I->I", "S->S", "I->S", "M->M", "chemical", "electrical")


@dataclasses.dataclass(frozen=True)
class Run:
    """One graph and one seed: the unit the study trains, records and skips when done."""

    family: str
    seed: int
    p: float | None = None
    ablation: str | None = None

    @property
    def label(self) -> str:
        """A short name: ``rewire p=0.2``, ``ablation S->I``, ``erdos_renyi``."""
        if self.p is not None:
            return f"{self.family} p={self.p:g}"
        if self.ablation is not None:
            return f"{self.family} {self.ablation}"
        return self.family


def build_plan(
    families: Sequence[str] = NULL_FAMILIES,
    seeds: int = 5,
    p_values: Sequence[float] = P_VALUES,
    ablations: Sequence[str] = STUDY_ABLATIONS,
) -> list[Run]:
    """Every run of a study, in a stable order (family, variant, seed).

    Example:
        >>> len(build_plan(["ablation"], seeds=5, ablations=["S->I", "I->M"]))
        10
    """
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        raise ConfigurationError(f"unknown famil{'y' if len(unknown) == 1 else 'ies'} "
                                 f"{unknown}; expected some of {list(FAMILIES)}")
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ConfigurationError(f"seeds must be a positive int, got {seeds!r}")
    bad_p = [p for p in p_values if not 0.0 <= float(p) <= 1.0]
    if bad_p or not p_values:
        raise ConfigurationError(f"p_values must be non-empty numbers in [0, 1], got {list(p_values)}")
    bad_ablations = [a for a in ablations if a not in ABLATIONS]
    if bad_ablations or not ablations:
        raise ConfigurationError(f"ablations {bad_ablations or '[]'} unknown; expected some of "
                                 f"{list(ABLATIONS)}")
    runs = []
    for family in dict.fromkeys(families):
        if family == "rewire":
            variants = [{"p": float(p)} for p in p_values]
        elif family in (ABLATION, RANDOM_REMOVAL):
            variants = [{"ablation": a} for a in ablations]
        else:
            variants = [{}]
        runs += [Run(family, seed, **variant) for variant in variants for seed in range(seeds)]
    return runs


def make_graph(base: Connectome, run: Run) -> Connectome:
    """The graph a run trains on, drawn from ``base``.

    Example:
        >>> make_graph(worm, Run("rewire", seed=0, p=1.0)).num_edges() == worm.num_edges()
        True
    """
    if run.family == CONNECTOME:
        return base
    if run.family == ABLATION:
        return ablate(base, run.ablation)
    if run.family == RANDOM_REMOVAL:
        return remove_random(base, run.ablation, run.seed)
    params = {"p": run.p} if run.p is not None else {}
    return make_null_model(base, run.family, seed=run.seed, **params)
