"""Mesoscale structure of a connectome: three-neuron motifs and modular communities.

Both take what the other graph metrics take (:mod:`elegans_keras.connectome.metrics`):
a :class:`~elegans_keras.connectome.core.Connectome`, a connectome name or
file, or a square matrix (a nonzero ``[i, j]`` is an edge i -> j).

Example:
    >>> triad_motifs([[0, 1, 1], [0, 0, 1], [0, 0, 0]])
    {'feedforward_loops': 1, 'cycles': 0}
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

from elegans_keras.checks import check_int
from elegans_keras.connectome.metrics import GraphLike, _mask, _undirected, _without_loops


def triad_motifs(c: GraphLike, synapses: str = "chemical") -> dict[str, int]:
    """Feed-forward loops and directed 3-cycles among three distinct neurons.

    With ``M`` the 0/1 mask without self-loops,

    .. math:: \\mathrm{FFL} = \\sum_{ik} (M^2)_{ik} M_{ik}, \\qquad
              \\mathrm{cycles} = \\operatorname{tr}(M^3) / 3

    ``FFL`` counts the triples (i, j, k) with i -> j -> k and i -> k (each
    triple once: a triad with reciprocal edges can hold several); ``cycles``
    counts each i -> j -> k -> i once. Both are subgraph counts, not the
    induced triads of a triad census.

    Args:
        c: a Connectome, a connectome name or path, or a square matrix.
        synapses: ``"chemical"`` (default), ``"electrical"`` or ``"all"``.

    Returns:
        dict with ``feedforward_loops`` and ``cycles``.

    References:
        Milo et al. (2002), Network motifs: simple building blocks of complex
        networks, Science 298: 824-827 (the feed-forward loop in the worm).

    Example:
        >>> triad_motifs([[0, 1, 0], [0, 0, 1], [1, 0, 0]])
        {'feedforward_loops': 0, 'cycles': 1}
    """
    mask = _without_loops(_mask(c, synapses, "triad_motifs")).astype(np.int64)
    two_step = mask @ mask
    feedforward = int(two_step.multiply(mask).sum())
    cycles = int((two_step.multiply(mask.T)).sum()) // 3
    return {"feedforward_loops": feedforward, "cycles": cycles}


def modularity(c: GraphLike, synapses: str = "all", seed: int = 0) -> float:
    """Newman's modularity Q of the Louvain partition of the undirected simple graph.

    .. math:: Q = \\frac{1}{2m} \\sum_{ij} \\Big(A_{ij} - \\frac{k_i k_j}{2m}\\Big)
              \\delta(c_i, c_j)

    with ``A`` the symmetric 0/1 adjacency (either direction connects a pair),
    ``k`` its degrees, ``m`` its edges and ``c`` the communities that
    ``networkx.community.louvain_communities`` finds (seeded by ``seed``).
    0 for a graph without edges.

    Args:
        c: a Connectome, a connectome name or path, or a square matrix.
        synapses: ``"all"`` (default), ``"chemical"`` or ``"electrical"``.
        seed: the Louvain method's node order.

    References:
        Newman (2006), Modularity and community structure in networks, PNAS
        103: 8577-8582; Blondel et al. (2008), Fast unfolding of communities
        in large networks, J. Stat. Mech. P10008.

    Example:
        >>> two_triangles = [[0, 1, 1, 0, 0, 0], [1, 0, 1, 0, 0, 0], [1, 1, 0, 1, 0, 0],
        ...                  [0, 0, 1, 0, 1, 1], [0, 0, 0, 1, 0, 1], [0, 0, 0, 1, 1, 0]]
        >>> round(modularity(two_triangles), 3)
        0.357
    """
    seed = check_int(seed, "seed", "modularity")
    simple = _undirected(c, synapses, "modularity")
    if simple.nnz == 0:
        return 0.0
    graph = nx.from_scipy_sparse_array(sp.csr_array(simple))
    communities = nx.community.louvain_communities(graph, seed=seed)
    return float(nx.community.modularity(graph, communities))
