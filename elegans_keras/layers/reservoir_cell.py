"""ReservoirCell: an echo-state RNN cell whose recurrence is the connectome."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from elegans_keras.checks import check_number, draw_seed
from elegans_keras.errors import ConfigurationError
from elegans_keras.layers.kernels import propagate
from elegans_keras.layers.synapse_spec import (
    DEFAULTS,
    SpecAttributes,
    SynapseSpec,
    ValuesInitializer,
    renamed_argument,
    required_connectome,
    spec_config,
    spec_from_arguments,
)
from elegans_keras.layers.synapses import spawn
from elegans_keras.layers.wiring import (
    NeuronSpec,
    WiringSpec,
    layer_from_config,
    select_neurons,
)


@keras.saving.register_keras_serializable(package="elegans_keras")
class ReservoirCell(SpecAttributes, keras.layers.Layer):
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
        connectome: a Connectome (or bundled name / path), a square mask
            (booleans or non-negative counts), or a
            :class:`~elegans_keras.layers.SynapseSpec` of the recurrent
            synapses (then the synapse arguments come from it);
            ``connectome_or_mask=`` is its deprecated name.
        spectral_radius: spectral radius of ``W`` (> 0).
        leak_rate: ``a`` in (0, 1].
        input_scaling: input weights are uniform in ``[-input_scaling, input_scaling]``.
        input_neurons: ``"all"``, roles (``"S"``, ``"SI"``...) or neuron indices.
        state_neurons: the neurons whose states are the output, same forms
            (``output_neurons=`` is its deprecated name).
        bias_scaling: bias uniform in ``[-bias_scaling, bias_scaling]``.
        synapses: ``"all"``, ``"chemical"`` or ``"electrical"`` (Connectome only).
        magnitudes: ``"count"`` (log(1 + count)) or ``"random"`` (``weights=``
            is its deprecated name).
        signs: ``"random"`` or ``"neurotransmitter"`` (Dale's principle).
        implementation: ``"auto"``, ``"dense"`` or ``"sparse"``.
        seed: makes ``W``, ``W_in`` and ``b`` deterministic; None draws one and
            records it in the config. ``W``'s values use a seed derived from it
            (or the SynapseSpec's own).
        synapse_seed: the seed of ``W``'s values when it is not derived from
            ``seed`` (written by ``get_config``; leave it None).
        trainable: False (reservoir) or True (trainable connectome RNN).

    Example:
        >>> cell = ReservoirCell(load_connectome(), spectral_radius=0.9, seed=0)
        >>> states = keras.layers.RNN(cell, return_sequences=True)(np.ones((2, 10, 1)))
        >>> tuple(states.shape)
        (2, 10, 279)
    """

    def __init__(
        self,
        connectome: WiringSpec | SynapseSpec | None = None,
        spectral_radius: float = 0.9,
        leak_rate: float = 1.0,
        input_scaling: float = 1.0,
        input_neurons: NeuronSpec = "S",
        state_neurons: NeuronSpec = "all",
        bias_scaling: float = 0.0,
        synapses: str = "all",
        magnitudes: str = "count",
        signs: str = "random",
        implementation: str = "auto",
        seed: int | None = None,
        trainable: bool = False,
        synapse_seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        where = f"ReservoirCell {kwargs.get('name', '')!r}"
        connectome = renamed_argument(
            kwargs, "connectome_or_mask", "connectome", connectome, None, where
        )
        magnitudes = renamed_argument(kwargs, "weights", "magnitudes", magnitudes, "count", where)
        state_neurons = renamed_argument(
            kwargs, "output_neurons", "state_neurons", state_neurons, "all", where
        )
        super().__init__(trainable=trainable, **kwargs)
        where = f"ReservoirCell {self.name!r}"
        self.seed = draw_seed(seed, where)
        recurrent_seed, bias_rng, self._input_rng_seed = self._streams()
        connectome = required_connectome(connectome, where)
        if synapse_seed is None and not isinstance(connectome, SynapseSpec):
            synapse_seed = recurrent_seed
        given = {
            "synapses": synapses,
            "magnitudes": magnitudes,
            "signs": signs,
            "spectral_radius": check_number(spectral_radius, "spectral_radius", where, low=0.0),
            "implementation": implementation,
        }
        self.spec = spec_from_arguments(
            connectome,
            given,
            DEFAULTS,
            where,
            synapse_seed,
            fixed={"nonneg": False, "shared_values": None},
        )
        if self.spec.spectral_radius is None:
            raise ConfigurationError(f"{where}: a reservoir needs a spectral_radius")
        if self.syn.num_pre != self.syn.num_post:
            raise ConfigurationError(
                f"{where}: the recurrent mask must be square, got shape "
                f"({self.syn.num_pre}, {self.syn.num_post})"
            )
        check_number(leak_rate, "leak_rate", where, low=0.0, high=1.0)
        check_number(input_scaling, "input_scaling", where, low=0.0)
        check_number(bias_scaling, "bias_scaling", where, low=0.0, low_inclusive=True)
        wiring = self.spec.wiring
        self.input_indices = select_neurons(input_neurons, wiring, "input_neurons", where)
        self.output_indices = select_neurons(state_neurons, wiring, "state_neurons", where)
        self.leak_rate = float(leak_rate)
        self.input_scaling = float(input_scaling)
        self.bias_scaling = float(bias_scaling)
        self.initial_bias = bias_rng.uniform(-1, 1, self.syn.num_pre) * self.bias_scaling
        self.state_size = self.syn.num_pre
        self.output_size = len(self.output_indices)

    def _streams(self) -> tuple[int, np.random.Generator, int]:
        recurrent, bias, inputs = spawn(self.seed, 3)
        return int(recurrent.integers(2**32)), bias, int(inputs.integers(2**32))

    initial_recurrent = SpecAttributes.initial_values  # its name before issue 24

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
        self.recurrent_values = self._weight(
            "recurrent_values", (self.syn.num_values,), self.spec.initializer()
        )
        self.input_kernel = self._weight(
            "input_kernel",
            input_weights.shape,
            ValuesInitializer(input_weights * input_mask * self.input_scaling),
        )
        self.input_mask = input_mask
        self.bias = self._weight("bias", (size,), ValuesInitializer(self.initial_bias))

    def _weight(self, name: str, shape: tuple, initializer: ValuesInitializer) -> Any:
        dtype = "float64" if self.variable_dtype == "float64" else "float32"
        return self.add_weight(name=name, shape=shape, initializer=initializer, dtype=dtype)

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
            **spec_config(self.spec),
            "leak_rate": self.leak_rate,
            "input_scaling": self.input_scaling,
            "input_neurons": "all" if len(self.input_indices) == size else self.input_indices,
            "state_neurons": "all" if self.output_size == size else self.output_indices,
            "bias_scaling": self.bias_scaling,
            "seed": self.seed,
            "synapse_seed": self.spec.seed,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ReservoirCell:
        return layer_from_config(cls, config)
