"""The Connectome value, the bundled connectomes and their pinned counts."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

import elegans_keras as ek
from elegans_keras.connectome.core import MAX_DENSE_NEURONS, Connectome
from elegans_keras.errors import ConnectomeError, DataDefectWarning

# name: (neurons, S, I, M, chemical pairs, electrical pairs, chemical synapses)
PINNED = {
    "celegans_herm": (279, 98, 92, 89, 2194, 517, 6394),
    "elegans_ai_paper": (279, 98, 92, 89, 2194, 517, 5043),
    "varshney2011": (279, 86, 88, 105, 2194, 517, 6394),
    "cook2019_herm": (280, 86, 88, 106, 3565, 1065, 20267),
    "witvliet2021_1": (161, 67, 68, 26, 675, 83, 1152),
    "witvliet2021_2": (162, 67, 68, 27, 865, 121, 1687),
    "witvliet2021_3": (162, 67, 68, 27, 887, 94, 1884),
    "witvliet2021_4": (168, 70, 69, 29, 1011, 205, 2521),
    "witvliet2021_5": (173, 71, 70, 32, 1324, 288, 3644),
    "witvliet2021_6": (174, 71, 71, 32, 1314, 212, 3893),
    "witvliet2021_7": (180, 73, 71, 36, 1944, 267, 6587),
    "witvliet2021_8": (180, 73, 71, 36, 1933, 304, 7099),
    "drosophila_larva": (1240, 88, 1028, 124, 32564, 0, 137980),
}


def paper_graph() -> Connectome:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataDefectWarning)
        return ek.load_connectome("elegans_ai_paper")


@pytest.mark.parametrize("name", sorted(PINNED))
def test_bundled_counts_are_pinned(name):
    c = paper_graph() if name == "elegans_ai_paper" else ek.load_connectome(name)
    summary = c.summary()
    got = (
        summary["neurons"],
        summary["sensory"],
        summary["inter"],
        summary["motor"],
        summary["chemical_pairs"],
        summary["electrical_pairs"],
        summary["chemical_synapses"],
    )
    assert got == PINNED[name]
    assert c.citation


def test_default_connectome_is_varshney_wiring_with_circuitdata_roles(worm):
    varshney = ek.load_connectome("varshney2011")
    assert worm.name == "celegans_herm"
    assert worm.names == varshney.names
    assert (worm.chemical != varshney.chemical).nnz == 0
    assert (worm.electrical != varshney.electrical).nnz == 0
    assert worm.roles == paper_graph().roles
    assert worm.attributes == paper_graph().attributes
    assert int(worm.electrical.diagonal().astype(bool).sum()) == 3
    assert worm.num_edges("all") == int(worm.mask("all").sum()) == 2993
    assert int(worm.mask("electrical").sum()) == 1031
    assert worm.attributes["cell_class"][worm.index("ADAL")] == "ADA"
    assert worm.attributes["neurotransmitters"][worm.index("DD06")] == "GABA"


def test_paper_graph_is_the_default_with_rotated_names(worm):
    """The reproduction in the README: the paper's wiring is the default's, shifted by one name."""
    with pytest.warns(DataDefectWarning, match="DD06 to VD13"):
        paper = ek.load_connectome("elegans_ai_paper")
    k = paper.index("DD06")
    perm = np.r_[np.arange(k), np.roll(np.arange(k, 279), -1)]
    assert np.array_equal(paper.mask(), worm.mask()[np.ix_(perm, perm)])
    assert not np.array_equal(paper.mask(), worm.mask())
    assert 279 - k == 172
    roles = np.asarray(paper.roles)
    assert int((roles != roles[perm]).sum()) == 26
    assert worm.num_synapses("chemical") - paper.num_synapses("chemical") == 1351


def test_default_wiring_equals_neuronconnect_xls(raw_connectome_dir, worm):
    """An independent parse of NeuronConnect.xls: S/Sp rows summed per pair, EJ pairs."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("python_calamine")
    table = pd.read_excel(raw_connectome_dir / "NeuronConnect.xls", engine="calamine")
    for column in ("Neuron 1", "Neuron 2"):
        table[column] = table[column].astype(str).str.strip().str.upper()
    chemical = table[table["Type"].isin(["S", "Sp"])].groupby(["Neuron 1", "Neuron 2"])["Nbr"].sum()
    names = set(worm.names)
    chemical = chemical[[a in names and b in names for a, b in chemical.index]]
    assert len(chemical) == 2194 and chemical.sum() == 6394
    for (pre, post), count in chemical.items():
        assert worm.chemical[worm.index(pre), worm.index(post)] == count
    gap = table[table["Type"] == "EJ"]
    pairs = {
        tuple(sorted(p))
        for p in zip(gap["Neuron 1"], gap["Neuron 2"])
        if p[0] in names and p[1] in names
    }
    assert len(pairs) == 517


def test_graphml_import_equals_paper_graph(raw_connectome_dir):
    imported = ek.read_graphml(raw_connectome_dir / "celegans_herm.graphml")
    assert imported.fingerprint == paper_graph().fingerprint


def test_bundled_tables_match_raw_files(raw_connectome_dir):
    pytest.importorskip("python_calamine")
    script = Path(__file__).resolve().parents[1] / "scripts" / "bundle_connectomes.py"
    spec = importlib.util.spec_from_file_location("bundle_connectomes", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataDefectWarning)
        for rebuilt in module.build_all(raw_connectome_dir.parent):
            assert rebuilt == ek.load_connectome(rebuilt.name), rebuilt.name


def test_graphml_round_trip(tmp_path):
    c = ek.load_connectome("witvliet2021_8")
    path = ek.write_graphml(c, tmp_path / "w8.graphml")
    assert ek.read_graphml(path) == c
    assert not list(tmp_path.glob("*.tmp*"))


def test_networkx_round_trip_keeps_parallel_types(worm):
    graph = ek.to_networkx(worm)
    types = {d["synapse_type"] for _, _, d in graph.edges(data=True)}
    assert types == {"C", "E"}
    assert graph.number_of_edges() == 2194 + 1031
    assert ek.from_networkx(graph) == worm


def test_from_undirected_networkx_is_symmetric():
    c = ek.from_networkx(nx.path_graph(4))
    assert c.num_edges("chemical") == 6
    assert (c.chemical != c.chemical.T).nnz == 0
    assert set(c.roles) == {"I"}


def test_storage_is_sparse_and_immutable(worm):
    assert sp.issparse(worm.chemical) and sp.issparse(worm.electrical)
    assert worm.chemical.indices.dtype == np.int32
    with pytest.raises(ValueError):
        worm.chemical.data[0] = 5
    with pytest.raises(AttributeError):
        worm.name = "other"
    chemical = worm.chemical.toarray()
    chemical[0, 1] += 1
    assert worm.replace(chemical=chemical).fingerprint != worm.fingerprint
    assert worm.replace(name="renamed").fingerprint == worm.fingerprint


def test_dense_views_are_refused_for_large_graphs():
    n = MAX_DENSE_NEURONS + 1
    big = Connectome(
        tuple(f"n{i}" for i in range(n)),
        ("I",) * n,
        chemical=sp.csr_array((n, n)),
        electrical=sp.csr_array((n, n)),
    )
    with pytest.raises(ConnectomeError, match=f"{n} neurons.*GiB"):
        big.mask()
    assert big.mask(sparse=True).shape == (n, n)
    assert big.num_edges() == 0


def test_names_with_control_characters_are_refused():
    """Newlines in names made two different connectomes share a fingerprint (issue 13.11)."""
    empty = np.zeros((2, 2))
    with pytest.raises(ConnectomeError, match="control character"):
        Connectome(("A\nB", "C"), ("I", "I"), empty, empty)
    with pytest.raises(ConnectomeError, match="control character"):
        Connectome(("A\x00", "C"), ("I", "I"), empty, empty)


def test_fingerprint_separates_names():
    empty = np.zeros((2, 2))
    one = Connectome(("AB", "C"), ("I", "I"), empty, empty)
    two = Connectome(("A", "BC"), ("I", "I"), empty, empty)
    assert one.fingerprint != two.fingerprint


def test_masks_adjacency_and_roles(worm):
    assert np.array_equal(worm.mask("all"), worm.mask("chemical") | worm.mask("electrical"))
    adjacency = worm.adjacency(normalize="in")
    column_sums = adjacency.sum(axis=0)
    has_input = worm.mask().any(axis=0)
    np.testing.assert_allclose(column_sums[has_input], 1.0)
    assert worm.adjacency(normalize="max").max() == 1.0
    assert np.array_equal(worm.adjacency(weighted=False), worm.mask().astype(float))
    np.testing.assert_array_equal(worm.adjacency(sparse=True).toarray(), worm.adjacency())
    assert len(worm.role_indices("SM")) == 98 + 89
    assert len(worm.role_indices(["NA"])) == 92
    with pytest.raises(ConnectomeError, match="unknown role"):
        worm.role_indices("X")
    with pytest.raises(ConnectomeError, match="synapses"):
        worm.mask("gap")


def test_edges_lists_each_pair_once(worm):
    pre, post, count = worm.edges("electrical")
    assert len(pre) == 517 and (pre <= post).all()
    pre, post, count = worm.edges("chemical")
    assert len(pre) == 2194 and count.sum() == 6394
    pre, post, count = worm.edges("all")
    assert len(pre) == 2993


def test_subgraph_by_roles_and_names(worm):
    sm = worm.subgraph(roles="SM")
    assert sm.num_neurons == 187
    assert set(sm.roles) == {"S", "M"}
    i, j = worm.index("ADAL"), worm.index("AIBL")
    small = worm.subgraph(neurons=["ADAL", "AIBL"])
    assert small.chemical[0, 1] == worm.chemical[i, j]
    with pytest.raises(ConnectomeError, match="no neuron 'XYZ'"):
        worm.subgraph(neurons=["XYZ"])


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
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataDefectWarning)
        table = ek.list_connectomes()
    assert len(table) == len(PINNED)
    assert table.loc["varshney2011", "chemical_synapses"] == 6394
