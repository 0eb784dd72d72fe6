"""The connectome room: data model, readers/writers, bundled data, null models, metrics.

Example:
    >>> from elegans_keras.connectome import load_connectome
    >>> worm = load_connectome()          # Varshney 2011 wiring, 279 neurons
    >>> int(worm.mask("all").sum())
    2993
"""

from typing import TYPE_CHECKING

from elegans_keras.lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers and editors see; at run time _EXPORTS below
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

# Each name is imported from its module on first use (PEP 562), so that loading a bundled
# connectome does not import networkx, the readers or the metrics' graph algorithms.
_EXPORTS = {
    "DEFAULT_CONNECTOME": "elegans_keras.connectome.bundled",
    "PAPER_CONNECTOME": "elegans_keras.connectome.bundled",
    "list_connectomes": "elegans_keras.connectome.bundled",
    "load_connectome": "elegans_keras.connectome.bundled",
    "ROLES": "elegans_keras.connectome.core",
    "Connectome": "elegans_keras.connectome.core",
    "read_adjacency": "elegans_keras.connectome.adjacency",
    "read_edgelist": "elegans_keras.connectome.edgelist",
    "read_flywire": "elegans_keras.connectome.fly",
    "read_neuprint": "elegans_keras.connectome.fly",
    "read_graphml": "elegans_keras.connectome.graphml",
    "write_graphml": "elegans_keras.connectome.graphml",
    "from_networkx": "elegans_keras.connectome.nxgraph",
    "to_networkx": "elegans_keras.connectome.nxgraph",
    "resolve_connectome": "elegans_keras.connectome.resolver",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, ["metrics", "nullmodels"])

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
