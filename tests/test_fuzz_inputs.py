"""Fuzzing: random and malformed inputs give a correct result or the package's own error.

Each test draws inputs with hypothesis and checks one of two outcomes: the
input is valid and the result matches an independent expectation (the
matrices a GraphML / CSV spec describes, the array given, a layer whose
weights stay on the mask), or it is invalid and the package raises an
:class:`ElegansKerasError` -- never a numpy / Keras / XML exception from
deep inside, and never a silently wrong object. ``FUZZ_CASES`` is the total
number of generated cases.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from elegans_keras import Connectome, read_edgelist, read_graphml
from elegans_keras.errors import ElegansKerasError
from elegans_keras.layers import ConnectomeDense, ReservoirCell
from elegans_keras.layers.spectral import spectral_radius
from elegans_keras.models import (
    echo_state_network,
    elegans_autoencoder,
    elegans_classifier,
)

EXAMPLES = {
    "graphml_spec": 200,
    "graphml_mutated": 200,
    "graphml_random_tree": 300,
    "random_bytes": 300,
    "edgelist_spec": 200,
    "edgelist_mutated": 200,
    "connectome_arrays": 300,
    "connectome_names": 200,
    "dense_mask": 40,
    "reservoir_arguments": 80,
    "reservoir_mask": 100,
    "classifier_arguments": 20,
    "autoencoder_arguments": 12,
    "echo_state_arguments": 15,
}
FUZZ_CASES = sum(EXAMPLES.values())


def fuzz(name: str) -> Callable:
    """hypothesis settings for one fuzz test: its example count, no deadline."""
    return settings(max_examples=EXAMPLES[name], deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


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


# --- connectome specs: neurons, roles and typed, counted synapses -----------------
NAMES = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
                min_size=1, max_size=12).filter(lambda s: s.lower() != "nan")
ROLE_LABELS = st.sampled_from(["S", "I", "M", "NA", "s", " m ", "na"])
TYPE_LABELS = st.sampled_from(["C", "E", "c", "e", "chemical", "Electrical", "GAP", "EJ"])
COUNTS = st.one_of(st.integers(0, 10**6), st.floats(0, 1e6, allow_nan=False))
BAD_COUNTS = st.sampled_from(["nan", "NaN", "inf", "-inf", "-1", "-0.5", "abc", "", "1e400",
                              "0x10", "1,5"])
BAD_ROLES = st.sampled_from(["X", "", "sensory", "N A", "0", "Motor"])
BAD_TYPES = st.sampled_from(["X", "", "chem", "both", "0"])


@st.composite
def connectome_specs(draw: st.DrawFn) -> dict[str, Any]:
    """Neurons (name, role) and edges (pre, post, type label, count): all valid."""
    names = draw(st.lists(NAMES, min_size=1, max_size=8, unique=True))
    roles = draw(st.lists(ROLE_LABELS, min_size=len(names), max_size=len(names)))
    edge = st.tuples(st.sampled_from(names), st.sampled_from(names), TYPE_LABELS, COUNTS)
    return {"names": names, "roles": roles, "edges": draw(st.lists(edge, max_size=15)),
            "directed": draw(st.booleans())}


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
    np.testing.assert_allclose(worm.chemical, chemical, rtol=1e-12)
    np.testing.assert_allclose(worm.electrical, electrical, rtol=1e-12)


# --- GraphML --------------------------------------------------------------------------
def graphml_tree(spec: dict[str, Any]) -> ElementTree.Element:
    """A neurodata-schema GraphML tree for a spec."""
    root = ElementTree.Element("graphml", xmlns="http://graphml.graphdrawing.org/xmlns")
    for key, target, name, kind in (("r", "node", "role", "string"),
                                    ("w", "edge", "weight", "double"),
                                    ("t", "edge", "synapse_type", "string")):
        ElementTree.SubElement(root, "key", {"id": key, "for": target, "attr.name": name,
                                             "attr.type": kind})
    graph = ElementTree.SubElement(
        root, "graph", edgedefault="directed" if spec["directed"] else "undirected")
    for name, role in zip(spec["names"], spec["roles"]):
        node = ElementTree.SubElement(graph, "node", id=name)
        ElementTree.SubElement(node, "data", key="r").text = role
    for pre, post, kind, count in spec["edges"]:
        edge = ElementTree.SubElement(graph, "edge", source=pre, target=post)
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
    "weight": BAD_COUNTS, "synapse_type": BAD_TYPES, "role": BAD_ROLES,
    "drop_role": st.none(), "unknown_target": NAMES, "drop_source": st.none(),
    "duplicate_node": st.none(), "drop_node_id": st.none(), "no_nodes": st.none(),
    "undeclared_key": st.none(), "root_tag": st.sampled_from(["graph", "xml", "html"]),
}


@fuzz("graphml_mutated")
@given(connectome_specs(), st.sampled_from(sorted(GRAPHML_MUTATIONS)), st.data())
def test_fuzz_graphml_invalid_spec_is_refused(spec, mutation, data):
    assume(spec["edges"] or mutation not in ("weight", "synapse_type", "unknown_target",
                                               "drop_source", "undeclared_key"))
    root = graphml_tree(spec)
    _mutate_graphml(root, mutation, data.draw(GRAPHML_MUTATIONS[mutation]))
    content = graphml_bytes(root)
    expect_error(lambda: in_temporary_file(content, ".graphml", read_graphml))


XML_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=6)
ODD_TAGS = st.sampled_from(["graphml", "graph", "node", "edge", "key", "data", "default", "foo"])
ODD_ATTRIBUTES = st.dictionaries(
    st.sampled_from(["id", "source", "target", "for", "attr.name", "attr.type", "key",
                     "edgedefault"]),
    st.one_of(st.sampled_from(["n0", "n1", "k0", "k1", "weight", "role", "double", "int",
                               "boolean", "node", "edge", "all", "undirected"]), XML_TEXT),
    max_size=2,
)
KEYS = (("k0", "node", "role", "string"), ("k1", "edge", "weight", "double"),
        ("k2", "edge", "synapse_type", "string"), ("k3", "node", "cell_name", "string"))
DATA_TEXT = {
    "k0": (st.sampled_from(["S", "M", "NA", "I", "s"]), st.sampled_from(["X", "", "motor"])),
    "k1": (st.sampled_from(["3", "0", "2.5", "1e308", "99999999999999999999999"]),
           st.sampled_from(["nan", "-2", "inf", "1e400", "abc", ""])),
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
        _odd(draw, ElementTree.SubElement(root, "key", {"id": key, "for": target,
                                                        "attr.name": name, "attr.type": kind}))
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
    worm = result_or_error(lambda: in_temporary_file(
        content, ".graphml", lambda p: read_graphml(p, default_role=default_role)))
    if worm is not None:
        tags = [element.tag for element in ElementTree.fromstring(content).iter()]
        assert worm.num_neurons <= sum(tag.endswith("node") for tag in tags)
        pairs = np.count_nonzero(worm.chemical) + np.count_nonzero(np.triu(worm.electrical))
        assert pairs <= 2 * sum(tag.endswith("edge") for tag in tags)


@fuzz("random_bytes")
@given(st.one_of(st.binary(max_size=300),
                 st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
                 st.sampled_from([b"", b"\xff\xfe\x00", b"pre,post\n", b"<graphml/>",
                                  b"pre,post\n\xff\xfe,a\n", b"pre,post\x00\na,b\n"])))
def test_fuzz_random_bytes_read_or_refused(content):
    for suffix, read in ((".graphml", read_graphml), (".csv", read_edgelist)):
        worm = result_or_error(partial(in_temporary_file, content, suffix, read))
        assert worm is None or isinstance(worm, Connectome)


# --- CSV edge lists -------------------------------------------------------------------
def edgelist_bytes(spec: dict[str, Any], header: tuple[str, ...] = ("pre", "post", "type",
                                                                      "count")) -> bytes:
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
    worm = in_temporary_file(edgelist_bytes(spec), ".csv",
                             lambda p: read_edgelist(p, roles=roles, default_role=None))
    check_matches_spec(worm, spec, edgelist_order(spec))


EDGELIST_MUTATIONS = ["count", "type", "role", "no_pre_column", "no_edges", "missing_role",
                      "empty_name", "non_utf8"]


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
    spec["edges"] = [tuple(first), *spec["edges"][1:]] if spec["edges"] else []
    content = edgelist_bytes(spec, header)
    if mutation == "non_utf8":
        content += b"\xff\xfe,a,C,1\n"
    expect_error(lambda: in_temporary_file(
        content, ".csv", lambda p: read_edgelist(p, roles=roles, default_role=None)))


# --- Connectome arrays ----------------------------------------------------------------
REAL_DTYPES = ["float64", "float32", "float16", "int64", "int8", "uint8", "bool"]
OTHER_DTYPES = ["complex128", "datetime64[s]", "timedelta64[s]", "<U3", "object"]


@st.composite
def matrices(draw: st.DrawFn, size: int, dtypes: list[str] = REAL_DTYPES + OTHER_DTYPES) -> Any:
    """A random array: often (size, size), of a dtype in ``dtypes``, NaN / inf / negative values."""
    shape = draw(st.one_of(st.just((size, size)), hnp.array_shapes(min_dims=0, max_dims=3,
                                                                   min_side=0, max_side=4)))
    dtype = draw(st.sampled_from(dtypes))
    if dtype == "object":
        values = st.one_of(st.integers(-(10**400), 10**400), st.floats(), st.none(),
                           st.complex_numbers(), st.text(max_size=2))
        return np.array(draw(st.lists(values, min_size=int(np.prod(shape)),
                                      max_size=int(np.prod(shape)))),
                        dtype=object).reshape(shape)
    return draw(hnp.arrays(dtype, shape))


def is_valid_matrix(array: Any, size: int) -> bool:
    """The oracle: a real (bool / int / float) (size, size) array of finite counts >= 0."""
    array = np.asarray(array)
    if array.shape != (size, size) or array.dtype.kind not in "biuf":
        return False
    values = array.astype(np.float64)
    return bool(np.all(np.isfinite(values)) and np.all(values >= 0))


@fuzz("connectome_arrays")
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(st.just(n), matrices(n), matrices(n))))
def test_fuzz_connectome_arrays(drawn):
    size, chemical, electrical = drawn
    names, roles = [f"n{k}" for k in range(size)], ["S"] * size
    build = partial(Connectome, names, roles, chemical=chemical, electrical=electrical)
    valid = is_valid_matrix(chemical, size) and is_valid_matrix(electrical, size)
    if valid and np.array_equal(np.asarray(electrical, np.float64),
                                np.asarray(electrical, np.float64).T):
        worm = build()
        np.testing.assert_array_equal(worm.chemical, np.asarray(chemical, dtype=np.float64))
        assert not worm.chemical.flags.writeable
    else:
        expect_error(build)


NAME_ITEMS = st.one_of(*[NAMES] * 6, st.sampled_from(["", "  ", "a"]), st.integers())
ROLE_ITEMS = st.one_of(*[ROLE_LABELS] * 8, BAD_ROLES, st.none(), st.integers())


@st.composite
def names_and_roles(draw: st.DrawFn) -> tuple[Any, Any]:
    """Name and role lists, mostly of equal length; sometimes not lists at all."""
    size = draw(st.integers(0, 4))
    names = mostly(draw, st.lists(NAME_ITEMS, min_size=size, max_size=size),
                   st.sampled_from([None, 3, 2.5]))
    roles = mostly(draw, st.lists(ROLE_ITEMS, min_size=size, max_size=size),
                   st.one_of(st.lists(ROLE_ITEMS, max_size=5), st.sampled_from([None, 3])))
    return names, roles


@fuzz("connectome_names")
@given(names_and_roles())
def test_fuzz_connectome_names_and_roles(drawn):
    names, roles = drawn

    def build() -> Connectome:
        size = len(names) if isinstance(names, list) else 1
        return Connectome(names, roles, chemical=np.zeros((size, size)),
                          electrical=np.zeros((size, size)))

    labels = [str(n) for n in names] if isinstance(names, list) else []
    valid = (
        isinstance(names, list) and isinstance(roles, list) and 0 < len(names) == len(roles)
        and all(label.strip() for label in labels) and len(set(labels)) == len(labels)
        and all(isinstance(r, str) and r.strip().upper() in ("S", "I", "M", "NA") for r in roles)
    )
    if valid:
        worm = build()
        assert worm.names == tuple(labels)
        assert worm.roles == tuple(normalized_role(r) for r in roles)
    else:
        expect_error(build)


# --- layers ---------------------------------------------------------------------------
@fuzz("dense_mask")
@given(st.integers(1, 4).flatmap(lambda n: matrices(n, REAL_DTYPES)))
def test_fuzz_connectome_dense_mask(mask):
    values = np.asarray(mask, np.float64)
    valid = values.ndim == 2 and values.size > 0 and bool(np.all(np.isfinite(values))) \
        and bool(np.all(values >= 0))
    if not valid:
        expect_error(lambda: ConnectomeDense(mask))
        return
    layer = ConnectomeDense(mask, kernel_initializer="ones")
    outputs = np.asarray(layer(np.ones((2, values.shape[0]), dtype="float32")))
    assert outputs.shape == (2, values.shape[1])
    connected = values != 0
    np.testing.assert_array_equal(np.asarray(layer.effective_kernel), connected)
    np.testing.assert_allclose(outputs, np.broadcast_to(connected.sum(axis=0), outputs.shape))


def tiny_connectome() -> Connectome:
    """Six neurons (S, S, I, I, M, M) whose synapses form cycles."""
    chemical = np.zeros((6, 6))
    for pre, post in ((0, 2), (1, 3), (2, 4), (3, 5), (4, 2), (5, 3), (2, 3)):
        chemical[pre, post] = 2.0
    electrical = np.zeros((6, 6))
    electrical[4, 5] = electrical[5, 4] = 1.0
    return Connectome([f"n{k}" for k in range(6)], ["S", "S", "I", "I", "M", "M"],
                      chemical=chemical, electrical=electrical, name="tiny")


TINY = tiny_connectome()
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


RESERVOIR_POOLS = {
    "spectral_radius": ([0.1, 0.9, 3.0], [0.0, -0.5, *BAD_NUMBERS]),
    "leak_rate": ([0.01, 0.5, 1.0], [0.0, 1.01, -0.3, *BAD_NUMBERS]),
    "input_scaling": ([0.1, 1.0, 5.0], [0.0, -1.0, *BAD_NUMBERS]),
    "bias_scaling": ([0.0, 0.5], [-0.1, *BAD_NUMBERS]),
    "seed": ([None, 0, 12345, 2**31 - 1], [-1, 1.5, "0", True]),
    "input_neurons": (["S", "SI", "all", [0, 5], np.array([1, 2])],
                      ["X", "", "s-i", [], [0, 0], [6], [-1], [0.5], [2**70], 3, None]),
    "output_neurons": (["all", "M", [4]], ["Q", [], [99], [True, False], None]),
    "recurrent_weights": (["random", "count"], ["Count", "", None, 3]),
    "synapses": (["all", "chemical"], ["gap", "", None]),
}


@fuzz("reservoir_arguments")
@given(one_mutation(RESERVOIR_POOLS))
def test_fuzz_reservoir_cell_arguments(mutation):
    argument, value, valid = mutation
    build = partial(ReservoirCell, TINY, **{argument: value})
    if not valid:
        expect_error(build)
        return
    cell = build()
    assert math.isclose(spectral_radius(cell.initial_recurrent), cell.spectral_radius,
                        rel_tol=1e-9)
    assert np.all(cell.initial_recurrent[~cell.support] == 0)


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
        assert math.isclose(spectral_radius(cell.initial_recurrent), 0.9, rel_tol=1e-9)


# --- model factories ------------------------------------------------------------------
COMMON_POOLS = {
    "mode": (["deep", "reservoir"], ["Deep", "", None, 1]),
    "features": ([1, 3], BAD_INTS),
    "steps": ([1, 2], BAD_INTS),
    "num_heads": ([1, 2], BAD_INTS),
    "spectral_radius": ([0.5, 2.0], [0.0, -1.0, *BAD_NUMBERS]),
    "learning_rate": ([1e-4, 0.5], [0.0, -1e-3, *BAD_NUMBERS]),
    "seed": ([0, 7, None], [-1, 1.5, "0", True]),
    "connectome": ([TINY], ["no_such_worm", "missing.graphml", "a\x00b.csv", "dir/"]),
}
CLASSIFIER_POOLS = {
    **COMMON_POOLS,
    "input_shape": ([(8, 8, 1), (5, 7, 2), (1, 1, 1)],
                    [(8, 8), (8, 0, 1), (-8, 8, 1), (8.0, 8, 1), (8, 8, 1, 1), (True, 8, 1),
                     "abc", None]),
    "num_classes": ([2, 5, np.int64(3)], [1, 0, -1, 2.5, True, "10", None, 2**40]),
    "filters": ([(4,), (4, 2), [3], ()], [(0,), (-4,), (4.5,), ("a",), (True,), 4, None, "4"]),
    "dropout": ([0.0, 0.5], [1.0, -0.1, *BAD_NUMBERS]),
}
CLASSIFIER_BASE = {"input_shape": (8, 8, 1), "num_classes": 3, "connectome": TINY,
                   "features": 2, "steps": 1, "filters": (4,), "num_heads": 1}


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


AUTOENCODER_POOLS = {
    **COMMON_POOLS,
    "input_shape": ([(8, 8, 1), (4, 6, 2)], [(8, 8), (7, 8, 1), (0, 8, 1), (8, 8, -1), None]),
    "decoder_channels": ([1, 4], BAD_SIZES),
    "decoder_filters": ([(4,), (1,)], [(), (4, 4), (0,), (-1,), (2.5,), 4, None]),
}
AUTOENCODER_BASE = {"input_shape": (8, 8, 1), "connectome": TINY, "features": 2, "steps": 1,
                    "filters": (4,), "decoder_filters": (4,), "decoder_channels": 2,
                    "num_heads": 1}


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
    key: COMMON_POOLS[key] for key in ("mode", "spectral_radius", "learning_rate", "seed",
                                       "connectome")
} | {
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
        np.array([[np.datetime64(1, "s")]]), input_neurons="all"),
    "ConnectomeDense huge count": lambda: ConnectomeDense([[10**400]]),
    "classifier steps=2**70": lambda: elegans_classifier(**CLASSIFIER_BASE | {"steps": 2**70}),
    "classifier features=2**70": lambda: elegans_classifier(
        **CLASSIFIER_BASE | {"features": 2**70}),
    "classifier num_heads=2**70": lambda: elegans_classifier(
        **CLASSIFIER_BASE | {"num_heads": 2**70}),
    "resolve_connectome(42)": lambda: elegans_classifier(**CLASSIFIER_BASE | {"connectome": 42}),
}


@pytest.mark.parametrize("case", sorted(UNVALIDATED))
def test_fuzz_found_unvalidated_input(case):
    with pytest.raises(ElegansKerasError):
        UNVALIDATED[case]()
