"""``echo_state_transformer_classifier``: image rows or patches through a reservoir + attention."""

from __future__ import annotations

import os
from collections.abc import Sequence

import keras
from keras import ops

from elegans_keras.checks import check_choice, check_int, check_number
from elegans_keras.connectome import Connectome, load_connectome
from elegans_keras.errors import ConfigurationError
from elegans_keras.layers import EchoStateTransformer, SynapseSpec
from elegans_keras.models.common import check_image_shape, connectome_first, seeded


@keras.saving.register_keras_serializable(package="elegans_keras")
class ImageToSequence(keras.layers.Layer):
    """(batch, H, W, C) images -> (batch, T, F) sequences of rows or square patches.

    ``"rows"``: T = H, F = W * C. ``"patches"``: non-overlapping
    ``patch_size`` squares in raster order, T = (H / p) * (W / p), F = p * p * C.

    Example:
        >>> tuple(ImageToSequence("patches", 4)(ops.zeros((2, 28, 28, 1))).shape)
        (2, 49, 16)
    """

    def __init__(self, sequence: str = "rows", patch_size: int = 4, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sequence = check_choice(sequence, "sequence", "ImageToSequence", ("rows", "patches"))
        self.patch_size = check_int(patch_size, "patch_size", "ImageToSequence", low=1)

    def call(self, images):
        batch = ops.shape(images)[0]
        if self.sequence == "rows":
            height, width, channels = images.shape[1:]
            return ops.reshape(images, (batch, height, width * channels))
        patches = ops.image.extract_patches(images, self.patch_size, padding="valid")
        steps = patches.shape[1] * patches.shape[2]
        return ops.reshape(patches, (batch, steps, patches.shape[3]))

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        if self.sequence == "rows":
            return (batch, height, width * channels)
        p = self.patch_size
        return (batch, (height // p) * (width // p), p * p * channels)

    def get_config(self) -> dict:
        return {**super().get_config(), "sequence": self.sequence, "patch_size": self.patch_size}


@connectome_first(
    (
        "input_shape",
        "num_classes",
        "connectome",
        "sequence",
        "patch_size",
        "d_model",
        "num_heads",
        "num_blocks",
        "spectral_radius",
        "leak_rate",
        "dropout",
        "learning_rate",
        "seed",
    )
)
def echo_state_transformer_classifier(
    connectome: Connectome | SynapseSpec | str | os.PathLike | None = None,
    *,
    input_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    sequence: str = "rows",
    patch_size: int = 4,
    d_model: int = 64,
    num_heads: int = 4,
    num_blocks: int = 2,
    spectral_radius: float = 0.9,
    leak_rate: float = 0.5,
    dropout: float = 0.1,
    learning_rate: float = 1e-3,
    mode: str = "reservoir",
    magnitudes: str = "count",
    signs: str = "random",
    implementation: str = "auto",
    seed: int = 0,
) -> keras.Model:
    """A compiled classifier: image rows/patches -> connectome reservoir -> transformer.

    ``connectome`` (the one positional argument) is as in
    :func:`~elegans_keras.models.elegans_classifier`; ``mode="reservoir"``
    freezes the reservoir, ``"deep"`` trains its synapses too. The reservoir
    arguments are :class:`~elegans_keras.layers.EchoStateTransformer`'s. Last
    release's positional order still works, with a DeprecationWarning.

    Example:
        >>> model = echo_state_transformer_classifier(sequence="patches", patch_size=4)
        >>> model.output_shape
        (None, 10)
    """
    where = "echo_state_transformer_classifier"
    shape = check_image_shape(input_shape, where)
    patch_size = check_int(patch_size, "patch_size", where, low=1)
    if sequence == "patches" and (shape[0] % patch_size or shape[1] % patch_size):
        raise ConfigurationError(
            f"input_shape={shape!r} is not divisible into {patch_size}x{patch_size} patches"
        )
    num_classes = check_int(num_classes, "num_classes", where, low=2)
    check_number(learning_rate, "learning_rate", where, low=0.0)
    images = keras.Input(shape, name="images")
    steps = ImageToSequence(sequence, patch_size, name="to_sequence")(images)
    tokens = EchoStateTransformer(
        load_connectome() if connectome is None else connectome,
        mode=mode,
        magnitudes=magnitudes,
        signs=signs,
        implementation=implementation,
        d_model=d_model,
        num_heads=num_heads,
        num_blocks=num_blocks,
        spectral_radius=spectral_radius,
        leak_rate=leak_rate,
        dropout=dropout,
        seed=seed,
        name="echo_state_transformer",
    )(steps)
    pooled = keras.layers.GlobalAveragePooling1D(name="pool")(tokens)
    probabilities = keras.layers.Dense(
        num_classes, activation="softmax", kernel_initializer=seeded(seed, 102), name="classes"
    )(pooled)
    model = keras.Model(images, probabilities, name="echo_state_transformer_classifier")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    return model
