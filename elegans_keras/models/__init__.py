"""Model factories: compiled ``keras.Model`` objects built on any connectome.

Example:
    >>> from elegans_keras.models import elegans_classifier
    >>> model = elegans_classifier((28, 28, 1), 10, connectome="varshney2011")
"""

from elegans_keras.models.autoencoder import elegans_autoencoder, plain_autoencoder
from elegans_keras.models.classifier import elegans_classifier, plain_classifier
from elegans_keras.models.common import count_parameters
from elegans_keras.models.echo_state import (
    echo_state_network,
    fit_ridge,
    reservoir_states,
)
from elegans_keras.models.memory import memory_scores
from elegans_keras.models.metrics import ForegroundF1, MeanSSIM
from elegans_keras.models.sequence_classifier import (
    ImageToSequence,
    echo_state_transformer_classifier,
)

FACTORIES = {
    "elegans_autoencoder": elegans_autoencoder,
    "elegans_classifier": elegans_classifier,
    "echo_state_network": echo_state_network,
    "echo_state_transformer_classifier": echo_state_transformer_classifier,
    "plain_autoencoder": plain_autoencoder,
    "plain_classifier": plain_classifier,
}

__all__ = [
    "FACTORIES",
    "ForegroundF1",
    "ImageToSequence",
    "MeanSSIM",
    "count_parameters",
    "echo_state_network",
    "echo_state_transformer_classifier",
    "elegans_autoencoder",
    "elegans_classifier",
    "fit_ridge",
    "memory_scores",
    "plain_autoencoder",
    "plain_classifier",
    "reservoir_states",
]
