"""ConnectomicBlock: sensory embedding -> propagation along the synapses -> motor tokens."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from elegans_keras.checks import (
    MODES,
    check_activation,
    check_choice,
    check_int,
    check_number,
    check_rate,
)
from elegans_keras.errors import ConfigurationError, ConnectomeError
from elegans_keras.layers.kernels import propagate
from elegans_keras.layers.synapse_spec import (
    DEFAULTS,
    SpecAttributes,
    SpecProperty,
    SynapseSpec,
    renamed_argument,
    required_connectome,
    spec_config,
    spec_from_arguments,
)
from elegans_keras.layers.synapses import restrict
from elegans_keras.layers.wiring import WiringSpec, layer_from_config, require_connectome


@keras.saving.register_keras_serializable(package="elegans_keras")
class ConnectomicBlock(SpecAttributes, keras.layers.Layer):
    """The deep connectomic network: every synapse on a sensory -> motor path counts.

    1. Sensory embedding. ``(batch, F)`` inputs: a Dense to ``N_S * features``.
       ``(batch, T, C)`` inputs (image tokens): a Dense from C to ``features``
       on every token, then each sensory neuron pools the T tokens with its
       own learned receptive field (a softmax over the T positions).
    2. ``steps`` propagation steps along the wiring, weights shared across steps:
       ``h = activation(h + V^T (h W) + b)`` (tanh by default: a bounded
       residual update, like a leak-free reservoir step), where ``W`` is the
       synaptic matrix (one value per chemical pair and per gap junction,
       used in both directions) and ``V`` a shared ``features x features``
       transform; ``gating=True`` multiplies the update by a sigmoid gate.
    3. Output: the motor neurons' states ``(batch, N_M, features)`` as tokens.

    Inside the block states are held neuron-first, as ``(neurons, batch *
    features)`` rows, so that the product with ``W`` is one 2-D matmul (or
    one sparse product; :func:`~elegans_keras.layers.kernels.propagate` along
    axis 0), the feature transform another, and no step transposes the
    states; the formula above is written in ``(batch, features, neurons)``
    terms, and dropout draws its mask in that layout. A
    synapse influences the output when it lies on a sensory -> motor path of
    at most ``steps`` hops. Only the rows and columns that can matter are
    multiplied: the first step reads the sensory neurons' rows of ``W`` (every
    other state is still zero), the last computes the motor neurons' columns
    (the only states read out), about a third of the worm's matrix each.
    The synaptic values start from the wiring (by default ``log(1 + count)``
    magnitudes with random signs; ``signs="neurotransmitter"`` for Dale's
    principle), scaled so the whole matrix has spectral radius
    ``spectral_radius``; ``V`` starts orthogonal.
    ``mode="deep"`` trains ``W``, ``V`` and ``b``; ``mode="reservoir"``
    freezes them, and only the embedding (and gate) train.

    Args:
        connectome: a Connectome or a bundled name / path (roles are needed),
            or a :class:`~elegans_keras.layers.SynapseSpec` of one (then the
            synapse arguments come from it).
        mode: ``"deep"`` or ``"reservoir"``.
        features: width of each neuron's state.
        steps: number of propagation steps.
        gating: multiplicative sigmoid gate on each update.
        spectral_radius: of the initial (deep) or frozen (reservoir) synapses.
        activation: activation of each step (bounded ones keep the states bounded).
        dropout: dropout rate on the update.
        magnitudes, signs: initial synaptic values (see
            :mod:`~elegans_keras.layers.synapses`; ``weights=`` is the deprecated
            name of ``magnitudes``).
        implementation: ``"auto"``, ``"dense"`` or ``"sparse"`` propagation.
        shared_values: let the synaptic entries share this many trainable values
            (random balanced groups; None: one value per synapse pair).
        seed: every initial weight, the synaptic values and dropout; None
            draws one (kept in the config).

    Example:
        >>> block = ConnectomicBlock(load_connectome(), features=16, steps=3)
        >>> tuple(block(np.ones((2, 784))).shape)
        (2, 89, 16)
    """

    def __init__(
        self,
        connectome: WiringSpec | SynapseSpec | None = None,
        mode: str = "deep",
        features: int = 16,
        steps: int = 2,
        gating: bool = False,
        spectral_radius: float = 0.9,
        activation: Any = "tanh",
        dropout: float = 0.0,
        magnitudes: str = "count",
        signs: str = "random",
        implementation: str = "auto",
        shared_values: int | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        where = f"ConnectomicBlock {kwargs.get('name', '')!r}"
        magnitudes = renamed_argument(kwargs, "weights", "magnitudes", magnitudes, "count", where)
        super().__init__(**kwargs)
        where = f"ConnectomicBlock {self.name!r}"
        given = {
            "magnitudes": magnitudes,
            "signs": signs,
            "spectral_radius": check_number(spectral_radius, "spectral_radius", where, low=0.0),
            "implementation": implementation,
            "shared_values": shared_values,
        }
        self.spec = spec_from_arguments(
            required_connectome(connectome, where),
            given,
            DEFAULTS,
            where,
            seed,
            fixed={"synapses": "all", "nonneg": False},
        )
        if self.spec.spectral_radius is None:
            raise ConfigurationError(
                f"{where}: the block's synapses are scaled to a spectral radius; its "
                "SynapseSpec has spectral_radius=None"
            )
        self.connectome = require_connectome(self.spec.wiring, where)
        self.seed = self.spec.seed
        self.mode = check_choice(mode, "mode", where, MODES)
        self.features = check_int(features, "features", where, low=1)
        self.steps = check_int(steps, "steps", where, low=1)
        self.gating = bool(gating)
        self.activation = check_activation(activation, where)
        self.dropout = check_rate(dropout, "dropout", where)
        self.sensory = self.connectome.role_indices("S")
        self.motor = self.connectome.role_indices("M")
        for label, indices in (("sensory", self.sensory), ("motor", self.motor)):
            if len(indices) == 0:
                raise ConnectomeError(
                    f"{where}: connectome {self.connectome.name!r} has no {label} neurons"
                )
        # the synapses each step multiplies, by (first step, last step): see the docstring
        rows = {True: self.sensory, False: None}
        columns = {True: self.motor, False: None}
        self.step_synapses = {
            (first, last): restrict(self.syn, rows[first], columns[last])
            for first, last in {(step == 0, step == self.steps - 1) for step in range(self.steps)}
        }
        # neuron i reads sensory slot source[i]; every other neuron reads the zero slot N_S
        source = np.full(self.num_neurons, len(self.sensory), dtype=np.int32)
        source[self.sensory] = np.arange(len(self.sensory), dtype=np.int32)
        self.state_source = source
        self.update_dropout = keras.layers.Dropout(self.dropout, seed=self.seed, name="dropout")

    shared_values = SpecProperty("shared_values", "values shared by the entries (None: none)")

    def _initializer(self, offset: int) -> keras.initializers.Initializer:
        return keras.initializers.GlorotUniform(seed=self.seed + offset)

    @property
    def num_neurons(self) -> int:
        """Number of neurons N of the connectome."""
        return self.connectome.num_neurons

    def build(self, input_shape: tuple) -> None:
        where = f"ConnectomicBlock {self.name!r}"
        if len(input_shape) not in (2, 3) or input_shape[-1] is None:
            raise ConfigurationError(
                f"{where}: input of shape {tuple(input_shape)}; expected (batch, F) or "
                "(batch, T, F) with F known"
            )
        sensory, features, deep = len(self.sensory), self.features, self.mode == "deep"
        if len(input_shape) == 2:
            self.receptive_fields = None
            self.embedding = keras.layers.Dense(
                sensory * features,
                kernel_initializer=self._initializer(2),
                name="sensory_embedding",
            )
            self.embedding.build(input_shape)
        else:
            if input_shape[1] is None:
                raise ConfigurationError(f"{where}: the token axis of the input must be known")
            self.receptive_fields = self.add_weight(
                name="receptive_fields",
                shape=(sensory, input_shape[1]),
                initializer=keras.initializers.RandomNormal(stddev=1.0, seed=self.seed + 1),
            )
            self.embedding = keras.layers.Dense(
                features, kernel_initializer=self._initializer(2), name="sensory_embedding"
            )
            self.embedding.build(input_shape)
        self.synapse_values = self.add_weight(
            name="synapse_values",
            shape=(self.syn.num_values,),
            initializer=self.spec.initializer(),
            trainable=deep,
        )
        self.feature_kernel = self.add_weight(
            name="feature_kernel",
            shape=(features, features),
            trainable=deep,
            initializer=keras.initializers.Orthogonal(seed=self.seed + 3),
        )
        self.bias = self.add_weight(
            name="bias", shape=(features, 1), initializer="zeros", trainable=deep
        )
        self.gate_kernel = self.gate_bias = None
        if self.gating:
            self.gate_kernel = self.add_weight(
                name="gate_kernel", shape=(features, features), initializer=self._initializer(0)
            )
            self.gate_bias = self.add_weight(
                name="gate_bias", shape=(features, 1), initializer="zeros"
            )

    def _sensory_embedding(self, inputs: Any) -> Any:
        """(N_S, batch * features) neuron-first rows: the sensory neurons' embedding."""
        sensory, features = len(self.sensory), self.features
        if self.receptive_fields is None:
            embedded = ops.reshape(self.embedding(inputs), (-1, sensory, features))
            return ops.reshape(ops.transpose(embedded, (1, 0, 2)), (sensory, -1))
        fields = ops.softmax(ops.cast(self.receptive_fields, self.compute_dtype), axis=-1)
        tokens = ops.transpose(self.embedding(inputs), (1, 0, 2))  # (T, batch, features)
        return ops.matmul(fields, ops.reshape(tokens, (fields.shape[1], -1)))

    def _placed(self, sensory: Any) -> Any:
        """(N, batch * features) states: ``sensory`` at the sensory neurons, zeros elsewhere."""
        # a row gather, not an (N, N_S) placement matmul: O(N) memory at fly scale
        slots = ops.concatenate([sensory, ops.zeros_like(sensory[:1])], axis=0)
        return ops.take(slots, self.state_source, axis=0)

    def _sensory_states(self, inputs: Any) -> Any:
        """(batch, features, N) states: the sensory neurons' embedding, zeros elsewhere."""
        states = self._placed(self._sensory_embedding(inputs))
        return ops.transpose(ops.reshape(states, (self.num_neurons, -1, self.features)), (1, 2, 0))

    def _dropped(self, update: Any, training: bool | None) -> Any:
        """Dropout on a (neurons, batch * features) update, its mask drawn in (batch, features,
        neurons) order (the layout of the formula), so a seed drops the same numbers."""
        if self.dropout == 0.0:
            return update
        neurons = update.shape[0]
        batch_first = ops.transpose(ops.reshape(update, (neurons, -1, self.features)), (1, 2, 0))
        dropped = self.update_dropout(batch_first, training=training)
        return ops.reshape(ops.transpose(dropped, (2, 0, 1)), (neurons, -1))

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        # neuron-first (neurons, batch * features) rows: every product is one 2-D matmul (or one
        # sparse product along the rows), and no step transposes the states
        sensory = self._sensory_embedding(inputs)
        state = self._placed(sensory)
        bias = ops.reshape(ops.cast(self.bias, state.dtype), (1, self.features))
        for step in range(self.steps):
            first, last = step == 0, step == self.steps - 1
            mixed = propagate(
                sensory if first else state,
                self.synapse_values,
                self.step_synapses[first, last],
                self.compute_path,
                axis=0,
            )
            if last:
                state = ops.take(state, self.motor, axis=0)
            neurons = mixed.shape[0]
            flat = ops.matmul(
                ops.reshape(mixed, (-1, self.features)), ops.cast(self.feature_kernel, state.dtype)
            )
            update = flat + bias
            if self.gating:
                gate = ops.matmul(
                    ops.reshape(state, (-1, self.features)), ops.cast(self.gate_kernel, state.dtype)
                )
                gate_bias = ops.reshape(ops.cast(self.gate_bias, state.dtype), (1, self.features))
                update = update * ops.sigmoid(gate + gate_bias)
            update = self._dropped(ops.reshape(update, (neurons, -1)), training)
            state = self.activation(state + update)
        motor = ops.reshape(state, (len(self.motor), -1, self.features))
        return ops.transpose(motor, (1, 0, 2))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], len(self.motor), self.features)

    def get_config(self) -> dict[str, Any]:
        config = {
            **super().get_config(),
            **spec_config(self.spec),
            "mode": self.mode,
            "features": self.features,
            "steps": self.steps,
            "gating": self.gating,
            "activation": keras.activations.serialize(self.activation),
            "dropout": self.dropout,
            "shared_values": self.shared_values,
        }
        del config["synapses"]  # always "all"
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ConnectomicBlock:
        return layer_from_config(cls, config)
