"""The connectome room: data model, readers/writers, bundled data, null models, metrics.

Example:
    >>> from elegans_keras.connectome import load_connectome
    >>> worm = load_connectome()          # Varshney 2011 wiring, 279 neurons
    >>> int(worm.mask("all").sum())
    2993
"""

from elegans_keras.connectome import metrics, nullmodels
from elegans_keras.connectome.adjacency import read_adjacency
from elegans_keras.connectome.bundled import (
    DEFAULT_CONNECTOME,
    PAPER_CONNECTOME,
    list_connectomes,
    load_connectome,
)
from elegans_keras.connectome.core import ROLES, Connectome
from elegans_keras.connectome.edgelist import read_edgelist
from elegans_keras.connectome.fly import read_flywire, read_neuprint
from elegans_keras.connectome.graphml import read_graphml, write_graphml
from elegans_keras.connectome.nxgraph import from_networkx, to_networkx
from elegans_keras.connectome.resolver import resolve_connectome

__all__ = [
    "DEFAULT_CONNECTOME",
    "PAPER_CONNECTOME",
    "ROLES",
    "Connectome",
    "from_networkx",
    "list_connectomes",
    "load_connectome",
    "metrics",
    "nullmodels",
    "read_adjacency",
    "read_edgelist",
    "read_flywire",
    "read_graphml",
    "read_neuprint",
    "resolve_connectome",
    "to_networkx",
    "write_graphml",
]
