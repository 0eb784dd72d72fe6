"""Files as other software writes them read back exactly (issue 25, items 1, 2 and 8).

GraphML written by networkx (multigraph edge keys as ids, repeating across
node pairs), by python-igraph and by the package, for every bundled
connectome; CSV headers that once made pandas skip rows; small files that
once cost gigabytes or minutes.
"""

from __future__ import annotations

import warnings

import networkx as nx
import pytest
import scipy.sparse as sp

import elegans_keras as ek
from elegans_keras.errors import ConnectomeError, DataDefectWarning

BUNDLED = list(ek.list_connectomes().index)


@pytest.fixture(scope="module", params=BUNDLED)
def worm(request) -> ek.Connectome:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataDefectWarning)  # elegans_ai_paper, kept as published
        return ek.load_connectome(request.param)


def _empty(worm: ek.Connectome) -> sp.csr_array:
    return sp.csr_array((worm.num_neurons, worm.num_neurons))


def _graph(kind: type[nx.Graph], worm: ek.Connectome, edges) -> nx.Graph:
    graph = kind()
    graph.add_nodes_from((label, {"role": role}) for label, role in zip(worm.names, worm.roles))
    graph.add_edges_from(edges)
    return graph


def _edges(worm: ek.Connectome, synapses: str, kind: str, upper: bool = False):
    """(pre, post, data) per stored pair of one matrix (the upper triangle if ``upper``)."""
    coo = sp.triu(getattr(worm, synapses)).tocoo() if upper else getattr(worm, synapses).tocoo()
    return [(worm.names[i], worm.names[j], {"synapse_type": kind, "weight": w})
            for i, j, w in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist())]


def test_networkx_multidigraph_reads_back_to_the_same_fingerprint(worm, tmp_path):
    path = tmp_path / "multidigraph.graphml"
    nx.write_graphml(ek.to_networkx(worm), path)
    assert 'id="0"' in path.read_text()  # every node pair numbers its edges from 0
    assert ek.read_graphml(path).fingerprint == worm.fingerprint


def test_networkx_digraphs_read_back_to_the_same_fingerprint(worm, tmp_path):
    """A DiGraph holds one edge per ordered pair: a file of chemical synapses and a file of
    junctions (listed both ways) are what a user's DiGraphs look like."""
    for synapses, kind, other in (("chemical", "C", "electrical"),
                                  ("electrical", "E", "chemical")):
        path = tmp_path / f"{synapses}.graphml"
        nx.write_graphml(_graph(nx.DiGraph, worm, _edges(worm, synapses, kind)), path)
        expected = worm.replace(**{other: _empty(worm)})
        assert ek.read_graphml(path).fingerprint == expected.fingerprint


def test_networkx_multigraph_reads_as_undirected(worm, tmp_path):
    """An undirected multigraph lists each junction once and each chemical pair without its
    direction: the junctions read back exactly, a chemical edge counts both ways, and the
    result equals networkx's own reading of the file through from_networkx."""
    edges = _edges(worm, "chemical", "C") + _edges(worm, "electrical", "E", upper=True)
    path = tmp_path / "multigraph.graphml"
    nx.write_graphml(_graph(nx.MultiGraph, worm, edges), path)
    read = ek.read_graphml(path)
    chemical = worm.chemical + worm.chemical.T - sp.diags_array(worm.chemical.diagonal())
    assert read.fingerprint == worm.replace(chemical=sp.csr_array(chemical)).fingerprint
    assert read.fingerprint == ek.from_networkx(nx.read_graphml(path)).fingerprint


def test_igraph_graphml_reads_back_to_the_same_fingerprint(worm, tmp_path):
    import igraph  # the test extra installs python-igraph

    graph = igraph.Graph(n=worm.num_neurons, directed=True)
    graph.vs["name"], graph.vs["role"] = list(worm.names), list(worm.roles)
    edges = _edges(worm, "chemical", "C") + _edges(worm, "electrical", "E")
    position = {label: k for k, label in enumerate(worm.names)}
    graph.add_edges([(position[pre], position[post]) for pre, post, _ in edges],
                    attributes={"synapse_type": [data["synapse_type"] for *_, data in edges],
                                "weight": [data["weight"] for *_, data in edges]})
    path = tmp_path / "igraph.graphml"
    graph.write_graphml(str(path))
    assert ek.read_graphml(path).fingerprint == worm.fingerprint


def test_package_graphml_reads_back_to_the_same_fingerprint(worm, tmp_path):
    path = ek.write_graphml(worm, tmp_path / "package.graphml")
    assert ek.read_graphml(path).fingerprint == worm.fingerprint


GRAPHML_HEAD = ('<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
                '<key id="r" for="node" attr.name="role" attr.type="string"/>'
                '<key id="t" for="edge" attr.name="synapse_type" attr.type="string"/>')


def _graphml(tmp_path, edges: str, graph: str = 'edgedefault="directed"'):
    path = tmp_path / "ids.graphml"
    nodes = "".join(f'<node id="{n}"><data key="r">S</data></node>' for n in "abc")
    path.write_text(f"{GRAPHML_HEAD}<graph {graph}>{nodes}{edges}</graph></graphml>")
    return path


def _edge(source: str, target: str, edge_id: str, kind: str = "C") -> str:
    return (f'<edge id="{edge_id}" source="{source}" target="{target}">'
            f'<data key="t">{kind}</data></edge>')


@pytest.mark.parametrize("graph, edges", [
    ('edgedefault="directed"', _edge("a", "b", "0") + _edge("a", "b", "0", "E")),
    ('edgedefault="undirected"', _edge("a", "b", "0") + _edge("b", "a", "0", "E")),
    ('edgedefault="directed" parse.edgeids="canonical"', _edge("a", "b", "e0")
     + _edge("b", "c", "e0")),
])
def test_graphml_true_edge_id_repeats_are_refused(tmp_path, graph, edges):
    with pytest.raises(ConnectomeError, match=r"ids.graphml': edge id '(e?)0' is declared twice"):
        ek.read_graphml(_graphml(tmp_path, edges, graph))


def test_graphml_edge_ids_repeating_across_pairs_are_read(tmp_path):
    edges = (_edge("a", "b", "0") + _edge("a", "b", "1", "E") + _edge("b", "a", "0")
             + _edge("b", "c", "0"))
    worm = ek.read_graphml(_graphml(tmp_path, edges))
    assert worm.chemical.toarray().tolist() == [[0, 1, 0], [1, 0, 1], [0, 0, 0]]
    assert worm.electrical.toarray().tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 0]]
