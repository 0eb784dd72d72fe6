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
import scipy.sparse as sp

from elegans_keras.checks import make_rng
from elegans_keras.connectome.core import ROLES, Connectome
from elegans_keras.connectome.edges import pair_keys
from elegans_keras.errors import ConfigurationError

SYNAPSE_TYPES = ("chemical", "electrical")
ROLE_PAIRS = tuple(f"{pre}->{post}" for pre in ROLES for post in ROLES)
ABLATIONS = ROLE_PAIRS + SYNAPSE_TYPES


def _without(matrix: sp.csr_array, drop: np.ndarray) -> sp.csr_array:
    """``matrix`` with the stored entries flagged in ``drop`` (COO order) set to zero."""
    coo = matrix.tocoo()
    keep = ~drop
    return sp.csr_array(
        sp.coo_array((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=matrix.shape)
    )


def _class_flags(c: Connectome, ablation: str) -> tuple[np.ndarray, np.ndarray]:
    """Per stored entry (COO order) of chemical and electrical: does the ablation remove it?"""
    chemical, electrical = c.chemical.tocoo(), c.electrical.tocoo()
    if ablation == "chemical":
        return np.ones(chemical.nnz, dtype=bool), np.zeros(electrical.nnz, dtype=bool)
    if ablation == "electrical":
        return np.zeros(chemical.nnz, dtype=bool), np.ones(electrical.nnz, dtype=bool)
    if ablation not in ROLE_PAIRS:
        raise ConfigurationError(
            f"ablation {ablation!r} is unknown; expected one of {list(ABLATIONS)}"
        )
    pre_role, post_role = ablation.split("->")
    roles = np.asarray(c.roles)
    pre, post = roles == pre_role, roles == post_role
    electrical_pair = (pre[electrical.row] & post[electrical.col]) | (
        post[electrical.row] & pre[electrical.col]
    )
    return pre[chemical.row] & post[chemical.col], electrical_pair


def ablate(c: Connectome, ablation: str) -> Connectome:
    """``c`` without the synapses of one class (a key of :data:`ABLATIONS`).

    Example:
        >>> ablate(worm, "electrical").num_edges("electrical")
        0
    """
    chemical_cut, electrical_cut = _class_flags(c, ablation)
    return c.replace(
        chemical=_without(c.chemical, chemical_cut),
        electrical=_without(c.electrical, electrical_cut),
        name=f"{c.name}-{ablation}",
    )


def removed_counts(c: Connectome, ablation: str) -> tuple[int, int]:
    """(chemical pairs, gap-junction pairs) that :func:`ablate` removes.

    Example:
        >>> removed_counts(worm, "electrical")[0]
        0
    """
    chemical_cut, electrical_cut = _class_flags(c, ablation)
    electrical = c.electrical.tocoo()
    return int(chemical_cut.sum()), int((electrical_cut & (electrical.row <= electrical.col)).sum())


def remove_random(c: Connectome, ablation: str, seed: int) -> Connectome:
    """The control of an ablation: as many chemical and gap-junction pairs removed at random.

    Example:
        >>> control = remove_random(worm, "S->I", seed=0)
        >>> control.num_edges("chemical") == ablate(worm, "S->I").num_edges("chemical")
        True
    """
    rng = make_rng(seed, "remove_random")
    chemical_count, electrical_count = removed_counts(c, ablation)
    chemical = c.chemical.tocoo()
    drop = np.zeros(chemical.nnz, dtype=bool)
    drop[rng.choice(chemical.nnz, size=chemical_count, replace=False)] = True
    electrical = c.electrical.tocoo()
    upper = np.flatnonzero(electrical.row <= electrical.col)
    chosen = upper[rng.choice(upper.size, size=electrical_count, replace=False)]
    n = c.num_neurons
    gap_drop = np.isin(
        pair_keys(electrical.row, electrical.col, n, directed=False),
        pair_keys(electrical.row[chosen], electrical.col[chosen], n, directed=False),
    )
    return c.replace(
        chemical=_without(c.chemical, drop),
        electrical=_without(c.electrical, gap_drop),
        name=f"{c.name}-random-{ablation}-seed{seed}",
    )
