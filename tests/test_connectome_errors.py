"""Bad input raises the package's ConnectomeError, naming the file, element and problem."""

from __future__ import annotations

import numpy as np
import pytest

import elegans_keras as ek
from elegans_keras.connectome.core import Connectome
from elegans_keras.errors import ConnectomeError, ElegansKerasError

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="role" for="node" attr.name="role" attr.type="string"/>
  <key id="cell_name" for="node" attr.name="cell_name" attr.type="string"/>
  <key id="type" for="edge" attr.name="synapse_type" attr.type="string"/>
  <key id="w" for="edge" attr.name="weight" attr.type="{weight_type}"/>
  <graph id="G" edgedefault="directed">
"""


def graphml(tmp_path, body, weight_type="double", name="bad.graphml"):
    path = tmp_path / name
    path.write_text(HEADER.format(weight_type=weight_type) + body + "</graph></graphml>")
    return path


def node(node_id, role="S", cell=None):
    cell = cell or node_id.upper()
    role_data = f'<data key="role">{role}</data>' if role is not None else ""
    return f'<node id="{node_id}">{role_data}<data key="cell_name">{cell}</data></node>\n'


def edge(source, target, kind="C", weight="1.0"):
    return (
        f'<edge source="{source}" target="{target}"><data key="type">{kind}</data>'
        f'<data key="w">{weight}</data></edge>\n'
    )


def test_valid_tiny_graphml_reads(tmp_path):
    path = graphml(
        tmp_path, node("a") + node("b", "NA") + edge("a", "b") + edge("a", "b", "E", "2")
    )
    c = ek.read_graphml(path)
    assert c.roles == ("S", "I")
    assert c.chemical.toarray()[0, 1] == 1 and c.electrical.toarray()[1, 0] == 2


def test_error_is_a_value_error_subclass():
    assert issubclass(ConnectomeError, ElegansKerasError)
    assert issubclass(ConnectomeError, ValueError)


@pytest.mark.parametrize(
    "body, message",
    [
        (node("a", "Q") + node("b"), "neuron 'A'.*unknown role 'Q'"),
        (node("a") + node("b") + edge("a", "b", weight="-2"), r"edge #0 \(A -> B\).*negative"),
        (node("a") + node("b") + edge("a", "b", weight="NaN"), "weight is nan"),
        (node("a") + node("b") + edge("a", "b", kind="X"), "unknown synapse type 'X'"),
        (node("a", cell="SAME") + node("b", cell="SAME"), "duplicated neuron name 'SAME'"),
        (node("a") + edge("a", "zz"), "edge #0.*unknown node 'zz'"),
        ("", "empty"),
    ],
)
def test_bad_graphml_names_file_element_and_problem(tmp_path, body, message):
    path = graphml(tmp_path, body)
    with pytest.raises(ConnectomeError, match=message) as info:
        ek.read_graphml(path)
    assert "bad.graphml" in str(info.value)


def test_non_numeric_weight(tmp_path):
    path = graphml(tmp_path, node("a") + node("b") + edge("a", "b", weight="many"), "string")
    with pytest.raises(ConnectomeError, match="weight 'many' is not a number"):
        ek.read_graphml(path)


@pytest.mark.parametrize(
    "content", [b"this is not xml", b"<html><body/></html>", b"\xff\xfe\x00bad"]
)
def test_not_graphml(tmp_path, content):
    path = tmp_path / "nope.graphml"
    path.write_bytes(content)
    with pytest.raises(ConnectomeError, match="nope.graphml"):
        ek.read_graphml(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConnectomeError, match="no such file"):
        ek.read_graphml(tmp_path / "absent.graphml")


def test_plain_graphml_gets_default_role_i_unless_it_is_none(tmp_path):
    """default_role is "I" as in every reader; None asks every node for a role."""
    import networkx as nx

    path = tmp_path / "plain.graphml"
    nx.write_graphml(nx.cycle_graph(5, create_using=nx.DiGraph), path)
    c = ek.read_graphml(path)
    assert c.num_edges("chemical") == 5 and c.roles == ("I",) * 5
    assert ek.read_graphml(path, default_role="M").roles == ("M",) * 5
    with pytest.raises(ConnectomeError, match="missing required attribute 'role'.*default_role"):
        ek.read_graphml(path, default_role=None)
    one_missing = graphml(tmp_path, node("a", None) + node("b"))
    with pytest.raises(ConnectomeError, match="bad.graphml.*missing required attribute 'role'"):
        ek.read_graphml(one_missing, default_role=None)


def test_graphml_roles_win_over_default_role(tmp_path):
    """The rule: roles= first, then the file's own role attribute, then default_role."""
    path = graphml(tmp_path, node("a", "M") + node("b", None) + node("c", "S"))
    assert ek.read_graphml(path).roles == ("M", "I", "S")
    assert ek.read_graphml(path, default_role="S").roles == ("M", "S", "S")
    assert ek.read_graphml(path, default_role="S", roles={"C": "I"}).roles == ("M", "S", "I")


def write_csv(tmp_path, text, name="edges.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_edgelist_reads_cook_style_columns(tmp_path):
    path = write_csv(tmp_path, "Source,Target,Weight,Type\n A , B ,3,chemical\nB,A,2,electrical\n")
    c = ek.read_edgelist(path, roles={"A": "S"})
    assert c.names == ("A", "B") and c.roles == ("S", "I")
    assert c.chemical.toarray()[0, 1] == 3
    assert c.electrical.toarray()[0, 1] == c.electrical.toarray()[1, 0] == 2


@pytest.mark.parametrize(
    "text, message",
    [
        ("pre,post,synapses\nA,B,-1\n", "negative"),
        ("pre,post,synapses\nA,B,inf\n", "weight is inf"),
        ("pre,post,synapses\nA,B,x\n", "not a number"),
        ("pre,post,type\nA,B,muscle\n", "unknown synapse type"),
        ("left,right\nA,B\n", "no pre column"),
        ("pre,post\n", "empty"),
        ("", "empty"),
        ("pre,post\n,B\n", "line 2: empty pre neuron name"),
    ],
)
def test_bad_edgelists(tmp_path, text, message):
    path = write_csv(tmp_path, text)
    with pytest.raises(ConnectomeError, match=message) as info:
        ek.read_edgelist(path)
    assert "edges.csv" in str(info.value)


def test_edgelist_non_utf8(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_bytes(b"pre,post\n\xff\xfe,B\n")
    with pytest.raises(ConnectomeError, match="edges.csv"):
        ek.read_edgelist(path)


def test_edgelist_strict_roles(tmp_path):
    path = write_csv(tmp_path, "pre,post\nA,B\n")
    with pytest.raises(ConnectomeError, match="neuron 'B' has no role"):
        ek.read_edgelist(path, roles={"A": "S"}, default_role=None)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(chemical=np.zeros((2, 3))), "shape"),
        (dict(chemical=np.array([[0, -1.0], [0, 0]])), "negative"),
        (dict(chemical=np.array([[0, np.nan], [0, 0]])), "nan"),
        (dict(electrical=np.array([[0, 1.0], [0, 0]])), "not symmetric"),
        (dict(roles=("S", "Z")), "unknown role 'Z'"),
        (dict(names=("a", "a")), "duplicated neuron name 'a'"),
        (dict(names=(), roles=()), "empty"),
        (dict(chemical=[["x", 0], [0, 0]]), "not numeric"),
    ],
)
def test_bad_arrays(kwargs, message):
    fields = dict(
        names=("a", "b"), roles=("S", "M"), chemical=np.zeros((2, 2)), electrical=np.zeros((2, 2))
    )
    fields.update(kwargs)
    with pytest.raises(ConnectomeError, match=message):
        Connectome(**fields)


def test_unknown_bundled_name_lists_available():
    with pytest.raises(ConnectomeError, match="available: celegans_herm"):
        ek.load_connectome("no_such_worm")
