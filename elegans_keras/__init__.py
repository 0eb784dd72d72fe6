"""elegans-keras: Keras 3 layers and models on the C. elegans connectome.

Example:
    >>> import elegans_keras as ek
    >>> worm = ek.load_connectome()
    >>> worm
    Connectome(name='celegans_herm', neurons=279, roles={'S': 98, 'I': 92, 'M': 89}, chemical=2194, electrical=517)
"""

from elegans_keras.connectome import (
    Connectome,
    from_networkx,
    list_connectomes,
    load_connectome,
    read_adjacency,
    read_edgelist,
    read_flywire,
    read_graphml,
    read_neuprint,
    resolve_connectome,
    to_networkx,
    write_graphml,
)
from elegans_keras.errors import (
    ConfigurationError,
    ConnectomeError,
    DataDefectWarning,
    ElegansKerasError,
    WeightsError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigurationError",
    "Connectome",
    "ConnectomeError",
    "DataDefectWarning",
    "ElegansKerasError",
    "WeightsError",
    "__version__",
    "from_networkx",
    "list_connectomes",
    "load_connectome",
    "read_adjacency",
    "read_edgelist",
    "read_flywire",
    "read_graphml",
    "read_neuprint",
    "resolve_connectome",
    "to_networkx",
    "write_graphml",
]
