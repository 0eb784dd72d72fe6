"""The C. elegans cell table: neurons (with their S/I/M role), muscles, glia, end organs, others.

Cook et al.'s whole-animal sheets list body-wall, pharyngeal and sex-specific
muscles, glia, gland cells and other end organs beside the neurons. The
readers that see C. elegans names (:func:`read_adjacency`,
:func:`read_edgelist`) look every name up here (ignoring case): with
``cells="neurons"`` (their default) non-neurons are left out with a
:class:`CellTableWarning` saying how many of each kind, ``cells="all"`` keeps
them, ``cells=None`` does not consult the table. Known neurons get their role
by name where the caller gave none; names the table does not know are counted
in a warning. A file none of whose names the table knows (another species,
made-up names) is read as it is, silently.

``data/cells.csv`` is built by ``scripts/bundle_connectomes.py`` from
WormAtlas' ``all_cell_info.csv`` and ``IndividualNeurons.csv`` (as bundled by the
``cect`` 0.3.5 package, MIT licence) and the roles rule of the bundled
connectomes (WormAtlas' ``Sensory`` and ``NeuronsToMuscle`` tables and the
``NMJ`` rows of Varshney et al.'s NeuronConnect.xls); male-specific neurons get
their role from WormAtlas' type and classification (sensory, motor, or
interneuron). Columns: ``name``, ``kind``, ``role`` (neurons only),
``wormatlas_name``, ``wormatlas_type``; a cell spelled two ways (``DA1`` /
``DA01``, ``MDL01`` / ``dBWML1``) has a row per spelling.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Literal

import pandas as pd

from elegans_keras.connectome.core import Connectome
from elegans_keras.connectome.keywords import caller_stacklevel
from elegans_keras.errors import CellTableWarning, ConfigurationError, ConnectomeError

CELL_TABLE = "cells.csv"
CELL_KINDS = ("neuron", "muscle", "glia", "end_organ", "other")
CELLS_OPTIONS = ("neurons", "all", None)
Cells = Literal["neurons", "all"] | None
SHOWN = 5  # unknown names quoted in a warning


@functools.lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    path = resources.files("elegans_keras.connectome") / "data" / CELL_TABLE
    with resources.as_file(path) as csv_path:
        table = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    return table.set_index(table["name"].str.lower(), drop=False)


def load_cell_table() -> pd.DataFrame:
    """The bundled cell table (a copy), one row per spelling of a cell name.

    Example:
        >>> cells = load_cell_table()
        >>> cells.set_index("name").loc[["AVAL", "dBWML1", "CEPshDL"], ["kind", "role"]]
                   kind role
        name
        AVAL     neuron    I
        dBWML1   muscle
        CEPshDL    glia
    """
    return _table().reset_index(drop=True).copy()


def cell_kinds(names: Iterable[str]) -> pd.DataFrame:
    """Kind and role of each name (case ignored); ``""`` for names the table does not know.

    Example:
        >>> cell_kinds(["ASHL", "pm3D", "hyp", "X1"]).to_dict("list")
        {'name': ['ASHL', 'pm3D', 'hyp', 'X1'], 'kind': ['neuron', 'muscle', 'end_organ', ''], \
'role': ['S', '', '', '']}
    """
    given = pd.Series(list(names), dtype=object)
    table = _table()
    rows = table.index.get_indexer(given.astype(str).str.lower())
    known = rows >= 0
    kind = pd.Series("", index=given.index, dtype=object)
    role = kind.copy()
    kind[known] = table["kind"].to_numpy()[rows[known]]
    role[known] = table["role"].to_numpy()[rows[known]]
    return pd.DataFrame({"name": given, "kind": kind, "role": role})


def check_cells(cells: object, where: str) -> None:
    """A ConfigurationError unless ``cells`` is ``"neurons"``, ``"all"`` or None."""
    if not (cells is None or isinstance(cells, str) and cells in CELLS_OPTIONS):
        raise ConfigurationError(f"{where}: cells={cells!r}; expected 'neurons', 'all' or None")


def roles_by_name(
    names: Iterable[str], roles: Mapping[str, str] | None, cells: Cells, where: str
) -> dict[str, str]:
    """``roles`` completed from the cell table: each known neuron without a role gets its own.

    With ``cells="neurons"`` a non-neuron gets a placeholder (:func:`keep_cells` drops it),
    so that ``default_role=None`` does not ask a role for a cell that is left out.

    Example:
        >>> roles_by_name(["AVAL", "ASHL", "A"], {"AVAL": "M"}, "neurons", "demo")
        {'AVAL': 'M', 'ASHL': 'S'}
    """
    check_cells(cells, where)
    completed = dict(roles or {})
    if cells is None:
        return completed
    found = cell_kinds(names)
    for name, kind, role in found.itertuples(index=False):
        if name in completed or not kind:
            continue
        if kind == "neuron":
            completed[name] = role
        elif cells == "neurons":
            completed[name] = "I"
    return completed


def keep_cells(connectome: Connectome, cells: Cells, source: str) -> Connectome:
    """``connectome`` without its non-neurons (``cells="neurons"``), with a warning of how many.

    Names the table does not know are counted in a warning, when the table knows
    some of the names (a file of C. elegans cells); otherwise nothing happens.

    Example:
        >>> worm = ek.Connectome(["AVAL", "dBWML1"], ["M", "I"], chemical=np.ones((2, 2)),
        ...                      electrical=np.zeros((2, 2)))
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     keep_cells(worm, "neurons", "demo").names
        ('AVAL',)
    """
    check_cells(cells, source)
    if cells is None:
        return connectome
    found = cell_kinds(connectome.names)
    if not (found["kind"] != "").any():
        return connectome
    unknown = found.loc[found["kind"] == "", "name"].to_list()
    if unknown:
        shown = ", ".join(map(repr, unknown[:SHOWN])) + (", ..." if len(unknown) > SHOWN else "")
        warnings.warn(
            f"{source}: {len(unknown)} of {connectome.num_neurons} names are not in "
            f"the C. elegans cell table ({shown}); their roles are the reader's",
            CellTableWarning,
            stacklevel=caller_stacklevel(),
        )
    others = found[(found["kind"] != "neuron") & (found["kind"] != "")]
    if others.empty:
        return connectome
    counts = ", ".join(
        f"{n} {kind.replace('_', ' ')}"
        for kind, n in others["kind"]
        .value_counts()
        .reindex(CELL_KINDS)
        .dropna()
        .astype(int)
        .items()
    )
    if cells == "all":
        warnings.warn(
            f"{source}: kept {len(others)} cells that are not neurons ({counts}) with cells='all'",
            CellTableWarning,
            stacklevel=caller_stacklevel(),
        )
        return connectome
    if len(others) == connectome.num_neurons:
        raise ConnectomeError(
            f"{source}: no neurons: all {len(others)} cells are non-neurons "
            f"({counts}); cells='all' keeps them"
        )
    warnings.warn(
        f"{source}: left out {len(others)} of {connectome.num_neurons} cells that are "
        f"not neurons ({counts}); cells='all' keeps them",
        CellTableWarning,
        stacklevel=caller_stacklevel(),
    )
    kept = found.index[found["kind"].isin(["neuron", ""])].to_numpy()
    return connectome.subgraph([connectome.names[i] for i in kept]).replace(name=connectome.name)
