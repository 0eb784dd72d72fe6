"""ReservoirRNN: ``keras.layers.RNN`` for a ReservoirCell, its whole recurrence in one call
where it can."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from elegans_keras.errors import ConfigurationError
from elegans_keras.layers.kernels import entry_values
from elegans_keras.layers.recurrence import host_recurrence, host_recurrence_available
from elegans_keras.layers.reservoir_cell import ReservoirCell


@keras.saving.register_keras_serializable(package="elegans_keras")
class ReservoirRNN(keras.layers.RNN):
    """``keras.layers.RNN(cell)`` for a :class:`ReservoirCell`, same arguments, same results.

    On TensorFlow without a GPU (float32 or float64, no mask, forwards, not
    unrolled) all the steps run in one scipy.sparse loop and the gradient in
    one more (:func:`~elegans_keras.layers.recurrence.host_recurrence`),
    instead of one ``numpy_function`` call per step: at 3,000 neurons that is
    most of a step's time. Elsewhere, or with ``fused=False``, it is
    ``keras.layers.RNN``'s own loop over the cell. A fused model cannot be
    XLA-compiled or exported as a SavedModel; ``.keras`` files work.

    Example:
        >>> cell = ReservoirCell(load_connectome(), spectral_radius=0.9, seed=0)
        >>> states = ReservoirRNN(cell, return_sequences=True)(np.ones((2, 10, 1)))
        >>> tuple(states.shape)
        (2, 10, 279)
    """

    def __init__(self, cell: ReservoirCell, fused: bool = True, **kwargs: Any) -> None:
        if not isinstance(cell, ReservoirCell):
            raise ConfigurationError(
                f"ReservoirRNN: cell must be a ReservoirCell, got {type(cell).__name__}"
            )
        if not isinstance(fused, bool):
            raise ConfigurationError(f"ReservoirRNN: fused must be True or False, got {fused!r}")
        super().__init__(cell, **kwargs)
        self.fused = fused

    def inner_loop(
        self, sequences: Any, initial_state: list[Any], mask: Any, training: bool = False
    ) -> tuple[Any, Any, list[Any]]:
        cell = self.cell
        if not (
            self.fused
            and mask is None
            and not self.go_backwards
            and not self.unroll
            and host_recurrence_available(cell.compute_dtype)
        ):
            return super().inner_loop(sequences, initial_state, mask, training=training)
        dtype = cell.compute_dtype
        input_kernel = cell.input_kernel
        if cell.trainable:
            input_kernel = ops.multiply(input_kernel, cell.input_mask)
        entries = entry_values(ops.cast(cell.recurrent_values, dtype), cell.syn)
        states = host_recurrence(
            ops.cast(sequences, dtype),
            ops.cast(input_kernel, dtype),
            ops.cast(cell.bias, dtype),
            entries,
            initial_state[0],
            cell.syn,
            cell.leak_rate,
            entries_trainable=cell.trainable,
        )
        outputs = states
        if cell.output_size != cell.state_size:
            outputs = ops.take(states, cell.output_indices, axis=2)
        return outputs[:, -1], outputs, [states[:, -1]]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "fused": self.fused}
