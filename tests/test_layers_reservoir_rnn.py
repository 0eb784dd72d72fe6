"""ReservoirRNN: the same states and gradients as keras.layers.RNN over the same cell.

The fused recurrence is taken on CPU TensorFlow (and not with fused=False or a mask);
training, saving, checks."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from layer_helpers import numpy

from elegans_keras import ConfigurationError
from elegans_keras.layers import ReservoirCell, ReservoirRNN, reservoir_rnn
from elegans_keras.layers.recurrence import host_recurrence_available

ON_TENSORFLOW = keras.backend.backend() == "tensorflow"


def cell_of(
    worm, implementation: str = "sparse", trainable: bool = False, state_neurons: str = "M"
) -> ReservoirCell:
    return ReservoirCell(
        worm,
        spectral_radius=0.9,
        leak_rate=0.4,
        bias_scaling=0.1,
        state_neurons=state_neurons,
        implementation=implementation,
        seed=3,
        trainable=trainable,
    )


def sequences(batch: int = 2, steps: int = 12) -> np.ndarray:
    return np.random.default_rng(5).normal(size=(batch, steps, 3)).astype("float32")


@pytest.fixture
def fused_calls(monkeypatch) -> list[int]:
    """Counts the fused recurrences ReservoirRNN runs."""
    calls: list[int] = []
    real = reservoir_rnn.host_recurrence

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(reservoir_rnn, "host_recurrence", counted)
    return calls


@pytest.mark.parametrize("implementation", ["dense", "sparse"])
def test_states_equal_the_rnn_loop_over_the_same_cell(worm, implementation, fused_calls):
    cell = cell_of(worm, implementation)
    fused = ReservoirRNN(cell, return_sequences=True, return_state=True)
    loop = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    x = sequences()
    start = np.random.default_rng(6).normal(scale=0.1, size=(2, 279)).astype("float32")
    outputs, state = fused(x, initial_state=start)
    expected_outputs, expected_state = loop(x, initial_state=start)
    assert tuple(outputs.shape) == (2, 12, 89) and tuple(state.shape) == (2, 279)
    np.testing.assert_allclose(numpy(outputs), numpy(expected_outputs), atol=1e-5)
    np.testing.assert_allclose(numpy(state), numpy(expected_state), atol=1e-5)
    assert len(fused_calls) == (1 if host_recurrence_available("float32") else 0)


def test_fused_false_and_masks_take_the_rnn_loop(worm, fused_calls):
    x = sequences()
    unfused = ReservoirRNN(cell_of(worm), fused=False)(x)
    assert not fused_calls
    np.testing.assert_allclose(numpy(unfused), numpy(keras.layers.RNN(cell_of(worm))(x)), atol=1e-6)
    # all neurons out: Keras's masked loop needs outputs the size of the state
    mask = np.ones((2, 12), bool)
    mask[1, 8:] = False
    masked = ReservoirRNN(cell_of(worm, state_neurons="all"))(x, mask=mask)
    assert not fused_calls
    full = keras.layers.RNN(cell_of(worm, state_neurons="all"))(x)
    first_eight = keras.layers.RNN(cell_of(worm, state_neurons="all"))(x[1:, :8])
    np.testing.assert_allclose(numpy(masked)[0], numpy(full)[0], atol=1e-5)
    np.testing.assert_allclose(numpy(masked)[1], numpy(first_eight)[0], atol=1e-5)


@pytest.mark.skipif(not ON_TENSORFLOW, reason="the fused recurrence is TensorFlow's")
@pytest.mark.parametrize(
    ("implementation", "trainable"), [("dense", False), ("sparse", False), ("sparse", True)]
)
def test_gradients_equal_the_rnn_loop(worm, implementation, trainable, fused_calls):
    import tensorflow as tf

    cell = cell_of(worm, implementation, trainable)
    layers = (
        ReservoirRNN(cell, return_sequences=True, return_state=True),
        keras.layers.RNN(cell, return_sequences=True, return_state=True),
    )
    x = tf.constant(sequences())
    start = tf.constant(np.random.default_rng(7).normal(scale=0.1, size=(2, 279)), tf.float32)
    weights = np.random.default_rng(8).normal(size=(12, 89)).astype("float32")
    results = []
    for layer in layers:
        with tf.GradientTape() as tape:
            tape.watch([x, start])
            outputs, state = layer(x, initial_state=start)
            loss = tf.reduce_sum(outputs * weights) + tf.reduce_sum(tf.sin(state))
        sources = [x, start, *cell.trainable_weights]
        results.append([tf.convert_to_tensor(g).numpy() for g in tape.gradient(loss, sources)])
    assert len(results[0]) == (5 if trainable else 2)
    names = ["inputs", "initial state", "recurrent values", "input kernel", "bias"]
    for name, got, want in zip(names[: len(results[0])], *results, strict=True):
        np.testing.assert_allclose(
            got, want, atol=1e-5 * max(1.0, np.abs(want).max()), err_msg=name
        )
    assert len(fused_calls) == (1 if host_recurrence_available("float32") else 0)


def test_layers_before_it_train_through_it(worm):
    inputs = keras.Input((10, 2))
    projected = keras.layers.Dense(3, name="before")(inputs)
    states = ReservoirRNN(cell_of(worm), name="reservoir")(projected)
    model = keras.Model(inputs, keras.layers.Dense(1)(states))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    before = numpy(model.get_layer("before").kernel)
    rng = np.random.default_rng(9)
    model.fit(
        rng.normal(size=(8, 10, 2)), rng.normal(size=(8, 1)), batch_size=4, epochs=1, verbose=0
    )
    assert np.abs(numpy(model.get_layer("before").kernel) - before).max() > 1e-6


def test_saves_and_loads_with_its_fused_flag(worm, tmp_path):
    inputs = keras.Input((12, 3))
    model = keras.Model(inputs, ReservoirRNN(cell_of(worm), fused=False, name="reservoir")(inputs))
    path = tmp_path / "reservoir.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.get_layer("reservoir"), ReservoirRNN)
    assert loaded.get_layer("reservoir").fused is False
    np.testing.assert_allclose(numpy(loaded(sequences())), numpy(model(sequences())), atol=1e-6)


@pytest.mark.parametrize(
    ("cell", "fused", "message"),
    [
        ("gru", True, "cell must be a ReservoirCell, got GRUCell"),
        ("reservoir", "yes", "fused must be True or False, got 'yes'"),
    ],
)
def test_bad_arguments_name_the_problem(worm, cell, fused, message):
    made = keras.layers.GRUCell(4) if cell == "gru" else cell_of(worm)
    with pytest.raises(ConfigurationError, match=message):
        ReservoirRNN(made, fused=fused)
