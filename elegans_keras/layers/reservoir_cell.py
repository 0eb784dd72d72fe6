"""ReservoirCell: an echo-state RNN cell whose recurrence is the connectome."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from elegans_keras.errors import ConfigurationError
from elegans_keras.layers.checks import check_number, draw_seed
from elegans_keras.layers.masks import (
    NeuronSpec,
    WiringSpec,
    resolve_wiring,
    select_neurons,
    wiring_config,
    wiring_counts,
)
from elegans_keras.layers.spectral import (
    RECURRENT_WEIGHTS,
    scale_to_spectral_radius,
    synaptic_matrix,
)


@keras.saving.register_keras_serializable(package="elegans_keras")
class ReservoirCell(keras.layers.Layer):
    """Leaky echo-state cell on the connectome, for ``keras.layers.RNN``.

    ``h' = (1 - a) h + a tanh(u @ W_in + h @ W + b)``, with ``W`` (pre, post)
    supported on the synapses and scaled (float64 numpy) to the requested
    spectral radius, and fixed random input weights reaching only the chosen
    input neurons. The weights are stored in float32 (float64 under a float64
    policy) whatever the dtype policy, and cast to the compute dtype in
    ``call``. Frozen by default (a reservoir); ``trainable=True`` gives a
    trainable connectome RNN that keeps the synapse mask.

    Args:
        connectome_or_mask: a Connectome (or bundled name / path), or a square
            mask (booleans or non-negative counts).
        spectral_radius: spectral radius of ``W`` (> 0).
        leak_rate: ``a`` in (0, 1].
        input_scaling: input weights are uniform in ``[-input_scaling, input_scaling]``.
        input_neurons: ``"all"``, roles (``"S"``, ``"SI"``...) or neuron indices.
        output_neurons: the neurons returned as output, same forms.
        bias_scaling: bias uniform in ``[-bias_scaling, bias_scaling]``.
        synapses: ``"all"``, ``"chemical"`` or ``"electrical"`` (Connectome only).
        recurrent_weights: ``"random"`` (normal values) or ``"count"`` (synapse
            counts with random signs).
        seed: makes ``W``, ``W_in`` and ``b`` deterministic; None draws one and
            records it in the config.
        trainable: False (reservoir) or True (trainable connectome RNN).

    Example:
        >>> cell = ReservoirCell(load_connectome(), spectral_radius=0.9, seed=0)
        >>> states = keras.layers.RNN(cell, return_sequences=True)(np.ones((2, 10, 1)))
        >>> states.shape
        (2, 10, 279)
    """

    def __init__(
        self,
        connectome_or_mask: WiringSpec,
        spectral_radius: float = 0.9,
        leak_rate: float = 1.0,
        input_scaling: float = 1.0,
        input_neurons: NeuronSpec = "S",
        output_neurons: NeuronSpec = "all",
        bias_scaling: float = 0.0,
        synapses: str = "all",
        recurrent_weights: str = "random",
        seed: int | None = None,
        trainable: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(trainable=trainable, **kwargs)
        where = f"ReservoirCell {self.name!r}"
        self.wiring = resolve_wiring(connectome_or_mask, f"{where}: connectome_or_mask")
        counts = wiring_counts(self.wiring, synapses, where)
        if counts.shape[0] != counts.shape[1]:
            raise ConfigurationError(
                f"{where}: the recurrent mask must be square, got shape {counts.shape}"
            )
        check_number(spectral_radius, "spectral_radius", where, low=0.0)
        check_number(leak_rate, "leak_rate", where, low=0.0, high=1.0)
        check_number(input_scaling, "input_scaling", where, low=0.0)
        check_number(bias_scaling, "bias_scaling", where, low=0.0, low_inclusive=True)
        if recurrent_weights not in RECURRENT_WEIGHTS:
            raise ConfigurationError(
                f"{where}: recurrent_weights={recurrent_weights!r}; expected one of "
                f"{', '.join(RECURRENT_WEIGHTS)}"
            )
        self.input_indices = select_neurons(input_neurons, self.wiring, "input_neurons", where)
        self.output_indices = select_neurons(output_neurons, self.wiring, "output_neurons", where)
        self.spectral_radius = float(spectral_radius)
        self.leak_rate = float(leak_rate)
        self.input_scaling = float(input_scaling)
        self.bias_scaling = float(bias_scaling)
        self.synapses = synapses
        self.recurrent_weights = recurrent_weights
        self.seed = draw_seed(seed, where)
        self.support = counts != 0
        self.initial_recurrent = scale_to_spectral_radius(
            synaptic_matrix(counts, recurrent_weights, self._random_stream(0)),
            self.spectral_radius,
            where,
        )
        self.initial_bias = self._random_stream(1).uniform(-1, 1, len(counts)) * self.bias_scaling
        self.state_size = counts.shape[0]
        self.output_size = len(self.output_indices)

    def _random_stream(self, index: int) -> np.random.Generator:
        """Independent generator ``index`` (0 recurrent, 1 bias, 2 input) of the seed."""
        return np.random.default_rng(np.random.SeedSequence(self.seed).spawn(3)[index])

    @property
    def num_neurons(self) -> int:
        """Number of reservoir neurons N (the state size)."""
        return self.state_size

    def build(self, input_shape: tuple) -> None:
        if input_shape[-1] is None:
            raise ConfigurationError(
                f"ReservoirCell {self.name!r}: the input feature axis must be known"
            )
        size = self.num_neurons
        input_mask = np.zeros(size)
        input_mask[self.input_indices] = 1.0
        input_weights = self._random_stream(2).uniform(-1.0, 1.0, (input_shape[-1], size))
        self.recurrent_kernel = self._weight("recurrent_kernel", self.initial_recurrent)
        self.recurrent_mask = self._weight("recurrent_mask", self.support, trainable=False)
        self.input_kernel = self._weight(
            "input_kernel", input_weights * input_mask * self.input_scaling
        )
        self.input_mask = self._weight("input_mask", input_mask, trainable=False)
        self.bias = self._weight("bias", self.initial_bias)

    def _weight(self, name: str, value: np.ndarray, trainable: bool = True) -> Any:
        dtype = "float64" if self.variable_dtype == "float64" else "float32"
        variable = self.add_weight(
            name=name, shape=value.shape, initializer="zeros", trainable=trainable, dtype=dtype
        )
        variable.assign(np.asarray(value, dtype=np.float64))
        return variable

    def call(self, inputs: Any, states: Any, training: bool = False) -> tuple[Any, Any]:
        nested = isinstance(states, (list, tuple))
        state = states[0] if nested else states
        recurrent, input_weights = self.recurrent_kernel, self.input_kernel
        if self.trainable:
            recurrent = ops.multiply(recurrent, self.recurrent_mask)
            input_weights = ops.multiply(input_weights, self.input_mask)
        recurrent, input_weights, bias = (
            ops.cast(w, self.compute_dtype) for w in (recurrent, input_weights, self.bias)
        )
        drive = ops.matmul(inputs, input_weights) + ops.matmul(state, recurrent) + bias
        new_state = (1.0 - self.leak_rate) * state + self.leak_rate * ops.tanh(drive)
        output = new_state
        if self.output_size != self.state_size:
            output = ops.take(new_state, np.asarray(self.output_indices), axis=1)
        return output, ([new_state] if nested else new_state)

    def get_initial_state(self, batch_size: int | None = None) -> list[Any]:
        return [ops.zeros((batch_size, self.state_size), dtype=self.compute_dtype)]

    def get_config(self) -> dict[str, Any]:
        size = self.num_neurons
        return {
            **super().get_config(),
            "connectome_or_mask": wiring_config(self.wiring),
            "spectral_radius": self.spectral_radius,
            "leak_rate": self.leak_rate,
            "input_scaling": self.input_scaling,
            "input_neurons": "all" if len(self.input_indices) == size else self.input_indices,
            "output_neurons": "all" if self.output_size == size else self.output_indices,
            "bias_scaling": self.bias_scaling,
            "synapses": self.synapses,
            "recurrent_weights": self.recurrent_weights,
            "seed": self.seed,
        }
