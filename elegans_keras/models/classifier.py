"""``elegans_classifier``: images -> conv stem -> connectome -> motor attention -> classes."""

from __future__ import annotations

import os
from collections.abc import Sequence

import keras

from elegans_keras.connectome import Connectome, resolve_connectome
from elegans_keras.layers import ConnectomicBlock, MotorAttentionReadout
from elegans_keras.models.common import (
    check_image_shape,
    check_mode,
    check_rates,
    check_size,
    check_sizes,
    conv_tokens,
)


def elegans_classifier(
    input_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    connectome: Connectome | str | os.PathLike | None = None,
    mode: str = "deep",
    features: int = 32,
    steps: int = 2,
    filters: Sequence[int] = (32, 64),
    num_heads: int = 4,
    gating: bool = False,
    spectral_radius: float = 0.9,
    dropout: float = 0.1,
    augment: bool = False,
    learning_rate: float = 1e-3,
    seed: int = 0,
) -> keras.Model:
    """A compiled image classifier whose core is the connectome.

    Pixels (float32 in [0, 1]) pass a conv stem whose output tokens reach the
    sensory neurons; ``steps`` propagation steps over the chemical and
    electrical synapses lead to the motor neurons, read out by multi-head
    attention with the pooled image embedding as query. ``mode="reservoir"``
    freezes the synaptic weights (spectral radius ``spectral_radius``).
    ``augment=True`` adds random shifts of up to 10% and rotations of up to
    ~10 degrees, active during training only. Compiled with Adam and sparse
    categorical cross-entropy on integer labels.

    Example:
        >>> model = elegans_classifier((28, 28, 1), 10, mode="reservoir")
        >>> model.fit(x_train, y_train, validation_split=0.1, epochs=1)
    """
    shape = check_image_shape(input_shape)
    check_mode(mode)
    num_classes = check_size(num_classes, "num_classes", low=2)
    filters = check_sizes(filters, "filters")
    check_rates("elegans_classifier", learning_rate, dropout)
    worm = resolve_connectome(connectome)

    images = keras.Input(shape, name="images")
    x = images
    if augment:
        x = keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed,
                                           name="shift")(x)
        x = keras.layers.RandomRotation(0.03, fill_mode="constant", seed=seed, name="rotate")(x)
    tokens = conv_tokens(x, filters)
    motor = ConnectomicBlock(worm, mode=mode, features=features, steps=steps, gating=gating,
                             spectral_radius=spectral_radius, seed=seed, name="connectome")(tokens)
    pooled = keras.layers.GlobalAveragePooling1D(name="pool")(tokens)
    query = keras.layers.Dense(features, name="query")(pooled)
    readout = MotorAttentionReadout(num_heads=num_heads, key_dim=features,
                                    name="motor_readout")(query, motor)
    hidden = keras.layers.Dropout(dropout, seed=seed, name="dropout")(readout)
    probabilities = keras.layers.Dense(num_classes, activation="softmax", name="classes")(hidden)

    model = keras.Model(images, probabilities, name=f"elegans_classifier_{mode}")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    return model
