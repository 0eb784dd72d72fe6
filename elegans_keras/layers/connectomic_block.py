"""ConnectomicBlock: sensory embedding -> propagation along the synapses -> motor tokens."""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
from keras import ops

from elegans_keras.errors import ConfigurationError, ConnectomeError
from elegans_keras.layers.checks import (
    check_activation,
    check_number,
    check_positive_int,
    draw_seed,
)
from elegans_keras.layers.connectome_dense import ConnectomeDense
from elegans_keras.layers.masks import WiringSpec, require_connectome, resolve_wiring, wiring_config
from elegans_keras.layers.spectral import spectral_scale, synaptic_matrix

MODES = ("deep", "reservoir")


@keras.saving.register_keras_serializable(package="elegans_keras")
class ConnectomicBlock(keras.layers.Layer):
    """The deep connectomic network: every synapse on a sensory -> motor path counts.

    1. Sensory embedding. ``(batch, F)`` inputs: a Dense to ``N_S * features``
       reshaped to ``(batch, N_S, features)``. ``(batch, T, F)`` inputs: each
       sensory neuron attends over the T tokens with its own learned query
       (its receptive field, softmax over T), then a Dense to ``features``.
       Sensory states are placed in an all-neuron tensor (zeros elsewhere)
       by a gather from the sensory states padded with one zero row.
    2. ``steps`` propagation steps along the wiring, weights shared across steps:
       ``h = LayerNorm(h + activation(chem(h) + elec(h)))``, where ``chem`` and
       ``elec`` are rank-3 :class:`ConnectomeDense` layers on the chemical and
       electrical synapses; ``gating=True`` multiplies the update by
       ``sigmoid(gate(h))``.
    3. Output: the motor neurons' states ``(batch, N_M, features)`` as tokens.

    A synapse influences the output when it lies on a sensory -> motor path of
    at most ``steps`` hops (5 covers every such synapse of the default graph).
    Both modes start ``chem`` and ``elec`` from random synapse values and one
    shared random orthogonal feature transform, scaled so the combined N x N
    synaptic matrix (chemical + electrical) has spectral radius
    ``spectral_radius`` (a Glorot-initialised 279-wide kernel would damp long paths).
    ``mode="deep"`` trains them; ``mode="reservoir"`` freezes them, and only
    the embedding, gate and normalisation train.

    Args:
        connectome: a Connectome or a bundled name / path (roles are needed).
        mode: ``"deep"`` or ``"reservoir"``.
        features: width of each neuron's state.
        steps: number of propagation steps.
        gating: multiplicative sigmoid gate on each update.
        spectral_radius: of the initial (deep) or frozen (reservoir) synapses.
        activation: activation of the update.
        dropout: dropout rate on the update.
        seed: initial weights, reservoir values and dropout; None draws one
            (kept in the config).

    Example:
        >>> block = ConnectomicBlock(load_connectome(), features=16, steps=3)
        >>> block(np.ones((2, 784))).shape
        (2, 89, 16)
    """

    def __init__(
        self,
        connectome: WiringSpec,
        mode: str = "deep",
        features: int = 32,
        steps: int = 2,
        gating: bool = False,
        spectral_radius: float = 0.9,
        activation: Any = "gelu",
        dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        where = f"ConnectomicBlock {self.name!r}"
        self.connectome = require_connectome(
            resolve_wiring(connectome, f"{where}: connectome"), where
        )
        if mode not in MODES:
            raise ConfigurationError(f"{where}: mode={mode!r}; expected 'deep' or 'reservoir'")
        self.mode = mode
        self.features = check_positive_int(features, "features", where)
        self.steps = check_positive_int(steps, "steps", where)
        self.gating = bool(gating)
        self.spectral_radius = check_number(spectral_radius, "spectral_radius", where, low=0.0)
        self.activation = check_activation(activation, where)
        self.dropout = check_number(
            dropout, "dropout", where, low=0.0, high=1.0, low_inclusive=True, high_inclusive=False
        )
        self.seed = draw_seed(seed, where)
        self.sensory = self.connectome.role_indices("S")
        self.motor = self.connectome.role_indices("M")
        for label, indices in (("sensory", self.sensory), ("motor", self.motor)):
            if len(indices) == 0:
                raise ConnectomeError(
                    f"{where}: connectome {self.connectome.name!r} has no {label} neurons"
                )
        self.placement = np.full(self.num_neurons, len(self.sensory))
        self.placement[self.sensory] = np.arange(len(self.sensory))
        self.chemical = ConnectomeDense(
            self.connectome, "chemical", features=self.features, name="chemical"
        )
        self.electrical = ConnectomeDense(
            self.connectome, "electrical", features=self.features, use_bias=False, name="electrical"
        )
        self.norm = keras.layers.LayerNormalization(name="norm")
        self.gate = (
            keras.layers.Dense(
                self.features,
                activation="sigmoid",
                kernel_initializer=self._initializer(0),
                name="gate",
            )
            if gating
            else None
        )
        self.update_dropout = keras.layers.Dropout(self.dropout, seed=self.seed, name="dropout")
        self.initial_values = self._initial_values(where)
        if mode == "reservoir":
            self.chemical.trainable = False
            self.electrical.trainable = False

    def _initializer(self, offset: int) -> keras.initializers.Initializer:
        return keras.initializers.GlorotUniform(seed=self.seed + offset)

    def _initial_values(self, where: str) -> dict[str, np.ndarray]:
        chem_rng, elec_rng, feature_rng = (
            np.random.default_rng(s) for s in np.random.SeedSequence(self.seed).spawn(3)
        )
        chemical = synaptic_matrix(self.connectome.chemical, "random", chem_rng)
        electrical = synaptic_matrix(self.connectome.electrical, "random", elec_rng)
        scale = spectral_scale(chemical + electrical, self.spectral_radius, where)
        orthogonal, _ = np.linalg.qr(feature_rng.standard_normal((self.features, self.features)))
        return {
            "chemical": chemical * scale,
            "electrical": electrical * scale,
            "feature": orthogonal,
        }

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
        batch, sensory = input_shape[0], len(self.sensory)
        if len(input_shape) == 2:
            self.receptive_queries = None
            self.embedding = keras.layers.Dense(
                sensory * self.features,
                kernel_initializer=self._initializer(2),
                name="sensory_embedding",
            )
            self.embedding.build(input_shape)
        else:
            self.receptive_queries = self.add_weight(
                name="receptive_queries",
                shape=(sensory, input_shape[-1]),
                initializer=self._initializer(1),
            )
            self.embedding = keras.layers.Dense(
                self.features, kernel_initializer=self._initializer(2), name="sensory_embedding"
            )
            self.embedding.build((batch, sensory, input_shape[-1]))
        state_shape = (batch, self.num_neurons, self.features)
        for layer in (self.chemical, self.electrical, self.norm, self.gate):
            if layer is not None:
                layer.build(state_shape)
        for layer in (self.chemical, self.electrical):
            layer.kernel.assign(self.initial_values[layer.synapses])
            layer.feature_kernel.assign(self.initial_values["feature"])

    def _sensory_states(self, inputs: Any) -> Any:
        if self.receptive_queries is None:
            embedded = self.embedding(inputs)
            return ops.reshape(embedded, (-1, len(self.sensory), self.features))
        scale = 1.0 / math.sqrt(inputs.shape[-1])
        scores = ops.einsum("sf,btf->bst", self.receptive_queries, inputs) * scale
        fields = ops.einsum("bst,btf->bsf", ops.softmax(scores, axis=-1), inputs)
        return self.embedding(fields)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        padded = ops.pad(self._sensory_states(inputs), ((0, 0), (0, 1), (0, 0)))
        state = ops.take(padded, self.placement, axis=1)
        for _ in range(self.steps):
            update = self.activation(self.chemical(state) + self.electrical(state))
            if self.gate is not None:
                update = update * self.gate(state)
            update = self.update_dropout(update, training=training)
            state = self.norm(state + update)
        return ops.take(state, self.motor, axis=1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], len(self.motor), self.features)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "connectome": wiring_config(self.connectome),
            "mode": self.mode,
            "features": self.features,
            "steps": self.steps,
            "gating": self.gating,
            "spectral_radius": self.spectral_radius,
            "activation": keras.activations.serialize(self.activation),
            "dropout": self.dropout,
            "seed": self.seed,
        }
