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


@pytest.mark.parametrize("kind", KINDS)
def test_load_model_round_trips_every_layer_in_safe_mode(worm, tmp_path, kind):
    model, shape = build_model(worm, kind, "auto", seed=4)
    x = np.random.default_rng(5).normal(size=(2, *shape)).astype("float32")
    path = tmp_path / f"{kind}.keras"
    model.save(path)
    restored = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(numpy(restored(x)), numpy(model(x)))
    assert restored.count_params() == model.count_params()
    assert len(restored.trainable_weights) == len(model.trainable_weights)
    assert json.loads(json.dumps(restored.get_config())) == json.loads(
        json.dumps(model.get_config())
    )


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
