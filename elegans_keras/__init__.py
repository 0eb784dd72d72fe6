"""elegans-keras: Keras 3 layers and models on the C. elegans connectome.

Importing the package imports no deep-learning backend: the connectome
(loaders, readers, writers, metrics, null models, spectrum) needs none, and
is itself imported when one of its names is first read.
Layers, models, data sets, training and the rest import Keras the first time
they are used (``elegans_keras.layers.ConnectomeDense`` works as it reads).
The package's Keras classes are registered as soon as Keras is imported
(:mod:`elegans_keras.registry`), so ``keras.models.load_model`` restores saved
models after ``import elegans_keras``. TensorFlow's native start-up log (the
``I0000 ...`` lines that are not errors) is filtered out of stderr while
Keras imports, and its C++ log level defaults to fatal only
(``TF_CPP_MIN_LOG_LEVEL=3``); set ``ELEGANS_KERAS_VERBOSE=1`` to see it.

Example:
    >>> import elegans_keras as ek
    >>> worm = ek.load_connectome()
    >>> worm
    Connectome(name='celegans_herm', neurons=279, roles={'S': 98, 'I': 92, 'M': 89},
               chemical=2194, electrical=517)
"""

import os as _os

__version__ = "0.3.0"

if not _os.environ.get("ELEGANS_KERAS_VERBOSE"):
    _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from elegans_keras import registry as _registry  # noqa: E402
from elegans_keras.errors import (  # noqa: E402
    ConfigurationError,
    ConnectomeError,
    DataDefectWarning,
    ElegansKerasError,
    WeightsError,
)
from elegans_keras.lazy import lazy_exports as _lazy_exports  # noqa: E402

_CONNECTOME_NAMES = (
    "Connectome",
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
)
# The connectome names (pandas, scipy) and the subpackages and modules read as attributes
# (``ek.layers``: Keras) are imported on first use, so ``elegans-keras --help`` starts at once.
__getattr__, __dir__ = _lazy_exports(
    __name__,
    {
        **dict.fromkeys(_CONNECTOME_NAMES, "elegans_keras.connectome"),
        "load_model": "elegans_keras.saving",
    },
    (
        "atomic",
        "checks",
        "cli",
        "connectome",
        "datasets",
        "distribute",
        "experiments",
        "layers",
        "models",
        "options",
        "plots",
        "pretrained",
        "progress",
        "runlogs",
        "saving",
        "study",
        "training",
    ),
)
_registry.install()

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
    "load_model",
    "read_adjacency",
    "read_edgelist",
    "read_flywire",
    "read_graphml",
    "read_neuprint",
    "resolve_connectome",
    "to_networkx",
    "write_graphml",
]
