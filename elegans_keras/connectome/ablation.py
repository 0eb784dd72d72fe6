"""Ablations: the connectome with one class of synapses removed, and matched random removals.

A class is either a synapse type (``"chemical"``, ``"electrical"``) or a role
pair ``"X->Y"`` (roles S, I, M): the chemical synapses from X neurons to Y
neurons and the gap junctions between X and Y neurons (both directions, since
gap junctions are undirected). :func:`remove_random` deletes as many chemical
pairs and gap-junction pairs as an ablation does, chosen uniformly at random,
which separates the effect of *which* synapses go from that of *how many*.

Example:
    >>> from elegans_keras.connectome import load_connectome
    >>> worm = load_connectome()
    >>> cut = ablate(worm, "S->I")
    >>> cut.num_edges("chemical") < worm.num_edges("chemical")
    True
"""

from __future__ import annotations

import numpy as np

from elegans_keras.connectome.core import ROLES, Connectome
from elegans_keras.connectome.nullmodels import make_rng
from elegans_keras.errors import ConfigurationError

SYNAPSE_TYPES = ("chemical", "electrical")
ROLE_PAIRS = tuple(f"{pre}->{post}" for pre in ROLES for post in ROLES)
ABLATIONS = ROLE_PAIRS + SYNAPSE_TYPES


def _class_masks(c: Connectome, ablation: str) -> tuple[np.ndarray, np.ndarray]:
    """Boolean (chemical, electrical) masks of the synapses an ablation removes."""
    if ablation == "chemical":
        return c.chemical != 0, np.zeros_like(c.electrical, dtype=bool)
    if ablation == "electrical":
        return np.zeros_like(c.chemical, dtype=bool), c.electrical != 0
    if ablation not in ROLE_PAIRS:
        raise ConfigurationError(
            f"ablation {ablation!r} is unknown; expected one of {list(ABLATIONS)}"
        )
    pre_role, post_role = ablation.split("->")
    roles = np.array(c.roles)
    pre, post = roles == pre_role, roles == post_role
    pair = np.outer(pre, post)
    return (c.chemical != 0) & pair, (c.electrical != 0) & (pair | pair.T)


def ablate(c: Connectome, ablation: str) -> Connectome:
    """``c`` without the synapses of one class (a key of :data:`ABLATIONS`).

    Example:
        >>> ablate(worm, "electrical").num_edges("electrical")
        0
    """
    chemical_cut, electrical_cut = _class_masks(c, ablation)
    return c.replace(
        chemical=np.where(chemical_cut, 0.0, c.chemical),
        electrical=np.where(electrical_cut, 0.0, c.electrical),
        name=f"{c.name}-{ablation}",
    )


def removed_counts(c: Connectome, ablation: str) -> tuple[int, int]:
    """(chemical pairs, gap-junction pairs) that :func:`ablate` removes.

    Example:
        >>> removed_counts(worm, "electrical")[0]
        0
    """
    chemical_cut, electrical_cut = _class_masks(c, ablation)
    return int(chemical_cut.sum()), int(np.triu(electrical_cut).sum())


def remove_random(c: Connectome, ablation: str, seed: int) -> Connectome:
    """The control of an ablation: as many chemical and gap-junction pairs removed at random.

    Example:
        >>> control = remove_random(worm, "S->I", seed=0)
        >>> control.num_edges("chemical") == ablate(worm, "S->I").num_edges("chemical")
        True
    """
    rng = make_rng(seed, "remove_random")
    chemical_count, electrical_count = removed_counts(c, ablation)
    chemical = c.chemical.copy()
    pre, post = np.nonzero(chemical)
    drop = rng.choice(pre.size, size=chemical_count, replace=False)
    chemical[pre[drop], post[drop]] = 0.0
    electrical = c.electrical.copy()
    i, j = np.nonzero(np.triu(electrical))
    drop = rng.choice(i.size, size=electrical_count, replace=False)
    electrical[i[drop], j[drop]] = 0.0
    electrical[j[drop], i[drop]] = 0.0
    return c.replace(chemical=chemical, electrical=electrical,
                     name=f"{c.name}-random-{ablation}-seed{seed}")
