"""ReservoirCell: an echo-state RNN cell whose recurrence is the connectome."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from elegans_keras.checks import check_choice, check_number, draw_seed
from elegans_keras.errors import ConfigurationError
from elegans_keras.layers.kernels import choose, propagate
from elegans_keras.layers.synapses import (
    SIGNS,
    WEIGHTS,
    spawn,
    starting_values,
    synapses_of,
)
from elegans_keras.layers.wiring import (
    NeuronSpec,
    WiringSpec,
    layer_from_config,
    resolve_wiring,
    select_neurons,
    wiring_config,
)


@keras.saving.register_keras_serializable(package="elegans_keras")
class ReservoirCell(keras.layers.Layer):
    """Leaky echo-state cell on the connectome, for ``keras.layers.RNN`` or :class:`ReservoirRNN`.

    (``ReservoirRNN`` gives the same states; on CPU TensorFlow it runs the
    whole sequence in one scipy loop, several times faster for a sparse cell.)

    ``h' = (1 - a) h + a tanh(u @ W_in + h @ W + b)``, with ``W`` (pre, post)
    living on the synapses (one value per synapse pair: magnitudes from the
    counts, signs random or from transmitters, see
    :mod:`~elegans_keras.layers.synapses`) and scaled to the requested
    spectral radius (exact up to 1,024 neurons, a checked sparse estimate
    above), and fixed random input weights reaching only the chosen input
    neurons. The weights are stored in float32 (float64 under a float64
    policy) and cast to the compute dtype in ``call``. Frozen by default (a
    reservoir); ``trainable=True`` trains the synapse values (a connectome RNN).

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
        weights: ``"count"`` (log(1 + count) magnitudes) or ``"random"``.
        signs: ``"random"`` or ``"neurotransmitter"`` (Dale's principle).
        implementation: ``"auto"``, ``"dense"`` or ``"sparse"``.
        seed: makes ``W``, ``W_in`` and ``b`` deterministic; None draws one and
            records it in the config.
        trainable: False (reservoir) or True (trainable connectome RNN).

    Example:
        >>> cell = ReservoirCell(load_connectome(), spectral_radius=0.9, seed=0)
        >>> states = keras.layers.RNN(cell, return_sequences=True)(np.ones((2, 10, 1)))
        >>> tuple(states.shape)
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
        weights: str = "count",
        signs: str = "random",
        implementation: str = "auto",
        seed: int | None = None,
        trainable: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(trainable=trainable, **kwargs)
        where = f"ReservoirCell {self.name!r}"
        self.wiring = resolve_wiring(connectome_or_mask, f"{where}: connectome_or_mask")
        try:
            self.syn = synapses_of(self.wiring, synapses)
        except ConfigurationError as err:
            raise ConfigurationError(f"{where}: {err}") from None
        if self.syn.num_pre != self.syn.num_post:
            raise ConfigurationError(
                f"{where}: the recurrent mask must be square, got shape "
                f"({self.syn.num_pre}, {self.syn.num_post})"
            )
        check_number(spectral_radius, "spectral_radius", where, low=0.0)
        check_number(leak_rate, "leak_rate", where, low=0.0, high=1.0)
        check_number(input_scaling, "input_scaling", where, low=0.0)
        check_number(bias_scaling, "bias_scaling", where, low=0.0, low_inclusive=True)
        check_choice(weights, "weights", where, WEIGHTS)
        check_choice(signs, "signs", where, SIGNS)
        self.input_indices = select_neurons(input_neurons, self.wiring, "input_neurons", where)
        self.output_indices = select_neurons(output_neurons, self.wiring, "output_neurons", where)
        self.spectral_radius = float(spectral_radius)
        self.leak_rate = float(leak_rate)
        self.input_scaling = float(input_scaling)
        self.bias_scaling = float(bias_scaling)
        self.synapses = synapses
        self.weights_rule = weights
        self.signs = signs
        self.implementation = implementation
        self.compute_path = choose(implementation, self.syn, where)
        self.seed = draw_seed(seed, where)
        recurrent_seed, bias_rng, self._input_rng_seed = self._streams()
        self.initial_recurrent = starting_values(
            self.syn, self.wiring, weights, signs, recurrent_seed, self.spectral_radius, where
        )
        self.initial_bias = bias_rng.uniform(-1, 1, self.syn.num_pre) * self.bias_scaling
        self.state_size = self.syn.num_pre
        self.output_size = len(self.output_indices)

    def _streams(self) -> tuple[int, np.random.Generator, int]:
        recurrent, bias, inputs = spawn(self.seed, 3)
        return int(recurrent.integers(2**32)), bias, int(inputs.integers(2**32))

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
        rng = np.random.default_rng(self._input_rng_seed)
        input_weights = rng.uniform(-1.0, 1.0, (input_shape[-1], size))
        self.recurrent_values = self._weight("recurrent_values", self.initial_recurrent)
        self.input_kernel = self._weight(
            "input_kernel", input_weights * input_mask * self.input_scaling
        )
        self.input_mask = input_mask
        self.bias = self._weight("bias", self.initial_bias)

    def _weight(self, name: str, value: np.ndarray) -> Any:
        dtype = "float64" if self.variable_dtype == "float64" else "float32"
        variable = self.add_weight(name=name, shape=value.shape, initializer="zeros", dtype=dtype)
        variable.assign(np.asarray(value, dtype=np.float64))
        return variable

    def call(self, inputs: Any, states: Any, training: bool = False) -> tuple[Any, Any]:
        nested = isinstance(states, (list, tuple))
        state = states[0] if nested else states
        input_weights = self.input_kernel
        if self.trainable:
            input_weights = ops.multiply(input_weights, self.input_mask)
        input_weights, bias = (ops.cast(w, self.compute_dtype) for w in (input_weights, self.bias))
        recurrent = propagate(state, self.recurrent_values, self.syn, self.compute_path)
        drive = ops.matmul(inputs, input_weights) + recurrent + bias
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
            "weights": self.weights_rule,
            "signs": self.signs,
            "implementation": self.implementation,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ReservoirCell:
        return layer_from_config(cls, config, "connectome_or_mask")
