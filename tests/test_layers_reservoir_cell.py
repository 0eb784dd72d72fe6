"""ReservoirCell: recurrent values on the synapses, exact spectral radius, echo-state property,
input/output neurons, freezing, training and argument checks
(saving and seeds: test_layers_saving.py and test_layers_seeds.py)."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
from layer_helpers import numpy

from elegans_keras import ConfigurationError, ConnectomeError
from elegans_keras.layers import ReservoirCell
from elegans_keras.layers.synapses import inhibitory_neurons, synapses_of


def radius(matrix: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def built(cell: ReservoirCell, features: int = 1) -> ReservoirCell:
    cell.build((None, features))
    return cell


def recurrent_matrix(cell: ReservoirCell) -> np.ndarray:
    """The (pre, post) recurrent matrix of the cell's current values, in float64."""
    return cell.syn.matrix(numpy(cell.recurrent_values)).toarray()


@pytest.mark.parametrize(
    ("rho", "weights", "synapses", "dtype"),
    [
        (0.5, "random", "all", None),
        (0.9, "count", "all", None),
        (1.1, "count", "chemical", None),
        (0.7, "count", "electrical", None),
        (1.3, "random", "all", "mixed_float16"),
    ],
)
def test_spectral_radius_is_exact_whatever_the_dtype_policy(worm, rho, weights, synapses, dtype):
    cell = ReservoirCell(
        worm, spectral_radius=rho, magnitudes=weights, synapses=synapses, seed=1, dtype=dtype
    )
    states = keras.layers.RNN(cell)(np.ones((1, 3, 1), "float32"))
    assert cell.recurrent_values.dtype == "float32"
    assert cell.recurrent_values.shape == (synapses_of(worm, synapses).num_values,)
    assert abs(radius(cell.syn.matrix(cell.initial_recurrent).toarray()) - rho) < 1e-9
    assert abs(radius(recurrent_matrix(cell)) - rho) < 1e-6
    assert np.all(np.isfinite(numpy(states)))


def test_recurrent_values_live_on_the_synapses_with_count_magnitudes(worm):
    cell = built(ReservoirCell(worm, synapses="all", magnitudes="count", seed=2))
    values = numpy(cell.recurrent_values)
    assert values.shape == (2711,)
    ratio = np.abs(values) / np.log1p(synapses_of(worm, "all").counts)
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-6)  # one global (spectral) scale
    assert (values > 0).any() and (values < 0).any()
    kernel = recurrent_matrix(cell)
    assert np.all(kernel[~worm.mask("all")] == 0.0)
    chemical = built(ReservoirCell(worm, synapses="chemical", seed=2))
    np.testing.assert_array_equal(recurrent_matrix(chemical) != 0, worm.mask("chemical"))


def test_neurotransmitter_signs_in_the_recurrence(worm):
    cell = built(ReservoirCell(worm, synapses="chemical", signs="neurotransmitter", seed=3))
    kernel = recurrent_matrix(cell)
    gaba = inhibitory_neurons(worm, "test")
    np.testing.assert_array_equal(kernel < 0, worm.mask("chemical") & gaba[:, None])
    np.testing.assert_array_equal(kernel > 0, worm.mask("chemical") & ~gaba[:, None])


@pytest.mark.parametrize("leak", [1.0, 0.4])
def test_echo_state_property(worm, leak):
    cell = ReservoirCell(worm, spectral_radius=0.9, leak_rate=leak, seed=3)
    rnn = keras.layers.RNN(cell, return_sequences=True)
    rng = np.random.default_rng(0)
    drive = rng.uniform(-1, 1, (1, 150, 2)).astype("float32")
    starts = rng.uniform(-1, 1, (2, 279)).astype("float32")
    states = numpy(rnn(np.concatenate([drive, drive]), initial_state=[starts]))
    gap = np.linalg.norm(states[0] - states[1], axis=-1)
    assert gap[0] > 1.0
    assert gap[-1] < 1e-4 * gap[0]


def test_without_the_echo_state_property_states_do_not_forget(worm):
    """A large radius (chaotic reservoir): the two runs stay apart, so the test above has teeth."""
    cell = ReservoirCell(worm, spectral_radius=3.0, seed=3, input_scaling=0.1)
    rnn = keras.layers.RNN(cell, return_sequences=True)
    rng = np.random.default_rng(0)
    drive = rng.uniform(-1, 1, (1, 150, 2)).astype("float32")
    starts = rng.uniform(-1, 1, (2, 279)).astype("float32")
    states = numpy(rnn(np.concatenate([drive, drive]), initial_state=[starts]))
    gap = np.linalg.norm(states[0] - states[1], axis=-1)
    assert gap[-1] > 1e-2 * gap[0]


def test_one_step_follows_the_leaky_update(worm):
    cell = built(ReservoirCell(worm, leak_rate=0.3, bias_scaling=0.2, seed=4), features=3)
    rng = np.random.default_rng(1)
    inputs = rng.normal(size=(2, 3)).astype("float32")
    state = rng.uniform(-1, 1, (2, 279)).astype("float32")
    output, [new_state] = cell(inputs, [state])
    bias = numpy(cell.bias)
    assert np.all(np.abs(bias) <= 0.2) and np.any(bias != 0)
    drive = inputs @ numpy(cell.input_kernel) + state @ recurrent_matrix(cell) + bias
    expected = 0.7 * state + 0.3 * np.tanh(drive)
    np.testing.assert_allclose(numpy(new_state), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(numpy(output), numpy(new_state))


def test_input_reaches_only_the_chosen_neurons_and_output_is_a_role(worm):
    cell = ReservoirCell(worm, input_neurons="S", state_neurons="M", input_scaling=0.5, seed=5)
    rnn = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    outputs, final = rnn(np.ones((1, 1, 2), "float32"))
    first = numpy(final)[0]
    sensory = worm.role_indices("S")
    assert np.all(first[np.setdiff1d(np.arange(279), sensory)] == 0.0)
    assert np.count_nonzero(first[sensory]) == len(sensory)
    assert cell.output_size == 89 and cell.state_size == 279
    np.testing.assert_array_equal(numpy(outputs)[0, 0], first[worm.role_indices("M")])
    weights = numpy(cell.input_kernel)
    assert np.abs(weights).max() <= 0.5 and np.abs(weights[:, sensory]).min() > 0


def test_plain_mask_with_index_lists():
    mask = np.ones((4, 4), dtype=bool)
    cell = built(ReservoirCell(mask.tolist(), input_neurons=[0, 2], state_neurons=[3], seed=6))
    assert cell.output_size == 1 and cell.recurrent_values.shape == (16,)
    weights = numpy(cell.input_kernel)
    assert np.all(weights[:, [1, 3]] == 0.0) and np.all(weights[:, [0, 2]] != 0.0)


@pytest.mark.parametrize("shape", [(2, 5, 1), (3, 1, 4)])
def test_rnn_shapes(worm, shape):
    cell = ReservoirCell(worm, state_neurons="SM", seed=7)
    sequences = keras.layers.RNN(cell, return_sequences=True)(np.ones(shape, "float32"))
    last = keras.layers.RNN(ReservoirCell(worm, seed=7))(np.ones(shape, "float32"))
    assert sequences.shape == (shape[0], shape[1], 98 + 89)
    assert last.shape == (shape[0], 279)


def test_frozen_by_default_and_trainable_on_request(worm):
    frozen = keras.layers.RNN(ReservoirCell(worm, seed=7))
    frozen.build((None, 5, 1))
    assert frozen.trainable_weights == []
    assert sorted(w.name for w in frozen.non_trainable_weights) == [
        "bias",
        "input_kernel",
        "recurrent_values",
    ]
    trainable = keras.layers.RNN(ReservoirCell(worm, seed=7, trainable=True))
    trainable.build((None, 5, 1))
    assert sorted(w.name for w in trainable.trainable_weights) == [
        "bias",
        "input_kernel",
        "recurrent_values",
    ]
    assert trainable.count_params() == 2711 + 279 + 279


def test_trainable_cell_learns_on_its_synapses_and_inputs_only(worm):
    keras.utils.set_random_seed(2)
    cell = ReservoirCell(
        worm, input_neurons="S", state_neurons="M", trainable=True, spectral_radius=0.5, seed=8
    )
    model = keras.Sequential([keras.Input((6, 1)), keras.layers.RNN(cell), keras.layers.Dense(1)])
    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 6, 1)).astype("float32")
    y = x.sum(axis=1)
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    values_before, input_before = numpy(cell.recurrent_values), numpy(cell.input_kernel)
    loss_before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    assert model.evaluate(x, y, verbose=0) < loss_before
    assert np.mean(numpy(cell.recurrent_values) != values_before) > 0.5
    assert np.all(recurrent_matrix(cell)[~worm.mask()] == 0.0)
    others = np.setdiff1d(np.arange(279), worm.role_indices("S"))
    inputs_after = numpy(cell.input_kernel)
    np.testing.assert_array_equal(inputs_after[:, others], input_before[:, others])
    assert not np.array_equal(inputs_after, input_before)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"spectral_radius": 0.0}, "spectral_radius=0.0"),
        ({"spectral_radius": -1.0}, "spectral_radius=-1.0"),
        ({"leak_rate": 0.0}, "leak_rate=0.0"),
        ({"leak_rate": 1.5}, "leak_rate=1.5"),
        ({"input_scaling": 0}, "input_scaling=0"),
        ({"bias_scaling": -0.1}, "bias_scaling=-0.1"),
        ({"magnitudes": "ones"}, "magnitudes='ones'"),
        ({"signs": "mixed"}, "signs='mixed'"),
        ({"synapses": "gap"}, "synapses='gap'"),
        ({"implementation": "csr"}, "implementation='csr'"),
        ({"input_neurons": []}, "selects no neurons"),
        ({"input_neurons": "X"}, "input_neurons='X'"),
        ({"output_neurons": [0, 279]}, "index 279 outside"),
        ({"seed": -3}, "seed=-3"),
    ],
)
def test_invalid_arguments_name_the_argument(worm, arguments, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        ReservoirCell(worm, **arguments)


@pytest.mark.parametrize(
    ("mask", "arguments", "error", "message"),
    [
        (np.ones((3, 4)), {"input_neurons": "all"}, ConfigurationError, "square"),
        (np.ones((3, 3)), {}, ConfigurationError, "needs a Connectome"),
        (
            np.ones((3, 3)),
            {"input_neurons": "all", "signs": "neurotransmitter"},
            ConfigurationError,
            "needs a Connectome",
        ),
        (np.triu(np.ones((3, 3)), k=1), {"input_neurons": "all"}, ConnectomeError, "no cycle"),
    ],
)
def test_invalid_masks_raise(mask, arguments, error, message):
    # the spectral radius is scaled when the cell builds: an acyclic mask fails there
    with pytest.raises(error, match=message):
        ReservoirCell(mask, **arguments).build((None, 1))


def test_unknown_input_width_is_refused(worm):
    with pytest.raises(ConfigurationError, match="input feature axis"):
        ReservoirCell(worm, seed=0).build((None, None))
