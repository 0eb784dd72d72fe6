"""ConnectomeDense: a Dense layer whose weights are the connectome's synapses."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from elegans_keras.checks import (
    check_activation,
    check_choice,
    check_initializer,
    check_int,
)
from elegans_keras.errors import ConfigurationError
from elegans_keras.layers.kernels import dense_matrix, propagate
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
from elegans_keras.layers.wiring import WiringSpec, layer_from_config

SIGN_CONSTRAINTS = (None, "nonneg")


@keras.saving.register_keras_serializable(package="elegans_keras")
class ConnectomeDense(SpecAttributes, keras.layers.Layer):
    """Dense layer over the synapses of a wiring: one trainable value per synapse pair.

    Rank-2 inputs ``(batch, N_pre)`` give ``(batch, N_post)``:
    ``y = activation(x @ W + b)``.
    Rank-3 inputs ``(batch, N_pre, F_in)`` give ``(batch, N_post, F_out)``, one
    step of signal propagation along the synapses:
    ``y[b, j] = activation(sum_i W[i, j] x[b, i] @ V + bias)``, with ``V`` a
    shared ``(F_in, F_out)`` feature transform. ``W`` exists only on the
    synapses: its values are a vector with one entry per chemical pair and per
    gap-junction pair (shared by both directions), so ``count_params`` counts
    live synapses and nothing off the wiring can ever become nonzero.

    Initial values follow :mod:`~elegans_keras.layers.synapses`: magnitudes
    ``log(1 + count)`` (``weights="count"``) or random (``"random"``), signs
    random or from the presynaptic transmitter (``signs="neurotransmitter"``).
    They are then scaled so the matrix has spectral radius ``spectral_radius``
    (square wirings), or, when it is None, so each post neuron's incoming
    values have unit L2 norm (variance-preserving, like a Glorot/He kernel).

    Args:
        connectome: a Connectome (or bundled name / path), a 2-D mask
            (booleans, or non-negative synapse counts; nonzero = synapse), or a
            :class:`~elegans_keras.layers.SynapseSpec` (then the synapse
            arguments below come from it: its ``spectral_radius`` defaults to
            0.9, where the layer's own default is None). ``connectome_or_mask=``
            is its deprecated name.
        synapses: with a Connectome, ``"all"`` (chemical pre->post plus
            electrical both ways), ``"chemical"`` or ``"electrical"``.
        features: F_out for rank-3 inputs (default F_in); not for rank-2 inputs.
        activation: any Keras activation.
        use_bias: add a bias (per post neuron, or per output feature).
        magnitudes: ``"count"`` or ``"random"`` (``weights=`` is its deprecated name).
        signs: ``"random"`` or ``"neurotransmitter"``.
        spectral_radius: scale the initial matrix to this radius (None: unit
            incoming norms).
        sign_constraint: ``"nonneg"`` keeps the values non-negative while training.
        implementation: ``"auto"``, ``"dense"`` or ``"sparse"`` (see
            :mod:`~elegans_keras.layers.kernels`); both give the same results and
            the same weights, so a model saved with one loads with the other.
        seed: the random magnitudes and signs; None draws one (kept in the config).
        bias_initializer, feature_initializer: Keras initializers.

    Example:
        >>> worm = load_connectome()
        >>> tuple(ConnectomeDense(worm)(np.ones((2, 279))).shape)
        (2, 279)
        >>> tuple(ConnectomeDense(worm, "chemical", features=8)(np.ones((2, 279, 4))).shape)
        (2, 279, 8)
    """

    def __init__(
        self,
        connectome: WiringSpec | SynapseSpec | None = None,
        synapses: str = "all",
        features: int | None = None,
        activation: Any = None,
        use_bias: bool = True,
        magnitudes: str = "count",
        signs: str = "random",
        spectral_radius: float | None = None,
        sign_constraint: str | None = None,
        implementation: str = "auto",
        seed: int | None = None,
        bias_initializer: Any = "zeros",
        feature_initializer: Any = "glorot_uniform",
        **kwargs: Any,
    ) -> None:
        where = f"ConnectomeDense {kwargs.get('name', '')!r}"
        connectome = renamed_argument(
            kwargs, "connectome_or_mask", "connectome", connectome, None, where
        )
        magnitudes = renamed_argument(kwargs, "weights", "magnitudes", magnitudes, "count", where)
        super().__init__(**kwargs)
        where = f"ConnectomeDense {self.name!r}"
        check_choice(sign_constraint, "sign_constraint", where, SIGN_CONSTRAINTS)
        given = {
            "synapses": synapses,
            "magnitudes": magnitudes,
            "signs": signs,
            "spectral_radius": spectral_radius,
            "nonneg": sign_constraint == "nonneg",
            "implementation": implementation,
        }
        self.spec = spec_from_arguments(
            required_connectome(connectome, where),
            given,
            {**DEFAULTS, "spectral_radius": None},
            where,
            seed,
            fixed={"shared_values": None},
        )
        self.sign_constraint = "nonneg" if self.spec.nonneg else None
        self.features = None if features is None else check_int(features, "features", where, 1)
        self.activation = check_activation(activation, where)
        self.use_bias = bool(use_bias)
        self.bias_initializer = check_initializer(bias_initializer, "bias_initializer", where)
        self.feature_initializer = check_initializer(
            feature_initializer, "feature_initializer", where
        )

    seed = SpecProperty("seed", "the seed")

    @property
    def num_pre(self) -> int:
        """Number of presynaptic neurons (input rows of the wiring)."""
        return self.syn.num_pre

    @property
    def num_post(self) -> int:
        """Number of postsynaptic neurons (output columns of the wiring)."""
        return self.syn.num_post

    def build(self, input_shape: tuple) -> None:
        where = f"ConnectomeDense {self.name!r}"
        rank = len(input_shape)
        if rank not in (2, 3):
            raise ConfigurationError(
                f"{where}: input of shape {tuple(input_shape)}; expected (batch, N_pre) "
                "or (batch, N_pre, features)"
            )
        neuron_axis = 1 if rank == 3 else -1
        if input_shape[neuron_axis] != self.num_pre:
            raise ConfigurationError(
                f"{where}: input of shape {tuple(input_shape)} has {input_shape[neuron_axis]} "
                f"neurons, the wiring has {self.num_pre} presynaptic neurons"
            )
        if rank == 2 and self.features is not None:
            raise ConfigurationError(
                f"{where}: features={self.features} applies to rank-3 inputs only"
            )
        self.synapse_values = self.add_weight(
            name="synapse_values",
            shape=(self.syn.num_values,),
            initializer=self.spec.initializer(),
            constraint=keras.constraints.NonNeg() if self.sign_constraint else None,
        )
        # a keras Variable for rank-3 inputs (only then read), None for rank-2 ones
        self.feature_kernel: Any = None
        if rank == 3:
            if input_shape[-1] is None:
                raise ConfigurationError(f"{where}: the feature axis of the input must be known")
            self.feature_kernel = self.add_weight(
                name="feature_kernel",
                shape=(input_shape[-1], self.features or input_shape[-1]),
                initializer=self.feature_initializer,
            )
        bias_size = self.num_post if rank == 2 else self.feature_kernel.shape[1]
        self.bias = (
            self.add_weight(name="bias", shape=(bias_size,), initializer=self.bias_initializer)
            if self.use_bias
            else None
        )

    @property
    def effective_kernel(self) -> Any:
        """The dense (N_pre, N_post) matrix ``W`` (zero off the synapses)."""
        return dense_matrix(self.synapse_values, self.syn)

    def _along_neurons(self, states: Any) -> Any:
        """Propagate (batch, N, F) states along their neuron axis."""
        if self.compute_path == "dense":  # neurons last: one matmul with W
            moved = ops.transpose(states, (0, 2, 1))
            return ops.transpose(
                propagate(moved, self.synapse_values, self.syn, "dense"), (0, 2, 1)
            )
        return propagate(states, self.synapse_values, self.syn, "sparse", axis=1)

    def call(self, inputs: Any) -> Any:
        if len(inputs.shape) == 2:
            outputs = propagate(inputs, self.synapse_values, self.syn, self.compute_path)
        elif self.feature_kernel.shape[1] < self.feature_kernel.shape[0]:
            transformed = ops.matmul(inputs, ops.cast(self.feature_kernel, inputs.dtype))
            outputs = self._along_neurons(transformed)
        else:
            outputs = ops.matmul(
                self._along_neurons(inputs), ops.cast(self.feature_kernel, inputs.dtype)
            )
        if self.bias is not None:
            outputs = ops.add(outputs, ops.cast(self.bias, outputs.dtype))
        return self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        if len(input_shape) == 2:
            return (input_shape[0], self.num_post)
        return (input_shape[0], self.num_post, self.features or input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            **spec_config(self.spec),
            "features": self.features,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "sign_constraint": self.sign_constraint,
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "feature_initializer": keras.initializers.serialize(self.feature_initializer),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ConnectomeDense:
        return layer_from_config(cls, config)
