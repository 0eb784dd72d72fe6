"""CSV edge lists (Cook 2019, Witvliet 2021 and home-made files), read strictly.

A file is refused, naming the line, when a row has more fields than the
header, when a field spans lines (a stray quote swallowing the rest of the
file), or when two header names are equal after lower-casing: pandas would
otherwise shift columns, merge lines into one neuron name or keep the last
of two columns without a word.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from elegans_keras.connectome.cells import Cells, keep_cells, roles_by_name
from elegans_keras.connectome.core import Connectome
from elegans_keras.connectome.delimited import read_rows
from elegans_keras.connectome.keywords import legacy_positional
from elegans_keras.connectome.tables import build_connectome
from elegans_keras.errors import ConnectomeError

COLUMN_ALIASES = {
    "pre": ("pre", "source", "from", "neuron 1", "origin"),
    "post": ("post", "target", "to", "neuron 2"),
    "count": ("count", "weight", "synapses", "nbr", "number of connections"),
    "type": ("type", "synapse_type"),
}


@legacy_positional(("roles", "default_role", "sep", "name", "citation", "cells"))
def read_edgelist(
    path: str | os.PathLike,
    *,
    roles: Mapping[str, str] | None = None,
    default_role: str | None = "I",
    name: str | None = None,
    sep: str = ",",
    citation: str = "",
    cells: Cells = "neurons",
) -> Connectome:
    """Read a connectome from a CSV edge list (plain or gzip, e.g. ``edges.csv.gz``).

    Columns are found by name, case-insensitively: pre (``pre``/``source``/
    ``from``), post (``post``/``target``/``to``), count (``count``/``weight``/
    ``synapses``; 1 when absent) and type (``type``: chemical/electrical or
    C/E; chemical when absent). Names are stripped of surrounding spaces.
    Neurons are those named by ``roles`` and by the edges, in order of first
    appearance; a neuron without an entry in ``roles`` gets ``default_role``
    (``None`` makes that an error). Errors name the line of the file. C. elegans
    names are looked up in the cell table as :func:`read_adjacency` does
    (``cells="neurons"``: non-neurons left out with a warning; ``"all"``; None).
    A gzip file is recognised by its first bytes, whatever its name.

    Everything after ``path`` is keyword-only, as in every reader; last
    release's positional form ``read_edgelist(path, roles, default_role, sep,
    name, citation, cells)`` still works, with a ``DeprecationWarning``.

    Example:
        >>> import gzip, pathlib, tempfile
        >>> edges = pathlib.Path(tempfile.mkdtemp()) / "edges.csv.gz"
        >>> with gzip.open(edges, "wt") as handle:
        ...     _ = handle.write("pre,post,count\\nX1,X2,3\\nX2,X3,1\\n")
        >>> c = read_edgelist(edges, roles={"X1": "S"})
        >>> c.names, c.roles, c.name
        (('X1', 'X2', 'X3'), ('S', 'I', 'I'), 'edges')
    """
    path = Path(path)
    source = f"edge list {str(path)!r}"
    if not path.is_file():
        raise ConnectomeError(f"{source}: no such file")
    table = read_rows(path, sep, source)
    columns = _find_columns(list(table.columns), source)
    if table.empty:
        raise ConnectomeError(f"{source}: the graph is empty (no edges)")
    lines = table.index.to_numpy()
    synapses = pd.DataFrame(
        {
            "pre": table[columns["pre"]].str.strip().to_numpy(),
            "post": table[columns["post"]].str.strip().to_numpy(),
            "type": table[columns["type"]].to_numpy() if "type" in columns else "C",
            "count": table[columns["count"]].to_numpy() if "count" in columns else 1.0,
        }
    )
    for end in ("pre", "post"):
        empty = (synapses[end] == "").to_numpy()
        if empty.any():
            raise ConnectomeError(
                f"{source}: line {lines[int(empty.argmax())]}: empty {end} neuron name"
            )
    order = pd.unique(
        pd.Series([*(roles or {}), *synapses["pre"], *synapses["post"]], dtype=object)
    )
    roles = roles_by_name(order, roles, cells, "read_edgelist")
    assigned = [roles.get(label, default_role) for label in order]
    if default_role is None and any(role is None for role in assigned):
        label = order[[role is None for role in assigned].index(True)]
        raise ConnectomeError(f"{source}: neuron {label!r} has no role (roles= lacks it)")
    neurons = pd.DataFrame({"name": order, "role": assigned})
    connectome = build_connectome(
        neurons,
        synapses,
        source,
        name=name or path.name.split(".")[0],
        citation=citation,
        edge_label=lambda k: f"line {lines[k]}",
    )
    return keep_cells(connectome, cells, source)


def _find_columns(header: list[str], source: str) -> dict[str, str]:
    lowered = {str(column).strip().lower(): column for column in header}
    found = {}
    for field, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in lowered:
                found[field] = lowered[alias]
                break
    for required in ("pre", "post"):
        if required not in found:
            raise ConnectomeError(
                f"{source}: no {required} column; expected one of "
                f"{', '.join(COLUMN_ALIASES[required])} (found {header})"
            )
    return found
