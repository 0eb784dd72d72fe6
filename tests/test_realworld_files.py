"""Files as other software writes them read back exactly (issue 25, items 1, 2 and 8).

GraphML written by networkx (multigraph edge keys as ids, repeating across
node pairs), by python-igraph and by the package, for every bundled
connectome; CSV headers that once made pandas skip rows; small files that
once cost gigabytes or minutes.
"""

from __future__ import annotations

import gzip
import re
import tracemalloc
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
    return [
        (worm.names[i], worm.names[j], {"synapse_type": kind, "weight": w})
        for i, j, w in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist())
    ]


def test_networkx_multidigraph_reads_back_to_the_same_fingerprint(worm, tmp_path):
    path = tmp_path / "multidigraph.graphml"
    nx.write_graphml(ek.to_networkx(worm), path)
    assert 'id="0"' in path.read_text()  # every node pair numbers its edges from 0
    assert ek.read_graphml(path).fingerprint == worm.fingerprint


def test_networkx_digraphs_read_back_to_the_same_fingerprint(worm, tmp_path):
    """A DiGraph holds one edge per ordered pair: a file of chemical synapses and a file of
    junctions (listed both ways) are what a user's DiGraphs look like."""
    for synapses, kind, other in (("chemical", "C", "electrical"), ("electrical", "E", "chemical")):
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
    graph.add_edges(
        [(position[pre], position[post]) for pre, post, _ in edges],
        attributes={
            "synapse_type": [data["synapse_type"] for *_, data in edges],
            "weight": [data["weight"] for *_, data in edges],
        },
    )
    path = tmp_path / "igraph.graphml"
    graph.write_graphml(str(path))
    assert ek.read_graphml(path).fingerprint == worm.fingerprint


def test_package_graphml_reads_back_to_the_same_fingerprint(worm, tmp_path):
    path = ek.write_graphml(worm, tmp_path / "package.graphml")
    assert ek.read_graphml(path).fingerprint == worm.fingerprint


GRAPHML_HEAD = (
    '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
    '<key id="r" for="node" attr.name="role" attr.type="string"/>'
    '<key id="t" for="edge" attr.name="synapse_type" attr.type="string"/>'
)


def _graphml(tmp_path, edges: str, graph: str = 'edgedefault="directed"'):
    path = tmp_path / "ids.graphml"
    nodes = "".join(f'<node id="{n}"><data key="r">S</data></node>' for n in "abc")
    path.write_text(f"{GRAPHML_HEAD}<graph {graph}>{nodes}{edges}</graph></graphml>")
    return path


def _edge(source: str, target: str, edge_id: str, kind: str = "C") -> str:
    return (
        f'<edge id="{edge_id}" source="{source}" target="{target}">'
        f'<data key="t">{kind}</data></edge>'
    )


@pytest.mark.parametrize(
    "graph, edges",
    [
        ('edgedefault="directed"', _edge("a", "b", "0") + _edge("a", "b", "0", "E")),
        ('edgedefault="undirected"', _edge("a", "b", "0") + _edge("b", "a", "0", "E")),
        (
            'edgedefault="directed" parse.edgeids="canonical"',
            _edge("a", "b", "e0") + _edge("b", "c", "e0"),
        ),
    ],
)
def test_graphml_true_edge_id_repeats_are_refused(tmp_path, graph, edges):
    with pytest.raises(ConnectomeError, match=r"ids.graphml': edge id '(e?)0' is declared twice"):
        ek.read_graphml(_graphml(tmp_path, edges, graph))


def test_graphml_edge_ids_repeating_across_pairs_are_read(tmp_path):
    edges = (
        _edge("a", "b", "0")
        + _edge("a", "b", "1", "E")
        + _edge("b", "a", "0")
        + _edge("b", "c", "0")
    )
    worm = ek.read_graphml(_graphml(tmp_path, edges))
    assert worm.chemical.toarray().tolist() == [[0, 1, 0], [1, 0, 1], [0, 0, 0]]
    assert worm.electrical.toarray().tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 0]]


# --- item 2: a quoted header cell holding `,"` made pandas skip the rows after it --------
def _write(path, text: str):
    path.write_bytes(text.encode())
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_adjacency_rows_after_a_quoted_comma_header_are_read(tmp_path, newline):
    sheet = _write(tmp_path / "a.csv", newline.join([',","', "0,5", ""]))
    worm = ek.read_adjacency(sheet)
    assert worm.names == ("0", ",") and worm.chemical.toarray().tolist() == [[0, 5], [0, 0]]
    _write(sheet, newline.join([',","', "0,-1", ""]))
    with pytest.raises(ConnectomeError, match=r"line 2, cell \(0 -> ,\) holds '-1'"):
        ek.read_adjacency(sheet)


def test_adjacency_electrical_sheet_after_a_quoted_comma_header_is_read(tmp_path):
    chemical = _write(tmp_path / "c.csv", ",A,B\nA,0,1\nB,0,0\n")
    electrical = _write(tmp_path / "e.csv", ',"A,"\nB,2\n')
    worm = ek.read_adjacency(chemical, electrical)
    assert worm.names == ("A", "B", "A,")
    assert worm.electrical[worm.index("B"), worm.index("A,")] == 2


def test_edgelist_rows_after_a_quoted_comma_header_are_read(tmp_path):
    path = _write(tmp_path / "e.csv", ',"A,",pre,post,count\r\n0,x,a,b,3\r\n1,y,b,a,4\r\n')
    worm = ek.read_edgelist(path)
    assert worm.chemical.toarray().tolist() == [[0, 3], [4, 0]]


HEADER = ',"A,",'  # an unnamed index column (pandas' to_csv), then a quoted name with a comma


def test_neuprint_roles_after_a_quoted_comma_header_are_read(tmp_path):
    neurons = _write(tmp_path / "n.csv", HEADER + "bodyId,role\n0,x,101,S\n1,y,202,M\n")
    connections = _write(tmp_path / "c.csv", "bodyId_pre,bodyId_post,weight\n101,202,6\n")
    assert ek.read_neuprint(connections, neurons).roles == ("S", "M")


def test_flywire_flow_after_a_quoted_comma_header_is_checked(tmp_path):
    connections = _write(tmp_path / "c.csv", "pre_root_id,post_root_id,syn_count\n11,22,3\n")
    classes = _write(tmp_path / "k.csv", HEADER + "root_id,flow\n0,x,11,sideways\n")
    with pytest.raises(ConnectomeError, match="line 2: unknown flow 'sideways'"):
        ek.read_flywire(connections, classes)


def test_flywire_connections_after_a_quoted_comma_header_are_read(tmp_path):
    connections = _write(
        tmp_path / "c.csv",
        HEADER + "pre_root_id,post_root_id,syn_count\n0,x,11,22,3\n1,y,22,11,4\n",
    )
    fly = ek.read_flywire(connections)
    assert fly.names == ("11", "22") and fly.chemical.toarray().tolist() == [[0, 3], [4, 0]]


# --- item 8: small files that cost gigabytes or minutes --------------------------------
def _peak_mib(call) -> tuple[float, str]:
    """Run ``call``, which must raise the package's error: (Python + numpy peak MiB, message)."""
    tracemalloc.start()
    try:
        with pytest.raises(ConnectomeError) as caught:
            call()
        return tracemalloc.get_traced_memory()[1] / 2**20, str(caught.value)
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("digits", [500, 100_000])
def test_adjacency_cell_too_long_for_a_count_is_refused_before_a_grid_is_sized(tmp_path, digits):
    """One long cell in a 1,000 x 1,000 sheet (1 MB) once sized a string grid by it."""
    rows = ["," + ",".join(f"n{j}" for j in range(1000))]
    rows += [
        f"n{i}," + ",".join("7" * digits if (i, j) == (500, 3) else "" for j in range(1000))
        for i in range(1000)
    ]
    sheet = _write(tmp_path / "long.csv", "\n".join(rows) + "\n")
    peak, message = _peak_mib(lambda: ek.read_adjacency(sheet))
    assert f"line 502, cell (n500 -> n3) holds {digits} characters (more than 64)" in message
    assert peak < 200  # the file is 1 MB; a grid of 1e6 cells of <U500 alone is 2,000 MB


def test_gzip_header_line_is_bounded_before_it_is_parsed(tmp_path):
    path = tmp_path / "connections.csv.gz"
    with gzip.open(path, "wb", compresslevel=1) as stream:
        stream.write(b"pre_root_id,post_root_id,syn_count" + b"," * (64 << 20) + b"\n")
    peak, message = _peak_mib(lambda: ek.read_flywire(path))
    assert "line 1 is longer than 16777216 characters" in message
    assert peak < 100  # 64 MiB of commas once became a list of 64 million fields
    with gzip.open(path, "wb", compresslevel=1) as stream:
        stream.write(b"pre_root_id,post_root_id,syn_count" + b",c" * 600_000 + b"\n")
    peak, message = _peak_mib(lambda: ek.read_flywire(path))
    assert "line 1 has more than 500001 columns" in message and peak < 100


@pytest.mark.parametrize("reader", ["flywire", "adjacency"])
def test_wide_headers_are_read_in_linear_time(tmp_path, reader):
    """50,000 columns (under 400 kB): the repeated-name check was quadratic (minutes)."""
    extra = [f"c{k}" for k in range(50_000)]
    if reader == "flywire":
        path = _write(
            tmp_path / "wide.csv",
            ",".join(["pre_root_id", "post_root_id", "syn_count", *extra])
            + "\n11,22,3"
            + "," * len(extra)
            + "\n",
        )
        assert ek.read_flywire(path).chemical.toarray().tolist() == [[0, 3], [0, 0]]
        _write(path, path.read_text().replace("c49999", "C7"))
        with pytest.raises(ConnectomeError, match="columns 'c7' and 'C7' have the same name"):
            ek.read_flywire(path)
    else:
        path = _write(
            tmp_path / "wide.csv", ",".join(["", *extra]) + "\nc0,1" + "," * (len(extra) - 1) + "\n"
        )
        worm = ek.read_adjacency(path)
        assert worm.num_neurons == 50_000 and worm.chemical[0, 0] == 1


def test_cr_only_adjacency_sheet_is_read(tmp_path):
    """Lines were counted by LF only: a CR-only sheet looked like one line of 504,100 cells."""
    names = [f"n{j}" for j in range(709)]
    rows = ["," + ",".join(names)] + [
        f"{name}," + ",".join("2" if i == j else "" for j in range(709))
        for i, name in enumerate(names)
    ]
    sheet = _write(tmp_path / "cr.csv", "\r".join(rows) + "\r")
    worm = ek.read_adjacency(sheet)
    assert worm.num_neurons == 709 and worm.chemical.diagonal().tolist() == [2.0] * 709


def test_adjacency_neuron_named_nan_is_a_name(tmp_path):
    sheet = _write(tmp_path / "nan.csv", ",nan,B\nnan,0,1\nB,2,\n")
    worm = ek.read_adjacency(sheet)
    assert worm.names == ("nan", "B") and worm.chemical.toarray().tolist() == [[0, 1], [2, 0]]


FLY_HEADER = "pre_root_id,post_root_id,syn_count\n"


@pytest.mark.parametrize(
    "count, problem",
    [
        ("9007199254740993", "is 9007199254740992 (2**53) or more"),
        ("1e-400", "is too small for a float64 (it reads as 0)"),
        ("-0", "is negative (it has a minus sign)"),
    ],
)
@pytest.mark.parametrize("packed", [False, True])
def test_flywire_counts_a_float64_would_change_are_refused(tmp_path, count, problem, packed):
    text = FLY_HEADER + f"11,22,3\n22,11,{count}\n"
    path = tmp_path / "connections.csv.gz"
    if packed:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path = _write(tmp_path / "connections.csv", text)
    with pytest.raises(ConnectomeError, match=re.escape(f"line 3: syn_count '{count}' {problem}")):
        ek.read_flywire(path)


def test_flywire_zero_counts_written_as_zero_are_read(tmp_path):
    path = _write(tmp_path / "c.csv", FLY_HEADER + "11,22,0\n22,11,0.0e5\n11,33,+0\n33,11,2\n")
    assert ek.read_flywire(path).chemical.sum() == 2


@pytest.mark.parametrize(
    "count, problem",
    [
        ("9007199254740993", "is 9007199254740992 (2**53) or more"),
        ("1e-400", "is too small"),
        ("-0", "is negative"),
    ],
)
def test_edgelist_and_adjacency_counts_a_float64_would_change_are_refused(tmp_path, count, problem):
    edges = _write(tmp_path / "e.csv", f"pre,post,count\na,b,1\nb,a,{count}\n")
    with pytest.raises(
        ConnectomeError, match=re.escape(f"line 3 (b -> a): weight '{count}' {problem}")
    ):
        ek.read_edgelist(edges)
    sheet = _write(tmp_path / "s.csv", f",a,b\na,,1\nb,{count},\n")
    with pytest.raises(
        ConnectomeError, match=re.escape(f"line 3, cell (b -> a) holds '{count}', which {problem}")
    ):
        ek.read_adjacency(sheet)
