"""``elegans_autoencoder``: the paper's "MNIST Unsup" model, with honest metrics."""

from __future__ import annotations

import os
from collections.abc import Sequence

import keras

from elegans_keras.connectome import Connectome, resolve_connectome
from elegans_keras.errors import ConfigurationError
from elegans_keras.layers import ConnectomicBlock, MotorAttentionReadout
from elegans_keras.models.common import (
    check_image_shape,
    check_mode,
    check_rates,
    check_size,
    check_sizes,
    conv_tokens,
)
from elegans_keras.models.metrics import reconstruction_metrics


def elegans_autoencoder(
    input_shape: Sequence[int] = (28, 28, 1),
    connectome: Connectome | str | os.PathLike | None = None,
    mode: str = "deep",
    features: int = 16,
    steps: int = 2,
    filters: Sequence[int] = (32, 64),
    decoder_channels: int = 16,
    decoder_filters: Sequence[int] = (32, 16),
    num_heads: int = 4,
    gating: bool = False,
    spectral_radius: float = 0.9,
    learning_rate: float = 1e-3,
    seed: int = 0,
) -> keras.Model:
    """A compiled autoencoder whose code is the motor neurons' state.

    Conv encoder (frozen in ``mode="reservoir"``, as are the synaptic
    weights) -> connectome -> motor tokens plus their attention readout ->
    dense (to ``decoder_channels`` maps at the smallest scale) + one stride-2
    transposed conv per ``decoder_filters`` entry -> sigmoid pixels. The code the decoder
    sees is ``num_motor * features + features`` numbers. Binary cross-entropy;
    metrics: pixel binary accuracy, foreground F1 and SSIM. Height and width
    must be divisible by ``2 ** len(filters)``. Train it on digits binarised
    at 0.3 (``datasets.binarize``), as the paper.

    Example:
        >>> model = elegans_autoencoder(mode="deep")
        >>> model.fit(binary_digits, binary_digits, epochs=1)
    """
    height, width, channels = check_image_shape(input_shape)
    check_mode(mode)
    filters = check_sizes(filters, "filters")
    decoder_filters = check_sizes(decoder_filters, "decoder_filters")
    decoder_channels = check_size(decoder_channels, "decoder_channels")
    check_rates("elegans_autoencoder", learning_rate)
    scale = 2 ** len(filters)
    if len(decoder_filters) != len(filters):
        raise ConfigurationError(
            f"decoder_filters={tuple(decoder_filters)!r} must have one entry per encoder block "
            f"({len(filters)})"
        )
    if height % scale or width % scale:
        raise ConfigurationError(
            f"input_shape={tuple(input_shape)!r}: height and width must be divisible by {scale} "
            f"for {len(filters)} stride-2 blocks"
        )
    worm = resolve_connectome(connectome)

    images = keras.Input((height, width, channels), name="images")
    tokens = conv_tokens(images, filters, trainable=mode == "deep", name="encoder")
    motor = ConnectomicBlock(worm, mode=mode, features=features, steps=steps, gating=gating,
                             spectral_radius=spectral_radius, seed=seed, name="connectome")(tokens)
    pooled = keras.layers.GlobalAveragePooling1D(name="pool")(tokens)
    query = keras.layers.Dense(features, name="query")(pooled)
    readout = MotorAttentionReadout(num_heads=num_heads, key_dim=features,
                                    name="motor_readout")(query, motor)
    code = keras.layers.Concatenate(name="code")(
        [keras.layers.Flatten(name="motor_states")(motor), readout]
    )

    small_h, small_w = height // scale, width // scale
    x = keras.layers.Dense(small_h * small_w * decoder_channels, activation="relu",
                           name="expand")(code)
    x = keras.layers.Reshape((small_h, small_w, decoder_channels), name="unflatten")(x)
    for block, width_ in enumerate(decoder_filters):
        x = keras.layers.Conv2DTranspose(width_, 3, strides=2, padding="same", activation="relu",
                                         name=f"decoder_deconv{block}")(x)
    pixels = keras.layers.Conv2D(channels, 3, padding="same", activation="sigmoid",
                                 name="pixels")(x)

    model = keras.Model(images, pixels, name=f"elegans_autoencoder_{mode}")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.BinaryCrossentropy(),
        metrics=reconstruction_metrics(),
    )
    return model
