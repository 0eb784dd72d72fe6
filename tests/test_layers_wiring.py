"""layers.wiring: wiring arguments, their JSON form, checked indices, safe mode, neuron
selection."""

from __future__ import annotations

import copy
import json
import re

import numpy as np
import pytest
import scipy.sparse as sp
from keras.src.saving.serialization_lib import SafeModeScope

from elegans_keras import ConfigurationError, Connectome, write_graphml
from elegans_keras.layers import (
    ConnectomeDense,
    ConnectomicBlock,
    EchoStateTransformer,
    ReservoirCell,
)
from elegans_keras.layers.wiring import (
    require_connectome,
    resolve_wiring,
    select_neurons,
    wiring_config,
    wiring_from_config,
)


def tiny_connectome() -> Connectome:
    chemical = np.array([[0, 2, 0, 0], [0, 0, 1, 0], [0, 0, 0, 3], [1, 0, 0, 0]])
    electrical = np.array([[0, 0, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 2]])
    return Connectome(
        ("a", "b", "c", "d"),
        ("S", "I", "I", "M"),
        chemical=chemical,
        electrical=electrical,
        attributes={"neurotransmitters": ("GABA",) * 4},
        name="tiny",
    )


# --- JSON form ------------------------------------------------------------------------------
def test_connectome_config_round_trips_to_the_same_connectome(worm):
    bundled = json.loads(json.dumps(wiring_config(worm)))  # by name and fingerprint
    assert bundled == {"bundled": "celegans_herm", "fingerprint": worm.fingerprint}
    assert resolve_wiring(bundled, "test") == worm
    worm = worm.replace(name="worm (listed)")  # not bundled: saved as lists
    config = json.loads(json.dumps(wiring_config(worm)))
    restored = resolve_wiring(config, "test")
    assert isinstance(restored, Connectome)
    assert restored.fingerprint == worm.fingerprint
    assert restored.roles == worm.roles and restored.names == worm.names
    assert restored.attributes == worm.attributes
    assert len(config["chemical"]["pre"]) == 2194
    assert len(config["electrical"]["pre"]) == 2 * 517 - 3  # both directions are stored
    assert sorted(config["roles"]) == ["I", "M", "S"]


def test_mask_config_round_trips_counts():
    counts = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 5.0]])
    config = json.loads(json.dumps(wiring_config(counts)))
    assert config == {
        "shape": [2, 3],
        "pre": [0, 1, 1],
        "post": [1, 0, 2],
        "counts": [2.0, 1.0, 5.0],
    }
    np.testing.assert_array_equal(resolve_wiring(config, "test").toarray(), counts)
    boolean = wiring_config(counts > 0)
    assert "counts" not in boolean
    np.testing.assert_array_equal(resolve_wiring(boolean, "test").toarray(), counts > 0)


@pytest.mark.parametrize(
    "form",
    [
        lambda m: m,
        lambda m: m.tolist(),
        lambda m: m.astype(int),
        lambda m: sp.csr_array(m),
        lambda m: m * 3.0,
    ],
)
def test_plain_masks_in_every_form_resolve_to_one_matrix(form):
    mask = np.random.default_rng(0).random((5, 4)) < 0.5
    resolved = resolve_wiring(form(mask), "test")
    assert sp.issparse(resolved) and resolved.dtype == np.float64
    np.testing.assert_array_equal(resolved.toarray() != 0, mask)
    assert resolved.nnz == mask.sum()  # explicit zeros are dropped


def test_bundled_names_resolve_even_in_safe_mode(worm):
    assert resolve_wiring("celegans_herm", "test") == worm
    with SafeModeScope(True):
        assert wiring_from_config("celegans_herm", "test") == worm


@pytest.mark.parametrize(
    ("mask", "message"),
    [
        ([1, 0, 1], "non-empty 2-D"),
        (np.zeros((0, 3)), "non-empty 2-D"),
        ([[0, -1], [1, 0]], "non-negative"),
        ([[0, np.nan], [1, 0]], "mask entry (0, 1) is nan"),
        ([["a", "b"]], "expected a Connectome"),
        (object(), "expected a Connectome"),
    ],
)
def test_invalid_masks_raise_configuration_error(mask, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        resolve_wiring(mask, "test")


# --- safe mode -------------------------------------------------------------------------------
def test_a_connectome_file_in_a_config_is_refused_in_safe_mode(tmp_path):
    path = write_graphml(tiny_connectome(), tmp_path / "tiny.graphml")
    for spec in (str(path), path):
        with pytest.raises(ConfigurationError, match="safe mode"):
            wiring_from_config(spec, "test")  # outside load_model: safe by default
        with SafeModeScope(True), pytest.raises(ConfigurationError, match=re.escape(str(path))):
            wiring_from_config(spec, "test")
    with SafeModeScope(False):
        loaded = wiring_from_config(str(path), "test")
    assert isinstance(loaded, Connectome) and loaded.num_neurons == 4


@pytest.mark.parametrize(
    ("layer", "key"),
    [
        (ConnectomeDense, "connectome"),
        (ReservoirCell, "connectome"),
        (ConnectomicBlock, "connectome"),
        (EchoStateTransformer, "connectome"),
    ],
)
def test_every_layer_refuses_a_file_path_config_in_safe_mode(worm, tmp_path, layer, key):
    path = write_graphml(worm, tmp_path / "worm.graphml")
    config = (
        layer(worm, seed=0).get_config()
        if layer is not EchoStateTransformer
        else layer(worm, d_model=8, num_heads=2, seed=0).get_config()
    )
    assert isinstance(config[key], dict)  # saved configs carry the wiring itself, not a path
    config[key] = str(path)
    with pytest.raises(ConfigurationError, match="safe mode"):
        layer.from_config(config)


# --- checked indices -------------------------------------------------------------------------
def mask_config() -> dict:
    return wiring_config(np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 5.0]]))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["pre"].__setitem__(0, -1), "pre holds index -1 outside 0..1"),
        (lambda c: c["post"].__setitem__(2, -3), "post holds index -3 outside 0..2"),
        (lambda c: c["pre"].__setitem__(1, 2), "pre holds index 2 outside 0..1"),
        (lambda c: c["post"].__setitem__(0, 3), "post holds index 3 outside 0..2"),
        (lambda c: c.__setitem__("pre", [0.0, 1.0, 1.0]), "non-integer indices"),
        (lambda c: c.__setitem__("pre", [[0, 1, 1]]), "non-integer indices"),
        (lambda c: c.__setitem__("post", [1, 0]), "3 pre and 2 post"),
        (lambda c: c.__setitem__("counts", [1.0, 2.0]), "2 counts for 3 synapses"),
        (lambda c: c.__setitem__("shape", [0, 3]), "is empty"),
        (lambda c: c.__setitem__("counts", [1.0, -2.0, 1.0]), "non-negative"),
        (lambda c: c.pop("post"), "malformed wiring config"),
    ],
)
def test_bad_mask_configs_raise_configuration_error(edit, message):
    config = mask_config()
    edit(config)
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        wiring_from_config(config, "test")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["chemical"]["pre"].__setitem__(0, -1), "pre holds index -1"),
        (lambda c: c["chemical"]["post"].__setitem__(0, 279), "post holds index 279 outside"),
        (lambda c: c["electrical"]["pre"].__setitem__(5, -279), "pre holds index -279"),
        (lambda c: c["roles"]["M"].__setitem__(0, -1), "roles['M'] holds index -1"),
        (lambda c: c["roles"]["S"].append(279), "roles['S'] holds index 279 outside 0..278"),
        (lambda c: c.pop("names"), "malformed wiring config"),
    ],
)
def test_bad_connectome_configs_raise_configuration_error(worm, edit, message):
    listed = worm.replace(name="worm (listed)")  # not bundled: saved as lists
    config = copy.deepcopy(json.loads(json.dumps(wiring_config(listed))))
    edit(config)
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        wiring_from_config(config, "test")


def test_negative_index_would_otherwise_wrap_around():
    # the index -1 names the last neuron in numpy; the config check must refuse it, not wrap it
    config = mask_config()
    config["pre"][0] = -2
    with pytest.raises(ConfigurationError):
        wiring_from_config(config, "test")
    config["pre"][0] = 0  # the valid form is accepted
    assert wiring_from_config(config, "test").nnz == 3


# --- neuron selection ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "expected"),
    [("all", 279), ("S", 98), ("SI", 190), ("m", 89), ([3, 1, 2], 3), (np.arange(5), 5)],
)
def test_neuron_selections(worm, spec, expected):
    chosen = select_neurons(spec, worm, "input_neurons", "test")
    assert len(chosen) == expected and chosen == sorted(chosen)
    if isinstance(spec, str) and spec != "all":
        assert chosen == [int(i) for i in worm.role_indices(spec.upper())]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "input_neurons=''"),
        ("X", "input_neurons='X'"),
        ([1, 1], "repeats"),
        ([0.5], "integer"),
        ([-1], "index -1"),
        ([279], "index 279 outside 0..278"),
        ([], "selects no neurons"),
        ([[0, 1]], "flat list"),
    ],
)
def test_bad_neuron_selections(worm, spec, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        select_neurons(spec, worm, "input_neurons", "test")


def test_roles_need_a_connectome():
    with pytest.raises(ConfigurationError, match="needs a Connectome"):
        select_neurons("S", resolve_wiring(np.ones((3, 3)), "test"), "input_neurons", "test")
    assert select_neurons("all", resolve_wiring(np.ones((3, 3)), "test"), "x", "test") == [0, 1, 2]
    with pytest.raises(ConfigurationError, match="not a plain mask"):
        require_connectome(resolve_wiring(np.ones((3, 3)), "test"), "test")
