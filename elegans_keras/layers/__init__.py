"""Keras layers that compute on the wiring (keras.ops only: TensorFlow, JAX, PyTorch).

Every layer takes a :class:`~elegans_keras.Connectome` (or a plain mask where
roles are not needed), keeps its mask as a non-trainable weight and
serialises to JSON, so ``keras.models.load_model(path, safe_mode=True)``
restores a saved model without pickled code.

Example:
    >>> from elegans_keras.layers import ConnectomeDense
    >>> tuple(ConnectomeDense(load_connectome())(np.ones((1, 279))).shape)
    (1, 279)
"""

from elegans_keras.layers.connectome_dense import ConnectomeDense
from elegans_keras.layers.connectomic_block import ConnectomicBlock
from elegans_keras.layers.echo_state_transformer import EchoStateTransformer
from elegans_keras.layers.motor_attention import MotorAttentionReadout
from elegans_keras.layers.reservoir_cell import ReservoirCell
from elegans_keras.layers.reservoir_rnn import ReservoirRNN

__all__ = [
    "ConnectomeDense",
    "ConnectomicBlock",
    "EchoStateTransformer",
    "MotorAttentionReadout",
    "ReservoirCell",
    "ReservoirRNN",
]
