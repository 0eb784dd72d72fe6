"""Model factories: compiled ``keras.Model`` objects built on any connectome.

Importing this package imports Keras (which registers every class of the
package, see :mod:`elegans_keras.registry`); each factory is imported on
first use.

Example:
    >>> from elegans_keras.models import elegans_classifier
    >>> model = elegans_classifier((28, 28, 1), 10, connectome="varshney2011")
"""

from __future__ import annotations

from typing import Any

from elegans_keras.lazy import lazy_exports as _lazy_exports

_DEFINED_IN = {
    "elegans_autoencoder": "elegans_keras.models.autoencoder",
    "plain_autoencoder": "elegans_keras.models.autoencoder",
    "elegans_classifier": "elegans_keras.models.classifier",
    "plain_classifier": "elegans_keras.models.classifier",
    "count_parameters": "elegans_keras.models.common",
    "echo_state_network": "elegans_keras.models.echo_state",
    "fit_ridge": "elegans_keras.models.echo_state",
    "reservoir_states": "elegans_keras.models.echo_state",
    "memory_scores": "elegans_keras.models.memory",
    "ForegroundF1": "elegans_keras.models.metrics",
    "MeanSSIM": "elegans_keras.models.metrics",
    "ImageToSequence": "elegans_keras.models.sequence_classifier",
    "echo_state_transformer_classifier": "elegans_keras.models.sequence_classifier",
}
FACTORY_NAMES = (
    "elegans_autoencoder",
    "elegans_classifier",
    "echo_state_network",
    "echo_state_transformer_classifier",
    "plain_autoencoder",
    "plain_classifier",
)
_getattr, __dir__ = _lazy_exports(__name__, _DEFINED_IN)


def __getattr__(name: str) -> Any:
    """The factories and classes on first use; ``FACTORIES`` maps factory names to them."""
    if name == "FACTORIES":
        factories = {factory: _getattr(factory) for factory in FACTORY_NAMES}
        globals()["FACTORIES"] = factories
        return factories
    return _getattr(name)


__all__ = sorted([*_DEFINED_IN, "FACTORIES"])

# Keras, and with it the registration of every class, before any model module
# runs: registering from inside a half-imported model module would be circular.
import keras  # noqa: E402,F401
