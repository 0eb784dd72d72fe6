"""ConnectomeDense: a Dense layer whose kernel lives on the connectome's synapses."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from elegans_keras.errors import ConfigurationError
from elegans_keras.layers.checks import check_activation, check_initializer, check_positive_int
from elegans_keras.layers.masks import WiringSpec, resolve_wiring, wiring_config, wiring_counts

SYNAPSE_WEIGHTS = (None, "count", "log")
SIGN_CONSTRAINTS = (None, "nonneg")


@keras.saving.register_keras_serializable(package="elegans_keras")
class ConnectomeDense(keras.layers.Layer):
    """Masked Dense layer over a (pre, post) synapse mask.

    Rank-2 inputs ``(batch, N_pre)`` give ``(batch, N_post)``:
    ``y = activation(x @ (K * M) + b)``.
    Rank-3 inputs ``(batch, N_pre, F_in)`` give ``(batch, N_post, F_out)``, one
    step of signal propagation along the synapses:
    ``y[b, j] = activation(sum_i (K * M)[i, j] x[b, i] @ V + bias)``, with ``K``
    one trainable scalar per synapse and ``V`` a shared ``(F_in, F_out)``
    feature transform. ``M`` is a fixed non-trainable weight, so masked kernel
    entries get no gradient and the effective kernel stays zero off the synapses.

    Args:
        connectome_or_mask: a Connectome (or bundled name / path), or a 2-D
            mask: booleans, or non-negative synapse counts (nonzero = synapse).
        synapses: with a Connectome, ``"all"`` (chemical pre->post plus
            electrical both ways), ``"chemical"`` or ``"electrical"``.
        features: F_out for rank-3 inputs (default F_in); not for rank-2 inputs.
        activation: any Keras activation.
        use_bias: add a bias (per post neuron, or per output feature).
        synapse_weights: initialise ``K`` from the synapse counts, ``"count"``
            or ``"log"`` (log1p), each normalised so every post neuron's
            incoming weights sum to 1; None uses ``kernel_initializer``.
        sign_constraint: ``"nonneg"`` keeps ``K`` non-negative during training.
        kernel_initializer, bias_initializer, feature_initializer: Keras initializers.

    Example:
        >>> worm = load_connectome()
        >>> ConnectomeDense(worm)(np.ones((2, 279))).shape
        (2, 279)
        >>> ConnectomeDense(worm, "chemical", features=8)(np.ones((2, 279, 4))).shape
        (2, 279, 8)
    """

    def __init__(
        self,
        connectome_or_mask: WiringSpec,
        synapses: str = "all",
        features: int | None = None,
        activation: Any = None,
        use_bias: bool = True,
        synapse_weights: str | None = None,
        sign_constraint: str | None = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        feature_initializer: Any = "glorot_uniform",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        where = f"ConnectomeDense {self.name!r}"
        self.wiring = resolve_wiring(connectome_or_mask, f"{where}: connectome_or_mask")
        self.synapses = synapses
        self.counts = wiring_counts(self.wiring, synapses, where)
        if synapse_weights not in SYNAPSE_WEIGHTS:
            raise ConfigurationError(
                f"{where}: synapse_weights={synapse_weights!r}; expected None, 'count' or 'log'"
            )
        if sign_constraint not in SIGN_CONSTRAINTS:
            raise ConfigurationError(
                f"{where}: sign_constraint={sign_constraint!r}; expected None or 'nonneg'"
            )
        self.features = (
            None if features is None else check_positive_int(features, "features", where)
        )
        self.activation = check_activation(activation, where)
        self.use_bias = use_bias
        self.synapse_weights = synapse_weights
        self.sign_constraint = sign_constraint
        self.kernel_initializer = check_initializer(kernel_initializer, "kernel_initializer", where)
        self.bias_initializer = check_initializer(bias_initializer, "bias_initializer", where)
        self.feature_initializer = check_initializer(
            feature_initializer, "feature_initializer", where
        )

    @property
    def num_pre(self) -> int:
        """Number of presynaptic neurons (input rows of the mask)."""
        return self.counts.shape[0]

    @property
    def num_post(self) -> int:
        """Number of postsynaptic neurons (output columns of the mask)."""
        return self.counts.shape[1]

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
                f"neurons, the mask has {self.num_pre} presynaptic neurons"
            )
        if rank == 2 and self.features is not None:
            raise ConfigurationError(
                f"{where}: features={self.features} applies to rank-3 inputs only"
            )
        self.synapse_mask = self.add_weight(
            name="synapse_mask", shape=self.counts.shape, initializer="zeros", trainable=False
        )
        self.synapse_mask.assign((self.counts != 0).astype(np.float64))
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.counts.shape,
            initializer=self.kernel_initializer,
            constraint=keras.constraints.NonNeg() if self.sign_constraint else None,
        )
        if self.synapse_weights is not None:
            self.kernel.assign(self._count_kernel())
        self.feature_kernel = None
        if rank == 3:
            if input_shape[-1] is None:
                raise ConfigurationError(f"{where}: the feature axis of the input must be known")
            out_features = self.features or input_shape[-1]
            self.feature_kernel = self.add_weight(
                name="feature_kernel",
                shape=(input_shape[-1], out_features),
                initializer=self.feature_initializer,
            )
        bias_size = self.num_post if rank == 2 else self.feature_kernel.shape[1]
        self.bias = (
            self.add_weight(name="bias", shape=(bias_size,), initializer=self.bias_initializer)
            if self.use_bias
            else None
        )

    def _count_kernel(self) -> np.ndarray:
        values = self.counts if self.synapse_weights == "count" else np.log1p(self.counts)
        totals = values.sum(axis=0, keepdims=True)
        return np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)

    @property
    def effective_kernel(self) -> Any:
        """``K * M``: the kernel on the synapses, exactly zero elsewhere."""
        return ops.multiply(self.kernel, self.synapse_mask)

    def call(self, inputs: Any) -> Any:
        weights = self.effective_kernel
        if len(inputs.shape) == 2:
            outputs = ops.matmul(inputs, weights)
        elif self.feature_kernel.shape[1] < self.feature_kernel.shape[0]:
            outputs = ops.einsum("bif,ij->bjf", ops.matmul(inputs, self.feature_kernel), weights)
        else:
            outputs = ops.matmul(ops.einsum("bif,ij->bjf", inputs, weights), self.feature_kernel)
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        if len(input_shape) == 2:
            return (input_shape[0], self.num_post)
        return (input_shape[0], self.num_post, self.features or input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "connectome_or_mask": wiring_config(self.wiring),
            "synapses": self.synapses,
            "features": self.features,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "synapse_weights": self.synapse_weights,
            "sign_constraint": self.sign_constraint,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "feature_initializer": keras.initializers.serialize(self.feature_initializer),
        }
