"""ConnectomicBlock: sensory placement, receptive fields, every synapse on a sensory -> motor path
within ``steps`` counts, modes, spectral radius and argument checks
(saving and seeds: test_layers_saving.py and test_layers_seeds.py)."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
from keras import ops
from layer_helpers import numpy
from scipy.sparse.csgraph import shortest_path

from elegans_keras import ConfigurationError, ConnectomeError
from elegans_keras.layers import ConnectomicBlock

# Hops from the nearest sensory neuron to a synapse's pre neuron, plus the synapse, plus hops from
# its post neuron to the nearest motor neuron: at most 6 on the default connectome (one chemical
# synapse, VC04 -> AVHR, needs 6; every other reachable one at most 5).
STEPS_COVERING_ALL_PATHS = 6


def radius(matrix: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def value_hops(worm, block: ConnectomicBlock) -> np.ndarray:
    """For each synapse value: the shortest sensory -> motor path through it (inf: none)."""
    hops = shortest_path(worm.mask("all").astype(float), unweighted=True)
    from_sensory = hops[worm.role_indices("S")].min(axis=0)
    to_motor = hops[:, worm.role_indices("M")].min(axis=1)
    syn = block.syn
    entry_hops = from_sensory[syn.pre] + 1 + to_motor[syn.post]
    best = np.full(syn.num_values, np.inf)
    np.minimum.at(best, syn.value_index, entry_hops[syn.entry_index])
    return best


def test_the_path_bound_holds(worm):
    block = ConnectomicBlock(worm, seed=0)
    hops = value_hops(worm, block)
    assert hops[np.isfinite(hops)].max() == STEPS_COVERING_ALL_PATHS
    (farthest,) = np.flatnonzero(hops == STEPS_COVERING_ALL_PATHS)
    pre = block.syn.pre[block.syn.entry_index[block.syn.value_index == farthest]]
    post = block.syn.post[block.syn.entry_index[block.syn.value_index == farthest]]
    assert (worm.names[pre[0]], worm.names[post[0]]) == ("VC04", "AVHR")
    assert np.isfinite(hops).sum() > 2000 and (~np.isfinite(hops)).sum() > 0


def shifts(block, x, values: np.ndarray) -> np.ndarray:
    """Largest output change when each of ``values`` is moved by +3, one at a time."""
    baseline = numpy(block(x))
    original = numpy(block.synapse_values)
    result = []
    for value in values:
        changed = original.copy()
        changed[value] += 3.0
        block.synapse_values.assign(changed)
        result.append(np.abs(numpy(block(x)) - baseline).max())
    block.synapse_values.assign(original)
    return np.array(result)


@pytest.mark.parametrize(
    ("mode", "gating", "shape"),
    [("deep", False, (2, 12)), ("deep", True, (2, 12)), ("reservoir", False, (2, 5, 3))],
)
def test_every_synapse_on_a_sensory_motor_path_influences_the_output(worm, mode, gating, shape):
    block = ConnectomicBlock(
        worm, mode=mode, features=4, steps=STEPS_COVERING_ALL_PATHS, gating=gating, seed=0
    )
    x = np.random.default_rng(1).normal(size=shape).astype("float32")
    block(x)
    hops = value_hops(worm, block)
    rng = np.random.default_rng(2)
    chemical = np.flatnonzero(np.isfinite(hops) & block.syn.chemical)
    electrical = np.flatnonzero(np.isfinite(hops) & ~block.syn.chemical)
    farthest = np.flatnonzero(np.isfinite(hops) & (hops >= STEPS_COVERING_ALL_PATHS - 1))
    sample = np.concatenate(
        [
            rng.choice(chemical, 15, replace=False),
            rng.choice(electrical, 15, replace=False),
            np.flatnonzero(hops == STEPS_COVERING_ALL_PATHS),
            rng.choice(farthest, 9, replace=False),
        ]
    )
    moved = shifts(block, x, sample)
    # A value off every path changes the output by exactly 0 (it only ever multiplies zero
    # states); on a path the change decays with the hops (down to ~1e-7 over 6 gated hops).
    assert np.all(moved > 0.0), [(int(v), hops[v]) for v in sample[moved == 0.0]]
    assert np.median(moved) > 1e-3


@pytest.mark.parametrize("steps", [2, 3])
def test_influence_stops_at_steps_hops(worm, steps):
    block = ConnectomicBlock(worm, features=4, steps=steps, seed=3)
    x = np.random.default_rng(4).normal(size=(2, 12)).astype("float32")
    block(x)
    hops = value_hops(worm, block)
    rng = np.random.default_rng(5)
    near = rng.choice(np.flatnonzero(hops <= steps), 15, replace=False)
    far = rng.choice(np.flatnonzero(np.isfinite(hops) & (hops > steps)), 15, replace=False)
    assert np.all(shifts(block, x, near) > 1e-6)
    np.testing.assert_array_equal(shifts(block, x, far), 0.0)  # exactly: hops > steps


def test_synapses_off_every_sensory_path_do_not_influence_the_output(worm):
    block = ConnectomicBlock(worm, features=4, steps=STEPS_COVERING_ALL_PATHS, seed=0)
    x = np.random.default_rng(1).normal(size=(2, 12)).astype("float32")
    baseline = numpy(block(x))
    unreachable = np.flatnonzero(~np.isfinite(value_hops(worm, block)))
    changed = numpy(block.synapse_values)
    changed[unreachable] += 1.0
    block.synapse_values.assign(changed)
    np.testing.assert_array_equal(numpy(block(x)), baseline)


# --- states and inputs -----------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 10), (3, 6, 5)])
def test_sensory_states_are_batch_features_neurons(worm, shape):
    block = ConnectomicBlock(worm, features=8, seed=6)
    x = np.random.default_rng(7).normal(size=shape).astype("float32")
    block.build(shape)
    states = numpy(block._sensory_states(ops.convert_to_tensor(x)))
    assert states.shape == (3, 8, 279)
    others = np.setdiff1d(np.arange(279), worm.role_indices("S"))
    assert np.all(states[:, :, others] == 0.0)
    assert np.all(states[:, :, worm.role_indices("S")] != 0.0)


@pytest.mark.parametrize("mode", ["deep", "reservoir"])
@pytest.mark.parametrize("shape", [(3, 10), (3, 6, 5)])
def test_output_is_motor_tokens(worm, mode, shape):
    block = ConnectomicBlock(worm, mode=mode, features=8, steps=2, gating=True, seed=3)
    outputs = block(np.random.default_rng(4).normal(size=shape).astype("float32"))
    assert outputs.shape == (3, 89, 8)
    assert block.compute_output_shape(shape) == (3, 89, 8)
    assert np.all(np.isfinite(numpy(outputs)))
    assert np.all(np.abs(numpy(outputs)) <= 1.0) and np.any(numpy(outputs) != 0.0)  # tanh


def test_receptive_fields_are_per_sensory_neuron_and_position(worm):
    block = ConnectomicBlock(worm, features=4, seed=7)
    x = np.random.default_rng(8).normal(size=(2, 9, 3)).astype("float32")
    baseline = numpy(block(x))
    assert block.receptive_fields.shape == (98, 9)
    order = np.random.default_rng(9).permutation(9)
    permuted = x[:, order]
    assert np.abs(numpy(block(permuted)) - baseline).max() > 1e-4  # positions matter
    fields = numpy(block.receptive_fields)
    block.receptive_fields.assign(fields[:, order])  # fields moved with the tokens
    np.testing.assert_allclose(numpy(block(permuted)), baseline, rtol=1e-5, atol=1e-6)


def test_uniform_receptive_fields_pool_the_mean_token(worm):
    block = ConnectomicBlock(worm, features=4, seed=10)
    x = np.random.default_rng(11).normal(size=(2, 6, 3)).astype("float32")
    block.build(x.shape)
    block.receptive_fields.assign(np.zeros((98, 6)))
    states = numpy(block._sensory_states(ops.convert_to_tensor(x)))
    kernel, bias = (numpy(w) for w in block.embedding.weights)
    pooled = (x @ kernel + bias).mean(axis=1)  # (batch, features)
    expected = np.repeat(pooled[:, :, None], 98, axis=2)
    np.testing.assert_allclose(states[:, :, worm.role_indices("S")], expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("steps", "gating", "implementation"),
    [
        (1, False, "dense"),
        (2, False, "dense"),
        (2, True, "sparse"),
        (3, True, "dense"),
        (3, False, "sparse"),
    ],
)
def test_steps_follow_the_formula_on_the_whole_matrix(worm, steps, gating, implementation):
    # the block multiplies only the sensory rows (first step) and motor columns (last step)
    block = ConnectomicBlock(
        worm, features=3, steps=steps, gating=gating, implementation=implementation, seed=12
    )
    x = np.random.default_rng(13).normal(size=(2, 7)).astype("float32")
    outputs = numpy(block(x))
    states = numpy(block._sensory_states(ops.convert_to_tensor(x)))
    matrix = block.syn.matrix(numpy(block.synapse_values)).toarray()
    transform, bias = numpy(block.feature_kernel), numpy(block.bias)
    for _ in range(steps):
        update = np.einsum("fg,bfn->bgn", transform, states @ matrix) + bias
        if gating:
            gate = np.einsum("fg,bfn->bgn", numpy(block.gate_kernel), states)
            update = update / (1.0 + np.exp(-(gate + numpy(block.gate_bias))))
        states = np.tanh(states + update)
    np.testing.assert_allclose(
        outputs, states[:, :, worm.role_indices("M")].transpose(0, 2, 1), rtol=1e-5, atol=1e-5
    )
    sizes = {key: (syn.num_pre, syn.num_post) for key, syn in block.step_synapses.items()}
    assert sizes[True, steps == 1] == (98, 89 if steps == 1 else 279)
    assert sizes[steps == 1, True] == (98 if steps == 1 else 279, 89)


def reference_block(block: ConnectomicBlock, x: np.ndarray) -> np.ndarray:
    """The block's formula in numpy from its weights: (batch, features, neurons) states, placed
    by hand, multiplied by the whole synaptic matrix at every step (no restricted steps, no
    neuron-first rows)."""
    kernel, embedding_bias = (numpy(w).astype(np.float64) for w in block.embedding.weights)
    sensory, motor = block.connectome.role_indices("S"), block.connectome.role_indices("M")
    embedded = x.astype(np.float64) @ kernel + embedding_bias
    if x.ndim == 2:
        pooled = embedded.reshape(len(x), len(sensory), -1).transpose(0, 2, 1)
    else:
        logits = numpy(block.receptive_fields).astype(np.float64)
        fields = np.exp(logits - logits.max(axis=1, keepdims=True))
        fields /= fields.sum(axis=1, keepdims=True)
        pooled = np.einsum("btf,st->bfs", embedded, fields)
    states = np.zeros((len(x), block.features, block.num_neurons))
    states[:, :, sensory] = pooled
    matrix = block.syn.matrix(numpy(block.synapse_values)).toarray()
    transform, bias = numpy(block.feature_kernel), numpy(block.bias)
    for _ in range(block.steps):
        update = np.einsum("fg,bfn->bgn", transform, states @ matrix) + bias
        if block.gating:
            gate = np.einsum("fg,bfn->bgn", numpy(block.gate_kernel), states)
            update = update / (1.0 + np.exp(-(gate + numpy(block.gate_bias))))
        states = np.tanh(states + update)
    return states[:, :, motor].transpose(0, 2, 1)


@pytest.mark.parametrize("implementation", ["dense", "sparse"])
@pytest.mark.parametrize(
    ("shape", "steps", "gating"),
    [((4, 49, 6), 2, False), ((4, 7, 6), 3, True), ((4, 10), 1, False), ((4, 10), 2, True)],
)
def test_block_equals_a_reference_of_its_formula(worm, implementation, shape, steps, gating):
    # trained-like weights: random biases and gate, so no term is zero by initialisation
    block = ConnectomicBlock(
        worm, features=5, steps=steps, gating=gating, implementation=implementation, seed=21
    )
    x = np.random.default_rng(22).normal(size=shape).astype("float32")
    block(x)
    rng = np.random.default_rng(23)
    for weight in (block.bias, block.gate_bias, *block.embedding.weights):
        if weight is not None:
            weight.assign(0.3 * rng.normal(size=weight.shape).astype("float32"))
    np.testing.assert_allclose(numpy(block(x)), reference_block(block, x), rtol=1e-5, atol=1e-5)


# --- modes and initial values ---------------------------------------------------------------
@pytest.mark.parametrize("rho", [0.8, 1.2])
def test_reservoir_mode_freezes_the_synapses_at_the_spectral_radius(worm, rho):
    block = ConnectomicBlock(worm, mode="reservoir", features=6, spectral_radius=rho, seed=5)
    block.build((None, 10))
    frozen = {id(w) for w in block.non_trainable_weights}
    for weight in (block.synapse_values, block.feature_kernel, block.bias):
        assert id(weight) in frozen
    assert abs(radius(block.syn.matrix(numpy(block.synapse_values)).toarray()) - rho) < 1e-6
    transform = numpy(block.feature_kernel)
    np.testing.assert_allclose(transform.T @ transform, np.eye(6), atol=1e-5)
    trainable = sorted(w.path.split("/")[-1] for w in block.trainable_weights)
    assert trainable == ["bias", "kernel"]  # the sensory embedding only


def test_reservoir_training_leaves_the_synapses_alone(worm):
    keras.utils.set_random_seed(1)
    block = ConnectomicBlock(worm, mode="reservoir", features=4, steps=2, seed=11)
    model = keras.Sequential(
        [keras.Input((5, 4)), block, keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)]
    )
    rng = np.random.default_rng(12)
    x = rng.normal(size=(32, 5, 4)).astype("float32")
    y = x.reshape(32, -1)[:, :3].sum(axis=1, keepdims=True)
    frozen = [numpy(w) for w in (block.synapse_values, block.feature_kernel, block.bias)]
    fields = numpy(block.receptive_fields)
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
    for weight, value in zip(
        (block.synapse_values, block.feature_kernel, block.bias), frozen, strict=True
    ):
        np.testing.assert_array_equal(numpy(weight), value)
    assert not np.array_equal(numpy(block.receptive_fields), fields)


def test_deep_mode_trains_the_synapses(worm):
    keras.utils.set_random_seed(2)
    block = ConnectomicBlock(worm, mode="deep", features=4, steps=2, gating=True, seed=6)
    model = keras.Sequential(
        [keras.Input((10,)), block, keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)]
    )
    trainable = {id(w) for w in block.trainable_weights}
    for weight in (block.synapse_values, block.feature_kernel, block.bias, block.gate_kernel):
        assert id(weight) in trainable
    assert block.synapse_values.shape == (2711,)
    rng = np.random.default_rng(13)
    x = rng.normal(size=(32, 10)).astype("float32")
    y = x[:, :3].sum(axis=1, keepdims=True)
    values = numpy(block.synapse_values)
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
    changed = numpy(block.synapse_values) != values
    on_paths = np.isfinite(value_hops(worm, block)) & (value_hops(worm, block) <= 2)
    assert changed[on_paths].mean() > 0.9
    assert not changed[~np.isfinite(value_hops(worm, block))].any()  # no gradient off every path


def test_count_magnitudes_and_neurotransmitter_signs(worm):
    block = ConnectomicBlock(worm, signs="neurotransmitter", spectral_radius=0.9, seed=14)
    block.build((None, 4))
    values = numpy(block.synapse_values)
    ratio = np.abs(values) / np.log1p(block.syn.counts)
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-6)
    assert np.sum(values < 0) == 76
    random = ConnectomicBlock(worm, magnitudes="random", seed=14)
    random.build((None, 4))
    ratio = np.abs(numpy(random.synapse_values)) / np.log1p(random.syn.counts)
    assert ratio.std() / ratio.mean() > 0.3


def test_shared_values(worm):
    block = ConnectomicBlock(worm, features=3, shared_values=300, seed=15)
    outputs = block(np.ones((2, 5), "float32"))
    assert block.synapse_values.shape == (300,) and outputs.shape == (2, 89, 3)
    assert abs(radius(block.syn.matrix(numpy(block.synapse_values)).toarray()) - 0.9) < 1e-6
    with pytest.raises(ConfigurationError, match="shared_values=0"):
        ConnectomicBlock(worm, shared_values=0)
    with pytest.raises(ConfigurationError, match="shared_values=5000"):
        ConnectomicBlock(worm, shared_values=5000)


def test_dropout_acts_in_training_only(worm):
    block = ConnectomicBlock(worm, features=4, dropout=0.5, seed=16)
    x = np.random.default_rng(17).normal(size=(2, 6)).astype("float32")
    inference = numpy(block(x, training=False))
    np.testing.assert_array_equal(numpy(block(x)), inference)
    assert np.abs(numpy(block(x, training=True)) - inference).max() > 1e-4


# --- argument checks -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"mode": "echo"}, "mode='echo'"),
        ({"features": 0}, "features=0"),
        ({"steps": 1.5}, "steps=1.5"),
        ({"steps": 0}, "steps=0"),
        ({"dropout": 1.0}, "dropout=1.0"),
        ({"spectral_radius": 0}, "spectral_radius=0"),
        ({"activation": "no_such"}, "activation='no_such'"),
        ({"magnitudes": "log"}, "magnitudes='log'"),
        ({"signs": "dale"}, "signs='dale'"),
        ({"implementation": "csr"}, "implementation='csr'"),
        ({"seed": -1}, "seed=-1"),
    ],
)
def test_invalid_arguments_name_the_argument(worm, arguments, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        ConnectomicBlock(worm, **arguments)


def test_wiring_without_roles_or_motors_is_refused(worm):
    with pytest.raises(ConfigurationError, match="needs a Connectome"):
        ConnectomicBlock(worm.mask())
    with pytest.raises(ConnectomeError, match="no motor neurons"):
        ConnectomicBlock(worm.subgraph(roles="SI"))
    with pytest.raises(ConnectomeError, match="no sensory neurons"):
        ConnectomicBlock(worm.subgraph(roles="IM"))


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((None, 2, 3, 4), "expected (batch, F)"),
        ((None, None), "with F known"),
        ((None, None, 3), "token axis"),
    ],
)
def test_bad_input_shapes_are_refused(worm, shape, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        ConnectomicBlock(worm, seed=0).build(shape)


# --- scale -----------------------------------------------------------------------------------


def test_a_block_at_fly_scale_holds_no_sensory_by_neuron_array():
    """400,000 neurons, 20,000 of them sensory: an (N_S, N) placement would need 32 GB."""
    import scipy.sparse as sp

    from elegans_keras import Connectome

    n = 400_000
    roles = np.full(n, "I")
    roles[::20], roles[1::20] = "S", "M"
    sensory = np.arange(0, n, 20)
    clique = np.array([(a, b) for a in range(2, 12) for b in range(2, 12) if a != b])
    pre, post = np.r_[sensory, clique[:, 0]], np.r_[sensory + 1, clique[:, 1]]
    chemical = sp.csr_array((np.ones(pre.size), (pre, post)), shape=(n, n))
    fly = Connectome(
        tuple(f"n{i}" for i in range(n)), tuple(roles), chemical, sp.csr_array((n, n)), name="ring"
    )
    block = ConnectomicBlock(fly, features=2, steps=1, implementation="sparse", seed=0)
    tokens = np.random.default_rng(0).normal(size=(1, 3, 2)).astype("float32")
    motors = numpy(block(tokens))
    assert motors.shape == (1, n // 20, 2)
    # one step: each motor neuron n[20k + 1] holds what its sensory predecessor n[20k] sent
    assert np.abs(motors).min() > 0
