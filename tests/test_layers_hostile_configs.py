"""Crafted ``.keras`` files: sizes in a ConnectomeDense config are refused fast, in bounded memory.

Each file is loaded in a fresh process under a 4 GiB address-space cap and
a timeout (a hang guard), so a config that would allocate gigabytes fails
the test instead of the machine.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile

import keras
import numpy as np
import scipy.sparse as sp

from elegans_keras.layers import ConnectomeDense

MASK = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=bool)
LIMIT = 4 << 30
LOADER = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
import keras
import elegans_keras
from elegans_keras.errors import ElegansKerasError
results = {{}}
for path in sys.argv[1:]:
    try:
        keras.models.load_model(path)
        results[path] = "loaded"
    except ElegansKerasError as error:
        results[path] = f"{{type(error).__name__}}: {{error}}"
print(json.dumps(results))
"""


def crafted(folder, name: str, shape, neurons: int, **changes) -> str:
    """A saved 3-neuron ConnectomeDense model whose config claims ``shape``, ``neurons`` inputs."""
    inputs = keras.Input((3,))
    model = keras.Model(inputs, ConnectomeDense(MASK, seed=0, name="wired")(inputs))
    base = folder / "base.keras"
    model.save(base)
    with zipfile.ZipFile(base) as archive:
        files = {member: archive.read(member) for member in archive.namelist()}
    config = json.loads(files["config.json"])
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "InputLayer":
            layer["config"]["batch_shape"] = [None, neurons]
        if layer["class_name"] == "ConnectomeDense":
            layer["config"]["connectome"]["shape"] = shape
            layer["config"].update(changes)
            layer["build_config"]["input_shape"] = [None, neurons]
            layer["inbound_nodes"][0]["args"][0]["config"]["shape"] = [None, neurons]
    files["config.json"] = json.dumps(config).encode()
    path = folder / f"{name}.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    return str(path)


def load_capped(paths: list[str]) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", LOADER.format(limit=LIMIT), *paths],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_crafted_connectome_dense_sizes_are_refused_in_bounded_memory(tmp_path):
    cases = {
        crafted(
            tmp_path, "huge", [10_000_000, 10_000_000], 10_000_000
        ): "ConfigurationError: ConnectomeDense: wiring config shape .* exceeds the limit",
        crafted(
            tmp_path, "dense", [20_000, 20_000], 20_000, implementation="dense"
        ): "ConfigurationError: .*dense 20,000 x 20,000 synaptic matrix .* exceeds the dense "
        "budget",
        crafted(
            tmp_path, "float", [4.7, 4.7], 4
        ): r"ConfigurationError: ConnectomeDense: wiring config shape \[4.7, 4.7\] is not two "
        "integers",
    }
    results = load_capped(list(cases))
    for path, pattern in cases.items():
        assert re.match(pattern, results[path]), results[path]


def test_a_wide_sparse_layer_round_trips_in_bounded_memory(tmp_path):
    """400,000 neurons and two synapses: saving and loading never build the dense matrix."""
    wiring = sp.csr_array(([1.0, 1.0], ([0, 1], [1, 0])), shape=(400_000, 400_000))
    inputs = keras.Input((400_000,))
    model = keras.Model(inputs, ConnectomeDense(wiring, seed=0)(inputs))
    path = tmp_path / "wide.keras"
    model.save(path)
    assert load_capped([str(path)]) == {str(path): "loaded"}
