"""The connectome room: data model, readers/writers, bundled data, null models, metrics.

Example:
    >>> from elegans_keras.connectome import load_connectome
    >>> worm = load_connectome()          # the Elegans-AI graph, 279 neurons
    >>> worm.mask("all").sum()
    2993
"""

from elegans_keras.connectome import metrics, nullmodels
from elegans_keras.connectome.bundled import (
    DEFAULT_CONNECTOME,
    list_connectomes,
    load_connectome,
    resolve_connectome,
)
from elegans_keras.connectome.core import ROLES, Connectome
from elegans_keras.connectome.edgelist import read_edgelist
from elegans_keras.connectome.graphml import read_graphml, write_graphml

__all__ = [
    "DEFAULT_CONNECTOME",
    "ROLES",
    "Connectome",
    "list_connectomes",
    "metrics",
    "nullmodels",
    "load_connectome",
    "read_edgelist",
    "read_graphml",
    "resolve_connectome",
    "write_graphml",
]
