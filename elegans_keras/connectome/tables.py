"""Neuron and synapse tables <-> :class:`Connectome`, with validation.

Every reader (GraphML, CSV edge lists, the bundled CSV tables, networkx)
funnels through :func:`connectome_from_records`, so the checks and the error
messages are the same whatever the source.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from elegans_keras.connectome.core import ATTRIBUTE_NAMES, Connectome, normalize_role
from elegans_keras.errors import ConnectomeError

SYNAPSE_TYPES = {"C": "C", "CHEMICAL": "C", "E": "E", "ELECTRICAL": "E", "GAP": "E", "EJ": "E"}


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


def synapse_count(value: Any, where: str) -> float:
    """A synapse count: a finite, non-negative number."""
    try:
        count = float(value)
    except (TypeError, ValueError):
        raise ConnectomeError(f"{where}: weight {value!r} is not a number") from None
    if math.isnan(count) or math.isinf(count):
        raise ConnectomeError(f"{where}: weight is {count}")
    if count < 0:
        raise ConnectomeError(f"{where}: weight {count} is negative")
    return count


def connectome_from_records(
    nodes: Iterable[Mapping[str, Any]],
    edges: Iterable[Mapping[str, Any]],
    source: str,
    name: str,
    citation: str = "",
) -> Connectome:
    """Validate neuron and synapse records and build a :class:`Connectome`.

    Args:
        nodes: dicts with ``name``, ``role`` and optional attributes.
        edges: dicts with ``pre``, ``post``, ``type`` (C/E) and ``count``.
            Parallel edges of one type and direction add up; an electrical
            junction listed from both sides counts once (the larger count).
        source: the file or object named in error messages.

    Example:
        >>> c = connectome_from_records(
        ...     [{"name": "a", "role": "S"}, {"name": "b", "role": "M"}],
        ...     [{"pre": "a", "post": "b", "type": "C", "count": 3}],
        ...     source="example", name="tiny")
        >>> c.chemical[0, 1]
        3.0
    """
    names: list[str] = []
    roles: list[str] = []
    attributes: dict[str, list] = {key: [] for key in ATTRIBUTE_NAMES}
    index: dict[str, int] = {}
    for position, node in enumerate(nodes):
        label = str(node.get("name", "")).strip()
        if not label or label.lower() == "nan":
            raise ConnectomeError(f"{source}: neuron #{position} has no name")
        if label in index:
            raise ConnectomeError(f"{source}: duplicated neuron name {label!r}")
        if node.get("role") is None:
            raise ConnectomeError(f"{source}: neuron {label!r} is missing required attribute 'role'")
        index[label] = len(names)
        names.append(label)
        roles.append(normalize_role(node["role"], f"{source}: neuron {label!r}"))
        for key in ATTRIBUTE_NAMES:
            attributes[key].append(_clean_attribute(node.get(key)))
    if not names:
        raise ConnectomeError(f"{source}: the graph is empty (no neurons)")

    size = len(names)
    chemical = np.zeros((size, size))
    electrical = np.zeros((size, size))
    for position, edge in enumerate(edges):
        pre, post = str(edge.get("pre", "")).strip(), str(edge.get("post", "")).strip()
        where = f"{source}: edge #{position} ({pre} -> {post})"
        for end in (pre, post):
            if end not in index:
                raise ConnectomeError(f"{where}: unknown neuron {end!r}")
        kind = synapse_type(edge.get("type"), where)
        count = synapse_count(edge.get("count"), where)
        i, j = index[pre], index[post]
        if kind == "C":
            chemical[i, j] += count
        else:
            electrical[i, j] += count
    electrical = np.maximum(electrical, electrical.T)
    kept = {k: tuple(v) for k, v in attributes.items() if any(x is not None for x in v)}
    return Connectome(
        names=tuple(names),
        roles=tuple(roles),
        chemical=chemical,
        electrical=electrical,
        attributes=kept,
        name=name,
        citation=citation,
    )


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
    rows = []
    for kind, matrix in (("C", connectome.chemical), ("E", np.triu(connectome.electrical))):
        for i, j in zip(*np.nonzero(matrix)):
            rows.append((connectome.names[i], connectome.names[j], kind, matrix[i, j]))
    table = pd.DataFrame(rows, columns=["pre", "post", "type", "count"])
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
    """Build a connectome from a neuron table and a synapse table.

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
    return connectome_from_records(
        neurons.to_dict("records"), synapses.to_dict("records"), source, name, citation
    )


def _clean_attribute(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value
