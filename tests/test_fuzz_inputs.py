"""Fuzzing: random and malformed inputs give a correct result or the package's own error.

Each test draws inputs with hypothesis and checks one of two outcomes: the
input is valid and the result matches an independent expectation (the
matrices a GraphML / CSV spec describes, the rows Python's ``csv`` module
reads from a damaged file, the array given, a layer whose synapse values stay
on the mask), or it is invalid and the package raises an
:class:`ElegansKerasError` -- never a numpy / Keras / XML / pandas exception
from deep inside, and never a silently wrong object (a graph with fewer
edges, two lines merged into one neuron name). A refused CSV edge list must
name a line that the ``csv`` module finds faulty.

Mutation families: GraphML specs (bad values, duplicate node and edge ids --
a C and an E edge sharing an id too --, a second or nested ``<graph>``,
hyperedges, random trees); CSV edge lists (bad values; stray quotes and extra
fields inserted into windows of Cook et al.'s real edge list and into quoted
files); adjacency-matrix CSVs with random blank / valid / invalid cells;
neuron names with control characters in every reader; unicode names
round-tripping through GraphML and networkx; name lists whose joins collide;
Connectome arrays; layer wiring configs with negative or out-of-range
indices; layer, cell and model-factory argument pools. ``FUZZ_CASES``
(4,120) is the total number of generated cases.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
import tempfile
import unicodedata
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.extra import numpy as hnp
from hypothesis_profiles import budget

from elegans_keras import (
    Connectome,
    from_networkx,
    read_adjacency,
    read_edgelist,
    read_graphml,
    to_networkx,
    write_graphml,
)
from elegans_keras.checks import MAX_FACTORY_SEED, MAX_SEED
from elegans_keras.connectome.cells import load_cell_table
from elegans_keras.connectome.metrics import adjacency_spectral_radius
from elegans_keras.connectome.spectrum import spectral_radius
from elegans_keras.errors import ConfigurationError, ElegansKerasError
from elegans_keras.layers import ConnectomeDense, ReservoirCell
from elegans_keras.layers.wiring import wiring_config, wiring_from_config
from elegans_keras.models import (
    echo_state_network,
    elegans_autoencoder,
    elegans_classifier,
)

EXAMPLES = {
    "graphml_spec": 200,
    "graphml_mutated": 200,
    "graphml_edge_ids": 150,
    "graphml_nesting": 150,
    "graphml_random_tree": 300,
    "random_bytes": 300,
    "edgelist_spec": 200,
    "edgelist_mutated": 200,
    "edgelist_stray_quote": 250,
    "edgelist_extra_fields": 200,
    "adjacency_cells": 250,
    "control_names": 300,
    "unicode_round_trip": 100,
    "name_joins": 200,
    "connectome_arrays": 300,
    "connectome_names": 200,
    "wiring_config": 300,
    "layer_wiring_config": 25,
    "dense_mask": 40,
    "reservoir_arguments": 80,
    "reservoir_mask": 100,
    "classifier_arguments": 30,
    "autoencoder_arguments": 20,
    "echo_state_arguments": 25,
}
FUZZ_CASES = sum(EXAMPLES.values())


def fuzz(name: str) -> Callable:
    """hypothesis settings for one fuzz test: its example count (scaled by the profile)."""
    return settings(
        max_examples=budget(EXAMPLES[name]),
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )


def event(label: str) -> None:
    """Count ``label`` in hypothesis' statistics (a no-op outside a hypothesis test)."""
    if currently_in_test_context():
        hypothesis_event(label)


def expect_error(call: Callable[[], Any]) -> ElegansKerasError:
    """Run ``call``; it must raise the package's error (anything else fails the test)."""
    event("refused")
    with pytest.raises(ElegansKerasError) as caught:
        call()
    return caught.value


def result_or_error(call: Callable[[], Any]) -> Any:
    """``call()``'s result, or None if it raised the package's error (anything else fails)."""
    try:
        result = call()
    except ElegansKerasError:
        event("refused")
        return None
    event("valid")
    return result


def in_temporary_file(content: bytes, suffix: str, read: Callable[[Path], Any]) -> Any:
    """Write ``content`` to a fresh temporary file and call ``read`` on its path."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(content)
        return read(path)


def is_control(character: str) -> bool:
    """A Unicode control character (category Cc: C0, DEL and C1, newlines and NUL included)."""
    return unicodedata.category(character) == "Cc"


def valid_label(label: str) -> bool:
    """A neuron name a reader keeps: non-blank, no control character ('nan' is a name)."""
    return bool(label.strip()) and not any(map(is_control, label))


# --- connectome specs: neurons, roles and typed, counted synapses -----------------
# C. elegans cell names (the readers look them up in the cell table: tests/test_cells.py).
WORM_CELLS = frozenset(load_cell_table()["name"].str.lower())
NAMES = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", min_size=1, max_size=12
).filter(lambda s: s.lower() != "nan" and s.lower() not in WORM_CELLS)
# Names any reader must keep as they are: no control / line / paragraph separator, no XML
# non-character, no surrounding whitespace (readers strip it), not 'nan' (a missing value),
# not a C. elegans cell.
UNICODE_NAMES = st.text(
    st.characters(
        codec="utf-8",
        exclude_categories=("Cc", "Cs", "Zl", "Zp"),
        exclude_characters="\ufffe\uffff",
    ),
    min_size=1,
    max_size=8,
).filter(lambda s: s == s.strip() and s and s.lower() != "nan" and s.lower() not in WORM_CELLS)
ROLE_LABELS = st.sampled_from(["S", "I", "M", "NA", "s", " m ", "na"])
TYPE_LABELS = st.sampled_from(["C", "E", "c", "e", "chemical", "Electrical", "GAP", "EJ"])
COUNTS = st.one_of(st.integers(0, 10**6), st.floats(0, 1e6, allow_nan=False))
BAD_COUNTS = st.sampled_from(
    ["nan", "NaN", "inf", "-inf", "-1", "-0.5", "abc", "", "1e400", "0x10", "1,5"]
)
BAD_ROLES = st.sampled_from(["X", "", "sensory", "N A", "0", "Motor"])
BAD_TYPES = st.sampled_from(["X", "", "chem", "both", "0"])
# C0 controls, DEL and the C1 controls (U+0085 NEXT LINE among them).
CONTROL_CHARACTERS = st.sampled_from([*map(chr, range(0x20)), "\x7f", *map(chr, range(0x80, 0xA0))])


@st.composite
def connectome_specs(draw: st.DrawFn) -> dict[str, Any]:
    """Neurons (name, role) and edges (pre, post, type label, count): all valid."""
    names = draw(st.lists(NAMES, min_size=1, max_size=8, unique=True))
    roles = draw(st.lists(ROLE_LABELS, min_size=len(names), max_size=len(names)))
    edge = st.tuples(st.sampled_from(names), st.sampled_from(names), TYPE_LABELS, COUNTS)
    return {
        "names": names,
        "roles": roles,
        "edges": draw(st.lists(edge, max_size=15)),
        "directed": draw(st.booleans()),
    }


def expected_matrices(spec: dict[str, Any], names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Chemical and electrical matrices the spec describes (neurons in ``names`` order).

    Counts of parallel edges add up; an electrical junction given in both
    directions counts once (the larger); an undirected chemical edge holds in
    both directions.
    """
    index = {name: k for k, name in enumerate(names)}
    chemical, electrical = np.zeros((2, len(names), len(names)))
    for pre, post, kind, count in spec["edges"]:
        i, j = index[pre], index[post]
        if kind.strip().upper() in ("C", "CHEMICAL"):
            chemical[i, j] += count
            if not spec["directed"] and i != j:
                chemical[j, i] += count
        elif spec["directed"]:
            electrical[i, j] += count
        else:
            electrical[min(i, j), max(i, j)] += count
    return chemical, np.maximum(electrical, electrical.T)


def normalized_role(label: str) -> str:
    role = label.strip().upper()
    return "I" if role == "NA" else role


def check_matches_spec(worm: Connectome, spec: dict[str, Any], names: list[str]) -> None:
    assert worm.names == tuple(names)
    roles = dict(zip(spec["names"], spec["roles"]))
    assert worm.roles == tuple(normalized_role(roles[n]) for n in names)
    chemical, electrical = expected_matrices(spec, names)
    np.testing.assert_allclose(worm.chemical.toarray(), chemical, rtol=1e-12)
    np.testing.assert_allclose(worm.electrical.toarray(), electrical, rtol=1e-12)


# --- GraphML --------------------------------------------------------------------------
def graphml_tree(
    spec: dict[str, Any], edge_ids: list[str | None] | None = None
) -> ElementTree.Element:
    """A neurodata-schema GraphML tree for a spec (edges carry ``edge_ids`` where given)."""
    root = ElementTree.Element("graphml", xmlns="http://graphml.graphdrawing.org/xmlns")
    for key, target, name, kind in (
        ("r", "node", "role", "string"),
        ("w", "edge", "weight", "double"),
        ("t", "edge", "synapse_type", "string"),
    ):
        ElementTree.SubElement(
            root, "key", {"id": key, "for": target, "attr.name": name, "attr.type": kind}
        )
    graph = ElementTree.SubElement(
        root, "graph", edgedefault="directed" if spec["directed"] else "undirected"
    )
    for name, role in zip(spec["names"], spec["roles"]):
        node = ElementTree.SubElement(graph, "node", id=name)
        ElementTree.SubElement(node, "data", key="r").text = role
    for k, (pre, post, kind, count) in enumerate(spec["edges"]):
        edge = ElementTree.SubElement(graph, "edge", source=pre, target=post)
        if edge_ids is not None and edge_ids[k] is not None:
            edge.set("id", edge_ids[k])
        ElementTree.SubElement(edge, "data", key="w").text = repr(count)
        ElementTree.SubElement(edge, "data", key="t").text = kind
    return root


def graphml_bytes(root: ElementTree.Element) -> bytes:
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


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
    expect_error(lambda: in_temporary_file(content, ".graphml", read_graphml))


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


def mostly(draw: st.DrawFn, usual: st.SearchStrategy, odd: st.SearchStrategy) -> Any:
    """A draw from ``usual``, or (one time in eight) from ``odd``."""
    return draw(odd if draw(st.integers(0, 7)) == 0 else usual)


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


@fuzz("random_bytes")
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
        st.sampled_from(
            [
                b"",
                b"\xff\xfe\x00",
                b"pre,post\n",
                b"<graphml/>",
                b"pre,post\n\xff\xfe,a\n",
                b"pre,post\x00\na,b\n",
            ]
        ),
    )
)
def test_fuzz_random_bytes_read_or_refused(content):
    for suffix, read in (
        (".graphml", read_graphml),
        (".csv", read_edgelist),
        (".csv", read_adjacency),
    ):
        worm = result_or_error(partial(in_temporary_file, content, suffix, read))
        assert worm is None or isinstance(worm, Connectome)


# --- CSV edge lists -------------------------------------------------------------------
def edgelist_bytes(
    spec: dict[str, Any], header: tuple[str, ...] = ("pre", "post", "type", "count")
) -> bytes:
    stream = io.StringIO(newline="")
    writer = csv.writer(stream)
    writer.writerow(header)
    for pre, post, kind, count in spec["edges"]:
        writer.writerow([f" {pre}", post, kind, count if isinstance(count, str) else repr(count)])
    return stream.getvalue().encode("utf-8")


def edgelist_order(spec: dict[str, Any]) -> list[str]:
    """Neurons as read_edgelist orders them: roles, then pre column, then post column."""
    pres = [e[0] for e in spec["edges"]]
    posts = [e[1] for e in spec["edges"]]
    return list(dict.fromkeys([*spec["names"], *pres, *posts]))


@fuzz("edgelist_spec")
@given(connectome_specs())
def test_fuzz_edgelist_valid_spec_reads_exactly(spec):
    spec = {**spec, "directed": True}
    roles = dict(zip(spec["names"], spec["roles"]))
    assume(spec["edges"])
    worm = in_temporary_file(
        edgelist_bytes(spec), ".csv", lambda p: read_edgelist(p, roles=roles, default_role=None)
    )
    check_matches_spec(worm, spec, edgelist_order(spec))


EDGELIST_MUTATIONS = [
    "count",
    "type",
    "role",
    "no_pre_column",
    "no_edges",
    "missing_role",
    "empty_name",
    "non_utf8",
    "duplicate_header",
]


@fuzz("edgelist_mutated")
@given(connectome_specs(), st.sampled_from(EDGELIST_MUTATIONS), st.data())
def test_fuzz_edgelist_invalid_spec_is_refused(spec, mutation, data):
    spec = {**spec, "directed": True}
    assume(spec["edges"])
    roles = dict(zip(spec["names"], spec["roles"]))
    header = ("pre", "post", "type", "count")
    first = list(spec["edges"][0])
    if mutation == "count":
        first[3] = data.draw(BAD_COUNTS)
    elif mutation == "type":
        first[2] = data.draw(BAD_TYPES)
    elif mutation == "role":
        roles[first[0]] = data.draw(BAD_ROLES)
    elif mutation == "no_pre_column":
        header = ("neuron", "post", "type", "count")
    elif mutation == "no_edges":
        spec["edges"] = []
    elif mutation == "missing_role":
        del roles[first[0]]
    elif mutation == "empty_name":
        first[0] = data.draw(st.sampled_from(["", "  ", "nan", "NaN"]))
    elif mutation == "duplicate_header":
        header = (
            "pre",
            "post",
            "type",
            data.draw(st.sampled_from(["Type", "TYPE", " type", "PRE"])),
        )
    spec["edges"] = [tuple(first), *spec["edges"][1:]] if spec["edges"] else []
    content = edgelist_bytes(spec, header)
    if mutation == "non_utf8":
        content += b"\xff\xfe,a,C,1\n"
    expect_error(
        lambda: in_temporary_file(
            content, ".csv", lambda p: read_edgelist(p, roles=roles, default_role=None)
        )
    )


# --- CSV files as the csv module reads them: the oracle of the damaged-file families ---
COOK_EDGELIST = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "connectome"
    / "herm_full_edgelist.csv"
)
COOK_COLUMNS = {"pre": 0, "post": 1, "count": 2, "type": 3}
SYNAPSE_CODES = {"C": "C", "CHEMICAL": "C", "E": "E", "ELECTRICAL": "E", "GAP": "E", "EJ": "E"}
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _real_layout() -> tuple[str, tuple[str, ...]]:
    """Header and data lines of Cook et al. 2019's edge list, or a file of its layout.

    Cook's layout: ``Source,Target,Weight,Type`` with space-padded names
    (``I1L , I2L           ,10,chemical``), no quotes, no final newline.
    """
    if COOK_EDGELIST.is_file():
        lines = COOK_EDGELIST.read_text(encoding="utf-8").splitlines()
        return lines[0], tuple(lines[1:])
    rng = np.random.default_rng(2019)
    cells = [
        f"{stem}{side}"
        for stem in ("ADA", "AVA", "AVB", "RIM", "SMDV", "VB0", "DD0")
        for side in ("L", "R", "1", "2")
    ]
    pre, post = rng.integers(len(cells), size=(2, 600))
    weights = rng.integers(1, 40, size=600)
    kinds = rng.choice(["chemical", "electrical"], size=600)
    return "Source,Target,Weight,Type", tuple(
        f"{cells[a]} , {cells[b]:<13},{w},{kind}"
        for a, b, w, kind in zip(pre, post, weights, kinds)
    )


COOK_HEADER, COOK_ROWS = _real_layout()


def csv_line(fields: list[str]) -> str:
    stream = io.StringIO()
    csv.writer(stream, lineterminator="").writerow(fields)
    return stream.getvalue()


@st.composite
def real_layout_edgelists(draw: st.DrawFn) -> tuple[list[str], dict[str, int]]:
    """Lines (header first) of a real-layout edge list and where its columns are.

    Three times in four a window of Cook's file; else a file written by the csv
    module (columns in any order, names with commas / quotes / spaces, every
    field quoted or only where needed).
    """
    if draw(st.integers(0, 3)):
        start = draw(st.integers(0, len(COOK_ROWS) - 1))
        size = draw(st.integers(1, 30))
        return [COOK_HEADER, *COOK_ROWS[start : start + size]], dict(COOK_COLUMNS)
    order = draw(st.permutations(["pre", "post", "count", "type"]))
    names = st.one_of(NAMES, st.sampled_from(["AB,C", 'Q"R', "X Y", " pad ", "D,"]))
    rows = draw(
        st.lists(
            st.tuples(
                names,
                names,
                st.sampled_from(["1", "3", "2.5", "10"]),
                st.sampled_from(["C", "E", "chemical", "electrical"]),
            ),
            min_size=1,
            max_size=12,
        )
    )
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    stream = io.StringIO()
    writer = csv.writer(stream, quoting=quoting, lineterminator="\n")
    writer.writerow(order)
    for pre, post, count, kind in rows:
        fields = {"pre": pre, "post": post, "count": count, "type": kind}
        writer.writerow([fields[column] for column in order])
    return stream.getvalue().split("\n")[:-1], {column: order.index(column) for column in order}


def csv_records(text: str) -> list[tuple[int, int, list[str]]]:
    """(first line, last line, fields) of every record of ``text``, by the csv module.

    A final newline is added where missing, so a quoted field left open at the
    end of the file shows as a field holding a newline (spanning lines).
    """
    text = text.removeprefix("\ufeff")
    if not text.endswith(("\n", "\r")):
        text += "\n"
    reader = csv.reader(io.StringIO(text, newline=""))
    records, first = [], 1
    for fields in reader:
        records.append((first, reader.line_num, fields))
        first = reader.line_num + 1
    return records


def synapse_count(text: str) -> float | None:
    """The count a cell holds, else None: a finite decimal number >= 0 that float64 keeps as
    written (below 2**53, no minus sign, not a non-zero text that reads as 0 like 1e-400)."""
    text = text.strip()
    if not NUMBER.fullmatch(text) or text.startswith("-"):
        return None
    value = float(text)
    nonzero_digits = any(digit in "123456789" for digit in re.split("[eE]", text)[0])
    if value == 0 and nonzero_digits:
        return None
    return value if math.isfinite(value) and 0 <= value < 2**53 else None


@dataclasses.dataclass(frozen=True)
class CsvVerdict:
    """What the package must do with a CSV file, by an independent reading of it.

    ``refuse``: lines with a fault (a field spanning lines, extra non-empty
    fields, a bad value); when not empty the file must be refused with an
    error naming one of them. ``tolerated``: lines whose only oddity is extra
    *empty* fields (trailing commas), which may be refused (naming them) or
    ignored. ``graph``: (names, chemical, electrical) the file reads as.
    """

    refuse: frozenset[int]
    tolerated: frozenset[int]
    graph: tuple[list[str], np.ndarray, np.ndarray] | None = None


def edgelist_verdict(text: str, columns: dict[str, int]) -> CsvVerdict:
    """The verdict on an edge list by the csv module: faulty lines, else the graph."""
    records = csv_records(text)
    width = len(records[0][2])
    refuse: set[int] = set()
    tolerated: set[int] = set()
    rows = []
    for first, last, fields in records[1:]:
        lines = set(range(first, last + 1))
        if any("\n" in field or "\r" in field for field in fields):
            refuse |= lines
            continue
        if len(fields) > width:
            if any(fields[width:]):
                refuse |= lines
                continue
            tolerated |= lines
            fields = fields[:width]
        if any(fields):
            rows.append((first, fields + [""] * (width - len(fields))))
    edges = []
    for line, fields in rows:
        pre, post = (fields[columns[end]].strip() for end in ("pre", "post"))
        count = synapse_count(fields[columns["count"]])
        kind = SYNAPSE_CODES.get(fields[columns["type"]].strip().upper())
        if count is None or kind is None or not valid_label(pre) or not valid_label(post):
            refuse.add(line)
        edges.append((pre, post, kind, count))
    if refuse or not edges:
        return CsvVerdict(frozenset(refuse), frozenset(tolerated))
    names = list(dict.fromkeys([e[0] for e in edges] + [e[1] for e in edges]))
    index = {name: k for k, name in enumerate(names)}
    chemical, electrical = np.zeros((2, len(names), len(names)))
    for pre, post, kind, count in edges:
        (chemical if kind == "C" else electrical)[index[pre], index[post]] += count
    return CsvVerdict(
        frozenset(), frozenset(tolerated), (names, chemical, np.maximum(electrical, electrical.T))
    )


def lines_named(error: Exception) -> set[int]:
    return {int(number) for number in re.findall(r"\bline (\d+)", str(error))}


def check_csv_verdict(verdict: CsvVerdict, read: Callable[[], Connectome]) -> None:
    """``read()`` must refuse naming a faulty line, or read exactly the expected graph."""
    try:
        worm = read()
    except ElegansKerasError as error:
        event("refused")
        faulty = verdict.refuse | verdict.tolerated
        assert faulty, f"a well-formed file was refused: {error}"
        assert lines_named(error) & faulty, (
            f"the error should name one of lines {sorted(faulty)}: {error}"
        )
        return
    event("read")
    assert not verdict.refuse, (
        f"read {worm} from a file whose lines {sorted(verdict.refuse)} are faulty"
    )
    names, chemical, electrical = verdict.graph
    assert worm.names == tuple(names)
    np.testing.assert_allclose(worm.chemical.toarray(), chemical, rtol=1e-12)
    np.testing.assert_allclose(worm.electrical.toarray(), electrical, rtol=1e-12)


def read_text_edgelist(text: str) -> Connectome:
    """``text`` read as an edge list, every name kept (Cook's real names: no cell table)."""
    return in_temporary_file(text.encode("utf-8"), ".csv", partial(read_edgelist, cells=None))


@fuzz("edgelist_stray_quote")
@given(real_layout_edgelists(), st.integers(1, 2), st.booleans(), st.data())
def test_fuzz_edgelist_stray_quote_is_refused_naming_its_line(layout, quotes, final_newline, data):
    """One or two quotes inserted into data lines (at a field start or anywhere): a quoted
    field that runs over lines (to the end of the file, or to a later quote) must be refused
    naming its line -- never read as a graph with fewer edges; a quote inside an unquoted
    field is a character of that field, as for the csv module."""
    lines, columns = layout
    for _ in range(quotes):
        k = data.draw(st.integers(1, len(lines) - 1), label="line index")
        starts = [0, *(i + 1 for i, character in enumerate(lines[k]) if character == ",")]
        position = data.draw(
            st.one_of(st.sampled_from(starts), st.integers(0, len(lines[k]))), label="position"
        )
        lines[k] = lines[k][:position] + '"' + lines[k][position:]
    text = "\n".join(lines) + ("\n" if final_newline else "")
    check_csv_verdict(edgelist_verdict(text, columns), partial(read_text_edgelist, text))


EXTRA_FIELDS = st.one_of(st.sampled_from(["x", "1", "0", "chemical", "E", " ", "AVAL"]), NAMES)


@fuzz("edgelist_extra_fields")
@given(real_layout_edgelists(), st.data())
def test_fuzz_edgelist_extra_fields_are_refused_naming_the_line(layout, data):
    """Extra fields (one or more, appended or inserted, on any rows -- the first data row
    too -- with blank lines about) are refused naming a line that holds them; trailing
    commas alone may be tolerated (the rows then read as without them)."""
    lines, columns = layout
    for k in sorted(
        data.draw(st.sets(st.integers(1, len(lines) - 1), min_size=1, max_size=3), label="rows")
    ):
        how = data.draw(st.sampled_from(["append", "insert", "trailing_commas"]))
        if how == "trailing_commas":
            lines[k] += "," * data.draw(st.integers(1, 2))
            continue
        fields = next(csv.reader([lines[k]]))
        at = len(fields) if how == "append" else data.draw(st.integers(0, len(fields)))
        fields[at:at] = data.draw(st.lists(EXTRA_FIELDS, min_size=1, max_size=3))
        lines[k] = csv_line(fields)
    for _ in range(data.draw(st.integers(0, 2), label="blank lines")):
        lines.insert(data.draw(st.integers(1, len(lines))), "")
    text = "\n".join(lines) + "\n"
    check_csv_verdict(edgelist_verdict(text, columns), partial(read_text_edgelist, text))


# --- adjacency-matrix CSVs ----------------------------------------------------------------
CELL_BLANK = st.sampled_from(["", "", " "])
CELL_VALID = st.sampled_from(
    [
        "0",
        "1",
        "3",
        "12",
        "2.5",
        " 7 ",
        "1e2",
        ".5",
        "+4",
        "-0",
        "0.0",
        "1E1",
        "99999999999999999999",
    ]
)
CELL_BAD = st.sampled_from(
    [
        "-1",
        "-0.5",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "x",
        "0x10",
        "1_0",
        "--2",
        "1e400",
        "True",
        "1,5",
        "3 4",
        "1e",
    ]
)
SHEET_NAMES = st.one_of(
    *[NAMES] * 14, UNICODE_NAMES, st.sampled_from([" pad ", "A,B", "nan", "", " ", "A\tB", "Q\x00"])
)


@st.composite
def adjacency_sheets(draw: st.DrawFn, universe: list[str]) -> str:
    """The text of one sheet: a header of post names, rows of a pre name and cells.

    Cells are blank or counts, one sometimes invalid; rows are sometimes short
    (missing cells are blank), end in a comma, or hold one field too many;
    blank lines and a BOM come and go.
    """
    pres = draw(st.lists(st.sampled_from(universe), min_size=1, max_size=4, unique=True))
    posts = draw(st.lists(st.sampled_from(universe), min_size=1, max_size=4, unique=True))
    cells = [[draw(st.one_of(CELL_BLANK, CELL_VALID)) for _ in posts] for _ in pres]
    if draw(st.integers(0, 2)) == 0:
        cells[draw(st.integers(0, len(pres) - 1))][draw(st.integers(0, len(posts) - 1))] = draw(
            CELL_BAD
        )
    records = [
        [draw(st.sampled_from(["", "", "pre\\post", "Neuron"])), *posts],
        *([pre, *row] for pre, row in zip(pres, cells)),
    ]
    for record in records[1:]:
        shape = draw(st.sampled_from(["full"] * 8 + ["short", "trailing_comma", "extra"]))
        if shape == "short":
            del record[draw(st.integers(1, len(record))) :]
        elif shape == "trailing_comma":
            record.append("")
        elif shape == "extra":
            record.append(draw(CELL_VALID.filter(bool)))
    lines = [csv_line(record) for record in records]
    for _ in range(draw(st.integers(0, 1))):
        lines.insert(draw(st.integers(1, len(lines))), "")
    return draw(st.sampled_from(["", "\ufeff"])) + "\n".join(lines) + "\n"


@st.composite
def adjacency_files(draw: st.DrawFn) -> tuple[str, str | None]:
    """A chemical sheet and, half the time, an electrical one on the same neurons."""
    universe = draw(st.lists(SHEET_NAMES, min_size=2, max_size=6, unique=True))
    chemical = draw(adjacency_sheets(universe))
    return chemical, draw(st.one_of(st.none(), adjacency_sheets(universe)))


class Refused(Exception):
    """The oracle's verdict: the input must be refused (with an error of class ``kind``)."""

    def __init__(self, kind: type = ElegansKerasError) -> None:
        super().__init__(kind.__name__)
        self.kind = kind


def sheet_cells(text: str) -> tuple[list[str], list[str], list[tuple[str, str, float]]]:
    """(pre names, post names, nonzero-or-zero cells) of a sheet read with the csv module."""
    records = csv_records(text)
    header = [name.strip() for name in records[0][2]]
    if len(set(header)) < len(header):
        raise Refused
    width, posts = len(header), header[1:]
    pres, cells = [], []
    for _, _, fields in records[1:]:
        if any("\n" in field or "\r" in field for field in fields) or any(fields[width:]):
            raise Refused
        fields = fields[:width]
        if not any(fields):
            continue
        pres.append(fields[0].strip())
        for post, text in zip(posts, fields[1:]):
            if text.strip():
                value = synapse_count(text)
                if value is None:
                    raise Refused
                cells.append((pres[-1], post, value))
    if len(set(pres)) < len(pres) or not all(map(valid_label, pres + posts)):
        raise Refused
    return pres, posts, cells


def adjacency_verdict(
    chemical: str, electrical: str | None
) -> tuple[list[str], np.ndarray, np.ndarray]:
    sheets = [sheet_cells(chemical), *([] if electrical is None else [sheet_cells(electrical)])]
    names = list(dict.fromkeys(name for pres, posts, _ in sheets for name in pres + posts))
    index = {name: k for k, name in enumerate(names)}
    matrices = np.zeros((2, len(names), len(names)))
    for matrix, (_, _, cells) in zip(matrices, sheets):
        for pre, post, value in cells:
            matrix[index[pre], index[post]] += value
    return names, matrices[0], np.maximum(matrices[1], matrices[1].T)


# Issue 25 item 2 (found by this test): a header whose first cell is empty and whose second,
# quoted, holds a comma and a quote made the shared row reader skip the rows after it.
@fuzz("adjacency_cells")
@given(adjacency_files())
@example((',","\n0,-1\n', None))
@example((',","\n0,5\n', None))
@example((',","\r\n0,5\r\n', None))
@example(("pre,A\nA,1\n", ',"A,"\nA,2\n'))
def test_fuzz_adjacency_matrix_cells(files):
    """read_adjacency on sheets with random blank / valid / invalid cells and ragged rows
    agrees with an independent csv-module reading: the same neurons and counts, or refused."""
    chemical, electrical = files
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / "chemical.csv", Path(folder) / "electrical.csv"]
        for path, text in zip(paths, files):
            if text is not None:
                path.write_text(text, encoding="utf-8", newline="")
        read = partial(read_adjacency, paths[0], None if electrical is None else paths[1])
        try:
            names, chemical_counts, electrical_counts = adjacency_verdict(chemical, electrical)
        except Refused:
            expect_error(read)
            return
        event("valid")
        worm = read()
    assert worm.names == tuple(names)
    assert worm.roles == ("I",) * len(names)
    np.testing.assert_allclose(worm.chemical.toarray(), chemical_counts, rtol=1e-12)
    np.testing.assert_allclose(worm.electrical.toarray(), electrical_counts, rtol=1e-12)


# --- neuron names: control characters everywhere, unicode round trips, colliding joins ---
NAME_READERS = (
    "Connectome",
    "read_graphml node id",
    "read_graphml cell_name",
    "read_edgelist",
    "read_adjacency square",
    "read_adjacency header only",
    "from_networkx",
)
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@st.composite
def names_with_controls(draw: st.DrawFn) -> list[str]:
    """Unique valid names, up to two of them with a control character inserted anywhere."""
    names = draw(
        st.lists(st.one_of(NAMES, NAMES, UNICODE_NAMES), min_size=2, max_size=5, unique=True)
    )
    for _ in range(draw(st.integers(0, 2))):
        k = draw(st.integers(0, len(names) - 1))
        position = draw(st.integers(0, len(names[k])))
        names[k] = names[k][:position] + draw(CONTROL_CHARACTERS) + names[k][position:]
    return names


def expected_reader_names(names: list[str], reader: str) -> list[str] | None:
    """The names ``reader`` must return, or None where it must refuse them.

    Readers strip surrounding whitespace (a trailing tab is whitespace), so
    only a control character left inside a stripped name is refused there;
    Connectome(...) keeps names as given.
    """
    if reader.startswith("read_graphml") and any(map(XML_ILLEGAL.search, names)):
        return None  # not well-formed XML
    if reader.startswith(("read_edgelist", "read_adjacency")) and any(
        "\n" in name or "\r" in name for name in names
    ):
        return None  # the csv module quotes it: a field spanning two lines
    if reader == "Connectome":
        labels = list(names)
        valid = all(label.strip() and not any(map(is_control, label)) for label in labels)
    else:
        labels = [name.strip() for name in names]
        valid = all(map(valid_label, labels))
    return labels if valid and len(set(labels)) == len(labels) else None


def read_names_with(reader: str, names: list[str]) -> Connectome:
    """A connectome on neurons ``names`` (a ring of chemical synapses) through ``reader``."""
    size = len(names)
    ring = list(zip(names, names[1:] + names[:1]))
    if reader == "Connectome":
        return Connectome(
            names, ["S"] * size, chemical=np.zeros((size, size)), electrical=np.zeros((size, size))
        )
    if reader == "from_networkx":
        graph = nx.DiGraph()
        graph.add_nodes_from(names, role="S")
        graph.add_edges_from(ring)
        return from_networkx(graph)
    if reader.startswith("read_graphml"):
        ids = [f"n{k}" for k in range(size)] if reader.endswith("cell_name") else names
        spec = {
            "names": ids,
            "roles": ["S"] * size,
            "directed": True,
            "edges": [(a, b, "C", 1) for a, b in zip(ids, ids[1:] + ids[:1])],
        }
        root = graphml_tree(spec)
        if reader.endswith("cell_name"):
            root.insert(
                0,
                ElementTree.Element(
                    "key",
                    {"id": "c", "for": "node", "attr.name": "cell_name", "attr.type": "string"},
                ),
            )
            for node, name in zip(root.find("graph").findall("node"), names):
                ElementTree.SubElement(node, "data", key="c").text = name
        return in_temporary_file(graphml_bytes(root), ".graphml", read_graphml)
    if reader == "read_edgelist":
        records = [["pre", "post", "type", "count"], *([a, b, "C", "1"] for a, b in ring)]
        read = read_edgelist
    else:
        records = [["", *names], *([name, *["1"] * size] for name in names)]
        if reader.endswith("header only"):
            records = records[:2]
        read = read_adjacency
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\n").writerows(records)
    return in_temporary_file(stream.getvalue().encode("utf-8"), ".csv", read)


@fuzz("control_names")
@given(names_with_controls(), st.sampled_from(NAME_READERS))
def test_fuzz_names_with_control_characters_are_refused(names, reader):
    """A neuron name holding a newline, NUL, tab or any other control character (C0, DEL,
    C1) is refused by Connectome(...), read_graphml (node ids and cell_name), read_edgelist,
    read_adjacency (row and header names) and from_networkx; other names read as given."""
    expected = expected_reader_names(names, reader)
    if expected is None:
        expect_error(lambda: read_names_with(reader, names))
        return
    event("valid")
    worm = read_names_with(reader, names)
    assert worm.names == tuple(expected)


@st.composite
def unicode_connectomes(draw: st.DrawFn) -> Connectome:
    """A small connectome with unicode names, roles, and float counts on random pairs."""
    names = draw(st.lists(UNICODE_NAMES, min_size=1, max_size=6, unique=True))
    size = len(names)
    counts = st.one_of(
        st.just(0.0), st.just(0.0), st.integers(1, 50).map(float), st.floats(1e-3, 1e6)
    )
    chemical = draw(hnp.arrays(np.float64, (size, size), elements=counts))
    upper = np.triu(draw(hnp.arrays(np.float64, (size, size), elements=counts)))
    return Connectome(
        names,
        draw(st.lists(st.sampled_from("SIM"), min_size=size, max_size=size)),
        chemical=chemical,
        electrical=upper + np.triu(upper, 1).T,
        name="unicode",
    )


@fuzz("unicode_round_trip")
@given(unicode_connectomes())
def test_fuzz_unicode_names_round_trip(worm):
    """Valid unicode names survive write_graphml / read_graphml and networkx: same fingerprint."""
    with tempfile.TemporaryDirectory() as folder:
        again = read_graphml(write_graphml(worm, Path(folder) / "worm.graphml"))
    assert again.names == worm.names and again.roles == worm.roles
    assert again.fingerprint == worm.fingerprint and again == worm
    assert from_networkx(to_networkx(worm)).fingerprint == worm.fingerprint


JOIN_PIECES = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,-", min_size=1, max_size=4)
SEPARATORS = st.sampled_from(["", "", ",", " ", "|", "\n", "\r\n", "\x00", "\t", "\x1f", "\x7f"])


@st.composite
def colliding_name_lists(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    """A separator and two different name lists with the same join by it.

    Both merge two neighbouring pieces with the separator, at different places:
    ("A\\nB", "C") and ("A", "B\\nC"), or ("AB", "C") and ("A", "BC").
    """
    pieces = draw(st.lists(JOIN_PIECES, min_size=3, max_size=7, unique=True))
    separator = draw(SEPARATORS)
    i, j = draw(st.lists(st.integers(0, len(pieces) - 2), min_size=2, max_size=2, unique=True))

    def merged(k: int) -> list[str]:
        return [*pieces[:k], pieces[k] + separator + pieces[k + 1], *pieces[k + 2 :]]

    return separator, merged(i), merged(j)


@fuzz("name_joins")
@given(colliding_name_lists(), st.data())
def test_fuzz_name_lists_with_equal_joins_never_collide(drawn, data):
    """Names joined by a control character are refused; other different name lists with
    equal joins (and the same roles and synapses) have different fingerprints."""
    separator, first, second = drawn
    assert separator.join(first) == separator.join(second) and first != second
    size = len(first)
    roles = data.draw(st.lists(st.sampled_from("SIM"), min_size=size, max_size=size))
    chemical = data.draw(
        hnp.arrays(np.float64, (size, size), elements=st.sampled_from([0.0, 1.0, 3.0]))
    )

    def build(names: list[str]) -> Connectome:
        return Connectome(names, roles, chemical=chemical, electrical=np.zeros((size, size)))

    worms = []
    for names in (first, second):
        if expected_reader_names(names, "Connectome") is None:
            expect_error(partial(build, names))
        else:
            worms.append(build(names))
            assert build(names).fingerprint == worms[-1].fingerprint
    if len(worms) == 2:
        event("two valid lists")
        assert worms[0].fingerprint != worms[1].fingerprint and worms[0] != worms[1]
        assert len({hash(worms[0]), hash(worms[1])}) == 2


# --- Connectome arrays ----------------------------------------------------------------
REAL_DTYPES = ["float64", "float32", "float16", "int64", "int8", "uint8", "bool"]
OTHER_DTYPES = ["complex128", "datetime64[s]", "timedelta64[s]", "<U3", "object"]
SPARSE_DTYPES = ("float64", "float32", "int64", "int8", "uint8", "bool", "complex128")


@st.composite
def matrices(draw: st.DrawFn, size: int, dtypes: list[str] = REAL_DTYPES + OTHER_DTYPES) -> Any:
    """A random array: often (size, size), of a dtype in ``dtypes``, NaN / inf / negative values."""
    shape = draw(
        st.one_of(
            st.just((size, size)), hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
        )
    )
    dtype = draw(st.sampled_from(dtypes))
    if dtype == "object":
        values = st.one_of(
            st.integers(-(10**400), 10**400),
            st.floats(),
            st.none(),
            st.complex_numbers(),
            st.text(max_size=2),
        )
        return np.array(
            draw(st.lists(values, min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))),
            dtype=object,
        ).reshape(shape)
    return draw(hnp.arrays(dtype, shape))


def is_valid_matrix(array: Any, size: int) -> bool:
    """The oracle: a real (bool / int / float) (size, size) array of finite counts >= 0."""
    array = np.asarray(array)
    if array.shape != (size, size) or array.dtype.kind not in "biuf":
        return False
    values = array.astype(np.float64)
    return bool(np.all(np.isfinite(values)) and np.all(values >= 0))


def maybe_sparse(array: Any, sparse: bool) -> Any:
    """``array`` as a scipy CSR matrix where asked and scipy holds its dtype."""
    if sparse and np.ndim(array) == 2 and str(np.asarray(array).dtype) in SPARSE_DTYPES:
        return sp.csr_array(array)
    return array


@fuzz("connectome_arrays")
@given(
    st.integers(1, 4).flatmap(lambda n: st.tuples(st.just(n), matrices(n), matrices(n))),
    st.booleans(),
    st.booleans(),
)
def test_fuzz_connectome_arrays(drawn, chemical_sparse, electrical_sparse):
    size, chemical, electrical = drawn
    names, roles = [f"n{k}" for k in range(size)], ["S"] * size
    build = partial(
        Connectome,
        names,
        roles,
        chemical=maybe_sparse(chemical, chemical_sparse),
        electrical=maybe_sparse(electrical, electrical_sparse),
    )
    valid = is_valid_matrix(chemical, size) and is_valid_matrix(electrical, size)
    if valid and np.array_equal(
        np.asarray(electrical, np.float64), np.asarray(electrical, np.float64).T
    ):
        event("valid")
        worm = build()
        dense = np.asarray(chemical, dtype=np.float64)
        np.testing.assert_array_equal(worm.chemical.toarray(), dense)
        np.testing.assert_array_equal(worm.electrical.toarray(), np.asarray(electrical, np.float64))
        assert isinstance(worm.chemical, sp.csr_array) and worm.chemical.indices.dtype == np.int32
        assert not worm.chemical.data.flags.writeable
        assert worm.num_edges("chemical") == np.count_nonzero(dense)
        total = dense + np.asarray(electrical, np.float64)
        if np.abs(total).max() < 1e100:
            expected = float(np.max(np.abs(np.linalg.eigvals(total))))
            assert math.isclose(
                adjacency_spectral_radius(worm), expected, rel_tol=1e-9, abs_tol=1e-12
            )
    else:
        expect_error(build)


NAME_ITEMS = st.one_of(
    *[NAMES] * 6, st.sampled_from(["", "  ", "a", "a\nb", "\x00", "b\t"]), st.integers()
)
ROLE_ITEMS = st.one_of(*[ROLE_LABELS] * 8, BAD_ROLES, st.none(), st.integers())


@st.composite
def names_and_roles(draw: st.DrawFn) -> tuple[Any, Any]:
    """Name and role lists, mostly of equal length; sometimes not lists at all."""
    size = draw(st.integers(0, 4))
    names = mostly(
        draw, st.lists(NAME_ITEMS, min_size=size, max_size=size), st.sampled_from([None, 3, 2.5])
    )
    roles = mostly(
        draw,
        st.lists(ROLE_ITEMS, min_size=size, max_size=size),
        st.one_of(st.lists(ROLE_ITEMS, max_size=5), st.sampled_from([None, 3])),
    )
    return names, roles


@fuzz("connectome_names")
@given(names_and_roles())
def test_fuzz_connectome_names_and_roles(drawn):
    names, roles = drawn

    def build() -> Connectome:
        size = len(names) if isinstance(names, list) else 1
        return Connectome(
            names, roles, chemical=np.zeros((size, size)), electrical=np.zeros((size, size))
        )

    labels = [str(n) for n in names] if isinstance(names, list) else []
    valid = (
        isinstance(names, list)
        and isinstance(roles, list)
        and 0 < len(names) == len(roles)
        and all(label.strip() and not any(map(is_control, label)) for label in labels)
        and len(set(labels)) == len(labels)
        and all(isinstance(r, str) and r.strip().upper() in ("S", "I", "M", "NA") for r in roles)
    )
    if valid:
        worm = build()
        assert worm.names == tuple(labels)
        assert worm.roles == tuple(normalized_role(r) for r in roles)
    else:
        expect_error(build)


# --- layer wiring configs -------------------------------------------------------------
MASK_VALUES = st.sampled_from([0.0, 0.0, 0.0, 1.0, 2.0, 0.5, 7.0])
SHAPE_DEFECTS = [-1, 0, 2**40, 10**30, math.inf, math.nan, "a", None]
COUNT_VALUES = st.sampled_from(
    [-1.0, -0.5, math.nan, math.inf, "x", None, 10**400, 0.0, 2.5, 1e308]
)
MAX_CONFIG_SIDE = 500_000  # a config naming more neurons than a Connectome may hold is refused


@st.composite
def small_masks(draw: st.DrawFn) -> np.ndarray:
    shape = draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))
    return draw(hnp.arrays(np.float64, shape, elements=MASK_VALUES))


@st.composite
def small_connectomes(draw: st.DrawFn) -> Connectome:
    size = draw(st.integers(1, 5))
    names = draw(
        st.lists(st.one_of(NAMES, UNICODE_NAMES), min_size=size, max_size=size, unique=True)
    )
    roles = draw(st.lists(st.sampled_from("SIM"), min_size=size, max_size=size))
    chemical = draw(hnp.arrays(np.float64, (size, size), elements=MASK_VALUES))
    upper = np.triu(draw(hnp.arrays(np.float64, (size, size), elements=MASK_VALUES)))
    attributes = {}
    if draw(st.booleans()):
        attributes["neurotransmitters"] = tuple(
            draw(st.lists(st.sampled_from(["ACh", "GABA", None]), min_size=size, max_size=size))
        )
    return Connectome(
        names,
        roles,
        chemical=chemical,
        electrical=upper + np.triu(upper, 1).T,
        attributes=attributes,
        name="wired",
    )


def index_values(bound: int) -> st.SearchStrategy:
    """An index on an axis of ``bound`` entries: in range, or negative, too large, not an int."""
    return st.one_of(
        st.integers(0, bound - 1),
        st.sampled_from(
            [-1, -bound, bound, bound + 1, 2**31, 2**40, 2**63, 2**64, 1.0, 0.5, "1", None, [0]]
        ),
    )


@st.composite
def wiring_mutations(draw: st.DrawFn) -> tuple[Any, dict[str, Any], str]:
    """A wiring, its JSON config (as a layer saves it) with at most one change, the change."""
    wiring = draw(st.one_of(small_masks(), small_connectomes()))
    config = json.loads(json.dumps(wiring_config(wiring)))
    connectome = "roles" in config
    kind = draw(
        st.sampled_from(
            [
                "index",
                "index",
                "shape",
                "length",
                "counts",
                "none",
                *(["roles", "roles", "names"] if connectome else []),
            ]
        )
    )
    part = draw(
        st.sampled_from([config["chemical"], config["electrical"]] if connectome else [config])
    )
    if kind == "index":
        axis = draw(st.sampled_from(["pre", "post"]))
        value = draw(index_values(part["shape"][axis == "post"]))
        if part[axis]:
            part[axis][draw(st.integers(0, len(part[axis]) - 1))] = value
        else:
            part["pre"], part["post"] = [0], [0]
            part[axis] = [value]
    elif kind == "shape":
        axis = draw(st.integers(0, 1))
        change = draw(st.sampled_from(["defect", "defect", "larger", "smaller", "length"]))
        if change == "defect":
            part["shape"][axis] = draw(st.sampled_from(SHAPE_DEFECTS))
        elif change == "larger":
            part["shape"][axis] += draw(st.integers(1, 2))
        elif change == "smaller":
            part["shape"][axis] -= 1
        else:
            part["shape"] = part["shape"][:1] if axis else [*part["shape"], 1]
    elif kind == "length":
        axis = draw(st.sampled_from(["pre", "post"]))
        if part[axis] and draw(st.booleans()):
            part[axis].pop(draw(st.integers(0, len(part[axis]) - 1)))
        else:
            part[axis].append(0)
    elif kind == "counts":
        counts = part.setdefault("counts", [1.0] * len(part["pre"]))
        value = draw(COUNT_VALUES)
        if counts:
            counts[draw(st.integers(0, len(counts) - 1))] = value
        else:
            counts.append(value)
    elif kind == "roles":
        indices = config["roles"][draw(st.sampled_from(sorted(config["roles"])))]
        value = draw(index_values(len(config["names"])))
        if indices and draw(st.booleans()):
            indices[draw(st.integers(0, len(indices) - 1))] = value
        else:
            indices.append(value)
    elif kind == "names":
        names = config["names"]
        change = draw(st.sampled_from(["drop", "add", "duplicate", "control"]))
        if change == "drop":
            names.pop()
        elif change == "add":
            names.append(draw(NAMES) + "+")
        elif change == "duplicate":
            names.append(names[0])
        else:
            names[-1] += draw(st.sampled_from(["\n", "\x00", "\tX"]))
    return wiring, config, kind


def _plain_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def oracle_matrix(part: dict[str, Any]) -> np.ndarray:
    """The dense counts a config part describes: shape [rows, cols], pre / post indices in
    range, as many (finite, >= 0) counts (default 1) -- else Refused."""
    shape = part["shape"]
    if not (
        isinstance(shape, list)
        and len(shape) == 2
        and all(map(_plain_int, shape))
        and min(shape) >= 1
    ):
        raise Refused(ConfigurationError)
    if max(shape) > MAX_CONFIG_SIDE:
        raise Refused
    rows, cols = shape
    pre, post = part["pre"], part["post"]
    for values, bound in ((pre, rows), (post, cols)):
        if not (isinstance(values, list) and all(_plain_int(v) and 0 <= v < bound for v in values)):
            raise Refused(ConfigurationError)
    counts = part.get("counts", [1.0] * len(pre))
    if len(pre) != len(post) or len(counts) != len(pre):
        raise Refused(ConfigurationError)
    try:
        counts = [float(count) for count in counts]
    except (TypeError, ValueError, OverflowError):
        raise Refused from None
    if not all(math.isfinite(count) and count >= 0 for count in counts):
        raise Refused
    dense = np.zeros((rows, cols))
    np.add.at(dense, (np.asarray(pre, dtype=np.int64), np.asarray(post, dtype=np.int64)), counts)
    return dense


def oracle_wiring(config: dict[str, Any]) -> Any:
    """A mask config's dense counts, or a connectome config's (names, roles, chemical,
    electrical): roles are index lists (others "I"), the matrices (N, N), electrical
    symmetric. Refused (ConfigurationError for a bad index or shape) otherwise."""
    if "roles" not in config:
        return oracle_matrix(config)
    names = config["names"]
    roles = ["I"] * len(names)
    for role, indices in config["roles"].items():
        if not all(_plain_int(i) and 0 <= i < len(names) for i in indices):
            raise Refused(ConfigurationError)
        for i in indices:
            roles[i] = role
    chemical, electrical = oracle_matrix(config["chemical"]), oracle_matrix(config["electrical"])
    if (
        not names
        or expected_reader_names(names, "Connectome") is None
        or chemical.shape != (len(names),) * 2
        or electrical.shape != chemical.shape
        or not np.array_equal(electrical, electrical.T)
    ):
        raise Refused
    return names, roles, chemical, electrical


@fuzz("wiring_config")
@given(wiring_mutations())
def test_fuzz_wiring_config_indices(drawn):
    """wiring_from_config on configs written by wiring_config: negative or out-of-range
    indices (pre, post, roles) and bad shapes are a ConfigurationError; other damage an
    ElegansKerasError; in-range changes read as the changed graph; no change round-trips."""
    wiring, config, kind = drawn
    load = partial(wiring_from_config, config, "fuzz")
    try:
        expected = oracle_wiring(config)
    except Refused as refusal:
        error = expect_error(load)
        assert isinstance(error, refusal.kind), (
            f"{type(error).__name__}, not a {refusal.kind.__name__}: {error}"
        )
        return
    event(f"valid ({kind})")
    result = load()
    if isinstance(expected, np.ndarray):
        assert sp.issparse(result) and result.shape == expected.shape
        np.testing.assert_array_equal(result.toarray(), expected)
        if kind == "none":
            np.testing.assert_array_equal(result.toarray(), wiring)
        return
    names, roles, chemical, electrical = expected
    assert result.names == tuple(names) and result.roles == tuple(roles)
    np.testing.assert_array_equal(result.chemical.toarray(), chemical)
    np.testing.assert_array_equal(result.electrical.toarray(), electrical)
    if kind == "none":
        assert result == wiring and result.name == wiring.name
        assert result.attributes == wiring.attributes


@fuzz("layer_wiring_config")
@given(small_masks(), st.sampled_from(["none", "negative", "too_large"]), st.data())
def test_fuzz_layer_config_wiring(mask, defect, data):
    """A saved ConnectomeDense config loads back to the same layer; with a negative or
    out-of-range synapse index in its wiring it is a ConfigurationError."""
    layer = ConnectomeDense(mask, seed=3)
    inputs = np.ones((1, mask.shape[0]), "float32")
    outputs = np.asarray(layer(inputs))
    config = json.loads(json.dumps(layer.get_config()))
    wiring = config["connectome_or_mask"]
    if defect != "none" and wiring["pre"]:
        axis = data.draw(st.sampled_from(["pre", "post"]))
        bound = wiring["shape"][axis == "post"]
        wiring[axis][data.draw(st.integers(0, len(wiring[axis]) - 1))] = (
            -data.draw(st.integers(1, 3))
            if defect == "negative"
            else bound + data.draw(st.integers(0, 3))
        )
        error = expect_error(lambda: ConnectomeDense.from_config(config))
        assert isinstance(error, ConfigurationError)
        return
    event("valid")
    again = ConnectomeDense.from_config(config)
    np.testing.assert_array_equal(np.asarray(again(inputs)), outputs)
    np.testing.assert_array_equal(
        np.asarray(again.effective_kernel), np.asarray(layer.effective_kernel)
    )


# --- layers ---------------------------------------------------------------------------
@fuzz("dense_mask")
@given(
    st.integers(1, 4).flatmap(lambda n: matrices(n, REAL_DTYPES)),
    st.sampled_from(["count", "random"]),
    st.sampled_from(["auto", "dense", "sparse"]),
)
def test_fuzz_connectome_dense_mask(mask, weights, implementation):
    """One value per synapse, none off the mask: |W| = log(1 + count) scaled to unit
    incoming norm per post neuron (weights="count"), unit norms (weights="random")."""
    values = np.asarray(mask, np.float64)
    valid = (
        values.ndim == 2
        and values.size > 0
        and bool(np.all(np.isfinite(values)))
        and bool(np.all(values >= 0))
    )
    build = partial(ConnectomeDense, mask, weights=weights, implementation=implementation, seed=0)
    if not valid:
        expect_error(build)
        return
    layer = build()
    outputs = np.asarray(layer(np.ones((2, values.shape[0]), dtype="float32")))
    kernel = np.asarray(layer.effective_kernel, dtype=np.float64)
    connected = values != 0
    assert outputs.shape == (2, values.shape[1]) and kernel.shape == values.shape
    assert layer.syn.num_values == int(connected.sum())
    assert np.all(np.isfinite(kernel)) and not np.any(kernel[~connected])
    columns = connected.any(axis=0)
    if weights == "count":
        magnitude = np.where(connected, np.log1p(values), 0.0)
        scale = np.where(columns, magnitude.max(axis=0), 1.0)
        norms = scale * np.sqrt(((magnitude / scale) ** 2).sum(axis=0))
        expected = np.divide(magnitude, norms, out=np.zeros_like(magnitude), where=norms > 0)
        np.testing.assert_allclose(np.abs(kernel), expected, rtol=1e-4, atol=1e-4)
    else:
        np.testing.assert_allclose(np.sqrt((kernel**2).sum(axis=0))[columns], 1.0, rtol=1e-4)
    np.testing.assert_allclose(
        outputs, np.broadcast_to(kernel.sum(axis=0), outputs.shape), rtol=1e-4, atol=1e-4
    )


def tiny_connectome() -> Connectome:
    """Six neurons (S, S, I, I, M, M) whose synapses form cycles; n2 and n5 are GABAergic."""
    chemical = np.zeros((6, 6))
    for pre, post in ((0, 2), (1, 3), (2, 4), (3, 5), (4, 2), (5, 3), (2, 3)):
        chemical[pre, post] = 2.0
    electrical = np.zeros((6, 6))
    electrical[4, 5] = electrical[5, 4] = 1.0
    return Connectome(
        [f"n{k}" for k in range(6)],
        ["S", "S", "I", "I", "M", "M"],
        chemical=chemical,
        electrical=electrical,
        name="tiny",
        attributes={"neurotransmitters": ("ACh", "ACh", "GABA", "Glu", "ACh", "GABA, ACh")},
    )


TINY = tiny_connectome()
TINY_GABA = np.isin(np.arange(6), [2, 5])
NAN, INF = float("nan"), float("inf")
BAD_NUMBERS = [NAN, INF, -INF, None, "1", True]
BAD_INTS = [0, -2, 1.5, True, None, "4"]
BAD_SIZES = [*BAD_INTS, 2**31, 2**70]


@st.composite
def one_mutation(draw: st.DrawFn, pools: dict[str, tuple[list, list]]) -> tuple[str, Any, bool]:
    """An argument name, a value from its valid or invalid pool, and which pool."""
    argument = draw(st.sampled_from(sorted(pools)))
    valid = draw(st.booleans())
    return argument, draw(st.sampled_from(pools[argument][0 if valid else 1])), valid


WEIGHT_POOL = (["random", "count"], ["Count", "", None, 3, "log"])
SIGN_POOL = (["random", "neurotransmitter"], ["Random", "", None, "dale", 1])
IMPLEMENTATION_POOL = (["auto", "dense", "sparse"], ["Dense", "", None, "csr", 0])
RESERVOIR_POOLS = {
    "spectral_radius": ([0.1, 0.9, 3.0], [0.0, -0.5, *BAD_NUMBERS]),
    "leak_rate": ([0.01, 0.5, 1.0], [0.0, 1.01, -0.3, *BAD_NUMBERS]),
    "input_scaling": ([0.1, 1.0, 5.0], [0.0, -1.0, *BAD_NUMBERS]),
    "bias_scaling": ([0.0, 0.5], [-0.1, *BAD_NUMBERS]),
    "seed": ([None, 0, 12345, MAX_SEED], [-1, 1.5, "0", True, MAX_SEED + 1]),
    "input_neurons": (
        ["S", "SI", "all", [0, 5], np.array([1, 2])],
        ["X", "", "s-i", [], [0, 0], [6], [-1], [0.5], [2**70], 3, None],
    ),
    "output_neurons": (["all", "M", [4]], ["Q", [], [99], [True, False], None]),
    "weights": WEIGHT_POOL,
    "signs": SIGN_POOL,
    "implementation": IMPLEMENTATION_POOL,
    "synapses": (["all", "chemical", "electrical"], ["gap", "", None, "All"]),
}


def selected_neurons(spec: Any) -> list[int]:
    if isinstance(spec, str):
        return (
            list(range(6))
            if spec == "all"
            else [k for k, role in enumerate(TINY.roles) if role in spec.upper()]
        )
    return sorted(int(i) for i in spec)


@fuzz("reservoir_arguments")
@given(one_mutation(RESERVOIR_POOLS))
def test_fuzz_reservoir_cell_arguments(mutation):
    argument, value, valid = mutation
    build = partial(ReservoirCell, TINY, **{argument: value})
    if not valid:
        expect_error(build)
        return
    cell = build()
    values = cell.initial_recurrent
    assert np.all(np.isfinite(values))
    matrix = cell.syn.matrix(values).toarray()
    # eigenvalues of a defective matrix are only accurate to about sqrt(machine epsilon)
    assert math.isclose(spectral_radius(matrix), cell.spectral_radius, rel_tol=1e-6)
    synapses = value if argument == "synapses" else "all"
    assert not np.any(matrix[~TINY.mask(synapses)])
    pairs = {"all": 8, "chemical": 7, "electrical": 1}[synapses]
    assert cell.syn.num_values == values.size == pairs
    if argument in ("input_neurons", "output_neurons"):
        chosen = cell.input_indices if argument == "input_neurons" else cell.output_indices
        assert list(chosen) == selected_neurons(value)
    counts = TINY.adjacency(synapses)
    if not (argument == "weights" and value == "random"):
        ratio = np.abs(matrix[counts > 0]) / np.log1p(counts[counts > 0])
        np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)
    if argument == "signs" and value == "neurotransmitter":
        chemical = TINY.chemical.toarray() > 0
        inhibitory = chemical & TINY_GABA[:, None]
        assert np.all(matrix[inhibitory] < 0) and np.all(matrix[(counts > 0) & ~inhibitory] > 0)


@fuzz("reservoir_mask")
@given(st.integers(1, 4).flatmap(lambda n: matrices(n, REAL_DTYPES)))
def test_fuzz_reservoir_cell_mask(mask):
    build = partial(ReservoirCell, mask, input_neurons="all", seed=0)
    square = np.ndim(mask) == 2 and np.shape(mask)[0] == np.shape(mask)[1] > 0
    if not (square and is_valid_matrix(mask, np.shape(mask)[0])):
        expect_error(build)
        return
    cell = result_or_error(build)
    support = np.asarray(mask, np.float64) != 0
    has_cycle = np.any(np.linalg.matrix_power(support.astype(np.int64), len(support)) != 0)
    assert (cell is not None) == bool(has_cycle)
    if cell is not None:
        values = cell.initial_recurrent
        assert np.all(np.isfinite(values)), f"non-finite initial recurrent values {values}"
        matrix = cell.syn.matrix(values).toarray()
        assert not np.any(matrix[~support])
        # a defective dominant eigenvalue (a Jordan block of size k) is only accurate to
        # about machine epsilon ** (1 / k)
        assert math.isclose(spectral_radius(matrix), 0.9, rel_tol=1e-3)


# --- model factories ------------------------------------------------------------------
TINY_ENTRIES = int(TINY.mask("all").sum())  # 9 directed synaptic entries
COMMON_POOLS = {
    "mode": (["deep", "reservoir"], ["Deep", "", None, 1]),
    "features": ([1, 3], BAD_INTS),
    "steps": ([1, 2], BAD_INTS),
    "num_heads": ([1, 2], BAD_INTS),
    "spectral_radius": ([0.5, 2.0], [0.0, -1.0, *BAD_NUMBERS]),
    "learning_rate": ([1e-4, 0.5], [0.0, -1e-3, *BAD_NUMBERS]),
    "seed": ([0, 7, MAX_FACTORY_SEED], [-1, 1.5, "0", True, None, MAX_FACTORY_SEED + 1]),
    "connectome": ([TINY], ["no_such_worm", "missing.graphml", "a\x00b.csv", "dir/", 42]),
    "weights": WEIGHT_POOL,
    "signs": SIGN_POOL,
    "implementation": IMPLEMENTATION_POOL,
}
CLASSIFIER_POOLS = {
    **COMMON_POOLS,
    "input_shape": (
        [(8, 8, 1), (5, 7, 2), (1, 1, 1)],
        [(8, 8), (8, 0, 1), (-8, 8, 1), (8.0, 8, 1), (8, 8, 1, 1), (True, 8, 1), "abc", None],
    ),
    "num_classes": ([2, 5, np.int64(3)], [1, 0, -1, 2.5, True, "10", None, 2**40]),
    "filters": ([(4,), (4, 2), [3]], [(), (0,), (-4,), (4.5,), ("a",), (True,), 4, None, "4"]),
    "dropout": ([0.0, 0.5], [1.0, -0.1, *BAD_NUMBERS]),
    "shared_values": ([None, 1, 4, TINY_ENTRIES], [0, -1, 1.5, True, "2", TINY_ENTRIES + 1, 2**40]),
}
CLASSIFIER_BASE = {
    "input_shape": (8, 8, 1),
    "num_classes": 3,
    "connectome": TINY,
    "features": 2,
    "steps": 1,
    "filters": (4,),
    "num_heads": 1,
}


@fuzz("classifier_arguments")
@given(one_mutation(CLASSIFIER_POOLS))
def test_fuzz_classifier_arguments(mutation):
    argument, value, valid = mutation
    config = {**CLASSIFIER_BASE, argument: value}
    if not valid:
        expect_error(lambda: elegans_classifier(**config))
        return
    model = elegans_classifier(**config)
    probabilities = model.predict(np.zeros((1, *config["input_shape"]), "float32"), verbose=0)
    assert probabilities.shape == (1, config["num_classes"])
    np.testing.assert_allclose(probabilities.sum(), 1.0, rtol=1e-5)
    if argument == "shared_values" and value is not None:
        assert model.get_layer("connectome").syn.num_values == value


AUTOENCODER_POOLS = {
    **COMMON_POOLS,
    "input_shape": ([(8, 8, 1), (4, 6, 2)], [(8, 8), (7, 8, 1), (0, 8, 1), (8, 8, -1), None]),
    "decoder_channels": ([1, 4], BAD_SIZES),
    "decoder_filters": ([(4,), (1,)], [(), (4, 4), (0,), (-1,), (2.5,), 4, None]),
}
AUTOENCODER_BASE = {
    "input_shape": (8, 8, 1),
    "connectome": TINY,
    "features": 2,
    "steps": 1,
    "filters": (4,),
    "decoder_filters": (4,),
    "decoder_channels": 2,
    "num_heads": 1,
}


@fuzz("autoencoder_arguments")
@given(one_mutation(AUTOENCODER_POOLS))
def test_fuzz_autoencoder_arguments(mutation):
    argument, value, valid = mutation
    config = {**AUTOENCODER_BASE, argument: value}
    if not valid:
        expect_error(lambda: elegans_autoencoder(**config))
        return
    model = elegans_autoencoder(**config)
    pixels = model.predict(np.zeros((1, *config["input_shape"]), "float32"), verbose=0)
    assert pixels.shape == (1, *config["input_shape"])
    assert np.all((pixels >= 0) & (pixels <= 1))


ECHO_STATE_POOLS = {
    key: COMMON_POOLS[key]
    for key in (
        "mode",
        "spectral_radius",
        "learning_rate",
        "connectome",
        "weights",
        "signs",
        "implementation",
    )
} | {
    "seed": ([0, 7, None, MAX_SEED], [-1, 1.5, "0", True, MAX_SEED + 1]),
    "input_dim": ([1, 3], BAD_SIZES),
    "output_dim": ([1, 2], BAD_SIZES),
    "leak_rate": ([0.3, 1.0], [0.0, 1.5, *BAD_NUMBERS]),
    "input_scaling": ([0.5, 2.0], [0.0, -1.0, *BAD_NUMBERS]),
    "input_neurons": (["S", "SI", "all"], ["X", "", None, [99]]),
    "output_neurons": (["all", "M"], ["Z", "", [-1]]),
}


@fuzz("echo_state_arguments")
@given(one_mutation(ECHO_STATE_POOLS))
def test_fuzz_echo_state_arguments(mutation):
    argument, value, valid = mutation
    config = {"connectome": TINY, argument: value}
    if not valid:
        expect_error(lambda: echo_state_network(**config))
        return
    model = echo_state_network(**config)
    signal = np.zeros((1, 5, config.get("input_dim", 1)), "float32")
    outputs = model.predict(signal, verbose=0)
    assert outputs.shape == (1, 5, config.get("output_dim", 1))
    assert np.all(np.isfinite(outputs))


# --- found by fuzzing and fixed: complex/string/datetime masks, huge sizes, non-path specs ---
UNVALIDATED = {
    "ConnectomeDense complex mask": lambda: ConnectomeDense(np.array([[1 + 1j, 0], [0, 1]])),
    "ConnectomeDense string mask": lambda: ConnectomeDense(np.array([["1", "0"], ["0", "1"]])),
    "ReservoirCell datetime mask": lambda: ReservoirCell(
        np.array([[np.datetime64(1, "s")]]), input_neurons="all"
    ),
    "ConnectomeDense huge count": lambda: ConnectomeDense([[10**400]]),
    "classifier steps=2**70": lambda: elegans_classifier(**CLASSIFIER_BASE | {"steps": 2**70}),
    "classifier features=2**70": lambda: elegans_classifier(
        **CLASSIFIER_BASE | {"features": 2**70}
    ),
    "classifier num_heads=2**70": lambda: elegans_classifier(
        **CLASSIFIER_BASE | {"num_heads": 2**70}
    ),
    "resolve_connectome(42)": lambda: elegans_classifier(**CLASSIFIER_BASE | {"connectome": 42}),
}


@pytest.mark.parametrize("case", sorted(UNVALIDATED))
def test_fuzz_found_unvalidated_input(case):
    with pytest.raises(ElegansKerasError):
        UNVALIDATED[case]()


# --- found by these fuzz families, still open: each must refuse with the package's error --
def _reservoir_weights_finite() -> None:
    """Subnormal counts: the scale 0.9 / (a subnormal radius) overflows to infinite weights."""
    cell = result_or_error(
        lambda: ReservoirCell(np.array([[0.0, 5e-324], [5e-324, 0.0]]), input_neurons="all", seed=0)
    )
    assert cell is None or np.all(np.isfinite(cell.initial_recurrent)), cell.initial_recurrent


def _dense_weights_on_the_mask() -> None:
    """A synapse of subnormal count gets weight 0 (its unit-norm scaling underflows)."""
    layer = result_or_error(lambda: ConnectomeDense(np.array([[5e-324, 1.0]]), seed=0))
    if layer is not None:
        layer(np.ones((1, 1), "float32"))
        np.testing.assert_allclose(
            np.abs(np.asarray(layer.effective_kernel)), [[1.0, 1.0]], rtol=1e-6
        )


OPEN_FINDINGS = {
    # read_rows (edgelist.py): pandas' "EOF inside string starting at row N" is passed on.
    "edge list: a quote left open to the end of the file": (
        partial(read_text_edgelist, 'pre,post\nA,B\n"C,D\nE,F\n'),
        3,
    ),
    # read_rows: pandas' ParserWarning for the first data row has no line number.
    "edge list: two extra fields on the first data row": (
        partial(read_text_edgelist, "pre,post\nA,B,x,y\nC,D\n"),
        2,
    ),
    # build_connectome (tables.py) names the neuron table row, not the file line.
    "edge list: an empty post name": (partial(read_text_edgelist, "pre,post\nA,B\nC,\n"), 3),
    # core._CONTROL (and tables._neurons) cover C0 and DEL, not the C1 controls.
    "Connectome: a name holding U+0085 NEXT LINE": (
        lambda: Connectome(
            ["A\x85B", "C"], ["S", "S"], chemical=np.zeros((2, 2)), electrical=np.zeros((2, 2))
        ),
        None,
    ),
    # layers/wiring.py _matrix_from_config: int() / np.asarray raise OverflowError /
    # MemoryError, which _wiring_from_dict does not turn into a ConfigurationError.
    "wiring config: shape [inf, 1]": (
        partial(wiring_from_config, {"shape": [math.inf, 1], "pre": [], "post": []}, "fuzz"),
        None,
    ),
    "wiring config: shape [10**30, 1]": (
        partial(wiring_from_config, {"shape": [10**30, 1], "pre": [], "post": []}, "fuzz"),
        None,
    ),
    "wiring config: shape [2**40, 1]": (
        partial(wiring_from_config, {"shape": [2**40, 1], "pre": [], "post": []}, "fuzz"),
        None,
    ),
    "wiring config: count 10**400": (
        partial(
            wiring_from_config,
            {"shape": [1, 1], "pre": [0], "post": [0], "counts": [10**400]},
            "fuzz",
        ),
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(OPEN_FINDINGS))
def test_fuzz_found_open_refusals(case):
    call, line = OPEN_FINDINGS[case]
    error = expect_error(call)
    if line is not None:
        assert line in lines_named(error), f"should name line {line}: {error}"


@pytest.mark.parametrize(
    "check",
    [_reservoir_weights_finite, _dense_weights_on_the_mask],
    ids=["ReservoirCell subnormal counts", "ConnectomeDense subnormal count"],
)
def test_fuzz_found_open_scaling(check):
    check()


def test_fuzz_cases_total_is_documented():
    """FUZZ_CASES is the sum of max_examples over the property tests, as the docstring says."""
    properties = [
        test for test in globals().values() if callable(test) and hasattr(test, "hypothesis")
    ]
    assert sum(
        test._hypothesis_internal_use_settings.max_examples for test in properties
    ) == budget(FUZZ_CASES)
    assert len(properties) == len(EXAMPLES)
    assert f"({FUZZ_CASES:,})" in " ".join(__doc__.split())
