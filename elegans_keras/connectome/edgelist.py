"""CSV edge lists (Cook 2019, Witvliet 2021 and home-made files)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from elegans_keras.connectome.core import Connectome
from elegans_keras.connectome.tables import connectome_from_records
from elegans_keras.errors import ConnectomeError

COLUMN_ALIASES = {
    "pre": ("pre", "source", "from", "neuron 1", "origin"),
    "post": ("post", "target", "to", "neuron 2"),
    "count": ("count", "weight", "synapses", "nbr", "number of connections"),
    "type": ("type", "synapse_type"),
}


def read_edgelist(
    path: str | os.PathLike,
    roles: Mapping[str, str] | None = None,
    default_role: str | None = "I",
    sep: str = ",",
    name: str | None = None,
    citation: str = "",
) -> Connectome:
    """Read a connectome from a CSV edge list.

    Columns are found by name, case-insensitively: pre (``pre``/``source``/
    ``from``), post (``post``/``target``/``to``), count (``count``/``weight``/
    ``synapses``; 1 when absent) and type (``type``: chemical/electrical or
    C/E; chemical when absent). Names are stripped of surrounding spaces.
    Neurons are those named by ``roles`` and by the edges, in order of first
    appearance; a neuron without an entry in ``roles`` gets ``default_role``
    (``None`` makes that an error).

    Example:
        >>> c = read_edgelist("herm_full_edgelist.csv", roles={"ADAL": "I"})
    """
    path = Path(path)
    source = f"edge list {str(path)!r}"
    if not path.is_file():
        raise ConnectomeError(f"{source}: no such file")
    try:
        table = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ConnectomeError(f"{source}: not a readable CSV file ({err})") from None
    columns = _find_columns(table, source)
    if table.empty:
        raise ConnectomeError(f"{source}: the graph is empty (no edges)")

    table["pre"] = table[columns["pre"]].str.strip()
    table["post"] = table[columns["post"]].str.strip()
    table["type"] = table[columns["type"]] if "type" in columns else "C"
    table["count"] = table[columns["count"]] if "count" in columns else 1.0
    edges = table[["pre", "post", "type", "count"]].to_dict("records")

    roles = dict(roles or {})
    order = list(dict.fromkeys([*roles, *table["pre"], *table["post"]]))
    nodes = []
    for label in order:
        role = roles.get(label, default_role)
        if role is None:
            raise ConnectomeError(f"{source}: neuron {label!r} has no role (roles= lacks it)")
        nodes.append({"name": label, "role": role})
    return connectome_from_records(
        nodes, edges, source, name=name or path.name.split(".")[0], citation=citation
    )


def _find_columns(table: pd.DataFrame, source: str) -> dict[str, str]:
    lowered = {str(column).strip().lower(): column for column in table.columns}
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
                f"{', '.join(COLUMN_ALIASES[required])} (found {list(table.columns)})"
            )
    return found
