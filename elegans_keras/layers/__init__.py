"""Keras layers that compute on the wiring (keras.ops only: TensorFlow, JAX, PyTorch).

Every layer takes a :class:`~elegans_keras.Connectome` (or a plain mask where
roles are not needed, or a :class:`SynapseSpec` that says how the wiring
becomes synaptic values) and serialises to JSON, so
``keras.models.load_model(path, safe_mode=True)`` restores a saved model
without pickled code. Importing this package imports Keras (which
registers every class of the package, see :mod:`elegans_keras.registry`)
before any layer module runs; each layer class is imported on first use.

Example:
    >>> from elegans_keras.layers import ConnectomeDense
    >>> tuple(ConnectomeDense(load_connectome())(np.ones((1, 279))).shape)
    (1, 279)
"""

from elegans_keras.lazy import lazy_exports as _lazy_exports

_DEFINED_IN = {
    "ConnectomeDense": "elegans_keras.layers.connectome_dense",
    "ConnectomicBlock": "elegans_keras.layers.connectomic_block",
    "EchoStateTransformer": "elegans_keras.layers.echo_state_transformer",
    "MotorAttentionReadout": "elegans_keras.layers.motor_attention",
    "ReservoirCell": "elegans_keras.layers.reservoir_cell",
    "ReservoirRNN": "elegans_keras.layers.reservoir_rnn",
    "SynapseSpec": "elegans_keras.layers.synapse_spec",
}
__getattr__, __dir__ = _lazy_exports(__name__, _DEFINED_IN)

# Keras, and with it the registration of every class, before any layer module
# runs: registering from inside a half-imported layer module would be circular.
import keras  # noqa: E402,F401

__all__ = sorted(_DEFINED_IN)
