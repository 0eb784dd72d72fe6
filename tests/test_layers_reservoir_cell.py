"""ReservoirCell: spectral radius, echo-state property, masks, freezing, errors, saving."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from keras import ops

from elegans_keras import ConfigurationError, ConnectomeError, load_connectome
from elegans_keras.layers import ReservoirCell



def numpy(value) -> np.ndarray:
    if isinstance(value, keras.Variable):
        return np.asarray(value.numpy(), dtype=np.float64)
    return np.asarray(ops.convert_to_numpy(value), dtype=np.float64)


def radius(matrix: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def built(cell: ReservoirCell, features: int = 1) -> ReservoirCell:
    cell.build((None, features))
    return cell


@pytest.mark.parametrize(
    ("rho", "weights", "dtype"),
    [
        (0.5, "random", None),
        (0.9, "count", None),
        (1.3, "random", "mixed_float16"),
        (0.95, "random", "float16"),
    ],
)
def test_spectral_radius_is_exact_whatever_the_dtype_policy(worm, rho, weights, dtype):
    cell = ReservoirCell(worm, spectral_radius=rho, recurrent_weights=weights, seed=1, dtype=dtype)
    states = keras.layers.RNN(cell)(np.ones((1, 3, 1), "float32"))
    assert cell.recurrent_kernel.dtype == "float32"
    assert abs(radius(numpy(cell.recurrent_kernel)) - rho) < 1e-4
    assert np.all(np.isfinite(numpy(states)))


def test_recurrent_weights_live_on_the_synapses(worm):
    counts = worm.chemical + worm.electrical
    cell = built(ReservoirCell(worm, synapses="all", recurrent_weights="count", seed=2))
    kernel = numpy(cell.recurrent_kernel)
    np.testing.assert_array_equal(kernel != 0, counts != 0)
    ratio = np.abs(kernel[counts != 0]) / counts[counts != 0]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-5)
    assert (kernel > 0).any() and (kernel < 0).any()
    chemical = built(ReservoirCell(worm, synapses="chemical", seed=2))
    np.testing.assert_array_equal(numpy(chemical.recurrent_kernel) != 0, worm.mask("chemical"))


@pytest.mark.parametrize("leak", [1.0, 0.4])
def test_echo_state_property(worm, leak):
    cell = ReservoirCell(worm, spectral_radius=0.9, leak_rate=leak, seed=3)
    rnn = keras.layers.RNN(cell, return_sequences=True)
    rng = np.random.default_rng(0)
    drive = rng.uniform(-1, 1, (1, 200, 2)).astype("float32")
    starts = rng.uniform(-1, 1, (2, 279)).astype("float32")
    states = numpy(rnn(np.concatenate([drive, drive]), initial_state=[starts]))
    gap = np.linalg.norm(states[0] - states[1], axis=-1)
    assert gap[0] > 1.0
    assert gap[-1] < 1e-4 * gap[0]


def test_one_step_follows_the_leaky_update(worm):
    cell = built(ReservoirCell(worm, leak_rate=0.3, bias_scaling=0.2, seed=4), features=3)
    rng = np.random.default_rng(1)
    inputs = rng.normal(size=(2, 3)).astype("float32")
    state = rng.uniform(-1, 1, (2, 279)).astype("float32")
    output, [new_state] = cell(inputs, [state])
    drive = (
        inputs @ numpy(cell.input_kernel) + state @ numpy(cell.recurrent_kernel) + numpy(cell.bias)
    )
    expected = 0.7 * state + 0.3 * np.tanh(drive)
    np.testing.assert_allclose(numpy(new_state), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(numpy(output), numpy(new_state))


def test_input_reaches_only_the_chosen_neurons_and_output_is_a_role(worm):
    cell = ReservoirCell(worm, input_neurons="S", output_neurons="M", seed=5)
    rnn = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    outputs, final = rnn(np.ones((1, 1, 2), "float32"))
    first = numpy(final)[0]
    sensory = worm.role_indices("S")
    assert np.all(first[np.setdiff1d(np.arange(279), sensory)] == 0.0)
    assert np.count_nonzero(first[sensory]) == len(sensory)
    assert cell.output_size == 89
    np.testing.assert_array_equal(numpy(outputs)[0, 0], first[worm.role_indices("M")])


def test_plain_mask_with_index_lists():
    mask = np.ones((4, 4), dtype=bool)
    cell = built(ReservoirCell(mask.tolist(), input_neurons=[0, 2], output_neurons=[3], seed=6))
    assert cell.output_size == 1
    weights = numpy(cell.input_kernel)
    assert np.all(weights[:, [1, 3]] == 0.0) and np.all(weights[:, [0, 2]] != 0.0)


def test_frozen_by_default_and_trainable_on_request(worm):
    frozen = keras.layers.RNN(ReservoirCell(worm, seed=7))
    frozen.build((None, 5, 1))
    assert frozen.trainable_weights == []
    trainable = keras.layers.RNN(ReservoirCell(worm, seed=7, trainable=True))
    trainable.build((None, 5, 1))
    names = sorted(w.name for w in trainable.trainable_weights)
    assert names == ["bias", "input_kernel", "recurrent_kernel"]


def test_trainable_cell_learns_and_keeps_its_mask(worm):
    keras.utils.set_random_seed(2)
    cell = ReservoirCell(
        worm, input_neurons="S", output_neurons="M", trainable=True, spectral_radius=0.5, seed=8
    )
    model = keras.Sequential([keras.Input((6, 1)), keras.layers.RNN(cell), keras.layers.Dense(1)])
    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 6, 1)).astype("float32")
    y = x.sum(axis=1)
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    recurrent_before, input_before = numpy(cell.recurrent_kernel), numpy(cell.input_kernel)
    loss_before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    assert model.evaluate(x, y, verbose=0) < loss_before
    off = ~worm.mask()
    np.testing.assert_array_equal(numpy(cell.recurrent_kernel)[off], recurrent_before[off])
    assert not np.array_equal(numpy(cell.recurrent_kernel), recurrent_before)
    others = np.setdiff1d(np.arange(279), worm.role_indices("S"))
    np.testing.assert_array_equal(numpy(cell.input_kernel)[:, others], input_before[:, others])


def test_same_seed_same_reservoir(worm):
    first, second, other = (built(ReservoirCell(worm, seed=s)) for s in (9, 9, 10))
    np.testing.assert_array_equal(numpy(first.recurrent_kernel), numpy(second.recurrent_kernel))
    np.testing.assert_array_equal(numpy(first.input_kernel), numpy(second.input_kernel))
    assert not np.array_equal(numpy(first.recurrent_kernel), numpy(other.recurrent_kernel))


def test_unseeded_cell_records_its_seed(worm):
    cell = built(ReservoirCell(worm))
    clone = built(ReservoirCell.from_config(cell.get_config()))
    np.testing.assert_array_equal(numpy(cell.recurrent_kernel), numpy(clone.recurrent_kernel))


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"spectral_radius": 0.0}, ConfigurationError, "spectral_radius=0.0"),
        ({"spectral_radius": -1.0}, ConfigurationError, "spectral_radius=-1.0"),
        ({"leak_rate": 0.0}, ConfigurationError, "leak_rate=0.0"),
        ({"leak_rate": 1.5}, ConfigurationError, "leak_rate=1.5"),
        ({"input_scaling": 0}, ConfigurationError, "input_scaling=0"),
        ({"bias_scaling": -0.1}, ConfigurationError, "bias_scaling=-0.1"),
        ({"recurrent_weights": "ones"}, ConfigurationError, "recurrent_weights='ones'"),
        ({"input_neurons": []}, ConfigurationError, "selects no neurons"),
        ({"input_neurons": "X"}, ConfigurationError, "input_neurons='X'"),
        ({"output_neurons": [0, 279]}, ConfigurationError, "index 279 outside"),
        ({"seed": -3}, ConfigurationError, "seed=-3"),
    ],
)
def test_invalid_arguments_raise(worm, arguments, error, message):
    with pytest.raises(error, match=message):
        ReservoirCell(worm, **arguments)


@pytest.mark.parametrize(
    ("mask", "arguments", "error", "message"),
    [
        (np.ones((3, 4)), {"input_neurons": "all"}, ConfigurationError, "must be square"),
        (np.ones((3, 3)), {}, ConfigurationError, "needs a Connectome"),
        (np.triu(np.ones((3, 3)), k=1), {"input_neurons": "all"}, ConnectomeError, "no cycle"),
    ],
)
def test_invalid_masks_raise(mask, arguments, error, message):
    with pytest.raises(error, match=message):
        ReservoirCell(mask, **arguments)


@pytest.mark.parametrize("wiring", ["worm", "mask"])
def test_save_and_load_round_trip(worm, tmp_path, wiring):
    if wiring == "worm":
        cell = ReservoirCell(worm, leak_rate=0.5, output_neurons="M", bias_scaling=0.1)
    else:
        mask = np.random.default_rng(4).random((20, 20)) < 0.3
        cell = ReservoirCell(mask, input_neurons=[0, 1, 2], seed=11)
    inputs = keras.Input((7, 2))
    model = keras.Model(inputs, keras.layers.RNN(cell, return_sequences=True)(inputs))
    json.dumps(cell.get_config())
    path = tmp_path / "reservoir.keras"
    model.save(path)
    restored = keras.models.load_model(path, safe_mode=True)
    x = np.random.default_rng(5).normal(size=(3, 7, 2)).astype("float32")
    np.testing.assert_array_equal(numpy(restored(x)), numpy(model(x)))
    assert restored.trainable_weights == []
