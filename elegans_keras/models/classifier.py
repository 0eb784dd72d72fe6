"""Image classifiers: the connectome model and its plain twin of matched trainable parameters."""

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
    check_rate,
    check_sizes,
)
from elegans_keras.connectome import Connectome
from elegans_keras.layers import ConnectomicBlock, MotorAttentionReadout, SynapseSpec
from elegans_keras.models.common import (
    check_image_shape,
    connectome_first,
    conv_tokens,
    factory_spec,
    seeded,
)


@connectome_first(
    (
        "input_shape",
        "num_classes",
        "connectome",
        "mode",
        "features",
        "steps",
        "filters",
        "num_heads",
        "gating",
        "spectral_radius",
        "dropout",
        "augment",
        "learning_rate",
        "decay_steps",
        "normalized_head",
        "batch_norm_momentum",
        "magnitudes",
        "signs",
        "implementation",
        "shared_values",
        "seed",
    ),
    renamed={"weights": "magnitudes"},
)
def elegans_classifier(
    connectome: Connectome | SynapseSpec | str | os.PathLike | None = None,
    *,
    input_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    mode: str = "deep",
    features: int = 16,
    steps: int = 2,
    filters: Sequence[int] = (32, 64),
    num_heads: int = 4,
    gating: bool = False,
    spectral_radius: float = 0.9,
    dropout: float = 0.1,
    augment: bool = False,
    learning_rate: float = 1e-3,
    decay_steps: int | None = None,
    normalized_head: bool = True,
    batch_norm_momentum: float = 0.5,
    magnitudes: str = "count",
    signs: str = "random",
    implementation: str = "auto",
    shared_values: int | None = None,
    seed: int = 0,
) -> keras.Model:
    """A compiled image classifier whose core is the connectome.

    ``connectome`` (the one positional argument) is a Connectome, a name or
    path any reader takes (None: the default worm), or a
    :class:`~elegans_keras.layers.SynapseSpec`; ``magnitudes``, ``signs``,
    ``spectral_radius``, ``implementation``, ``shared_values`` and ``seed``
    make the spec when it is not given. Last release's positional order
    (``input_shape, num_classes, connectome, ...``) and ``weights=`` still
    work, with a DeprecationWarning.

    Pixels (float32 in [0, 1]) pass a conv stem whose output tokens reach the
    sensory neurons; ``steps`` propagation steps over the synapses lead to the
    motor neurons, read out by multi-head attention with the pooled image
    embedding as query (``num_heads * features`` outputs, then the classes).
    ``mode="reservoir"`` freezes the synaptic weights (spectral radius
    ``spectral_radius``); the stem and the readout train.
    ``augment=True`` adds random shifts of up to 10% and rotations of up to
    ~10 degrees, active during training only. Compiled with Adam and sparse
    categorical cross-entropy on integer labels; with ``decay_steps`` the
    learning rate follows a cosine from ``learning_rate`` to 0 over that many
    steps (the training budget: epochs x batches per epoch), else it is
    constant. ``seed`` fixes every initial weight and the dropout /
    augmentation streams.

    ``normalized_head=True`` (the default) layer-normalises the motor tokens
    (each neuron's ``features`` values) and the readout's output before the
    classes. Without it the readout's output starts about 60 times smaller
    than the plain twin's hidden layer (std 0.0024 vs 0.14 on a batch of
    MNIST; the attention averages 89 motor tokens of mixed sign), the
    gradient reaching the conv stem is about 30 times smaller, and the model
    needs hundreds of steps to grow its scales before it learns.
    ``batch_norm_momentum`` is the stem's (see
    :func:`~elegans_keras.models.common.conv_tokens`); 0.5 keeps inference
    statistics in step with the weights in short runs. Models published
    before these defaults were trained with ``normalized_head=False,
    batch_norm_momentum=0.9`` (their manifest entries say so).

    Example:
        >>> model = elegans_classifier(mode="reservoir")
        >>> model.output_shape
        (None, 10)
    """
    shape, num_classes = _check_common(
        "elegans_classifier",
        input_shape,
        num_classes,
        filters,
        dropout,
        learning_rate,
        decay_steps,
        batch_norm_momentum,
        seed,
    )
    check_choice(mode, "mode", "elegans_classifier", MODES)
    # both size the readout (num_heads * features) before any layer checks them
    num_heads = check_int(num_heads, "num_heads", "elegans_classifier", low=1)
    features = check_int(features, "features", "elegans_classifier", low=1)
    spec = factory_spec(
        connectome,
        "elegans_classifier",
        magnitudes=magnitudes,
        signs=signs,
        spectral_radius=spectral_radius,
        implementation=implementation,
        shared_values=shared_values,
        seed=seed,
    )

    def head(tokens: keras.KerasTensor) -> keras.KerasTensor:
        motor = ConnectomicBlock(
            spec, mode=mode, features=features, steps=steps, gating=gating, name="connectome"
        )(tokens)
        if normalized_head:
            motor = keras.layers.LayerNormalization(name="motor_norm")(motor)
        pooled = keras.layers.GlobalAveragePooling1D(name="pool")(tokens)
        query = keras.layers.Dense(features, kernel_initializer=seeded(seed, 101), name="query")(
            pooled
        )
        return MotorAttentionReadout(
            num_heads=num_heads,
            key_dim=features,
            output_dim=num_heads * features,
            seed=seed + 200,
            name="motor_readout",
        )(query, motor)

    return _classifier(
        shape,
        num_classes,
        filters,
        dropout,
        augment,
        learning_rate,
        decay_steps,
        normalized_head,
        batch_norm_momentum,
        seed,
        head,
        f"elegans_classifier_{mode}",
    )


def plain_classifier(
    input_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    hidden: int | None = None,
    filters: Sequence[int] = (32, 64),
    dropout: float = 0.1,
    augment: bool = False,
    learning_rate: float = 1e-3,
    decay_steps: int | None = None,
    normalized_head: bool = True,
    batch_norm_momentum: float = 0.5,
    seed: int = 0,
    **twin: Any,
) -> keras.Model:
    """The plain twin of :func:`elegans_classifier`: the same stem and head, no wiring.

    The connectome block, its query and its attention readout are replaced by
    one dense layer on the pooled stem features (``Dense(hidden, gelu)``), so
    the model is ``stem -> global average pool -> Dense(hidden) -> dropout ->
    classes``. With ``hidden=None`` its width is chosen so that the trainable
    parameters equal those of ``elegans_classifier`` built with the same
    arguments (``twin`` takes the connectome-only ones: ``connectome``,
    ``mode``, ``features``, ``steps``...), so the two differ only in the wiring.
    ``normalized_head`` layer-normalises the hidden layer, as the connectome
    model's readout is; ``batch_norm_momentum`` is the stem's: both as in
    :func:`elegans_classifier`.

    Example:
        >>> plain = plain_classifier(mode="deep")
        >>> connectome = elegans_classifier()
        >>> gap = count_parameters(plain)["trainable"] - count_parameters(connectome)["trainable"]
        >>> abs(gap) < 20  # of about 83,000
        True
    """
    shape, num_classes = _check_common(
        "plain_classifier",
        input_shape,
        num_classes,
        filters,
        dropout,
        learning_rate,
        decay_steps,
        batch_norm_momentum,
        seed,
    )
    common: dict[str, Any] = {
        "input_shape": shape,
        "num_classes": num_classes,
        "filters": filters,
        "dropout": dropout,
        "augment": augment,
        "learning_rate": learning_rate,
        "decay_steps": decay_steps,
        "normalized_head": normalized_head,
        "batch_norm_momentum": batch_norm_momentum,
        "seed": seed,
    }
    if hidden is None:
        target = elegans_classifier(**common, **twin)
        hidden = matched_width(
            lambda width: plain_classifier(hidden=width, **common), trainable_count(target)
        )
    hidden = check_int(hidden, "hidden", "plain_classifier", low=1)

    def head(tokens: keras.KerasTensor) -> keras.KerasTensor:
        pooled = keras.layers.GlobalAveragePooling1D(name="pool")(tokens)
        return keras.layers.Dense(
            hidden, activation="gelu", kernel_initializer=seeded(seed, 101), name="hidden"
        )(pooled)

    return _classifier(
        shape,
        num_classes,
        filters,
        dropout,
        augment,
        learning_rate,
        decay_steps,
        normalized_head,
        batch_norm_momentum,
        seed,
        head,
        "plain_classifier",
    )


def trainable_count(model: keras.Model) -> int:
    """Number of trainable parameters."""
    return sum(int(keras.ops.size(w)) for w in model.trainable_weights)


def matched_width(build: Callable[[int], keras.Model], target: int) -> int:
    """The width whose model has the trainable-parameter count nearest ``target``.

    ``build(width)`` must have parameters linear in ``width``; two builds
    (widths 1 and 2) give the slope.

    Example:
        >>> def dense(w):
        ...     return keras.Sequential([keras.Input((3,)), keras.layers.Dense(w)])
        >>> matched_width(dense, 40)
        10
    """
    one, two = trainable_count(build(1)), trainable_count(build(2))
    return max(1, round(1 + (target - one) / (two - one)))


def _check_common(
    where: str,
    input_shape: Any,
    num_classes: Any,
    filters: Any,
    dropout: Any,
    learning_rate: Any,
    decay_steps: Any,
    batch_norm_momentum: Any,
    seed: Any,
) -> tuple[tuple[int, int, int], int]:
    shape = check_image_shape(input_shape, where)
    check_sizes(filters, "filters", where)
    check_rate(dropout, "dropout", where)
    check_rate(batch_norm_momentum, "batch_norm_momentum", where)
    check_number(learning_rate, "learning_rate", where, low=0.0)
    if decay_steps is not None:
        check_int(decay_steps, "decay_steps", where, low=1)
    check_int(seed, "seed", where, high=MAX_FACTORY_SEED)
    return shape, check_int(num_classes, "num_classes", where, low=2)


def _learning_rate(
    learning_rate: float, decay_steps: int | None
) -> float | keras.optimizers.schedules.CosineDecay:
    """Constant, or a cosine from ``learning_rate`` to 0 over ``decay_steps`` steps."""
    if decay_steps is None:
        return learning_rate
    return keras.optimizers.schedules.CosineDecay(learning_rate, int(decay_steps))


def _classifier(
    shape: tuple[int, int, int],
    num_classes: int,
    filters: Sequence[int],
    dropout: float,
    augment: bool,
    learning_rate: float,
    decay_steps: int | None,
    normalized_head: bool,
    batch_norm_momentum: float,
    seed: int,
    head: Callable[[keras.KerasTensor], keras.KerasTensor],
    name: str,
) -> keras.Model:
    images = keras.Input(shape, name="images")
    x = images
    if augment:
        x = keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed, name="shift")(
            x
        )
        x = keras.layers.RandomRotation(0.03, fill_mode="constant", seed=seed + 1, name="rotate")(x)
    hidden = head(conv_tokens(x, tuple(filters), seed=seed, momentum=batch_norm_momentum))
    if normalized_head:
        hidden = keras.layers.LayerNormalization(name="head_norm")(hidden)
    hidden = keras.layers.Dropout(dropout, seed=seed + 2, name="dropout")(hidden)
    probabilities = keras.layers.Dense(
        num_classes, activation="softmax", kernel_initializer=seeded(seed, 102), name="classes"
    )(hidden)
    model = keras.Model(images, probabilities, name=name)
    model.compile(
        optimizer=keras.optimizers.Adam(_learning_rate(learning_rate, decay_steps)),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    return model
