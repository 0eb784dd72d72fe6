"""Adjacency-matrix CSVs (the layout of Cook et al. 2019's "SI 5" connectome workbook).

A sheet is a table whose first row holds the postsynaptic names (the first
cell is empty or a label, possibly after a UTF-8 BOM), whose first column
holds the presynaptic names, and whose cells are synapse counts (an empty cell
is 0). Sheets may be rectangular (Cook's chemical sheet has 300 presynaptic
rows and 454 postsynaptic columns), so the neurons are the union of both axes
of both files, in order of first appearance: chemical rows, chemical
columns, electrical rows, electrical columns.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from elegans_keras.connectome.cells import Cells, keep_cells, roles_by_name
from elegans_keras.connectome.core import MAX_NEURONS, Connectome
from elegans_keras.connectome.delimited import (
    count_lines,
    gzip_errors,
    is_gzip,
    read_header,
    read_rows,
)
from elegans_keras.connectome.keywords import legacy_positional
from elegans_keras.connectome.tables import build_connectome, unreadable_counts
from elegans_keras.errors import ConnectomeError

# A sheet larger than this many cells is refused before it is read.
MAX_CELLS = 100_000_000
# A cell longer than this cannot be a synapse count (it is refused before it is parsed).
MAX_COUNT_CHARS = 64


def _sheet(path: Path, kind: str) -> tuple[pd.DataFrame, list[str], list[str]]:
    """(pre, post, type, count) rows of the nonzero cells of one sheet (plain or gzip)."""
    source = f"adjacency matrix {str(path)!r}"
    if not path.is_file():
        raise ConnectomeError(f"{source}: no such file")
    width = len(read_header(path, ",", source, ignore_case=False))
    with gzip_errors(source, is_gzip(path)):
        lines = count_lines(path)
    if width > MAX_NEURONS + 1 or width * lines > MAX_CELLS:
        raise ConnectomeError(
            f"{source}: {lines} lines x {width} columns exceed the limit of {MAX_CELLS} cells"
        )
    table = read_rows(path, ",", source, ignore_case=False)
    posts = [str(name).strip() for name in table.columns[1:]]
    pres = table.iloc[:, 0].str.strip().to_list()
    for axis, names in (("column", posts), ("row", pres)):
        empty = [k for k, label in enumerate(names) if not label]
        if empty:
            raise ConnectomeError(f"{source}: {axis} #{empty[0] + 1} has no neuron name")
        seen: set[str] = set()
        for label in names:
            if label in seen:
                raise ConnectomeError(f"{source}: {axis} name {label!r} appears twice")
            seen.add(label)
    cells = pd.Series(table.iloc[:, 1:].to_numpy(dtype=object).ravel()).str.strip()
    filled = np.flatnonzero((cells != "").to_numpy())
    rows, cols = np.divmod(filled, max(width - 1, 1))
    text = cells.iloc[filled]

    def refuse(k: int, problem: str = "") -> None:
        shown = text.iloc[k]
        shown = (
            f"{len(shown)} characters (more than {MAX_COUNT_CHARS})"
            if len(shown) > MAX_COUNT_CHARS
            else repr(shown)
        )
        raise ConnectomeError(
            f"{source}: line {table.index[rows[k]]}, cell ({pres[rows[k]]} -> {posts[cols[k]]}) "
            f"holds {shown}{problem}; expected a non-negative synapse count"
        )

    long = (text.str.len() > MAX_COUNT_CHARS).to_numpy()
    if long.any():
        refuse(int(long.argmax()))
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        refuse(int(bad.argmax()))
    for wrong, problem in unreadable_counts(text, values):
        if wrong.any():
            refuse(int(wrong.argmax()), f", which {problem}")
    return (
        pd.DataFrame(
            {
                "pre": np.asarray(pres, dtype=object)[rows],
                "post": np.asarray(posts, dtype=object)[cols],
                "type": kind,
                "count": values,
            }
        ),
        pres,
        posts,
    )


@legacy_positional(("roles", "default_role", "name", "citation", "cells"))
def read_adjacency(
    chemical: str | os.PathLike,
    electrical: str | os.PathLike | None = None,
    *,
    roles: Mapping[str, str] | None = None,
    default_role: str | None = "I",
    name: str | None = None,
    citation: str = "",
    cells: Cells = "neurons",
) -> Connectome:
    """Read a connectome from adjacency-matrix CSVs: chemical (directed), electrical (optional).

    Rows are presynaptic, columns postsynaptic; empty cells are 0. The
    electrical sheet is symmetric (a junction listed from both sides counts
    once, the larger count). Neurons are the union of all names, in order of
    first appearance; ``roles`` maps names to S/I/M, others get
    ``default_role`` (None makes a missing role an error). C. elegans names are
    looked up in the cell table (:mod:`~elegans_keras.connectome.cells`): known
    neurons missing from ``roles`` get their own role, and cells that are not
    neurons (muscles, glia, end organs) are left out with a warning unless
    ``cells="all"``; ``cells=None`` skips the table. Either sheet may be gzip
    (recognised by its first bytes, e.g. ``chem.csv.gz``).

    The sheets are the only positional arguments, as in every reader; last
    release's positional form ``read_adjacency(chemical, electrical, roles,
    default_role, name, citation, cells)`` still works, with a
    ``DeprecationWarning``.

    Example:
        >>> cook = read_adjacency("cook2019_herm_chem_adj.csv",
        ...                       "cook2019_herm_elec_adj.csv")  # doctest: +SKIP
        >>> cook.num_neurons  # doctest: +SKIP
        469
    """
    frames, order = [], []
    for path, kind in ((chemical, "C"), (electrical, "E")):
        if path is None:
            continue
        rows, pres, posts = _sheet(Path(path), kind)
        frames.append(rows)
        order += [*pres, *posts]
    synapses = pd.concat(frames, ignore_index=True)
    names = list(dict.fromkeys(order))
    roles = roles_by_name(names, roles, cells, "read_adjacency")
    missing = [label for label in names if label not in roles and default_role is None]
    if missing:
        raise ConnectomeError(
            f"adjacency matrix {str(chemical)!r}: neuron {missing[0]!r} has "
            "no role (roles= lacks it)"
        )
    neurons = pd.DataFrame(
        {"name": names, "role": [roles.get(label, default_role) for label in names]}
    )
    connectome = build_connectome(
        neurons,
        synapses,
        f"adjacency matrix {str(chemical)!r}",
        name=name or Path(chemical).name.split(".")[0],
        citation=citation,
    )
    return keep_cells(connectome, cells, f"adjacency matrix {str(chemical)!r}")
