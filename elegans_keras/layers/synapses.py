"""A layer's synapses as data, and their initial values from the wiring.

:class:`Synapses` is the wiring a layer computes on, as arrays (in the way
ncps's ``Wiring`` is data): the directed (pre, post) *entries* of the synaptic
matrix and the trainable *values* behind them. A chemical synapse pair is one
value and one entry; a gap junction is one value shared by both directions
(two entries), so electrical weights stay symmetric while they train; a pair
with both a chemical synapse and a gap junction is one entry carrying the sum
of two values. A layer therefore has one trainable value per synapse pair,
whatever its implementation.

Initial values (:func:`initial_values`):

* magnitude: ``magnitudes="count"`` (the default) is ``log(1 + synapse count)``,
  so a pair of 10 synapses weighs about 2.4 times a single synapse;
  ``magnitudes="random"`` draws ``|N(0, 1)|`` and ignores counts.
* sign: ``signs="random"`` (the default) is +1 or -1 with probability 1/2;
  ``signs="neurotransmitter"`` follows Dale's principle: a chemical synapse is
  inhibitory (-1) when its presynaptic neuron's ``neurotransmitters``
  attribute names one of :data:`INHIBITORY_TRANSMITTERS` (GABA), excitatory
  (+1) otherwise (acetylcholine, glutamate, monoamines, unknown); gap
  junctions are +1. In ``celegans_herm`` the GABAergic neurons are DD01-06,
  VD01-13, RMED/L/R/V, AVL, DVB and RIS (26; the circuitdata table, from
  WormAtlas).

The whole matrix is then scaled to a spectral radius (:func:`scale_values`).

Example:
    >>> syn = synapses_of(load_connectome(), "all")
    >>> syn.num_values, syn.num_entries
    (2711, 2993)
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp

from elegans_keras.checks import check_choice
from elegans_keras.connectome import Connectome
from elegans_keras.connectome.core import SYNAPSE_KINDS
from elegans_keras.connectome.spectrum import spectral_radius
from elegans_keras.errors import ConfigurationError, ConnectomeError

WEIGHTS = ("count", "random")
SIGNS = ("random", "neurotransmitter")
INHIBITORY_TRANSMITTERS = ("GABA",)


@dataclasses.dataclass(frozen=True, eq=False)
class Synapses:
    """Directed entries of a synaptic matrix and the trainable values behind them.

    Attributes:
        num_pre, num_post: the matrix shape.
        pre, post: int32 (M,) entry coordinates, unique, sorted by (pre, post).
        value_index, entry_index: int32 (K,) contributions: value
            ``value_index[k]`` adds to entry ``entry_index[k]``.
        counts: float64 (V,) synapse count behind each value.
        chemical: bool (V,) whether each value is a chemical pair.
        presynaptic: int32 (V,) the presynaptic neuron of each value.
    """

    num_pre: int
    num_post: int
    pre: np.ndarray
    post: np.ndarray
    value_index: np.ndarray
    entry_index: np.ndarray
    counts: np.ndarray
    chemical: np.ndarray
    presynaptic: np.ndarray

    @property
    def num_values(self) -> int:
        """Trainable values V (one per synapse pair)."""
        return int(self.counts.size)

    @property
    def num_entries(self) -> int:
        """Nonzero entries M of the directed matrix."""
        return int(self.pre.size)

    @property
    def one_to_one(self) -> bool:
        """True when value k is entry k (no shared or summed values)."""
        return self.value_index.size == self.num_entries == self.num_values and bool(
            np.array_equal(self.value_index, self.entry_index)
            and np.array_equal(self.entry_index, np.arange(self.num_entries))
        )

    def entry_values(self, values: np.ndarray) -> np.ndarray:
        """Entry values (M,) from trainable values (V,), in numpy."""
        return np.bincount(
            self.entry_index,
            weights=np.asarray(values)[self.value_index],
            minlength=self.num_entries,
        )

    def matrix(self, values: np.ndarray) -> sp.csr_array:
        """The (num_pre, num_post) sparse matrix the values make."""
        return sp.csr_array(
            (self.entry_values(values), (self.pre, self.post)), shape=(self.num_pre, self.num_post)
        )


def _merge(
    shape: tuple[int, int],
    pre: np.ndarray,
    post: np.ndarray,
    value_index: np.ndarray,
    counts: np.ndarray,
    chemical: np.ndarray,
    presynaptic: np.ndarray,
) -> Synapses:
    keys = pre.astype(np.int64) * shape[1] + post
    unique, entry_index = np.unique(keys, return_inverse=True)
    return Synapses(
        num_pre=shape[0],
        num_post=shape[1],
        pre=(unique // shape[1]).astype(np.int32),
        post=(unique % shape[1]).astype(np.int32),
        value_index=value_index.astype(np.int32),
        entry_index=entry_index.astype(np.int32),
        counts=counts.astype(np.float64),
        chemical=chemical,
        presynaptic=presynaptic.astype(np.int32),
    )


def synapses_of(wiring: Connectome | np.ndarray, kind: str = "all") -> Synapses:
    """The :class:`Synapses` of a Connectome (``kind`` all/chemical/electrical) or a count matrix.

    Example:
        >>> synapses_of(np.array([[0, 2], [1, 0]])).num_values
        2
    """
    check_choice(kind, "synapses", "synapses_of", SYNAPSE_KINDS)
    if not isinstance(wiring, Connectome):
        if kind != "all":
            raise ConfigurationError(
                f"synapses={kind!r} needs a Connectome; a plain mask is used as given "
                "(leave synapses='all')"
            )
        counts = sp.coo_array(sp.csr_array(wiring))
        order = np.lexsort((counts.col, counts.row))
        pre, post = counts.row[order], counts.col[order]
        return _merge(
            counts.shape,
            pre,
            post,
            np.arange(pre.size),
            counts.data[order],
            np.ones(pre.size, dtype=bool),
            pre,
        )
    parts = []
    if kind in ("all", "chemical"):
        pre, post, count = wiring.edges("chemical")
        parts.append((pre, post, count, True))
    if kind in ("all", "electrical"):
        i, j, count = wiring.edges("electrical")
        parts.append((i, j, count, False))
    pres, posts, values, counts, chemical, presynaptic = [], [], [], [], [], []
    offset = 0
    for pre, post, count, is_chemical in parts:
        index = offset + np.arange(pre.size)
        pres.append(pre)
        posts.append(post)
        values.append(index)
        if not is_chemical:
            mirror = pre != post
            pres.append(post[mirror])
            posts.append(pre[mirror])
            values.append(index[mirror])
        counts.append(count)
        chemical.append(np.full(pre.size, is_chemical))
        presynaptic.append(pre)
        offset += pre.size
    n = wiring.num_neurons
    return _merge(
        (n, n),
        np.concatenate(pres),
        np.concatenate(posts),
        np.concatenate(values),
        np.concatenate(counts),
        np.concatenate(chemical),
        np.concatenate(presynaptic),
    )


def restrict(
    syn: Synapses, rows: np.ndarray | None = None, columns: np.ndarray | None = None
) -> Synapses:
    """The sub-matrix ``W[rows][:, columns]`` of ``syn``, on the same trainable values.

    ``rows`` and ``columns`` are sorted neuron indices (None: all). The result
    keeps every value (so the layer's value vector serves it as it is) and the
    entries inside the block, renumbered; values with no entry there simply
    contribute nothing. A propagation step whose input is zero outside
    ``rows``, or whose output is read only at ``columns``, computes the same
    through the sub-matrix at a fraction of the cost.

    Example:
        >>> syn = synapses_of(np.array([[0, 2, 1], [1, 0, 0], [3, 0, 0]]))
        >>> sub = restrict(syn, rows=np.array([0, 2]), columns=np.array([0, 1]))
        >>> sub.matrix(np.arange(1.0, 5.0)).toarray()  # values 1..4 sit on the 4 pairs
        array([[0., 1.],
               [4., 0.]])
    """
    keep_pre = _positions(rows, syn.num_pre)
    keep_post = _positions(columns, syn.num_post)
    new_pre, new_post = keep_pre[syn.pre], keep_post[syn.post]
    kept = (new_pre >= 0) & (new_post >= 0)
    renumbered = np.full(syn.num_entries, -1, dtype=np.int64)
    renumbered[kept] = np.arange(int(kept.sum()))
    contributes = kept[syn.entry_index]
    return dataclasses.replace(
        syn,
        num_pre=int((keep_pre >= 0).sum()),
        num_post=int((keep_post >= 0).sum()),
        pre=new_pre[kept].astype(np.int32),
        post=new_post[kept].astype(np.int32),
        value_index=syn.value_index[contributes],
        entry_index=renumbered[syn.entry_index[contributes]].astype(np.int32),
    )


def _positions(indices: np.ndarray | None, size: int) -> np.ndarray:
    """(size,) position of each neuron in the sorted ``indices``, -1 for the others."""
    if indices is None:
        return np.arange(size)
    indices = np.asarray(indices)
    if (
        indices.ndim != 1
        or np.any(np.diff(indices) <= 0)
        or (indices.size and (indices[0] < 0 or indices[-1] >= size))
    ):
        raise ConfigurationError(
            f"restrict: neuron indices must be sorted, unique and in 0..{size - 1}"
        )
    positions = np.full(size, -1, dtype=np.int64)
    positions[indices] = np.arange(indices.size)
    return positions


def tie_values(syn: Synapses, groups: int, seed: int) -> Synapses:
    """``syn`` with its entries sharing ``groups`` trainable values (weight sharing).

    Each entry is assigned to one group (a seeded random balanced assignment,
    as in hashed networks); a group's count is the mean count of its entries.
    It gives a dense wiring (the study's ``complete`` baseline) the trainable
    value count of a sparse one.

    Example:
        >>> full = synapses_of(np.ones((3, 3)))
        >>> tie_values(full, 4, seed=0).num_values
        4
    """
    if not 1 <= groups <= syn.num_entries:
        raise ConfigurationError(
            f"shared_values={groups}; expected 1..{syn.num_entries} "
            "(the number of synaptic entries)"
        )
    assignment = np.random.default_rng(seed).permutation(np.arange(syn.num_entries) % groups)
    entry_counts = np.bincount(
        syn.entry_index, weights=syn.counts[syn.value_index], minlength=syn.num_entries
    )
    members = np.bincount(assignment, minlength=groups)
    counts = np.bincount(assignment, weights=entry_counts, minlength=groups) / members
    presynaptic = np.zeros(groups, dtype=np.int32)
    presynaptic[assignment] = syn.pre
    return dataclasses.replace(
        syn,
        value_index=assignment.astype(np.int32),
        entry_index=np.arange(syn.num_entries, dtype=np.int32),
        counts=counts,
        chemical=np.ones(groups, dtype=bool),
        presynaptic=presynaptic,
    )


def inhibitory_neurons(connectome: Connectome, where: str) -> np.ndarray:
    """Boolean (N,): the neurons whose transmitters include one of :data:`INHIBITORY_TRANSMITTERS`.

    Example:
        >>> int(inhibitory_neurons(load_connectome(), "demo").sum())
        26
    """
    transmitters = connectome.attributes.get("neurotransmitters")
    if transmitters is None:
        raise ConfigurationError(
            f"{where}: signs='neurotransmitter' needs a 'neurotransmitters' attribute, which "
            f"connectome {connectome.name!r} lacks"
        )
    inhibitory = {t.upper() for t in INHIBITORY_TRANSMITTERS}
    return np.array(
        [
            t is not None
            and bool(inhibitory & {part.strip().upper() for part in str(t).split(",")})
            for t in transmitters
        ]
    )


def initial_values(
    syn: Synapses, wiring: Connectome | np.ndarray, weights: str, signs: str, seed: int, where: str
) -> np.ndarray:
    """Unscaled initial values (V,): magnitudes from ``weights``, signs from ``signs``.

    ``seed`` draws the random magnitudes and signs (independent streams).

    Example:
        >>> syn = synapses_of(load_connectome())
        >>> values = initial_values(syn, load_connectome(), "count", "neurotransmitter", 0, "demo")
        >>> int((values < 0).sum())
        76
    """
    check_choice(weights, "weights", where, WEIGHTS)
    check_choice(signs, "signs", where, SIGNS)
    magnitude_rng, sign_rng = spawn(seed, 2)
    if weights == "count":
        magnitudes = np.log1p(syn.counts)
    else:
        magnitudes = np.abs(magnitude_rng.standard_normal(syn.num_values))
    if signs == "random":
        sign = sign_rng.choice(np.array([-1.0, 1.0]), size=syn.num_values)
    else:
        if not isinstance(wiring, Connectome):
            raise ConfigurationError(f"{where}: signs='neurotransmitter' needs a Connectome")
        inhibitory = inhibitory_neurons(wiring, where)
        sign = np.where(syn.chemical & inhibitory[syn.presynaptic], -1.0, 1.0)
    return magnitudes * sign


def scale_values(syn: Synapses, values: np.ndarray, radius: float, where: str) -> np.ndarray:
    """``values`` scaled so the matrix they make has spectral radius ``radius``.

    Raises ConnectomeError when the matrix has spectral radius 0 (its synapses
    form no cycle), since no scaling can then reach a positive radius.

    Example:
        >>> syn = synapses_of(np.array([[0.0, 1.0], [1.0, 0.0]]))
        >>> scale_values(syn, np.array([2.0, 2.0]), 1.0, "demo").tolist()
        [1.0, 1.0]
    """
    if syn.num_pre != syn.num_post:
        raise ConfigurationError(
            f"{where}: a spectral radius needs a square synaptic matrix, "
            f"got {syn.num_pre} x {syn.num_post}"
        )
    values = np.asarray(values, dtype=np.float64)
    largest = float(np.max(np.abs(values), initial=0.0))
    if largest > 0:  # scale-free first, so subnormal counts neither underflow nor overflow
        values = values / largest
    current = spectral_radius(syn.matrix(values))
    if current == 0.0:
        raise ConnectomeError(
            f"{where}: the synaptic matrix has spectral radius 0 (its synapses form no "
            "cycle), so it cannot be scaled to a spectral radius"
        )
    return values * (radius / current)


def unit_incoming(syn: Synapses, values: np.ndarray) -> np.ndarray:
    """``values`` scaled so each post neuron's incoming entries have unit L2 norm.

    Norms are taken over the absolute contributions of each entry (a chemical
    synapse and a gap junction on one pair may have opposite signs), and a
    value shared by two entries (a gap junction) takes the larger of their two
    norms, so no incoming norm exceeds 1.

    Example:
        >>> syn = synapses_of(np.array([[3.0, 0.0], [4.0, 0.0]]))
        >>> unit_incoming(syn, np.array([3.0, 4.0])).tolist()
        [0.6, 0.8]
    """
    absolute = syn.entry_values(np.abs(values))
    largest = np.zeros(syn.num_post)
    np.maximum.at(largest, syn.post, absolute)
    unit = np.where(largest > 0, largest, 1.0)  # per-column scale: no under- or overflow
    norms = largest * np.sqrt(
        np.bincount(syn.post, weights=(absolute / unit[syn.post]) ** 2, minlength=syn.num_post)
    )
    per_value = np.zeros(syn.num_values)
    np.maximum.at(per_value, syn.value_index, norms[syn.post[syn.entry_index]])
    return np.divide(values, per_value, out=np.zeros_like(values), where=per_value > 0)


def starting_values(
    syn: Synapses,
    wiring: Connectome | np.ndarray,
    weights: str,
    signs: str,
    seed: int,
    spectral_radius: float | None,
    where: str,
    nonneg: bool = False,
) -> np.ndarray:
    """The initial values of a layer: :func:`initial_values`, then scaled.

    Scaled to ``spectral_radius`` when given (:func:`scale_values`), else to
    unit incoming norms (:func:`unit_incoming`); ``nonneg`` drops the signs.

    Example:
        >>> worm = load_connectome()
        >>> values = starting_values(synapses_of(worm), worm, "count", "random", 0, 0.9, "demo")
        >>> round(spectral_radius(synapses_of(worm).matrix(values)), 6)
        0.9
    """
    values = initial_values(syn, wiring, weights, signs, seed, where)
    if nonneg:
        values = np.abs(values)
    if spectral_radius is None:
        return unit_incoming(syn, values)
    return scale_values(syn, values, spectral_radius, where)


def spawn(seed: int, streams: int) -> list[np.random.Generator]:
    """``streams`` independent generators of ``seed`` (SeedSequence.spawn).

    Example:
        >>> a, b = spawn(0, 2)
        >>> first = a.integers(1000, size=8)
        >>> bool((first == spawn(0, 2)[0].integers(1000, size=8)).all())  # same seed, same streams
        True
        >>> bool((first != b.integers(1000, size=8)).any())  # the streams differ
        True
    """
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(streams)]
