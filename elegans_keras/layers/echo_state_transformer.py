"""EchoStateTransformer: a frozen connectome reservoir feeding trainable attention blocks."""

from __future__ import annotations

from typing import Any

import keras

from elegans_keras.checks import MODES, check_choice, check_int, check_rate
from elegans_keras.errors import ConfigurationError
from elegans_keras.layers.motor_attention import seed_attention
from elegans_keras.layers.reservoir_cell import ReservoirCell
from elegans_keras.layers.reservoir_rnn import ReservoirRNN
from elegans_keras.layers.synapse_spec import SynapseSpec, renamed_argument, spec_config
from elegans_keras.layers.wiring import (
    NeuronSpec,
    WiringSpec,
    layer_from_config,
    resolve_wiring,
    select_neurons,
)


class _PreNormEncoderBlock(keras.layers.Layer):
    """``x + Attn(LN(x))`` then ``x + FF(LN(x))``; built and saved by its owner."""

    def __init__(
        self, d_model: int, num_heads: int, ff_dim: int, dropout: float, seed: int, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.seed = seed
        self.attention_norm = keras.layers.LayerNormalization(name="attention_norm")
        self.attention = keras.layers.MultiHeadAttention(
            num_heads, d_model // num_heads, dropout=dropout, seed=seed, name="attention"
        )
        self.feed_forward_norm = keras.layers.LayerNormalization(name="feed_forward_norm")
        self.hidden = keras.layers.Dense(
            ff_dim,
            activation="gelu",
            name="hidden",
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 1),
        )
        self.projection = keras.layers.Dense(
            d_model,
            name="projection",
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 2),
        )
        self.attention_dropout = keras.layers.Dropout(dropout, seed=seed)
        self.feed_forward_dropout = keras.layers.Dropout(dropout, seed=seed + 1)

    def build(self, input_shape: tuple) -> None:
        self.attention_norm.build(input_shape)
        self.attention.build(input_shape, input_shape, input_shape)
        self.feed_forward_norm.build(input_shape)
        self.hidden.build(input_shape)
        self.projection.build((*input_shape[:-1], self.hidden.units))
        seed_attention(self.attention, self.seed + 1000)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        normed = self.attention_norm(inputs)
        attended = self.attention(normed, normed, normed, training=training)
        inputs = inputs + self.attention_dropout(attended, training=training)
        expanded = self.projection(self.hidden(self.feed_forward_norm(inputs)))
        return inputs + self.feed_forward_dropout(expanded, training=training)


@keras.saving.register_keras_serializable(package="elegans_keras")
class EchoStateTransformer(keras.layers.Layer):
    """A connectome reservoir over a sequence (frozen by default), then transformer blocks.

    ``(batch, T, F)`` -> leaky connectome reservoir (:class:`ReservoirCell` in a
    :class:`ReservoirRNN`, frozen) -> the selected neurons' states projected to
    ``d_model`` tokens plus a learned positional embedding -> ``num_blocks``
    pre-norm encoder blocks (self-attention and feed-forward, residual) ->
    final LayerNorm. Returns ``(batch, T, d_model)``; T must be fixed.

    Args:
        connectome: a Connectome or bundled name / path (a plain square mask
            works when ``input_neurons`` / ``state_neurons`` are "all" or
            indices), or a :class:`~elegans_keras.layers.SynapseSpec` of the
            reservoir's synapses.
        d_model: token width (a multiple of ``num_heads``).
        num_heads: attention heads.
        num_blocks: number of encoder blocks.
        ff_dim: hidden width of the feed-forward part.
        spectral_radius, leak_rate: of the reservoir.
        input_neurons: neurons the input reaches (``"S"``, ``"all"``, indices).
        state_neurons: neurons whose states become tokens.
        dropout: dropout of attention weights and residual branches.
        mode: ``"reservoir"`` freezes the reservoir; ``"deep"`` trains its synapses.
        magnitudes, signs, implementation: of the reservoir (see ReservoirCell;
            ``weights=`` is the deprecated name of ``magnitudes``).
        seed: reservoir, dropout and every initial weight (the attention
            projections get distinct seeds); None draws one (kept in the config).
        synapse_seed: the reservoir synapses' own seed (see ReservoirCell).

    Example:
        >>> est = EchoStateTransformer(load_connectome(), d_model=32, num_heads=4)
        >>> tuple(est(np.ones((2, 28, 28))).shape)
        (2, 28, 32)
    """

    def __init__(
        self,
        connectome: WiringSpec,
        d_model: int = 64,
        num_heads: int = 4,
        num_blocks: int = 2,
        ff_dim: int = 128,
        spectral_radius: float = 0.9,
        leak_rate: float = 0.5,
        input_neurons: NeuronSpec = "S",
        state_neurons: NeuronSpec = "all",
        dropout: float = 0.0,
        mode: str = "reservoir",
        magnitudes: str = "count",
        signs: str = "random",
        implementation: str = "auto",
        seed: int | None = None,
        synapse_seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        where = f"EchoStateTransformer {kwargs.get('name', '')!r}"
        magnitudes = renamed_argument(kwargs, "weights", "magnitudes", magnitudes, "count", where)
        super().__init__(**kwargs)
        where = f"EchoStateTransformer {self.name!r}"
        self.d_model = check_int(d_model, "d_model", where, low=1)
        self.num_heads = check_int(num_heads, "num_heads", where, low=1)
        self.num_blocks = check_int(num_blocks, "num_blocks", where, low=1)
        self.ff_dim = check_int(ff_dim, "ff_dim", where, low=1)
        if self.d_model % self.num_heads:
            raise ConfigurationError(
                f"{where}: d_model={d_model} is not a multiple of num_heads={num_heads}"
            )
        self.dropout = check_rate(dropout, "dropout", where)
        self.mode = check_choice(mode, "mode", where, MODES)
        if not isinstance(connectome, SynapseSpec):
            connectome = resolve_wiring(connectome, f"{where}: connectome")
        elif connectome.synapses != "all":
            raise ConfigurationError(
                f"{where}: takes no SynapseSpec with synapses={connectome.synapses!r} (it "
                "supports synapses='all' only: its config could not record another)"
            )
        wiring = connectome.wiring if isinstance(connectome, SynapseSpec) else connectome
        cell = ReservoirCell(
            connectome,
            spectral_radius=spectral_radius,
            leak_rate=leak_rate,
            input_neurons=select_neurons(input_neurons, wiring, "input_neurons", where),
            state_neurons=select_neurons(state_neurons, wiring, "state_neurons", where),
            magnitudes=magnitudes,
            signs=signs,
            implementation=implementation,
            seed=seed,
            synapse_seed=synapse_seed,
            trainable=self.mode == "deep",
            name="reservoir_cell",
        )
        self.seed = cell.seed
        self.reservoir = ReservoirRNN(cell, return_sequences=True, name="reservoir")
        self.tokens = keras.layers.Dense(
            self.d_model,
            name="tokens",
            kernel_initializer=keras.initializers.GlorotUniform(seed=self.seed),
        )
        self.blocks = [
            _PreNormEncoderBlock(
                self.d_model,
                self.num_heads,
                self.ff_dim,
                self.dropout,
                seed=self.seed + 3 * index + 1,
                name=f"block_{index}",
            )
            for index in range(self.num_blocks)
        ]
        self.final_norm = keras.layers.LayerNormalization(name="final_norm")

    @property
    def cell(self) -> ReservoirCell:
        """The frozen :class:`ReservoirCell` inside the reservoir RNN."""
        return self.reservoir.cell

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != 3 or input_shape[1] is None or input_shape[2] is None:
            raise ConfigurationError(
                f"EchoStateTransformer {self.name!r}: input of shape {tuple(input_shape)}; "
                "expected (batch, T, F) with T and F fixed"
            )
        batch, steps = input_shape[0], input_shape[1]
        token_shape = (batch, steps, self.d_model)
        self.reservoir.build(input_shape)
        self.tokens.build((batch, steps, self.cell.output_size))
        self.positions = self.add_weight(
            name="positions",
            shape=(steps, self.d_model),
            initializer=keras.initializers.RandomNormal(
                stddev=0.02, seed=self.seed + 3 * self.num_blocks + 1
            ),
        )
        for block in self.blocks:
            block.build(token_shape)
        self.final_norm.build(token_shape)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        tokens = self.tokens(self.reservoir(inputs)) + self.positions
        for block in self.blocks:
            tokens = block(tokens, training=training)
        return self.final_norm(tokens)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], input_shape[1], self.d_model)

    def get_config(self) -> dict[str, Any]:
        cell = self.cell.get_config()
        return {
            **super().get_config(),
            **spec_config(self.cell.spec),
            "d_model": self.d_model,
            "num_heads": self.num_heads,
            "num_blocks": self.num_blocks,
            "ff_dim": self.ff_dim,
            "leak_rate": self.cell.leak_rate,
            "input_neurons": cell["input_neurons"],
            "state_neurons": cell["state_neurons"],
            "dropout": self.dropout,
            "mode": self.mode,
            "seed": self.seed,
            "synapse_seed": cell["synapse_seed"],
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> EchoStateTransformer:
        config = dict(config)
        config.pop("synapses", None)  # always "all"
        return layer_from_config(cls, config)
