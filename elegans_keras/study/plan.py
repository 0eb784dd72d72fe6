"""What the topology study runs: one :class:`Run` per (graph family, variant, weights, seed).

A family is ``"connectome"`` (the real wiring; the seed changes only the
initialisation), ``"no_graph"`` (the plain twin: no wiring at all, matched
trainable parameters), ``"complete"`` (all-to-all wiring on the same
neurons; in deep mode its entries share as many trainable values as the
connectome has synapse pairs), a null model of
:data:`~elegans_keras.connectome.nullmodels.NULL_MODELS` (``"rewire"`` once
per rewiring probability), ``"ablation"`` (the connectome without one synapse
class) or ``"random_removal"`` (the ablation's control: as many synapses
removed at random). ``weights`` is how the synaptic values start (see
:data:`~elegans_keras.study.vocabulary.WEIGHT_VARIANTS`). The seed draws the
graph and seeds the model, so two seeds of a null family are two graphs.

Example:
    >>> runs = build_plan(["connectome", "rewire"], seeds=2, p_values=[0.1, 1.0])
    >>> [(r.family, r.p, r.seed) for r in runs][:3]
    [('connectome', None, 0), ('connectome', None, 1), ('rewire', 0.1, 0)]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from elegans_keras.checks import check_int, check_probability
from elegans_keras.connectome import Connectome
from elegans_keras.connectome.ablation import ABLATIONS, ablate, remove_random
from elegans_keras.connectome.nullmodels import make_null_model
from elegans_keras.errors import ConfigurationError
from elegans_keras.study.vocabulary import (
    ABLATION,
    ABLATION_FAMILIES,
    COMPLETE,
    CONNECTOME,
    DEFAULT_WEIGHTS,
    FAMILIES,
    NO_GRAPH,
    NULL_FAMILIES,
    P_VALUES,
    RANDOM_REMOVAL,
    REWIRE,
    STUDY_ABLATIONS,
    WEIGHT_VARIANTS,
)


@dataclasses.dataclass(frozen=True)
class Run:
    """One graph, one weight variant and one seed: the unit the study trains and records."""

    family: str
    seed: int
    p: float | None = None
    ablation: str | None = None
    weights: str = DEFAULT_WEIGHTS

    @property
    def label(self) -> str:
        """A short name: ``rewire p=0.2``, ``ablation S->I``, ``connectome [random]``."""
        if self.p is not None:
            text = f"{self.family} p={self.p:g}"
        elif self.ablation is not None:
            text = f"{self.family} {self.ablation}"
        else:
            text = self.family
        return text if self.weights == DEFAULT_WEIGHTS else f"{text} [{self.weights}]"

    @property
    def synapse_options(self) -> dict[str, str]:
        """The model's ``magnitudes`` and ``signs`` arguments for this run's weight variant
        (the study's ``weights`` column names the variant: it predates the argument's name)."""
        if self.weights == "neurotransmitter":
            return {"magnitudes": "count", "signs": "neurotransmitter"}
        return {"magnitudes": self.weights, "signs": "random"}


def build_plan(
    families: Sequence[str] = NULL_FAMILIES,
    seeds: int = 5,
    p_values: Sequence[float] = P_VALUES,
    ablations: Sequence[str] = STUDY_ABLATIONS,
    weights: Sequence[str] = (DEFAULT_WEIGHTS,),
) -> list[Run]:
    """Every run of a study, in a stable order (family, variant, weights, seed).

    ``weights`` are crossed with the connectome family only (the other
    families use the default ``count`` values).

    Example:
        >>> len(build_plan(["ablation"], seeds=5, ablations=["S->I", "I->M"]))
        10
        >>> len(build_plan(["connectome"], seeds=5, weights=WEIGHT_VARIANTS))
        15
    """
    where = "build_plan"
    unknown = [f for f in families if f not in FAMILIES]
    if unknown or not families:
        raise ConfigurationError(
            f"{where}: unknown famil{'y' if len(unknown) == 1 else 'ies'} "
            f"{unknown}; expected some of {list(FAMILIES)}"
        )
    check_int(seeds, "seeds", where, low=1)
    if not p_values:
        raise ConfigurationError(f"{where}: p_values is empty")
    for p in p_values:
        check_probability(p, "p_values", where)
    bad = [a for a in ablations if a not in ABLATIONS]
    if bad or not ablations:
        raise ConfigurationError(
            f"{where}: ablations {bad or '[]'} unknown; expected some of {list(ABLATIONS)}"
        )
    bad = [w for w in weights if w not in WEIGHT_VARIANTS]
    if bad or not weights:
        raise ConfigurationError(
            f"{where}: weights {bad or '[]'} unknown; expected some of {list(WEIGHT_VARIANTS)}"
        )
    runs = []
    for family in dict.fromkeys(families):
        variants: list[dict[str, Any]]
        if family == REWIRE:
            variants = [{"p": float(p)} for p in p_values]
        elif family in ABLATION_FAMILIES:
            variants = [{"ablation": a} for a in ablations]
        elif family == CONNECTOME:
            variants = [{"weights": w} for w in dict.fromkeys(weights)]
        else:
            variants = [{}]
        runs += [Run(family, seed, **variant) for variant in variants for seed in range(seeds)]
    return runs


def complete_graph(c: Connectome) -> Connectome:
    """Every ordered pair of distinct neurons joined by one chemical synapse (no gap junctions).

    Example:
        >>> complete_graph(load_connectome()).num_edges("chemical") == 279 * 278
        True
    """
    n = c.num_neurons
    c.check_dense("complete_graph")
    ones = np.ones((n, n))
    np.fill_diagonal(ones, 0.0)
    return c.replace(
        chemical=sp.csr_array(ones), electrical=sp.csr_array((n, n)), name=f"{c.name}/complete"
    )


def make_graph(base: Connectome, run: Run) -> Connectome:
    """The graph a run trains on, drawn from ``base`` (``no_graph`` keeps ``base``: unused).

    Example:
        >>> rewired = make_graph(worm, Run("rewire", seed=0, p=1.0))
        >>> rewired.num_edges("chemical") == worm.num_edges("chemical")
        True
    """
    if run.family in (CONNECTOME, NO_GRAPH):
        return base
    if run.family == COMPLETE:
        return complete_graph(base)
    if run.family == ABLATION:
        return ablate(base, run.ablation)  # type: ignore[arg-type]  # None: ablate refuses it
    if run.family == RANDOM_REMOVAL:
        return remove_random(base, run.ablation, run.seed)  # type: ignore[arg-type]  # as above
    params = {"p": run.p} if run.p is not None else {}
    return make_null_model(base, run.family, seed=run.seed, **params)
