"""Neuron and synapse tables <-> :class:`Connectome`, with validation.

Every reader (GraphML, CSV edge lists, adjacency matrices, the fly formats,
the bundled CSV tables, networkx) funnels through :func:`build_connectome`, so
the checks and the error messages are the same whatever the source. The
checks are vectorised (pandas), so a 3-million-synapse table is validated in
seconds and never expanded into an N x N array.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from elegans_keras.connectome.core import (
    ATTRIBUTE_NAMES,
    CONTROL_CHARACTERS,
    ROLE_ALIASES,
    Connectome,
    check_graph_size,
)
from elegans_keras.errors import ConnectomeError

# Synapse counts are float64: from 2**53 on, not every whole number is held exactly.
EXACT_COUNTS = 2**53
_ZERO = r"\+?(?:0+(?:\.0*)?|\.0+)(?:[eE][+-]?[0-9]+)?"
SYNAPSE_TYPES = {"C": "C", "CHEMICAL": "C", "E": "E", "ELECTRICAL": "E", "GAP": "E", "EJ": "E"}
EdgeNames = Callable[[int], str]


def synapse_type(value: Any, where: str) -> str:
    """Map "C"/"chemical" to "C" and "E"/"electrical"/"EJ" to "E".

    Example:
        >>> synapse_type("electrical", "edge 3")
        'E'
    """
    key = str(value).strip().upper()
    if key not in SYNAPSE_TYPES:
        raise ConnectomeError(
            f"{where}: unknown synapse type {value!r}; expected C/chemical or E/electrical"
        )
    return SYNAPSE_TYPES[key]


def _edge_label(position: int) -> str:
    return f"edge #{position}"


def _missing(column: pd.Series) -> np.ndarray:
    """Missing (None, NaN) or blank values; the text "nan" is a name like any other."""
    return (column.isna() | (column.astype(str).str.strip() == "")).to_numpy()


def unreadable_counts(text: Any, numbers: np.ndarray) -> list[tuple[np.ndarray, str]]:
    """(rows, problem) for counts that float64 would change from what ``text`` says.

    A count of 2**53 or more (float64 holds whole numbers exactly only below
    it), a text that is not zero but reads as 0 (``1e-400``) and a negative
    zero (``-0``).

    Example:
        >>> text = ["1e-400", "-0", "0.0e3", "9007199254740993"]
        >>> [np.flatnonzero(rows).tolist() for rows, _ in
        ...  unreadable_counts(text, pd.to_numeric(pd.Series(text)).to_numpy(float))]
        [[3], [1], [0]]
    """
    numbers = np.asarray(numbers, dtype=np.float64)
    lost = np.zeros(len(numbers), dtype=bool)
    negative = np.zeros(len(numbers), dtype=bool)
    zero = np.flatnonzero(numbers == 0)  # only a zero can hide a lost value: look at those
    if zero.size:
        written = pd.Series(np.asarray(text, dtype=object)[zero]).astype(str).str.strip()
        lost[zero] = ~written.str.fullmatch(_ZERO).to_numpy(dtype=bool)
        negative[zero] = lost[zero] & written.str.startswith("-").to_numpy(dtype=bool)
    return [
        (
            np.isfinite(numbers) & (numbers >= EXACT_COUNTS),
            f"is {EXACT_COUNTS} (2**53) or more, beyond the whole numbers a float64 holds exactly",
        ),
        (negative, "is negative (it has a minus sign)"),
        (lost & ~negative, "is too small for a float64 (it reads as 0)"),
    ]


def _neurons(table: pd.DataFrame, source: str) -> tuple[pd.Index, tuple[str, ...], dict]:
    """Validated names (an Index), roles and attribute columns of a neuron table."""
    if "name" not in table.columns:
        raise ConnectomeError(f"{source}: neuron table has no 'name' column")
    missing = _missing(table["name"])
    if missing.any():
        raise ConnectomeError(f"{source}: neuron #{int(np.flatnonzero(missing)[0])} has no name")
    names = table["name"].astype(str).str.strip()
    control = names.str.contains(CONTROL_CHARACTERS, regex=True).to_numpy()
    if control.any():
        label = names.iloc[int(np.flatnonzero(control)[0])]
        raise ConnectomeError(
            f"{source}: neuron name {label!r} contains a control character (newline, tab, NUL...)"
        )
    twice = names.duplicated().to_numpy()
    if twice.any():
        raise ConnectomeError(
            f"{source}: duplicated neuron name {names.iloc[int(np.flatnonzero(twice)[0])]!r}"
        )
    if "role" not in table.columns or table["role"].isna().any():
        position = (
            0 if "role" not in table.columns else int(np.flatnonzero(table["role"].isna())[0])
        )
        raise ConnectomeError(
            f"{source}: neuron {names.iloc[position]!r} is missing required attribute 'role'"
        )
    roles = table["role"].astype(str).str.strip().str.upper().map(ROLE_ALIASES)
    unknown = roles.isna().to_numpy()
    if unknown.any():
        k = int(np.flatnonzero(unknown)[0])
        raise ConnectomeError(
            f"{source}: neuron {names.iloc[k]!r}: unknown role {table['role'].iloc[k]!r}; "
            "expected one of S, I, M or NA"
        )
    attributes = {}
    for key in ATTRIBUTE_NAMES:
        if key in table.columns:
            column = tuple(_clean_attribute(v) for v in table[key].tolist())
            if any(v is not None for v in column):
                attributes[key] = column
    return pd.Index(names.to_list()), tuple(roles.to_list()), attributes


def _endpoints(
    column: pd.Series, index: pd.Index, table: pd.DataFrame, source: str, label: EdgeNames
) -> np.ndarray:
    positions = index.get_indexer(column)
    unknown = positions < 0
    if unknown.any():
        k = int(np.flatnonzero(unknown)[0])
        raise ConnectomeError(
            f"{source}: {label(k)} ({table['pre'].iloc[k]} -> {table['post'].iloc[k]}): "
            f"unknown neuron {column.iloc[k]!r}"
        )
    return positions


def build_connectome(
    neurons: pd.DataFrame,
    synapses: pd.DataFrame,
    source: str,
    name: str,
    citation: str = "",
    edge_label: EdgeNames = _edge_label,
) -> Connectome:
    """Validate a neuron table and a synapse table and build a :class:`Connectome`.

    Args:
        neurons: columns ``name``, ``role`` (S/I/M/NA) and optional attributes
            (``cell_class``, ``soma_pos``, ``neurotransmitters``).
        synapses: columns ``pre``, ``post`` (neuron names), ``type`` (C/E,
            chemical/electrical) and ``count``. Parallel rows of one type and
            direction add up; an electrical junction listed from both sides
            counts once (the larger count).
        source: the file or object named in error messages.
        edge_label: names synapse row ``k`` in messages (``"line 12"``).

    Example:
        >>> c = build_connectome(pd.DataFrame({"name": ["a", "b"], "role": ["S", "M"]}),
        ...                      pd.DataFrame({"pre": ["a"], "post": ["b"], "type": ["C"],
        ...                                    "count": [3]}), "example", "tiny")
        >>> float(c.chemical[0, 1])
        3.0
    """
    if len(neurons) == 0:
        raise ConnectomeError(f"{source}: the graph is empty (no neurons)")
    check_graph_size(len(neurons), len(synapses), source)
    index, roles, attributes = _neurons(neurons, source)
    missing = [c for c in ("pre", "post", "type", "count") if c not in synapses.columns]
    if missing and len(synapses):
        raise ConnectomeError(f"{source}: synapse table is missing column(s) {missing}")
    size = len(index)
    if len(synapses):
        table = synapses.reset_index(drop=True)
        pre_names = table["pre"].astype(str).str.strip()
        post_names = table["post"].astype(str).str.strip()
        shown = table.assign(pre=pre_names, post=post_names)
        pre = _endpoints(pre_names, index, shown, source, edge_label)
        post = _endpoints(post_names, index, shown, source, edge_label)
        kinds = table["type"].astype(str).str.strip().str.upper().map(SYNAPSE_TYPES)
        bad = kinds.isna().to_numpy()
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise ConnectomeError(
                f"{source}: {edge_label(k)} ({pre_names.iloc[k]} -> {post_names.iloc[k]}): "
                f"unknown synapse type {table['type'].iloc[k]!r}; expected C/chemical or "
                "E/electrical"
            )
        counts = _counts(table["count"], pre_names, post_names, source, edge_label)
        chemical_rows = (kinds == "C").to_numpy()
    else:
        pre = post = np.zeros(0, dtype=np.int64)
        counts = np.zeros(0)
        chemical_rows = np.zeros(0, dtype=bool)

    def matrix(rows: np.ndarray) -> sp.csr_array:
        return sp.csr_array(
            sp.coo_array((counts[rows], (pre[rows], post[rows])), shape=(size, size))
        )

    electrical = matrix(~chemical_rows)
    return Connectome(
        names=tuple(index),
        roles=roles,
        chemical=matrix(chemical_rows),
        electrical=electrical.maximum(electrical.T),
        attributes=attributes,
        name=name,
        citation=citation,
    )


def _counts(
    column: pd.Series, pre: pd.Series, post: pd.Series, source: str, label: EdgeNames
) -> np.ndarray:
    numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    missing = _missing_numbers(column)
    problems: tuple[tuple[np.ndarray, Callable[..., str]], ...] = (
        (np.isnan(numbers) & ~missing, lambda raw, value: f"weight {raw!r} is not a number"),
        (np.isnan(numbers), lambda raw, value: "weight is nan"),
        (np.isinf(numbers), lambda raw, value: f"weight is {value}"),
        (numbers < 0, lambda raw, value: f"weight {value} is negative"),
    )
    if column.dtype.kind in "OSUT" or isinstance(column.dtype, pd.StringDtype):
        problems += tuple(
            (rows, lambda raw, value, text=text: f"weight {raw!r} {text}")
            for rows, text in unreadable_counts(column, numbers)
        )
    else:
        problems += (
            (
                numbers >= EXACT_COUNTS,
                lambda raw, value: (
                    f"weight {raw!r} is 2**53 or more, beyond the whole "
                    "numbers a float64 holds exactly"
                ),
            ),
        )
    for bad, problem in problems:
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raw = column.iloc[k]
            raw = raw.item() if isinstance(raw, np.generic) else raw
            raise ConnectomeError(
                f"{source}: {label(k)} ({pre.iloc[k]} -> {post.iloc[k]}): "
                f"{problem(raw, numbers[k])}"
            )
    return numbers


def _missing_numbers(column: pd.Series) -> np.ndarray:
    return (
        column.isna().to_numpy()
        | (column.astype(str).str.strip().str.lower().isin(["", "nan"])).to_numpy()
    )


def connectome_from_records(
    nodes: Iterable[Mapping[str, Any]],
    edges: Iterable[Mapping[str, Any]],
    source: str,
    name: str,
    citation: str = "",
) -> Connectome:
    """:func:`build_connectome` from neuron and synapse dicts.

    Example:
        >>> c = connectome_from_records(
        ...     [{"name": "a", "role": "S"}, {"name": "b", "role": "M"}],
        ...     [{"pre": "a", "post": "b", "type": "C", "count": 3}],
        ...     source="example", name="tiny")
        >>> float(c.chemical[0, 1])
        3.0
    """
    node_table = pd.DataFrame(list(nodes))
    edge_table = pd.DataFrame(list(edges), columns=None)
    if len(edge_table) and "count" not in edge_table.columns:
        edge_table["count"] = 1.0
    return build_connectome(node_table, edge_table, source, name, citation)


def neuron_table(connectome: Connectome) -> pd.DataFrame:
    """One row per neuron: name, role and the per-neuron attributes."""
    table = pd.DataFrame({"name": connectome.names, "role": connectome.roles})
    for key, column in connectome.attributes.items():
        table[key] = list(column)
    return table


def synapse_table(connectome: Connectome) -> pd.DataFrame:
    """One row per synapse pair: pre, post, type (C/E), count.

    Electrical junctions are listed once, with pre <= post in neuron order.
    """
    names = np.asarray(connectome.names, dtype=object)
    parts = []
    for kind, synapses in (("C", "chemical"), ("E", "electrical")):
        pre, post, count = connectome.edges(synapses)
        parts.append(
            pd.DataFrame({"pre": names[pre], "post": names[post], "type": kind, "count": count})
        )
    table = pd.concat(parts, ignore_index=True)
    if (table["count"] == table["count"].round()).all():
        table["count"] = table["count"].astype(np.int64)
    return table


def connectome_from_tables(
    neurons: pd.DataFrame,
    synapses: pd.DataFrame,
    source: str,
    name: str,
    citation: str = "",
) -> Connectome:
    """Build a connectome from a neuron table and a synapse table (columns checked first).

    ``neurons`` needs columns ``name`` and ``role``; ``synapses`` needs
    ``pre``, ``post``, ``type`` and ``count``.
    """
    for label, table, needed in (
        ("neuron table", neurons, ("name", "role")),
        ("synapse table", synapses, ("pre", "post", "type", "count")),
    ):
        missing = [column for column in needed if column not in table.columns]
        if missing:
            raise ConnectomeError(f"{source}: {label} is missing column(s) {missing}")
    return build_connectome(neurons, synapses, source, name, citation)


def _clean_attribute(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    return value
