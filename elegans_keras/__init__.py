"""elegans-keras: Keras 3 layers and models on the C. elegans connectome.

Importing the package registers its Keras layers, models' layers and
metrics, so ``keras.models.load_model`` restores saved models after
``import elegans_keras``. TensorFlow's native start-up and device log (the
``I0000 ...`` and ``E0000 ... cuInit`` lines that are not errors) is kept
off stderr while the package imports it, and its C++ log level defaults to
errors only (``TF_CPP_MIN_LOG_LEVEL=3``); set ``ELEGANS_KERAS_VERBOSE=1`` to
see them.

Example:
    >>> import elegans_keras as ek
    >>> worm = ek.load_connectome()
    >>> worm
    Connectome(name='celegans_herm', neurons=279, roles={'S': 98, 'I': 92, 'M': 89}, chemical=2194, electrical=517)
"""

import os as _os
import sys as _sys


def _import_backend_quietly() -> None:
    """Import Keras and its backend with TensorFlow's native start-up log muted."""
    if _os.environ.get("ELEGANS_KERAS_VERBOSE") or "tensorflow" in _sys.modules:
        import keras  # noqa: F401
        return
    _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    _sys.stderr.flush()
    saved = _os.dup(2)
    try:
        with open(_os.devnull, "w") as devnull:
            _os.dup2(devnull.fileno(), 2)
            import keras

            __import__(keras.backend.backend())
    finally:
        _os.dup2(saved, 2)
        _os.close(saved)


_import_backend_quietly()

from elegans_keras.connectome import (  # noqa: E402
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
from elegans_keras.errors import (  # noqa: E402
    ConfigurationError,
    ConnectomeError,
    DataDefectWarning,
    ElegansKerasError,
    WeightsError,
)

from elegans_keras import layers, models  # noqa: E402,F401  (registers the Keras classes)

__version__ = "0.2.0"

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
