"""Fuzzing neuron names: control characters in every reader, unicode round trips, joins."""

from __future__ import annotations

import csv
import io
import tempfile
from functools import partial
from pathlib import Path
from xml.etree import ElementTree

import networkx as nx
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from elegans_keras import (
    Connectome,
    from_networkx,
    read_adjacency,
    read_edgelist,
    read_graphml,
    to_networkx,
    write_graphml,
)
from fuzz.helpers import (
    CONTROL_CHARACTERS,
    NAMES,
    UNICODE_NAMES,
    event,
    expect_error,
    expected_reader_names,
    fuzz,
    graphml_bytes,
    graphml_tree,
    in_temporary_file,
)

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
