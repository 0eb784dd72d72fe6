"""Load a saved Keras model that uses the package's layers, with a short error when it cannot.

``keras.models.load_model`` reports a class it does not know with the class's
whole config (a connectome layer's holds its wiring: tens of kB). The
:func:`load_model` here registers the package's classes first (Keras is
imported), then loads; a class that is still unknown (a model saved with a
newer elegans-keras, or with another package's layers) is named in one line.

Example:
    >>> model = load_model("mnist_classifier.keras")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
from typing import Any

from elegans_keras.errors import ConfigurationError

_UNKNOWN = re.compile(r"Could not (?:locate|deserialize) (\w+) '([^']+)'")


def load_model(path: str | os.PathLike, **kwargs: Any) -> Any:
    """``keras.models.load_model(path, **kwargs)`` with every class of the package registered.

    Raises:
        ConfigurationError: the file uses a class that neither Keras nor this
            package defines (the message names the file and the class, not its config).
    """
    import keras

    from elegans_keras import __version__
    from elegans_keras.registry import register

    register()
    try:
        return keras.models.load_model(path, **kwargs)
    except TypeError as err:
        unknown = _UNKNOWN.search(str(err))
        if unknown is None:
            raise
        kind, name = unknown.groups()
        raise ConfigurationError(
            f"{os.fspath(path)}: the model uses the Keras {kind} {name!r}, which neither Keras "
            f"nor elegans-keras {__version__} defines; import the package that registers it "
            "(keras.saving.register_keras_serializable) before loading"
        ) from None
