"""The Connectome value, the bundled connectomes and their pinned counts."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import elegans_keras as ek
from elegans_keras.connectome.core import Connectome
from elegans_keras.errors import ConnectomeError

# name: (neurons, S, I, M, chemical pairs, electrical pairs)
PINNED = {
    "celegans_herm": (279, 98, 92, 89, 2194, 517),
    "varshney2011": (279, 86, 88, 105, 2194, 517),
    "cook2019_herm": (280, 86, 88, 106, 3510, 1058),
    "witvliet2021_1": (161, 67, 68, 26, 675, 83),
    "witvliet2021_2": (162, 67, 68, 27, 865, 121),
    "witvliet2021_3": (162, 67, 68, 27, 887, 94),
    "witvliet2021_4": (168, 70, 69, 29, 1011, 205),
    "witvliet2021_5": (173, 71, 70, 32, 1324, 288),
    "witvliet2021_6": (174, 71, 71, 32, 1314, 212),
    "witvliet2021_7": (180, 73, 71, 36, 1944, 267),
    "witvliet2021_8": (180, 73, 71, 36, 1933, 304),
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_bundled_counts_are_pinned(name):
    c = ek.load_connectome(name)
    summary = c.summary()
    got = (
        summary["neurons"], summary["sensory"], summary["inter"], summary["motor"],
        summary["chemical_pairs"], summary["electrical_pairs"],
    )
    assert got == PINNED[name]
    assert c.citation


def test_default_connectome_details():
    c = ek.load_connectome()
    assert c.name == "celegans_herm"
    assert int(np.trace(c.electrical > 0)) == 3
    assert c.num_edges("all") == int(c.mask("all").sum()) == 2993
    assert int(c.mask("electrical").sum()) == 1031
    assert c.attributes["cell_class"][c.index("ADAL")] == "ADA"


def test_varshney_synapse_total():
    assert ek.load_connectome("varshney2011").num_synapses("chemical") == 6394


def test_graphml_import_equals_bundled_default(raw_connectome_dir):
    imported = ek.read_graphml(raw_connectome_dir / "celegans_herm.graphml")
    assert imported.fingerprint == ek.load_connectome().fingerprint


def test_bundled_tables_match_raw_files(raw_connectome_dir):
    pytest.importorskip("python_calamine")
    script = Path(__file__).resolve().parents[1] / "scripts" / "bundle_connectomes.py"
    spec = importlib.util.spec_from_file_location("bundle_connectomes", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for rebuilt in module.build_all(raw_connectome_dir):
        assert rebuilt == ek.load_connectome(rebuilt.name), rebuilt.name


def test_graphml_round_trip(tmp_path):
    c = ek.load_connectome("witvliet2021_8")
    path = ek.write_graphml(c, tmp_path / "w8.graphml")
    assert ek.read_graphml(path) == c
    assert not list(tmp_path.glob("*.tmp*"))


def test_networkx_round_trip_keeps_parallel_types():
    c = ek.load_connectome()
    graph = c.to_networkx()
    types = {d["synapse_type"] for _, _, d in graph.edges(data=True)}
    assert types == {"C", "E"}
    assert graph.number_of_edges() == 2194 + 1031
    assert Connectome.from_networkx(graph) == c


def test_from_undirected_networkx_is_symmetric():
    c = Connectome.from_networkx(nx.path_graph(4))
    assert c.num_edges("chemical") == 6
    assert np.array_equal(c.chemical, c.chemical.T)
    assert set(c.roles) == {"I"}


def test_immutable_and_fingerprint_changes():
    c = ek.load_connectome()
    with pytest.raises(ValueError):
        c.chemical[0, 0] = 5
    with pytest.raises(AttributeError):
        c.name = "other"
    chemical = c.chemical.copy()
    chemical[0, 1] += 1
    assert c.replace(chemical=chemical).fingerprint != c.fingerprint
    assert c.replace(name="renamed").fingerprint == c.fingerprint


def test_masks_adjacency_and_roles():
    c = ek.load_connectome()
    assert np.array_equal(c.mask("all"), c.mask("chemical") | c.mask("electrical"))
    adjacency = c.adjacency(normalize="in")
    column_sums = adjacency.sum(axis=0)
    has_input = c.mask().any(axis=0)
    np.testing.assert_allclose(column_sums[has_input], 1.0)
    assert c.adjacency(normalize="max").max() == 1.0
    assert np.array_equal(c.adjacency(weighted=False), c.mask().astype(float))
    assert len(c.role_indices("SM")) == 98 + 89
    assert len(c.role_indices(["NA"])) == 92
    with pytest.raises(ConnectomeError, match="unknown role"):
        c.role_indices("X")
    with pytest.raises(ConnectomeError, match="synapses"):
        c.mask("gap")


def test_subgraph_by_roles_and_names():
    c = ek.load_connectome()
    sm = c.subgraph(roles="SM")
    assert sm.num_neurons == 187
    assert set(sm.roles) == {"S", "M"}
    i, j = c.index("ADAL"), c.index("AIBL")
    small = c.subgraph(neurons=["ADAL", "AIBL"])
    assert small.chemical[0, 1] == c.chemical[i, j]
    with pytest.raises(ConnectomeError, match="no neuron 'XYZ'"):
        c.subgraph(neurons=["XYZ"])


def test_resolve_connectome_accepts_names_paths_and_values(tmp_path):
    c = ek.load_connectome("witvliet2021_1")
    assert ek.resolve_connectome(c) is c
    assert ek.resolve_connectome("witvliet2021_1") == c
    assert ek.resolve_connectome(None).name == "celegans_herm"
    path = ek.write_graphml(c, tmp_path / "g.graphml")
    assert ek.resolve_connectome(str(path)) == c
    with pytest.raises(ConnectomeError, match="cannot resolve"):
        ek.resolve_connectome("nothing_like_this")


def test_list_connectomes_table():
    table = ek.list_connectomes()
    assert len(table) == len(PINNED)
    assert table.loc["varshney2011", "chemical_synapses"] == 6394
