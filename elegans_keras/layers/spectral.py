"""Random synaptic matrices on a connectome's support, scaled to a spectral radius.

Everything here is float64 numpy, so the scaling stays exact whatever dtype
policy the Keras layers later compute in.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from elegans_keras.errors import ConfigurationError, ConnectomeError

RECURRENT_WEIGHTS = ("random", "count")


def spectral_radius(matrix: np.ndarray) -> float:
    """Largest eigenvalue modulus (general eigenvalues: the matrix may be directed).

    Example:
        >>> spectral_radius(np.array([[0.0, 2.0], [0.5, 0.0]]))
        1.0
    """
    return float(np.max(np.abs(np.linalg.eigvals(np.asarray(matrix, dtype=np.float64)))))


def synaptic_matrix(counts: np.ndarray, weights: str, rng: np.random.Generator) -> np.ndarray:
    """Signed float64 weights on the nonzero entries of ``counts``.

    ``"random"``: standard normal values; ``"count"``: the synapse counts
    with random signs.

    Example:
        >>> w = synaptic_matrix(np.eye(3), "count", np.random.default_rng(0))
        >>> np.abs(w).tolist() == np.eye(3).tolist()
        True
    """
    if weights not in RECURRENT_WEIGHTS:
        raise ConfigurationError(
            f"recurrent_weights={weights!r}; expected one of {', '.join(RECURRENT_WEIGHTS)}"
        )
    support = counts != 0
    if weights == "random":
        values = rng.standard_normal(counts.shape)
    else:
        values = np.asarray(counts, dtype=np.float64) * rng.choice([-1.0, 1.0], size=counts.shape)
    return np.where(support, values, 0.0)


def spectral_scale(matrix: np.ndarray, radius: float, where: str) -> float:
    """The factor that brings ``matrix``'s spectral radius to ``radius``.

    Raises ConnectomeError when the matrix is nilpotent (e.g. its synapses
    form no cycle), since no scaling can then reach a positive radius.

    Example:
        >>> round(spectral_scale(np.array([[0.0, 2.0], [2.0, 0.0]]), 1.0, "demo"), 12)
        0.5
    """
    graph = nx.from_numpy_array(np.asarray(matrix) != 0, create_using=nx.DiGraph)
    current = spectral_radius(matrix)
    if nx.is_directed_acyclic_graph(graph) or current == 0.0:
        raise ConnectomeError(
            f"{where}: the synaptic matrix has spectral radius 0 (its synapses form no "
            "cycle), so it cannot be scaled to a spectral radius"
        )
    return radius / current


def scale_to_spectral_radius(matrix: np.ndarray, radius: float, where: str) -> np.ndarray:
    """``matrix`` rescaled (float64) so its spectral radius equals ``radius``.

    Example:
        >>> w = scale_to_spectral_radius(np.array([[0.0, 2.0], [3.0, 0.0]]), 0.9, "demo")
        >>> round(spectral_radius(w), 12)
        0.9
    """
    return np.asarray(matrix, dtype=np.float64) * spectral_scale(matrix, radius, where)
