"""MotorAttentionReadout: the input embedding queries the motor-neuron tokens."""

from __future__ import annotations

import math
from typing import Any

import keras
from keras import ops

from elegans_keras.checks import check_int, check_rate, draw_seed
from elegans_keras.errors import ConfigurationError


def seed_attention(attention: keras.layers.MultiHeadAttention, seed: int | None) -> None:
    """Give a built attention layer's query, key, value and output kernels distinct seeded values.

    A seeded ``kernel_initializer`` would give all four the same values (Keras
    copies it to each projection); here kernel ``k`` gets Glorot-uniform
    values of seed ``seed + k`` and biases stay zero. ``None`` leaves the
    layer as built (Keras's global seed).

    Example:
        >>> layer = keras.layers.MultiHeadAttention(2, 4)
        >>> layer.build((1, 3, 8), (1, 3, 8), (1, 3, 8))
        >>> seed_attention(layer, 0)
    """
    if seed is None:
        return
    kernels = [w for w in attention.weights if w.path.endswith("kernel")]
    for k, kernel in enumerate(kernels):
        kernel.assign(keras.initializers.GlorotUniform(seed=seed + k)(kernel.shape))
    for bias in (w for w in attention.weights if w.path.endswith("bias")):
        bias.assign(keras.ops.zeros(bias.shape, bias.dtype))


@keras.saving.register_keras_serializable(package="elegans_keras")
class MotorAttentionReadout(keras.layers.Layer):
    """Multi-head attention readout over motor tokens, pooled to one vector.

    Called as ``readout(query, motor_tokens)``: ``query`` is ``(batch, D)`` or
    ``(batch, Tq, D)`` (the input embedding), ``motor_tokens`` is
    ``(batch, N_M, features)`` (keys and values, e.g. a
    :class:`ConnectomicBlock` output). Returns ``(batch, output_dim or D)``,
    the attention output averaged over the query positions.

    Args:
        num_heads: attention heads (a free parameter, not the motor count).
        key_dim: size of each head's queries and keys.
        output_dim: width of the result; None keeps the query width D.
        dropout: dropout rate on the attention weights.
        seed: initial projections and dropout; None draws one (kept in the
            config), as every layer of the package does.

    Example:
        >>> readout = MotorAttentionReadout(num_heads=2, key_dim=8, output_dim=10)
        >>> tuple(readout(np.ones((3, 16)), np.ones((3, 89, 32))).shape)
        (3, 10)
    """

    def __init__(
        self,
        num_heads: int = 4,
        key_dim: int = 32,
        output_dim: int | None = None,
        dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        where = f"MotorAttentionReadout {self.name!r}"
        self.num_heads = check_int(num_heads, "num_heads", where, low=1)
        self.key_dim = check_int(key_dim, "key_dim", where, low=1)
        self.output_dim = (
            None if output_dim is None else check_int(output_dim, "output_dim", where, low=1)
        )
        self.dropout = check_rate(dropout, "dropout", where)
        self.seed = draw_seed(seed, where)
        self.attention = keras.layers.MultiHeadAttention(
            num_heads=self.num_heads,
            key_dim=self.key_dim,
            dropout=self.dropout,
            output_shape=self.output_dim,
            seed=self.seed,
            name="attention",
        )

    def build(self, query_shape: tuple, motor_tokens_shape: tuple) -> None:
        where = f"MotorAttentionReadout {self.name!r}"
        if len(query_shape) not in (2, 3):
            raise ConfigurationError(
                f"{where}: query of shape {tuple(query_shape)}; expected (batch, D) or "
                "(batch, Tq, D)"
            )
        if len(motor_tokens_shape) != 3:
            raise ConfigurationError(
                f"{where}: motor_tokens of shape {tuple(motor_tokens_shape)}; expected "
                "(batch, N_M, features)"
            )
        if len(query_shape) == 2:
            query_shape = (query_shape[0], 1, query_shape[1])
        self.attention.build(query_shape, motor_tokens_shape, motor_tokens_shape)
        seed_attention(self.attention, self.seed)

    def call(self, query: Any, motor_tokens: Any, training: bool | None = None) -> Any:
        if len(query.shape) == 2:
            query = ops.expand_dims(query, axis=1)
        if self.dropout > 0.0 and training:  # dropout on the attention weights: Keras's own path
            attended = self.attention(query, motor_tokens, motor_tokens, training=training)
        else:
            attended = self._attend(query, motor_tokens)
        return ops.mean(attended, axis=1)

    def _attend(self, query: Any, tokens: Any) -> Any:
        """``self.attention(query, tokens, tokens)`` without dropout, its projections regrouped.

        The attention's own weights, the same function; only the order of the
        products differs. A token's key ``k = t Wk + bk`` enters a score as
        ``q . k = t . (Wk q) + q . bk``, so the query is taken to token space
        (``Wk q``: a few numbers per head) instead of every token to key
        space; and as each head's weights over the tokens sum to 1, the
        weighted sum of values ``sum_s p_s (t_s Wv + bv)`` is ``(sum_s p_s
        t_s) Wv + bv``. No (batch, tokens, heads, key_dim) tensor is made:
        the per-token work is two batched products of (heads, features) by
        (features, tokens), instead of two projections of every token and two
        head-batched products that TensorFlow on CPU runs as hundreds of tiny
        matmuls.
        """
        attention = self.attention
        heads, width = self.num_heads, tokens.shape[-1]
        projected = attention._query_dense(query)  # (batch, Tq, heads, key_dim), bias included
        projected = projected * ops.cast(1.0 / math.sqrt(self.key_dim), projected.dtype)
        key = attention._key_dense
        # (batch, Tq * heads, features): each head's query in token space, and its key-bias term
        reach = ops.einsum("bthd,fhd->bthf", projected, ops.cast(key.kernel, projected.dtype))
        shift = ops.einsum("bthd,hd->bth", projected, ops.cast(key.bias, projected.dtype))
        rows = query.shape[1] * heads
        scores = ops.matmul(
            ops.reshape(reach, (-1, rows, width)), ops.transpose(tokens, (0, 2, 1))
        ) + ops.reshape(shift, (-1, rows, 1))
        pooled = ops.matmul(ops.softmax(scores, axis=-1), tokens)  # (batch, Tq * heads, features)
        pooled = ops.reshape(pooled, (-1, query.shape[1], heads, width))
        value = attention._value_dense
        values = ops.einsum("bthf,fhd->bthd", pooled, ops.cast(value.kernel, pooled.dtype))
        return attention._output_dense(values + ops.cast(value.bias, values.dtype))

    def compute_output_shape(self, query_shape: tuple, motor_tokens_shape: tuple) -> tuple:
        return (query_shape[0], self.output_dim or query_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "output_dim": self.output_dim,
            "dropout": self.dropout,
            "seed": self.seed,
        }
