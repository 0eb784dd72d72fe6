"""``echo_state_network`` and its closed-form ridge readout ``fit_ridge``."""

from __future__ import annotations

import keras
import numpy as np
import scipy.linalg

from elegans_keras.checks import MODES, check_choice, check_int, check_number
from elegans_keras.connectome import load_connectome
from elegans_keras.errors import ConfigurationError
from elegans_keras.layers import ReservoirCell, ReservoirRNN, SynapseSpec
from elegans_keras.layers.wiring import NeuronSpec, WiringSpec
from elegans_keras.models.common import connectome_first, seeded


@connectome_first(
    (
        "connectome",
        "input_dim",
        "output_dim",
        "spectral_radius",
        "leak_rate",
        "input_scaling",
        "input_neurons",
        "state_neurons",
        "mode",
        "learning_rate",
        "magnitudes",
        "signs",
        "implementation",
        "seed",
    ),
    renamed={"weights": "magnitudes", "output_neurons": "state_neurons"},
)
def echo_state_network(
    connectome: WiringSpec | SynapseSpec | None = None,
    *,
    input_dim: int = 1,
    output_dim: int = 1,
    spectral_radius: float = 0.9,
    leak_rate: float = 0.3,
    input_scaling: float = 1.0,
    input_neurons: NeuronSpec = "S",
    state_neurons: NeuronSpec = "all",
    mode: str = "reservoir",
    learning_rate: float = 1e-3,
    magnitudes: str = "count",
    signs: str = "random",
    implementation: str = "auto",
    seed: int = 0,
) -> keras.Model:
    """A connectome echo-state network: ReservoirCell over time + linear readout.

    ``connectome`` is a Connectome, a name or path any reader takes (None: the
    default worm), a square mask (with ``input_neurons`` / ``state_neurons``
    "all" or indices), or a :class:`~elegans_keras.layers.SynapseSpec`; the
    other arguments are :class:`~elegans_keras.layers.ReservoirCell`'s (the
    same names and meanings), passed by keyword. Last release's positional
    order, ``weights=`` and ``output_neurons=`` still work, with a
    DeprecationWarning.

    Input (batch, time, input_dim) -> (batch, time, output_dim). The reservoir
    is frozen (``mode="reservoir"``) or trained by backpropagation through
    time (``mode="deep"``). Fit the readout in closed form with
    :func:`fit_ridge`, or train with ``fit`` (compiled with MSE).

    Example:
        >>> esn = echo_state_network(spectral_radius=0.9, seed=0)  # doctest: +SKIP
        >>> fit_ridge(esn, u_train, y_train, washout=100)  # doctest: +SKIP
        >>> y = esn.predict(u_test[None])[0]  # doctest: +SKIP
    """
    where = "echo_state_network"
    check_choice(mode, "mode", where, MODES)
    input_dim = check_int(input_dim, "input_dim", where, low=1)
    output_dim = check_int(output_dim, "output_dim", where, low=1)
    check_number(learning_rate, "learning_rate", where, low=0.0)
    cell = ReservoirCell(
        load_connectome() if connectome is None else connectome,
        spectral_radius=spectral_radius,
        leak_rate=leak_rate,
        input_scaling=input_scaling,
        input_neurons=input_neurons,
        state_neurons=state_neurons,
        magnitudes=magnitudes,
        signs=signs,
        implementation=implementation,
        seed=seed,
        trainable=mode == "deep",
    )
    inputs = keras.Input((None, input_dim), name="signal")
    states = ReservoirRNN(cell, return_sequences=True, name="reservoir")(inputs)
    outputs = keras.layers.Dense(output_dim, kernel_initializer=seeded(seed, 1), name="readout")(
        states
    )
    model = keras.Model(inputs, outputs, name=f"echo_state_network_{mode}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return model


def reservoir_states(model: keras.Model, inputs: np.ndarray) -> np.ndarray:
    """The reservoir's states for (time, input_dim) or (batch, time, input_dim) inputs."""
    sequences = _as_batch(inputs, "inputs")
    reservoir = keras.Model(model.inputs, model.get_layer("reservoir").output)
    states = reservoir.predict(sequences, verbose=0, batch_size=len(sequences))
    return states if np.ndim(inputs) == 3 else states[0]


def fit_ridge(
    model: keras.Model,
    inputs: np.ndarray,
    targets: np.ndarray,
    washout: int = 100,
    ridge: float = 1e-6,
) -> keras.Model:
    """Fit the readout of an echo-state network in closed form (ridge regression).

    The first ``washout`` steps of every sequence are discarded; the readout
    solves ``(S^T S + ridge I) W = S^T Y`` with a bias column. Returns the model.

    Example:
        >>> fit_ridge(esn, u, y, washout=100, ridge=1e-6)  # doctest: +SKIP
    """
    sequences, wanted = _as_batch(inputs, "inputs"), _as_batch(targets, "targets")
    if sequences.shape[:2] != wanted.shape[:2]:
        raise ConfigurationError(
            f"inputs {sequences.shape} and targets {wanted.shape} differ in batch/time"
        )
    if not 0 <= washout < sequences.shape[1]:
        raise ConfigurationError(f"washout={washout} must be in [0, {sequences.shape[1]})")
    if ridge < 0:
        raise ConfigurationError(f"ridge={ridge} must be >= 0")
    states = reservoir_states(model, sequences)[:, washout:]
    design = states.reshape(-1, states.shape[-1]).astype(np.float64)
    design = np.hstack([design, np.ones((len(design), 1))])
    outputs = wanted[:, washout:].reshape(len(design), -1).astype(np.float64)
    gram = design.T @ design + ridge * np.eye(design.shape[1])
    solution = scipy.linalg.solve(gram, design.T @ outputs, assume_a="pos")
    model.get_layer("readout").set_weights([solution[:-1], solution[-1]])
    return model


def _as_batch(array: np.ndarray, label: str) -> np.ndarray:
    array = np.asarray(array, dtype=np.float32)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3 or not np.all(np.isfinite(array)):
        raise ConfigurationError(
            f"{label} must be a finite (time, dim) or (batch, time, dim) array"
        )
    return array
