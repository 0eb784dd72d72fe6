"""What the fuzz modules share: example budgets, outcomes, strategies and oracles.

Each fuzz test (one module per input family in ``tests/fuzz/``) draws inputs
with hypothesis and checks one of two outcomes: the input is valid and the
result matches an independent expectation (the matrices a GraphML / CSV spec
describes, the rows Python's ``csv`` module reads from a damaged file, the
array given, a layer whose synapse values stay on the mask), or it is invalid
and the package raises an :class:`ElegansKerasError` -- never a numpy / Keras
/ XML / pandas exception from deep inside, and never a silently wrong object
(a graph with fewer edges, two lines merged into one neuron name). A refused
CSV edge list must name a line that the ``csv`` module finds faulty.

Families (modules): GraphML specs (``test_graphml``), any bytes to every
reader (``test_random_bytes``), CSV edge lists (``test_edgelist``),
adjacency-matrix CSVs (``test_adjacency``), FlyWire and neuPrint exports
(``test_fly``), neuron names across readers (``test_names``), Connectome
arrays (``test_connectome_arrays``), layer wiring configs
(``test_layer_wiring``), layer and cell arguments (``test_layers``),
model-factory arguments (``test_factories``), CLI arguments (``test_cli``),
and the cases fuzzing found, kept as regressions (``test_findings``).
:data:`EXAMPLES` holds every property test's example count;
``FUZZ_CASES`` (4,780) is their total.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
import unicodedata
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.extra import numpy as hnp
from hypothesis_profiles import budget

from elegans_keras import Connectome, read_edgelist
from elegans_keras.connectome.cells import load_cell_table
from elegans_keras.errors import ElegansKerasError

EXAMPLES = {
    "graphml_spec": 200,
    "graphml_mutated": 200,
    "graphml_dropped_role": 60,
    "graphml_edge_ids": 150,
    "graphml_nesting": 150,
    "graphml_random_tree": 300,
    "random_bytes": 300,
    "edgelist_spec": 200,
    "edgelist_mutated": 200,
    "edgelist_stray_quote": 250,
    "edgelist_extra_fields": 200,
    "adjacency_cells": 250,
    "flywire_spec": 100,
    "flywire_mutated": 150,
    "neuprint_spec": 100,
    "neuprint_mutated": 150,
    "cli_arguments": 100,
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


def mostly(draw: st.DrawFn, usual: st.SearchStrategy, odd: st.SearchStrategy) -> Any:
    """A draw from ``usual``, or (one time in eight) from ``odd``."""
    return draw(odd if draw(st.integers(0, 7)) == 0 else usual)


NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def csv_line(fields: list[str]) -> str:
    stream = io.StringIO()
    csv.writer(stream, lineterminator="").writerow(fields)
    return stream.getvalue()


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


def lines_named(error: Exception) -> set[int]:
    return {int(number) for number in re.findall(r"\bline (\d+)", str(error))}


def read_text_edgelist(text: str) -> Connectome:
    """``text`` read as an edge list, every name kept (Cook's real names: no cell table)."""
    return in_temporary_file(text.encode("utf-8"), ".csv", partial(read_edgelist, cells=None))


class Refused(Exception):
    """The oracle's verdict: the input must be refused (with an error of class ``kind``)."""

    def __init__(self, kind: type = ElegansKerasError) -> None:
        super().__init__(kind.__name__)
        self.kind = kind


XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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


# --- Connectome arrays ----------------------------------------------------------------
REAL_DTYPES = ["float64", "float32", "float16", "int64", "int8", "uint8", "bool"]


OTHER_DTYPES = ["complex128", "datetime64[s]", "timedelta64[s]", "<U3", "object"]


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


CLASSIFIER_BASE = {
    "input_shape": (8, 8, 1),
    "num_classes": 3,
    "connectome": TINY,
    "features": 2,
    "steps": 1,
    "filters": (4,),
    "num_heads": 1,
}
