"""Fuzzing GraphML: valid specs read exactly; bad values, ids, nesting and random trees refused."""

from __future__ import annotations

from functools import partial
from typing import Any
from xml.etree import ElementTree

import scipy.sparse as sp
from hypothesis import assume, given
from hypothesis import strategies as st

from elegans_keras import read_graphml
from fuzz.helpers import (
    BAD_COUNTS,
    BAD_ROLES,
    BAD_TYPES,
    NAMES,
    check_matches_spec,
    connectome_specs,
    event,
    expect_error,
    fuzz,
    graphml_bytes,
    graphml_tree,
    in_temporary_file,
    mostly,
    normalized_role,
    result_or_error,
)


@fuzz("graphml_spec")
@given(connectome_specs())
def test_fuzz_graphml_valid_spec_reads_exactly(spec):
    worm = in_temporary_file(graphml_bytes(graphml_tree(spec)), ".graphml", read_graphml)
    check_matches_spec(worm, spec, spec["names"])


def _mutate_graphml(root: ElementTree.Element, mutation: str, value: Any) -> None:
    graph = root.find("graph")
    nodes, edges = graph.findall("node"), graph.findall("edge")
    if mutation == "weight":
        edges[0].find("data[@key='w']").text = value
    elif mutation == "synapse_type":
        edges[0].find("data[@key='t']").text = value
    elif mutation == "role":
        nodes[0].find("data").text = value
    elif mutation == "drop_role":
        nodes[0].remove(nodes[0].find("data"))
    elif mutation == "unknown_target":
        edges[0].set("target", value + "_undeclared")
    elif mutation == "drop_source":
        del edges[0].attrib["source"]
    elif mutation == "duplicate_node":
        graph.insert(0, ElementTree.fromstring(ElementTree.tostring(nodes[0])))
    elif mutation == "drop_node_id":
        del nodes[0].attrib["id"]
    elif mutation == "no_nodes":
        for node in nodes:
            graph.remove(node)
    elif mutation == "undeclared_key":
        ElementTree.SubElement(edges[0], "data", key="nokey").text = "1"
    elif mutation == "root_tag":
        root.tag = value


GRAPHML_MUTATIONS = {
    "weight": BAD_COUNTS,
    "synapse_type": BAD_TYPES,
    "role": BAD_ROLES,
    "drop_role": st.none(),
    "unknown_target": NAMES,
    "drop_source": st.none(),
    "duplicate_node": st.none(),
    "drop_node_id": st.none(),
    "no_nodes": st.none(),
    "undeclared_key": st.none(),
    "root_tag": st.sampled_from(["graph", "xml", "html"]),
}


@fuzz("graphml_mutated")
@given(connectome_specs(), st.sampled_from(sorted(GRAPHML_MUTATIONS)), st.data())
def test_fuzz_graphml_invalid_spec_is_refused(spec, mutation, data):
    assume(
        spec["edges"]
        or mutation
        not in ("weight", "synapse_type", "unknown_target", "drop_source", "undeclared_key")
    )
    root = graphml_tree(spec)
    _mutate_graphml(root, mutation, data.draw(GRAPHML_MUTATIONS[mutation]))
    content = graphml_bytes(root)
    read = partial(read_graphml, default_role=None)  # a dropped role is refused
    expect_error(lambda: in_temporary_file(content, ".graphml", read))


@fuzz("graphml_dropped_role")
@given(connectome_specs(), st.sampled_from([None, "S", "I", "M"]))
def test_fuzz_graphml_dropped_role_gets_default_role(spec, default_role):
    """default_role is "I" unless given; the file's other roles are kept; None refuses."""
    root = graphml_tree(spec)
    _mutate_graphml(root, "drop_role", None)
    content = graphml_bytes(root)
    if default_role is None:
        read = partial(read_graphml, default_role=None)
        expect_error(lambda: in_temporary_file(content, ".graphml", read))
        return
    worm = in_temporary_file(content, ".graphml", partial(read_graphml, default_role=default_role))
    plain = in_temporary_file(content, ".graphml", read_graphml)
    kept = tuple(normalized_role(label) for label in spec["roles"][1:])
    assert worm.roles == (default_role, *kept)
    assert plain.roles == ("I", *kept)


# Edge ids from a small alphabet, so that repeats are common; None: no id attribute.
EDGE_IDS = st.one_of(st.none(), st.text("e01 ", min_size=1, max_size=2))


@fuzz("graphml_edge_ids")
@given(connectome_specs(), st.sampled_from(["as_drawn", "shared", "typed_twin"]), st.data())
def test_fuzz_graphml_duplicate_edge_ids_are_refused(spec, mutation, data):
    """An edge's identity is (source, target, id), its ends unordered in an undirected graph
    (networkx numbers each pair's edges 0, 1...): a repeated identity is refused, a C and an
    E edge of one pair sharing an id too; the same id on other pairs reads exactly."""
    assume(spec["edges"])
    edges = list(spec["edges"])
    ids = data.draw(st.lists(EDGE_IDS, min_size=len(edges), max_size=len(edges)))
    if mutation == "shared" and len(edges) > 1:
        i, j = data.draw(
            st.lists(st.integers(0, len(edges) - 1), min_size=2, max_size=2, unique=True)
        )
        ids[i] = ids[j] = ids[i] or "e0"
    elif mutation == "typed_twin":
        i = data.draw(st.integers(0, len(edges) - 1))
        pre, post, kind, count = edges[i]
        twin = "E" if kind.strip().upper() in ("C", "CHEMICAL") else "C"
        ids[i] = shared = ids[i] or "e0"
        position = data.draw(st.integers(0, len(edges)))
        edges.insert(position, (pre, post, twin, count))
        ids.insert(position, shared)
    spec = {**spec, "edges": edges}
    content = graphml_bytes(graphml_tree(spec, ids))
    declared = [
        (*((pre, post) if spec["directed"] else sorted((pre, post))), edge_id)
        for (pre, post, _, _), edge_id in zip(edges, ids)
        if edge_id is not None
    ]
    if len(set(declared)) < len(declared):
        error = expect_error(lambda: in_temporary_file(content, ".graphml", read_graphml))
        assert "twice" in str(error)
    else:
        event("valid")
        worm = in_temporary_file(content, ".graphml", read_graphml)
        check_matches_spec(worm, spec, spec["names"])


def _inner_graph(names: list[str]) -> ElementTree.Element:
    graph = ElementTree.Element("graph", edgedefault="directed")
    for name in names:
        node = ElementTree.SubElement(graph, "node", id=name)
        ElementTree.SubElement(node, "data", key="r").text = "S"
    return graph


NESTINGS = (
    "second_graph",
    "graph_before",
    "graph_in_node",
    "graph_in_edge",
    "graph_in_graph",
    "graph_in_data",
    "hyperedge",
)


HARMLESS = ("desc", "edges_first")


@fuzz("graphml_nesting")
@given(
    connectome_specs(),
    st.sampled_from(NESTINGS + HARMLESS),
    st.lists(NAMES, max_size=3, unique=True),
    st.data(),
)
def test_fuzz_graphml_nested_or_second_graph_is_refused(spec, change, inner, data):
    """A second <graph>, a graph nested in a node / edge / graph / data, or a hyperedge is
    refused; a <desc> or edges listed before the nodes are valid GraphML and read exactly."""
    assume(spec["edges"] or change not in ("graph_in_edge", "edges_first"))
    root = graphml_tree(spec)
    graph = root.find("graph")
    nodes, edges = graph.findall("node"), graph.findall("edge")
    if change == "second_graph":
        root.append(_inner_graph(inner))
    elif change == "graph_before":
        root.insert(list(root).index(graph), _inner_graph(inner))
    elif change == "graph_in_node":
        data.draw(st.sampled_from(nodes)).append(_inner_graph(inner))
    elif change == "graph_in_edge":
        data.draw(st.sampled_from(edges)).append(_inner_graph(inner))
    elif change == "graph_in_graph":
        graph.insert(data.draw(st.integers(0, len(graph))), _inner_graph(inner))
    elif change == "graph_in_data":
        data.draw(st.sampled_from(nodes)).find("data").append(_inner_graph(inner))
    elif change == "hyperedge":
        hyperedge = ElementTree.Element("hyperedge")
        for name in spec["names"][:3]:
            ElementTree.SubElement(hyperedge, "endpoint", node=name)
        graph.insert(data.draw(st.integers(0, len(graph))), hyperedge)
    elif change == "desc":
        root.insert(0, ElementTree.Element("desc"))
        root[0].text = "a connectome"
        graph.insert(0, ElementTree.Element("desc"))
    else:
        for edge in edges:
            graph.remove(edge)
        for k, edge in enumerate(edges):
            graph.insert(k, edge)
    content = graphml_bytes(root)
    if change in HARMLESS:
        event("valid")
        check_matches_spec(
            in_temporary_file(content, ".graphml", read_graphml), spec, spec["names"]
        )
    else:
        error = expect_error(lambda: in_temporary_file(content, ".graphml", read_graphml))
        assert "graph" in str(error) or "hyperedge" in str(error)


XML_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=6)


ODD_TAGS = st.sampled_from(["graphml", "graph", "node", "edge", "key", "data", "default", "foo"])


ODD_ATTRIBUTES = st.dictionaries(
    st.sampled_from(
        ["id", "source", "target", "for", "attr.name", "attr.type", "key", "edgedefault"]
    ),
    st.one_of(
        st.sampled_from(
            [
                "n0",
                "n1",
                "k0",
                "k1",
                "weight",
                "role",
                "double",
                "int",
                "boolean",
                "node",
                "edge",
                "all",
                "undirected",
            ]
        ),
        XML_TEXT,
    ),
    max_size=2,
)


KEYS = (
    ("k0", "node", "role", "string"),
    ("k1", "edge", "weight", "double"),
    ("k2", "edge", "synapse_type", "string"),
    ("k3", "node", "cell_name", "string"),
)


DATA_TEXT = {
    "k0": (st.sampled_from(["S", "M", "NA", "I", "s"]), st.sampled_from(["X", "", "motor"])),
    "k1": (
        st.sampled_from(["3", "0", "2.5", "1e308", "99999999999999999999999"]),
        st.sampled_from(["nan", "-2", "inf", "1e400", "abc", ""]),
    ),
    "k2": (st.sampled_from(["C", "E", "chemical", "gap"]), st.sampled_from(["Q", ""])),
    "k3": (st.sampled_from(["AVAL", "AVAR", "ADAL", "n0"]), st.sampled_from(["", " ", "nan"])),
}


def _odd(draw: st.DrawFn, element: ElementTree.Element) -> ElementTree.Element:
    """Sometimes add random attributes, text or a random child to ``element``."""
    if draw(st.integers(0, 9)) == 0:
        element.attrib.update(draw(ODD_ATTRIBUTES))
    if draw(st.integers(0, 9)) == 0:
        element.text = draw(XML_TEXT)
    if draw(st.integers(0, 19)) == 0:
        child = ElementTree.SubElement(element, draw(ODD_TAGS), draw(ODD_ATTRIBUTES))
        child.text = draw(XML_TEXT)
    return element


@st.composite
def xml_trees(draw: st.DrawFn) -> bytes:
    """A GraphML tree with random keys, nodes, edges and data, often perturbed at random.

    Attributes, text and extra elements are sometimes random; the XML is well formed.
    """
    root = _odd(draw, ElementTree.Element(draw(st.sampled_from(["graphml"] * 9 + ["graph"]))))
    if draw(st.integers(0, 3)):
        root.set("xmlns", "http://graphml.graphdrawing.org/xmlns")
    for key, target, name, kind in (k for k in KEYS if draw(st.integers(0, 19))):
        _odd(
            draw,
            ElementTree.SubElement(
                root, "key", {"id": key, "for": target, "attr.name": name, "attr.type": kind}
            ),
        )
    direction = draw(st.sampled_from(["directed", "undirected"]))
    graph = _odd(draw, ElementTree.SubElement(root, "graph", edgedefault=direction))
    size = draw(st.integers(1, 4))
    ids = [f"n{k}" for k in range(size)]
    for node_id in ids:
        _data(draw, _odd(draw, ElementTree.SubElement(graph, "node", id=node_id)), ["k0", "k3"])
    for _ in range(draw(st.integers(0, 5))):
        ends = {"source": draw(st.sampled_from(ids)), "target": draw(st.sampled_from(ids))}
        _data(draw, _odd(draw, ElementTree.SubElement(graph, "edge", ends)), ["k1", "k2"])
    return ElementTree.tostring(root, encoding="utf-8")


def _data(draw: st.DrawFn, element: ElementTree.Element, keys: list[str]) -> None:
    for key in (k for k in keys if draw(st.integers(0, 4))):
        ElementTree.SubElement(element, "data", key=key).text = mostly(draw, *DATA_TEXT[key])


@fuzz("graphml_random_tree")
@given(xml_trees(), st.sampled_from([None, "I"]))
def test_fuzz_graphml_random_xml_trees(content, default_role):
    worm = result_or_error(
        lambda: in_temporary_file(
            content, ".graphml", lambda p: read_graphml(p, default_role=default_role)
        )
    )
    if worm is not None:
        tags = [element.tag for element in ElementTree.fromstring(content).iter()]
        assert worm.num_neurons <= sum(tag.endswith("node") for tag in tags)
        pairs = worm.chemical.nnz + sp.triu(worm.electrical).nnz
        assert pairs <= 2 * sum(tag.endswith("edge") for tag in tags)
