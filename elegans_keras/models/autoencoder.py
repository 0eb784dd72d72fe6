"""The paper's "MNIST Unsup" autoencoder on the connectome, its plain twin, honest metrics."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import keras

from elegans_keras.checks import (
    MAX_FACTORY_SEED,
    MODES,
    check_choice,
    check_int,
    check_number,
    check_sizes,
)
from elegans_keras.connectome import Connectome
from elegans_keras.errors import ConfigurationError
from elegans_keras.layers import ConnectomicBlock, MotorAttentionReadout, SynapseSpec
from elegans_keras.models.classifier import matched_width, trainable_count
from elegans_keras.models.common import (
    check_image_shape,
    connectome_first,
    conv_tokens,
    factory_spec,
    seeded,
)
from elegans_keras.models.metrics import reconstruction_metrics


@connectome_first(
    (
        "input_shape",
        "connectome",
        "mode",
        "features",
        "steps",
        "filters",
        "decoder_channels",
        "decoder_filters",
        "num_heads",
        "gating",
        "spectral_radius",
        "learning_rate",
        "magnitudes",
        "signs",
        "implementation",
        "seed",
    ),
    renamed={"weights": "magnitudes"},
)
def elegans_autoencoder(
    connectome: Connectome | SynapseSpec | str | os.PathLike | None = None,
    *,
    input_shape: Sequence[int] = (28, 28, 1),
    mode: str = "deep",
    features: int = 16,
    steps: int = 2,
    filters: Sequence[int] = (32, 64),
    decoder_channels: int = 16,
    decoder_filters: Sequence[int] = (64, 32),
    num_heads: int = 4,
    gating: bool = False,
    spectral_radius: float = 0.9,
    learning_rate: float = 1e-3,
    magnitudes: str = "count",
    signs: str = "random",
    implementation: str = "auto",
    seed: int = 0,
) -> keras.Model:
    """A compiled autoencoder whose code is the motor neurons' state.

    ``connectome`` (the one positional argument) is as in
    :func:`~elegans_keras.models.elegans_classifier` (a Connectome, name,
    path or SynapseSpec; last release's ``(input_shape, connectome, ...)``
    order and ``weights=`` still work, with a DeprecationWarning).

    Conv encoder -> connectome -> motor tokens plus their attention readout ->
    dense (to ``decoder_channels`` maps at the smallest scale) + per
    ``decoder_filters`` entry one stride-2 transposed conv and one 3x3 conv ->
    sigmoid pixels. Everything
    the decoder sees passes through the motor neurons: the code is
    ``num_motor * features + features`` numbers. ``mode="reservoir"`` freezes
    the synaptic weights; encoder, readout and decoder train. Binary
    cross-entropy; metrics: pixel binary accuracy, foreground F1 and SSIM.
    Height and width must be divisible by ``2 ** len(filters)``. Train it on
    digits binarised at 0.3 (``datasets.binarize``), as the paper.

    Example:
        >>> elegans_autoencoder(mode="deep").output_shape
        (None, 28, 28, 1)
    """
    where = "elegans_autoencoder"
    check_choice(mode, "mode", where, MODES)
    spec = factory_spec(
        connectome,
        where,
        magnitudes=magnitudes,
        signs=signs,
        spectral_radius=spectral_radius,
        implementation=implementation,
        seed=seed,
    )

    def code(tokens: keras.KerasTensor) -> keras.KerasTensor:
        motor = ConnectomicBlock(
            spec, mode=mode, features=features, steps=steps, gating=gating, name="connectome"
        )(tokens)
        pooled = keras.layers.GlobalAveragePooling1D(name="pool")(tokens)
        query = keras.layers.Dense(features, kernel_initializer=seeded(seed, 101), name="query")(
            pooled
        )
        readout = MotorAttentionReadout(
            num_heads=num_heads, key_dim=features, seed=seed + 200, name="motor_readout"
        )(query, motor)
        return keras.layers.Concatenate(name="code")(
            [keras.layers.Flatten(name="motor_states")(motor), readout]
        )

    return _autoencoder(
        where,
        input_shape,
        filters,
        decoder_channels,
        decoder_filters,
        learning_rate,
        seed,
        code,
        f"elegans_autoencoder_{mode}",
    )


def plain_autoencoder(
    input_shape: Sequence[int] = (28, 28, 1),
    hidden: int | None = None,
    filters: Sequence[int] = (32, 64),
    decoder_channels: int = 16,
    decoder_filters: Sequence[int] = (64, 32),
    learning_rate: float = 1e-3,
    seed: int = 0,
    **twin: Any,
) -> keras.Model:
    """The plain twin of :func:`elegans_autoencoder`: same encoder and decoder, no wiring.

    The connectome, its query and readout are replaced by one dense layer on
    the flattened encoder tokens (``Dense(hidden, gelu)``, the code). With
    ``hidden=None`` its width makes the trainable parameters equal those of
    ``elegans_autoencoder`` built with the same arguments (``twin`` takes the
    connectome-only ones: ``connectome``, ``mode``, ``features``...).

    Example:
        >>> plain_autoencoder(hidden=64).output_shape
        (None, 28, 28, 1)
    """
    where = "plain_autoencoder"
    common: dict[str, Any] = {
        "input_shape": input_shape,
        "filters": filters,
        "decoder_channels": decoder_channels,
        "decoder_filters": decoder_filters,
        "learning_rate": learning_rate,
        "seed": seed,
    }
    if hidden is None:
        target = trainable_count(elegans_autoencoder(**common, **twin))
        hidden = matched_width(lambda width: plain_autoencoder(hidden=width, **common), target)
    hidden = check_int(hidden, "hidden", where, low=1)

    def code(tokens: keras.KerasTensor) -> keras.KerasTensor:
        flat = keras.layers.Flatten(name="tokens_flat")(tokens)
        return keras.layers.Dense(
            hidden, activation="gelu", kernel_initializer=seeded(seed, 101), name="code"
        )(flat)

    return _autoencoder(
        where,
        input_shape,
        filters,
        decoder_channels,
        decoder_filters,
        learning_rate,
        seed,
        code,
        "plain_autoencoder",
    )


def _autoencoder(
    where: str,
    input_shape: Any,
    filters: Any,
    decoder_channels: Any,
    decoder_filters: Any,
    learning_rate: Any,
    seed: int,
    code: Callable[[keras.KerasTensor], keras.KerasTensor],
    name: str,
) -> keras.Model:
    height, width, channels = check_image_shape(input_shape, where)
    filters = check_sizes(filters, "filters", where)
    decoder_filters = check_sizes(decoder_filters, "decoder_filters", where)
    decoder_channels = check_int(decoder_channels, "decoder_channels", where, low=1)
    check_number(learning_rate, "learning_rate", where, low=0.0)
    check_int(seed, "seed", where, high=MAX_FACTORY_SEED)
    scale = 2 ** len(filters)
    if len(decoder_filters) != len(filters):
        raise ConfigurationError(
            f"{where}: decoder_filters={tuple(decoder_filters)!r} must have one entry per encoder "
            f"block ({len(filters)})"
        )
    if height % scale or width % scale:
        raise ConfigurationError(
            f"{where}: input_shape={tuple(input_shape)!r}: height and width must be divisible by "
            f"{scale} for {len(filters)} stride-2 blocks"
        )
    images = keras.Input((height, width, channels), name="images")
    latent = code(conv_tokens(images, filters, name="encoder", seed=seed))
    small_h, small_w = height // scale, width // scale
    x = keras.layers.Dense(
        small_h * small_w * decoder_channels,
        activation="relu",
        kernel_initializer=seeded(seed, 300),
        name="expand",
    )(latent)
    x = keras.layers.Reshape((small_h, small_w, decoder_channels), name="unflatten")(x)
    for block, width_ in enumerate(decoder_filters):
        x = keras.layers.Conv2DTranspose(
            width_,
            3,
            strides=2,
            padding="same",
            activation="relu",
            kernel_initializer=seeded(seed, 301 + block),
            name=f"decoder_deconv{block}",
        )(x)
        x = keras.layers.Conv2D(
            width_,
            3,
            padding="same",
            activation="relu",
            kernel_initializer=seeded(seed, 351 + block),
            name=f"decoder_conv{block}",
        )(x)
    pixels = keras.layers.Conv2D(
        channels,
        3,
        padding="same",
        activation="sigmoid",
        kernel_initializer=seeded(seed, 399),
        name="pixels",
    )(x)
    model = keras.Model(images, pixels, name=name)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.BinaryCrossentropy(),
        metrics=reconstruction_metrics(),
    )
    return model
