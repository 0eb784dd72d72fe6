"""Saving the layers: weights are independent of the implementation, ``.keras`` files round-trip
in safe mode, and a saved config can neither read files nor smuggle in bad indices."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import ops
from layer_helpers import numpy

from elegans_keras import ConfigurationError, write_graphml
from elegans_keras.layers import (
    ConnectomeDense,
    ConnectomicBlock,
    EchoStateTransformer,
    MotorAttentionReadout,
    ReservoirCell,
)
from elegans_keras.layers.kernels import propagate


def build_model(worm, kind: str, implementation: str, seed: int) -> tuple[keras.Model, tuple]:
    common = {"implementation": implementation, "seed": seed}
    if kind == "dense_rank2":
        shape, layer = (279,), ConnectomeDense(worm, activation="tanh", **common)
    elif kind == "dense_rank3":
        shape, layer = (279, 3), ConnectomeDense(worm, features=4, **common)
    elif kind == "reservoir":
        shape = (5, 2)
        layer = keras.layers.RNN(
            ReservoirCell(
                worm, leak_rate=0.5, state_neurons="M", bias_scaling=0.1, trainable=True, **common
            )
        )
    elif kind == "block":
        shape, layer = (6, 3), ConnectomicBlock(worm, features=4, steps=2, gating=True, **common)
    else:
        shape = (5, 2)
        layer = EchoStateTransformer(worm, d_model=8, num_heads=2, num_blocks=1, ff_dim=8, **common)
    inputs = keras.Input(shape)
    return keras.Model(inputs, layer(inputs)), shape


def sparse_cells(model: keras.Model) -> list[ReservoirCell]:
    cells = []
    for layer in model.layers:
        cell = getattr(layer, "cell", None)
        if isinstance(cell, ReservoirCell) and cell.compute_path == "sparse":
            cells.append(cell)
    return cells


def warm_up(model: keras.Model, batch: int) -> None:
    """Cache the sparse kernels of the reservoirs eagerly (works around the JAX kernel-cache bug
    shown in test_layers_kernels.py, which otherwise breaks the second call of an RNN)."""
    for cell in sparse_cells(model):
        propagate(ops.zeros((batch, cell.num_neurons)), cell.recurrent_values, cell.syn, "sparse")


KINDS = ["dense_rank2", "dense_rank3", "reservoir", "block", "est"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("saved", "loaded"), [("dense", "sparse"), ("sparse", "dense")])
def test_weights_saved_with_one_implementation_load_into_the_other(
    worm, tmp_path, kind, saved, loaded
):
    source, shape = build_model(worm, kind, saved, seed=1)
    target, _ = build_model(worm, kind, loaded, seed=2)
    warm_up(source, 2)
    warm_up(target, 2)
    x = np.random.default_rng(3).normal(size=(2, *shape)).astype("float32")
    expected = numpy(source(x))
    assert np.abs(numpy(target(x)) - expected).max() > 1e-3  # another seed: other weights
    path = tmp_path / f"{kind}.keras"
    source.save(path)
    target.load_weights(path)
    np.testing.assert_allclose(numpy(target(x)), expected, rtol=1e-5, atol=1e-5)
    for a, b in zip(source.weights, target.weights, strict=True):
        np.testing.assert_array_equal(numpy(a), numpy(b))


def small_mask(seed: int, shape: tuple[int, int]) -> np.ndarray:
    mask = np.random.default_rng(seed).random(shape) < 0.4
    mask[0, 0] = True
    return mask


def motor_readout_model(seed: int | None) -> tuple[keras.Model, keras.layers.Layer]:
    readout = MotorAttentionReadout(num_heads=2, key_dim=4, output_dim=3, dropout=0.1, seed=seed)
    query, tokens = keras.Input((6,)), keras.Input((9, 5))
    return keras.Model([query, tokens], readout(query, tokens)), readout


def saved_case(worm, case: str) -> tuple[keras.Model, keras.layers.Layer, object, dict]:
    """A model holding one layer (a cell in an RNN), that layer, the wiring it was given (None:
    none) and the config entries it must record (besides its seed, checked for every case)."""
    neurotransmitter = {"signs": "neurotransmitter"}
    wiring = worm
    if case.startswith("dense"):
        if case == "dense_rank2":
            shape, wiring = (279,), worm.replace(name="worm (listed)")  # saved as index lists
            kwargs = {"synapses": "chemical", "magnitudes": "random", "activation": "relu"}
        elif case == "dense_rank3":
            shape = (279, 2)
            kwargs = {"features": 3, "sign_constraint": "nonneg", **neurotransmitter, "seed": 4}
        elif case == "dense_electrical":
            shape, kwargs = (279,), {"synapses": "electrical", "spectral_radius": 0.8}
        else:  # a plain (6, 5) mask
            shape, wiring, kwargs = (6,), small_mask(9, (6, 5)), {"use_bias": False}
        layer = ConnectomeDense(wiring, **kwargs)
        inputs = keras.Input(shape)
        model = keras.Model(inputs, layer(inputs))
        expected = {key: value for key, value in kwargs.items() if key != "activation"}
        expected["magnitudes"] = layer.magnitudes
        return model, layer, wiring, expected
    if case.startswith("reservoir"):
        if case == "reservoir_worm":
            kwargs = {
                "leak_rate": 0.5,
                "state_neurons": "M",
                "bias_scaling": 0.1,
                **neurotransmitter,
                "magnitudes": "random",
            }
            expected = {**kwargs, "state_neurons": [int(i) for i in worm.role_indices("M")]}
        elif case == "reservoir_trainable":
            kwargs = {"leak_rate": 0.5, "bias_scaling": 0.1, "trainable": True, "seed": 4}
            expected = dict(kwargs)
        else:  # a plain (20, 20) mask, input on three neurons
            wiring = np.random.default_rng(4).random((20, 20)) < 0.3
            kwargs = {"input_neurons": [0, 1, 2], "seed": 11}
            expected = {**kwargs, "state_neurons": "all"}
        cell = ReservoirCell(wiring, **kwargs)
        inputs = keras.Input((7, 2))
        model = keras.Model(inputs, keras.layers.RNN(cell, return_sequences=True)(inputs))
        return model, cell, wiring, expected
    if case.startswith("block"):
        mode, shape = ("deep", (10,)) if case == "block_deep" else ("reservoir", (5, 4))
        kwargs = {"mode": mode, "features": 4, "steps": 3, "dropout": 0.1, **neurotransmitter}
        kwargs["gating"] = case != "block_reservoir"
        if case == "block_reservoir_gated":
            kwargs["seed"] = 4
        layer = ConnectomicBlock(worm, **kwargs)
        inputs = keras.Input(shape)
        return keras.Model(inputs, layer(inputs)), layer, worm, kwargs
    if case == "est":
        kwargs = {"num_blocks": 2, "leak_rate": 0.3, **neurotransmitter, "dropout": 0.1}
        layer = EchoStateTransformer(
            worm, d_model=8, num_heads=2, ff_dim=8, input_neurons="SI", state_neurons="M", **kwargs
        )
        inputs = keras.Input((5, 2))
        expected = {
            **kwargs,
            "input_neurons": [int(i) for i in worm.role_indices("SI")],
            "state_neurons": [int(i) for i in worm.role_indices("M")],
        }
        return keras.Model(inputs, layer(inputs)), layer, worm, expected
    seed = None if case == "motor_unseeded" else 12
    model, readout = motor_readout_model(seed)
    expected = {"output_dim": 3, "dropout": 0.1} | ({} if seed is None else {"seed": seed})
    return model, readout, None, expected


SAVED_CASES = [
    "dense_rank2",
    "dense_rank3",
    "dense_electrical",
    "dense_mask",
    "reservoir_worm",
    "reservoir_trainable",
    "reservoir_mask",
    "block_deep",
    "block_reservoir",
    "block_reservoir_gated",
    "est",
    "motor_unseeded",
    "motor_seeded",
]


def sample(model: keras.Model, seed: int) -> np.ndarray | list[np.ndarray]:
    rng = np.random.default_rng(seed)
    x = [rng.normal(size=(3, *x.shape[1:])).astype("float32") for x in model.inputs]
    return x if len(x) > 1 else x[0]


@pytest.mark.parametrize("case", SAVED_CASES)
def test_load_model_round_trips_every_layer_in_safe_mode(worm, tmp_path, case):
    keras.utils.set_random_seed(14)  # the seeds drawn by unseeded layers
    model, layer, wiring, expected = saved_case(worm, case)
    # trained values, not the ones the recorded seed would rebuild
    for weight in model.weights:
        weight.assign(numpy(weight) * 1.5)
    config = json.loads(json.dumps(layer.get_config()))
    assert isinstance(config["seed"], int) and config["seed"] == layer.seed
    for key, value in expected.items():
        assert config[key] == value, key
    x = sample(model, 5)
    path = tmp_path / f"{case}.keras"
    model.save(path)
    restored = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(numpy(restored(x)), numpy(model(x)))
    assert [tail(w) for w in restored.weights] == [tail(w) for w in model.weights]
    for a, b in zip(restored.weights, model.weights, strict=True):
        np.testing.assert_array_equal(numpy(a), numpy(b), err_msg=a.path)
    assert restored.count_params() == model.count_params()
    trainable = [tail(w) for w in model.trainable_weights]
    assert [tail(w) for w in restored.trainable_weights] == trainable
    if case in ("reservoir_worm", "reservoir_mask"):
        assert trainable == []  # a reservoir is frozen by default, and stays so
    assert json.loads(json.dumps(restored.get_config())) == json.loads(
        json.dumps(model.get_config())
    )
    loaded = restored.layers[-1]
    if isinstance(loaded, keras.layers.RNN):
        loaded = loaded.cell
    assert loaded.seed == layer.seed
    if isinstance(layer, EchoStateTransformer):  # its reservoir has the layer's seed
        assert loaded.cell.seed == layer.cell.seed == layer.seed
    if isinstance(layer, ReservoirCell):
        assert loaded.input_indices == layer.input_indices
        assert loaded.output_indices == layer.output_indices
    if wiring is not None:
        ours, theirs = (
            x.cell if isinstance(x, EchoStateTransformer) else x for x in (layer, loaded)
        )
        np.testing.assert_array_equal(theirs.syn.pre, ours.syn.pre)
        np.testing.assert_array_equal(theirs.syn.post, ours.syn.post)
        if not isinstance(wiring, np.ndarray):
            assert theirs.wiring.fingerprint == wiring.fingerprint == worm.fingerprint
        if isinstance(loaded, ConnectomicBlock):
            assert loaded.connectome.fingerprint == worm.fingerprint


def tail(weight) -> str:
    """A weight's layer and name (an RNN's cell weights load without the RNN in their path)."""
    return "/".join(weight.path.split("/")[-2:])


def test_an_elegans_ai_model_round_trips(worm, tmp_path):
    """ConnectomicBlock -> MotorAttentionReadout (the query is a learned embedding of the input)."""
    inputs = keras.Input((8, 4))
    tokens = ConnectomicBlock(worm, features=8, steps=2, seed=6)(inputs)
    query = keras.layers.Dense(8, kernel_initializer=keras.initializers.GlorotUniform(7))(
        keras.layers.Flatten()(inputs)
    )
    readout = MotorAttentionReadout(num_heads=2, key_dim=4, output_dim=3, seed=8)(query, tokens)
    model = keras.Model(inputs, readout)
    x = np.random.default_rng(9).normal(size=(2, 8, 4)).astype("float32")
    path = tmp_path / "elegans_ai.keras"
    model.save(path)
    restored = keras.models.load_model(path, safe_mode=True)
    assert restored(x).shape == (2, 3)
    np.testing.assert_array_equal(numpy(restored(x)), numpy(model(x)))


# --- editing a saved file ------------------------------------------------------------------
def rewrite_config(source: Path, target: Path, edit) -> Path:
    with zipfile.ZipFile(source) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    edit(config["config"]["layers"][-1]["config"])
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return target


@pytest.fixture(scope="module")
def listed_worm(worm):
    """The worm under another name: not a bundled connectome, so configs hold its synapse lists
    (a bundled one is saved by name and fingerprint)."""
    return worm.replace(name="worm (listed)")


@pytest.fixture(scope="module")
def saved_dense(listed_worm, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("saved")
    model = keras.Sequential([keras.Input((279,)), ConnectomeDense(listed_worm, seed=10)])
    path = folder / "dense.keras"
    model.save(path)
    return path


def test_load_model_refuses_a_connectome_file_in_safe_mode(worm, tmp_path, saved_dense):
    graphml = write_graphml(worm, tmp_path / "worm.graphml")
    edited = rewrite_config(
        saved_dense,
        tmp_path / "path.keras",
        lambda c: c.__setitem__("connectome", str(graphml)),
    )
    with pytest.raises(ConfigurationError, match="safe mode"):
        keras.models.load_model(edited, safe_mode=True)
    with pytest.raises(ConfigurationError, match="safe mode"):
        keras.models.load_model(edited)  # safe mode is the default
    trusted = keras.models.load_model(edited, safe_mode=False)  # and it is what refuses
    assert trusted.layers[-1].wiring.fingerprint == worm.fingerprint


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda w: w["chemical"]["pre"].__setitem__(0, -1), "index -1"),
        (lambda w: w["chemical"]["post"].__setitem__(3, 279), "index 279"),
        (lambda w: w["electrical"]["post"].__setitem__(0, -5), "index -5"),
        (lambda w: w["roles"]["S"].__setitem__(0, -1), "index -1"),
        (lambda w: w["roles"]["M"].append(1000), "index 1000"),
    ],
)
def test_load_model_refuses_bad_wiring_indices(tmp_path, saved_dense, edit, message):
    edited = rewrite_config(saved_dense, tmp_path / "bad.keras", lambda c: edit(c["connectome"]))
    with pytest.raises(ConfigurationError, match=message):
        keras.models.load_model(edited, safe_mode=True)


def layer_config(worm, layer: str) -> tuple[type, dict, str]:
    if layer == "ConnectomeDense":
        return ConnectomeDense, ConnectomeDense(worm, seed=0).get_config(), "connectome"
    if layer == "ReservoirCell":
        return ReservoirCell, ReservoirCell(worm, seed=0).get_config(), "connectome"
    if layer == "ConnectomicBlock":
        return ConnectomicBlock, ConnectomicBlock(worm, seed=0).get_config(), "connectome"
    return (
        EchoStateTransformer,
        EchoStateTransformer(worm, d_model=8, num_heads=2, seed=0).get_config(),
        "connectome",
    )


LAYERS = ["ConnectomeDense", "ReservoirCell", "ConnectomicBlock", "EchoStateTransformer"]


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize(
    ("group", "position", "index"),
    [
        ("chemical", "pre", -1),
        ("chemical", "post", 279),
        ("electrical", "pre", 10**6),
        ("electrical", "post", -279),
    ],
)
def test_from_config_refuses_bad_wiring_indices(listed_worm, layer, group, position, index):
    cls, config, key = layer_config(listed_worm, layer)
    config = json.loads(json.dumps(config))
    config[key][group][position][0] = index
    with pytest.raises(ConfigurationError, match=f"index {index}"):
        cls.from_config(config)


@pytest.mark.parametrize("layer", ["ConnectomeDense", "ReservoirCell"])
def test_from_config_of_a_plain_mask_refuses_bad_indices(layer):
    mask = np.random.default_rng(0).random((6, 6)) < 0.5
    np.fill_diagonal(mask, True)
    cls = ConnectomeDense if layer == "ConnectomeDense" else ReservoirCell
    arguments = {} if cls is ConnectomeDense else {"input_neurons": "all"}
    config = json.loads(json.dumps(cls(mask, seed=0, **arguments).get_config()))
    restored = cls.from_config(config)  # the valid config loads
    np.testing.assert_array_equal(restored.syn.pre, cls(mask, seed=0, **arguments).syn.pre)
    for position, index in (("pre", -1), ("post", 6)):
        bad = json.loads(json.dumps(config))
        bad["connectome"][position][0] = index
        with pytest.raises(ConfigurationError, match=f"index {index}"):
            cls.from_config(bad)


BAD_NEURONS = [("input_neurons", [-1, 3], "index -1"), ("state_neurons", [0, 279], "index 279")]


@pytest.mark.parametrize(("argument", "value", "message"), BAD_NEURONS)
def test_from_config_refuses_bad_neuron_indices(worm, argument, value, message):
    config = json.loads(json.dumps(ReservoirCell(worm, seed=0).get_config()))
    config[argument] = value
    # Keras's Layer.from_config would turn this into a TypeError; the layers raise it as itself
    with pytest.raises(ConfigurationError, match=f"{argument} has {message}"):
        ReservoirCell.from_config(config)
