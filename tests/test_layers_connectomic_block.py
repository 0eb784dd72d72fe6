"""ConnectomicBlock: every synapse on a sensory->motor path counts; modes, ranks, saving."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from keras import ops
from scipy.sparse.csgraph import shortest_path

from elegans_keras import ConfigurationError, ConnectomeError, load_connectome
from elegans_keras.layers import ConnectomicBlock

# Hops from the nearest sensory neuron to a synapse's pre neuron, plus the synapse,
# plus hops from its post neuron to the nearest motor neuron: at most 5 on the
# default connectome, so 5 propagation steps put every such synapse on a path.
STEPS_COVERING_ALL_PATHS = 5



def numpy(value) -> np.ndarray:
    if isinstance(value, keras.Variable):
        return np.asarray(value.numpy(), dtype=np.float64)
    return np.asarray(ops.convert_to_numpy(value), dtype=np.float64)


def path_lengths(worm, synapses: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pre, post, hops of the shortest sensory -> motor path through each synapse)."""
    hops = shortest_path(worm.mask("all").astype(float), unweighted=True)
    from_sensory = hops[worm.role_indices("S")].min(axis=0)
    to_motor = hops[:, worm.role_indices("M")].min(axis=1)
    pre, post = np.nonzero(worm.mask(synapses))
    return pre, post, from_sensory[pre] + 1 + to_motor[post]


def test_the_path_bound_holds(worm):
    for synapses in ("chemical", "electrical"):
        _, _, hops = path_lengths(worm, synapses)
        assert hops[np.isfinite(hops)].max() == STEPS_COVERING_ALL_PATHS


@pytest.mark.parametrize(
    ("mode", "synapses", "gating"),
    [("deep", "chemical", False), ("deep", "electrical", True), ("reservoir", "electrical", False)],
)
def test_every_synapse_on_a_sensory_motor_path_influences_the_output(worm, mode, synapses, gating):
    block = ConnectomicBlock(
        worm, mode=mode, features=4, steps=STEPS_COVERING_ALL_PATHS, gating=gating, seed=0
    )
    x = np.random.default_rng(1).normal(size=(2, 12)).astype("float32")
    baseline = numpy(block(x))
    layer = block.chemical if synapses == "chemical" else block.electrical
    pre, post, hops = path_lengths(worm, synapses)
    on_path = np.flatnonzero(np.isfinite(hops))
    sample = np.random.default_rng(2).choice(on_path, size=50, replace=False)
    kernel = numpy(layer.kernel)
    for edge in sample:
        changed = kernel.copy()
        changed[pre[edge], post[edge]] += 1.0
        layer.kernel.assign(changed)
        shift = np.abs(numpy(block(x)) - baseline).max()
        assert shift > 1e-6, (worm.names[pre[edge]], worm.names[post[edge]], synapses)
    layer.kernel.assign(kernel)


def test_synapses_off_every_sensory_path_do_not_influence_the_output(worm):
    block = ConnectomicBlock(worm, features=4, steps=STEPS_COVERING_ALL_PATHS, seed=0)
    x = np.random.default_rng(1).normal(size=(2, 12)).astype("float32")
    baseline = numpy(block(x))
    pre, post, hops = path_lengths(worm, "chemical")
    unreachable = np.flatnonzero(~np.isfinite(hops))
    assert len(unreachable) > 0
    changed = numpy(block.chemical.kernel)
    changed[pre[unreachable], post[unreachable]] += 1.0
    block.chemical.kernel.assign(changed)
    np.testing.assert_array_equal(numpy(block(x)), baseline)


@pytest.mark.parametrize("mode", ["deep", "reservoir"])
@pytest.mark.parametrize("shape", [(3, 10), (3, 6, 5)])
def test_output_is_motor_tokens(worm, mode, shape):
    block = ConnectomicBlock(worm, mode=mode, features=8, steps=2, gating=True, seed=3)
    outputs = block(np.random.default_rng(4).normal(size=shape).astype("float32"))
    assert outputs.shape == (3, 89, 8)
    assert block.compute_output_shape(shape) == (3, 89, 8)
    assert np.all(np.isfinite(numpy(outputs)))


def test_reservoir_mode_freezes_propagation_at_the_spectral_radius(worm):
    block = ConnectomicBlock(worm, mode="reservoir", features=6, spectral_radius=0.8, seed=5)
    block.build((None, 10))
    frozen = {id(w) for w in block.non_trainable_weights}
    for layer in (block.chemical, block.electrical):
        assert id(layer.kernel) in frozen and id(layer.feature_kernel) in frozen
    combined = numpy(block.chemical.effective_kernel) + numpy(block.electrical.effective_kernel)
    assert abs(np.max(np.abs(np.linalg.eigvals(combined))) - 0.8) < 1e-4
    values = numpy(block.chemical.feature_kernel)
    np.testing.assert_allclose(values.T @ values, np.eye(6), atol=1e-5)
    np.testing.assert_array_equal(values, numpy(block.electrical.feature_kernel))
    assert {w.name for w in block.trainable_weights} >= {"kernel", "gamma", "beta"}


def test_deep_mode_trains_the_synapses(worm):
    block = ConnectomicBlock(worm, mode="deep", features=6, seed=6)
    block.build((None, 10))
    trainable = {id(w) for w in block.trainable_weights}
    for layer in (block.chemical, block.electrical):
        assert id(layer.kernel) in trainable and id(layer.feature_kernel) in trainable


def test_receptive_fields_ignore_token_order(worm):
    block = ConnectomicBlock(worm, features=4, seed=7)
    x = np.random.default_rng(8).normal(size=(2, 9, 3)).astype("float32")
    permuted = x[:, np.random.default_rng(9).permutation(9)]
    np.testing.assert_allclose(numpy(block(permuted)), numpy(block(x)), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("mode", "shape"), [("deep", (10,)), ("reservoir", (5, 4))])
def test_training_reduces_the_loss(worm, mode, shape):
    keras.utils.set_random_seed(10)
    model = keras.Sequential(
        [
            keras.Input(shape),
            ConnectomicBlock(worm, mode=mode, features=4, steps=2, seed=11),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(1),
        ]
    )
    rng = np.random.default_rng(12)
    x = rng.normal(size=(32, *shape)).astype("float32")
    y = x.reshape(32, -1)[:, :3].sum(axis=1, keepdims=True)
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


@pytest.mark.parametrize(
    ("mode", "shape", "gating"), [("deep", (10,), True), ("reservoir", (5, 4), False)]
)
def test_save_and_load_round_trip(worm, tmp_path, mode, shape, gating):
    inputs = keras.Input(shape)
    block = ConnectomicBlock(worm, mode=mode, features=4, steps=3, gating=gating, dropout=0.1)
    model = keras.Model(inputs, block(inputs))
    json.dumps(block.get_config())
    path = tmp_path / "block.keras"
    model.save(path)
    restored = keras.models.load_model(path, safe_mode=True)
    x = np.random.default_rng(13).normal(size=(2, *shape)).astype("float32")
    np.testing.assert_array_equal(numpy(restored(x)), numpy(model(x)))
    assert restored.layers[-1].connectome.fingerprint == worm.fingerprint
    assert len(restored.trainable_weights) == len(model.trainable_weights)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"mode": "echo"}, "mode='echo'"),
        ({"features": 0}, "features=0"),
        ({"steps": 1.5}, "steps=1.5"),
        ({"dropout": 1.0}, "dropout=1.0"),
        ({"spectral_radius": 0}, "spectral_radius=0"),
        ({"activation": "no_such"}, "activation='no_such'"),
    ],
)
def test_invalid_arguments_raise(worm, arguments, message):
    with pytest.raises(ConfigurationError, match=message):
        ConnectomicBlock(worm, **arguments)


def test_wiring_without_roles_or_motors_is_refused(worm):
    with pytest.raises(ConfigurationError, match="needs a Connectome"):
        ConnectomicBlock(worm.mask())
    with pytest.raises(ConnectomeError, match="no motor neurons"):
        ConnectomicBlock(worm.subgraph(roles="SI"))


def test_bad_input_rank_is_refused(worm):
    with pytest.raises(ConfigurationError, match="expected \\(batch, F\\)"):
        ConnectomicBlock(worm).build((None, 2, 3, 4))
