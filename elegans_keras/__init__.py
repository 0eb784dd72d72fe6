"""elegans-keras: Keras 3 layers and models on the C. elegans connectome.

Example:
    >>> import elegans_keras as ek
    >>> worm = ek.load_connectome()
    >>> worm
    Connectome(name='celegans_herm', neurons=279, ...)
"""

from elegans_keras.connectome import (
    Connectome,
    list_connectomes,
    load_connectome,
    read_edgelist,
    read_graphml,
    resolve_connectome,
    write_graphml,
)
from elegans_keras.errors import (
    ConfigurationError,
    ConnectomeError,
    ElegansKerasError,
    WeightsError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigurationError",
    "Connectome",
    "ConnectomeError",
    "ElegansKerasError",
    "WeightsError",
    "__version__",
    "list_connectomes",
    "load_connectome",
    "read_edgelist",
    "read_graphml",
    "resolve_connectome",
    "write_graphml",
]
