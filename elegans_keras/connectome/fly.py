"""Fly connectome exports: FlyWire Codex downloads and neuPrint CSV exports.

Two readers, both funnelled through
:func:`~elegans_keras.connectome.tables.build_connectome` (so a fly
connectome is validated like any other):

* :func:`read_flywire` reads the FlyWire Codex downloads
  (https://codex.flywire.ai/api/download): ``connections.csv[.gz]`` (one row
  per presynaptic neuron, postsynaptic neuron and neuropil),
  ``classification.csv[.gz]`` (roles from the ``flow`` column, cell classes
  from ``super_class``) and ``neurons.csv[.gz]`` (transmitters from
  ``nt_type``).
* :func:`read_neuprint` reads a neuPrint neuron table and connection table
  saved to CSV (neuprint-python's ``fetch_neurons`` / ``fetch_adjacencies``
  data frames, ``DataFrame.to_csv``), e.g. from the hemibrain, MANC or
  optic-lobe datasets.

Neuron names are the integer body/root ids written as decimal strings; an id
must be written as a plain integer (``7.2057594e+17`` or ``123.0`` is refused:
a float cannot hold an 18-digit root id exactly). All synapses are chemical
(neither export lists gap junctions). Files are recognised as gzip by their
first two bytes (``1f 8b``), whatever their name.

Reading is O(N + E) in memory and fast enough for the whole FlyWire brain
(~140,000 neurons, ~3.9 million connection rows): pandas' C parser reads ids
as int64, counts as float64 and the text columns as categoricals; parallel
rows are summed per (pre, post) pair with a sort of int64 keys, and no
N x N array is ever made. A file that this fast path cannot read as is (a
field that is not an integer id or not a number, a blank line, a row with
more fields than the header, a quoted field spanning lines...) is read again
strictly, as text, by :func:`~elegans_keras.connectome.delimited.read_rows`
(the CSV engine every table reader shares),
so the error names the file and the line. Graph sizes are bounded by
:func:`~elegans_keras.connectome.core.check_graph_size`; a table with more
rows than :data:`~elegans_keras.connectome.core.MAX_SYNAPSE_PAIRS`
(connections) or :data:`~elegans_keras.connectome.core.MAX_NEURONS` (neuron
tables) is refused before more is read.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from elegans_keras.connectome import core
from elegans_keras.connectome.core import ROLE_ALIASES, Connectome, check_graph_size
from elegans_keras.connectome.delimited import GZIP_ERRORS, is_gzip, read_header, read_rows
from elegans_keras.connectome.keywords import caller_stacklevel, legacy_positional
from elegans_keras.connectome.tables import EXACT_COUNTS, build_connectome, unreadable_counts
from elegans_keras.errors import ConnectomeError

FLYWIRE_CITATION = (
    "FlyWire connectome (Codex download): Dorkenwald et al. (2024), Neuronal wiring diagram of "
    "an adult brain, Nature 634: 124-138; annotations: Schlegel et al. (2024), Whole-brain "
    "annotation and multi-connectome cell typing of Drosophila, Nature 634: 139-152; "
    "transmitters: Eckstein et al. (2024), Neurotransmitter classification from electron "
    "microscopy images at synaptic sites in Drosophila melanogaster, Cell 187: 2574-2594"
)
NEUPRINT_CITATION = (
    "neuPrint export: Plaza et al. (2022), neuPrint: an open access tool for EM connectomics, "
    "Front. Neuroinform. 16: 896292; cite the dataset's own paper as well"
)
# FlyWire's ``flow`` column (classification.csv) -> role.
FLOW_ROLES = {"afferent": "S", "intrinsic": "I", "efferent": "M"}
# Tables with more columns than this skip the typed fast path (pandas works column by column).
FAST_COLUMNS = 64


@dataclasses.dataclass(frozen=True)
class _Layout:
    """The columns of one kind of table, as (lower-case) names."""

    what: str
    ids: tuple[str, ...]
    counts: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    neurons: bool = False  # a neuron table: at most MAX_NEURONS rows, texts kept exactly


_FLYWIRE_CONNECTIONS = _Layout(
    "FlyWire connections",
    ids=("pre_root_id", "post_root_id"),
    counts=("syn_count",),
    texts=("neuropil", "nt_type"),
    required=("pre_root_id", "post_root_id", "syn_count"),
)
_FLYWIRE_CLASSIFICATION = _Layout(
    "FlyWire classification",
    ids=("root_id",),
    texts=("flow", "super_class"),
    required=("root_id", "flow"),
    neurons=True,
)
_FLYWIRE_NEURONS = _Layout(
    "FlyWire neurons",
    ids=("root_id",),
    texts=("nt_type",),
    required=("root_id", "nt_type"),
    neurons=True,
)
_NEUPRINT_NEURONS = _Layout(
    "neuPrint neurons",
    ids=("bodyid",),
    texts=("type", "instance", "status", "consensusnt", "predictednt", "role", "flow"),
    required=("bodyid",),
    neurons=True,
)
_NEUPRINT_CONNECTIONS = _Layout(
    "neuPrint connections",
    ids=("bodyid_pre", "bodyid_post"),
    counts=("weight",),
    texts=("roi",),
    required=("bodyid_pre", "bodyid_post", "weight"),
)


@dataclasses.dataclass(frozen=True)
class _Table:
    """A table read by :func:`_read_table`: typed columns (by layout name) and file lines."""

    source: str
    columns: dict[str, pd.Series]
    lines: np.ndarray
    header: dict[str, str]  # layout name -> the header's spelling

    def __len__(self) -> int:
        return len(self.lines)

    def ids(self, column: str) -> np.ndarray:
        return self.columns[column].to_numpy(dtype=np.int64)

    def strings(self, column: str) -> np.ndarray:
        """Stripped text values as an object array ("" where missing)."""
        values = self.columns[column]
        text = values.astype(object).where(values.notna(), "")
        return np.asarray([str(v).strip() for v in text], dtype=object)


# --- reading ----------------------------------------------------------------------------
def _header(path: Path, source: str) -> list[str]:
    return read_header(path, ",", source)


def _locate(header: list[str], layout: _Layout, source: str) -> dict[str, int]:
    """Layout name -> column position, for the layout's columns present in the header."""
    lowered = [name.strip().lower() for name in header]
    wanted = (*layout.ids, *layout.counts, *layout.texts)
    positions = {name: lowered.index(name) for name in wanted if name in lowered}
    missing = [name for name in layout.required if name not in positions]
    if missing:
        spelled = [_spelling(name) for name in missing]
        raise ConnectomeError(
            f"{source}: missing required column(s) {spelled} (line 1 has {header})"
        )
    return positions


_SPELLINGS = {
    "bodyid": "bodyId",
    "bodyid_pre": "bodyId_pre",
    "bodyid_post": "bodyId_post",
    "consensusnt": "consensusNt",
    "predictednt": "predictedNt",
}


def _spelling(name: str) -> str:
    return _SPELLINGS.get(name, name)


def _read_table(path: str | os.PathLike, layout: _Layout) -> _Table:
    """Read one table of ``layout``; every problem is a ConnectomeError naming file and line."""
    path = Path(path)
    source = f"{layout.what} {str(path)!r}"
    if not path.is_file():
        raise ConnectomeError(f"{source}: no such file")
    gz = is_gzip(path)
    header = _header(path, source)
    positions = _locate(header, layout, source)
    limit = core.MAX_NEURONS if layout.neurons else core.MAX_SYNAPSE_PAIRS
    columns = _read_fast(path, gz, header, positions, layout, limit, source)
    if columns is None:
        columns = _read_strict(path, positions, layout, limit, source)
    lines = columns.pop(None).to_numpy()
    _check_counts(columns, lines, layout, source)
    return _Table(
        source, columns, lines, {name: header[k].strip() for name, k in positions.items()}
    )


def _too_many(count: int, limit: int, source: str) -> None:
    if count > limit:
        raise ConnectomeError(f"{source}: more than {limit} rows (the limit)")


def _read_fast(
    path: Path,
    gz: bool,
    header: list[str],
    positions: dict[str, int],
    layout: _Layout,
    limit: int,
    source: str,
) -> dict | None:
    """Typed columns via pandas' C parser, or None when the file needs the strict reader."""
    width = len(header)
    if width > FAST_COLUMNS:
        return None  # pandas' cost per column: a wide table is read as text, in one block
    dtype: dict[int, object] = {k: "category" for k in range(width)}
    for name, k in positions.items():
        if name in layout.ids or name in layout.counts:
            del dtype[k]  # inferred: int64 only when every field is a plain integer
        elif layout.neurons:
            dtype[k] = str
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            table = pd.read_csv(
                path,
                sep=",",
                header=0,
                names=range(width),
                dtype=dtype,
                keep_default_na=False,
                na_values={positions[c]: [""] for c in layout.counts},
                skip_blank_lines=False,
                index_col=False,
                encoding="utf-8-sig",
                compression="gzip" if gz else None,
                nrows=limit + 1,
            )
    except (ValueError, Warning, *GZIP_ERRORS):
        return None
    _too_many(len(table), limit, source)
    for k in range(width):
        column = table[k]
        if isinstance(column.dtype, pd.CategoricalDtype):
            values = pd.Series(column.cat.categories.astype(str))
        elif column.dtype.kind in "iuf":
            continue
        else:
            values = column.dropna().astype(str)
        if values.str.contains("[\r\n]", regex=True).any():
            return None  # a quoted field spans lines: the strict reader names the line
    if any(table[positions[name]].dtype != np.int64 for name in layout.ids if name in positions):
        return None
    for name in layout.counts:
        column = table[positions[name]]
        if column.dtype.kind not in "if":
            return None
        numbers = column.to_numpy(dtype=np.float64)
        if ((numbers == 0) | (np.isfinite(numbers) & (numbers >= EXACT_COUNTS))).any():
            return None  # 0 from "1e-400" or "-0", or a count beyond 2**53: judged on the text
    columns: dict = {name: table[k] for name, k in positions.items()}
    columns[None] = pd.Series(np.arange(len(table), dtype=np.int64) + 2)
    return columns


def _read_strict(
    path: Path, positions: dict[str, int], layout: _Layout, limit: int, source: str
) -> dict:
    """Typed columns from :func:`read_rows` (text, line-numbered, strict; gzip read as a stream)."""
    rows = read_rows(path, ",", source)
    _too_many(len(rows), limit, source)
    lines = rows.index.to_numpy()
    header = list(rows.columns)
    columns: dict = {None: pd.Series(lines)}
    for name, k in positions.items():
        text = rows.iloc[:, k].reset_index(drop=True)
        if name in layout.ids:
            columns[name] = pd.Series(_parse_ids(text, lines, header[k].strip(), source))
        elif name in layout.counts:
            columns[name] = pd.Series(_parse_numbers(text, lines, header[k].strip(), source))
        else:
            columns[name] = text if layout.neurons else text.astype("category")
    return columns


def _parse_ids(text: pd.Series, lines: np.ndarray, column: str, source: str) -> np.ndarray:
    stripped = text.str.strip()
    bad = ~stripped.str.fullmatch(r"[+-]?[0-9]+").to_numpy(dtype=bool)
    if bad.any():
        k = int(bad.argmax())
        problem = (
            f"has no {column}"
            if not stripped.iloc[k]
            else f"{column} {text.iloc[k]!r} is not an integer id"
        )
        raise ConnectomeError(f"{source}: line {lines[k]}: {problem}")
    values = pd.to_numeric(stripped) if len(stripped) else np.zeros(0, dtype=np.int64)
    if values.dtype != np.int64:
        low, high = np.iinfo(np.int64).min, np.iinfo(np.int64).max
        row = next((k for k, v in enumerate(stripped) if not low <= int(v) <= high), None)
        if row is not None:
            raise ConnectomeError(
                f"{source}: line {lines[row]}: {column} {text.iloc[row]!r} "
                "does not fit a 64-bit signed integer"
            )
        return np.asarray([int(v) for v in stripped], dtype=np.int64)
    return np.asarray(values, dtype=np.int64)


def _parse_numbers(text: pd.Series, lines: np.ndarray, column: str, source: str) -> np.ndarray:
    stripped = text.str.strip()
    numbers = pd.to_numeric(stripped, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(numbers) & (stripped != "").to_numpy()
    if bad.any():
        k = int(bad.argmax())
        raise ConnectomeError(
            f"{source}: line {lines[k]}: {column} {text.iloc[k]!r} is not a number"
        )
    for rows, problem in unreadable_counts(stripped, numbers):
        if rows.any():
            k = int(rows.argmax())
            raise ConnectomeError(
                f"{source}: line {lines[k]}: {column} {text.iloc[k]!r} "
                f"{problem}; expected a non-negative synapse count"
            )
    return numbers


def _check_counts(columns: dict, lines: np.ndarray, layout: _Layout, source: str) -> None:
    """Synapse counts must be finite and non-negative."""
    for name in layout.counts:
        numbers = columns[name].to_numpy(dtype=np.float64)
        for bad, problem in (
            (np.isnan(numbers), "is missing"),
            (np.isinf(numbers), "is infinite"),
            (numbers < 0, "is negative"),
        ):
            if bad.any():
                k = int(bad.argmax())
                shown = "" if np.isnan(numbers[k]) else f" {numbers[k]:g}"
                raise ConnectomeError(
                    f"{source}: line {lines[k]}: {_spelling(name)}{shown} {problem}; expected a "
                    "non-negative synapse count"
                )


# --- assembling -------------------------------------------------------------------------
def _unique_ids(table: _Table, column: str) -> np.ndarray:
    """The id column of a neuron table, refusing an id listed twice."""
    ids = table.ids(column)
    twice = pd.Index(ids).duplicated()
    if twice.any():
        k = int(twice.argmax())
        first = int(np.flatnonzero(ids == ids[k])[0])
        raise ConnectomeError(
            f"{table.source}: line {table.lines[k]}: {table.header[column]} {ids[k]} appears "
            f"twice (first at line {table.lines[first]})"
        )
    return ids


def _neuron_order(
    pre: np.ndarray, post: np.ndarray, listed: np.ndarray | None, listed_first: bool
) -> np.ndarray:
    """Every id, in order of first appearance (connection rows read pre, post, pre, post...)."""
    seen = pd.unique(np.column_stack((pre, post)).ravel()) if len(pre) else pre[:0]
    if listed is None or not len(listed):
        return np.asarray(seen, dtype=np.int64)
    if listed_first:
        rest = seen[pd.Index(listed).get_indexer(seen) < 0]
        return np.concatenate([listed, rest]).astype(np.int64)
    rest = listed[pd.Index(seen).get_indexer(listed) < 0]
    return np.concatenate([seen, rest]).astype(np.int64)


def _place(index: pd.Index, ids: np.ndarray, values: np.ndarray, default: object) -> np.ndarray:
    """Per-neuron values (object array) from (id, value) rows; ids not in ``index`` ignored."""
    out = np.full(len(index), default, dtype=object)
    positions = index.get_indexer(ids)
    known = positions >= 0
    out[positions[known]] = values[known]
    return out


def _text_or_none(values: np.ndarray) -> np.ndarray:
    out = values.astype(object)
    out[out == ""] = None
    return out


def _roles(table: _Table, column: str, mapping: dict[str, str], expected: str) -> np.ndarray:
    """Roles S/I/M from a text column; empty is I, an unknown value an error naming the line."""
    values = table.strings(column)
    roles = np.asarray(
        [mapping.get(v.lower(), mapping.get(v.upper())) if v else "" for v in values], dtype=object
    )
    unknown = np.asarray([r is None for r in roles], dtype=bool)
    if unknown.any():
        k = int(unknown.argmax())
        raise ConnectomeError(
            f"{table.source}: line {table.lines[k]}: unknown {table.header[column]} "
            f"{values[k]!r}; expected {expected}"
        )
    roles[roles == ""] = None  # no role given: default_role decides
    return roles


def _final_roles(
    order: np.ndarray,
    found: np.ndarray,
    roles: Mapping[str, str] | None,
    default_role: str | None,
    source: str,
) -> np.ndarray:
    """The tables' roles (None: not given), overridden by ``roles``, else ``default_role``."""
    out = found.astype(object).copy()
    if roles:
        names = pd.Index(order.astype(str))
        positions = names.get_indexer([str(key) for key in roles])
        absent = [key for key, k in zip(roles, positions) if k < 0]
        if absent:
            raise ConnectomeError(
                f"{source}: roles= names neuron {absent[0]!r}, which the tables do not list"
            )
        out[positions] = list(roles.values())
    unknown = np.asarray([role is None for role in out], dtype=bool)
    if unknown.any():
        if default_role is None:
            raise ConnectomeError(
                f"{source}: neuron {order[int(unknown.argmax())]} has no role "
                "(roles= lacks it and default_role is None)"
            )
        out[unknown] = default_role
    return out


def _majority_transmitter(index: pd.Index, pre: np.ndarray, nt: pd.Series) -> np.ndarray:
    """Each neuron's most common non-empty ``nt_type`` over its outgoing rows (ties: A-Z)."""
    out = np.full(len(index), None, dtype=object)
    categorical = nt.astype("category")
    stripped = np.asarray([str(c).strip() for c in categorical.cat.categories], dtype=object)
    labels = sorted(set(stripped) - {""})
    if not labels:
        return out
    lookup = {label: k for k, label in enumerate(labels)}
    recode = np.asarray([lookup.get(s, -1) for s in stripped] + [-1], dtype=np.int64)
    codes = recode[categorical.cat.codes.to_numpy()]  # code -1 (missing) -> the last entry, -1
    keep = codes >= 0
    neuron = index.get_indexer(pre[keep]).astype(np.int64)
    keys, counts = np.unique(neuron * len(labels) + codes[keep], return_counts=True)
    neuron, label = keys // len(labels), keys % len(labels)
    order = np.lexsort((label, -counts, neuron))
    firsts = order[np.unique(neuron[order], return_index=True)[1]]
    out[neuron[firsts]] = np.asarray(labels, dtype=object)[label[firsts]]
    return out


def _build(
    source: str,
    order: np.ndarray,
    pre: np.ndarray,
    post: np.ndarray,
    counts: np.ndarray,
    roles: np.ndarray,
    attributes: dict[str, np.ndarray],
    name: str,
    citation: str,
) -> Connectome:
    """Sum the rows per (pre, post) pair and build through :func:`build_connectome`."""
    size = len(order)
    check_graph_size(size, 0, source)
    index = pd.Index(order)
    keys = index.get_indexer(pre).astype(np.int64) * size + index.get_indexer(post)
    pairs, inverse = np.unique(keys, return_inverse=True)
    check_graph_size(size, len(pairs), source)
    totals = np.bincount(inverse.ravel(), weights=counts, minlength=len(pairs))
    if totals.size and totals.max() < 2**53 and np.array_equal(totals, np.round(totals)):
        totals = totals.astype(np.int64)  # whole counts: much faster for the checks to follow
    # pandas' own string array, taken per pair (no Python string object per pair).
    names = pd.Series(order.astype(str)).array
    neurons = pd.DataFrame({"name": names, "role": roles})
    for key, values in attributes.items():
        neurons[key] = values
    synapses = pd.DataFrame(
        {
            "pre": names.take(pairs // size),
            "post": names.take(pairs % size),
            "type": "C",
            "count": totals,
        }
    )
    return build_connectome(
        neurons, synapses, source, name=name, citation=citation, edge_label=lambda k: f"pair #{k}"
    )


# --- the readers ------------------------------------------------------------------------
@legacy_positional(("name", "citation"))
def read_flywire(
    connections: str | os.PathLike,
    classification: str | os.PathLike | None = None,
    neurons: str | os.PathLike | None = None,
    *,
    roles: Mapping[str, str] | None = None,
    default_role: str | None = "I",
    name: str | None = None,
    citation: str = FLYWIRE_CITATION,
) -> Connectome:
    """Read the FlyWire Codex downloads (plain CSV or gzip, e.g. ``connections.csv.gz``).

    Args:
        connections: ``connections.csv[.gz]`` (or ``connections_no_threshold``,
            ``connections_princeton``...): columns ``pre_root_id``,
            ``post_root_id``, ``syn_count`` (required), ``neuropil`` and
            ``nt_type`` (optional). A pair has one row per neuropil; the
            rows of a (pre, post) pair are summed.
        classification: optional ``classification.csv[.gz]``: ``root_id`` and
            ``flow`` (required), ``super_class``... ``flow`` gives the role:
            ``afferent`` -> S, ``intrinsic`` -> I, ``efferent`` -> M (an empty
            flow, or a neuron without a classification row, gets
            ``default_role``; any other value is an error naming the line).
            ``super_class`` becomes the ``cell_class`` attribute.
        neurons: optional ``neurons.csv[.gz]``: ``root_id`` and ``nt_type``
            (required); ``nt_type`` becomes the ``neurotransmitters``
            attribute, as given (ACH, GABA, GLUT, DA, SER, OCT; empty: None).
            Without it, each neuron's transmitter is the most common
            non-empty ``nt_type`` of its outgoing rows in ``connections``
            (rows counted, not synapses; ties go to the alphabetically first
            transmitter; None for neurons without outgoing rows).
        roles: root id (decimal string) -> S/I/M, overriding the flow.
        default_role: the role of a neuron whose flow is empty or missing
            and that ``roles`` does not name (None: an error).
        name: the connectome's name (default ``"flywire"``).
        citation: where the data comes from.

    Neurons are named by their root ids (decimal strings): every id of
    ``connections`` in order of first appearance (row by row, pre then post),
    then the ids of ``classification`` not seen in ``connections``, in file
    order. Ids found only in ``neurons`` are ignored. All synapses are
    chemical. Column names are matched case-insensitively; other columns are
    ignored. Errors (missing column, non-integer id, negative or non-numeric
    count, unknown flow, an id listed twice in a neuron table) name the file
    and the line.

    Example:
        >>> import gzip, pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> with gzip.open(folder / "connections.csv.gz", "wt") as f:
        ...     _ = f.write("pre_root_id,post_root_id,neuropil,syn_count,nt_type\\n"
        ...                 "11,22,AL_L,3,ACH\\n11,22,AL_R,4,ACH\\n22,33,LH_L,5,GABA\\n")
        >>> _ = (folder / "classification.csv").write_text(
        ...     "root_id,flow,super_class\\n11,afferent,sensory\\n33,efferent,motor\\n")
        >>> fly = read_flywire(folder / "connections.csv.gz", folder / "classification.csv")
        >>> fly.names, fly.roles
        (('11', '22', '33'), ('S', 'I', 'M'))
        >>> float(fly.chemical[fly.index("11"), fly.index("22")])
        7.0
        >>> fly.attributes["neurotransmitters"], fly.attributes["cell_class"]
        (('ACH', 'GABA', None), ('sensory', None, 'motor'))
    """
    classes = (
        None if classification is None else _read_table(classification, _FLYWIRE_CLASSIFICATION)
    )
    transmitters = None if neurons is None else _read_table(neurons, _FLYWIRE_NEURONS)
    table = _read_table(connections, _FLYWIRE_CONNECTIONS)
    pre, post = table.ids("pre_root_id"), table.ids("post_root_id")
    class_ids = None if classes is None else _unique_ids(classes, "root_id")
    order = _neuron_order(pre, post, class_ids, listed_first=False)
    check_graph_size(len(order), 0, table.source)
    index = pd.Index(order)
    found = np.full(len(order), None, dtype=object)
    attributes: dict[str, np.ndarray] = {}
    if classes is not None:
        assert class_ids is not None  # read from classes just above
        found = _place(
            index,
            class_ids,
            _roles(classes, "flow", FLOW_ROLES, "afferent, intrinsic or efferent"),
            None,
        )
        if "super_class" in classes.columns:
            attributes["cell_class"] = _place(
                index, class_ids, _text_or_none(classes.strings("super_class")), None
            )
    if transmitters is not None:
        attributes["neurotransmitters"] = _place(
            index,
            _unique_ids(transmitters, "root_id"),
            _text_or_none(transmitters.strings("nt_type")),
            None,
        )
    elif "nt_type" in table.columns:
        attributes["neurotransmitters"] = _majority_transmitter(
            index, pre, table.columns["nt_type"]
        )
    return _build(
        table.source,
        order,
        pre,
        post,
        table.columns["syn_count"].to_numpy(),
        _final_roles(order, found, roles, default_role, table.source),
        attributes,
        name or "flywire",
        citation,
    )


@legacy_positional(("name", "citation"))
def read_neuprint(
    connections: str | os.PathLike,
    neurons: str | os.PathLike | None = None,
    *,
    roles: Mapping[str, str] | None = None,
    default_role: str | None = "I",
    name: str | None = None,
    citation: str = NEUPRINT_CITATION,
) -> Connectome:
    """Read a neuPrint export: a connection table and a neuron table saved as CSV (or gzip).

    Connections come first, as in every reader. The old order
    ``read_neuprint(neurons, connections)`` is recognised by the files' headers
    and still read, with a ``DeprecationWarning`` (for one release).

    Args:
        connections: e.g. ``fetch_adjacencies``' connection data frame:
            ``bodyId_pre``, ``bodyId_post``, ``weight`` (required) and
            ``roi`` (optional). Rows of one pair (one per ROI) are summed.
        neurons: e.g. neuprint-python's ``fetch_neurons`` data frame
            written with ``to_csv``: ``bodyId`` (required), ``type``,
            ``instance``, ``status``, ``predictedNt``/``consensusNt``... (an
            unnamed index column and any other column are ignored).
            ``type`` becomes the ``cell_class`` attribute; the transmitter
            (``neurotransmitters``) is ``consensusNt`` where it is non-empty,
            else ``predictedNt``, as given (e.g. ``gaba``, ``acetylcholine``,
            ``unclear``). Roles: a ``role`` column (S, I, M or NA) or, if
            there is none, a ``flow`` column (afferent -> S, intrinsic -> I,
            efferent -> M, as in FlyWire); an empty value is I, any other
            value an error naming the line. Without either column every
            neuron is I. ``status`` is not used to filter neurons: filter the
            table before saving it. Optional: without it every neuron gets
            ``default_role``, without attributes.
        roles: body id (decimal string) -> S/I/M, overriding the table's.
        default_role: the role of a neuron without one in the tables (an
            empty value, no role/flow column, only in ``connections``) and
            not named by ``roles`` (None: an error).
        name: the connectome's name (default ``"neuprint"``).
        citation: where the data comes from.

    Neurons are named by their body ids (decimal strings): the ``neurons``
    rows in file order (if given), then ids found only in ``connections`` (role I, no
    attributes) in order of first appearance. All synapses are chemical.
    Column names are matched case-insensitively. Errors (missing column,
    non-integer id, negative or non-numeric weight, unknown role, a body
    listed twice) name the file and the line.

    Example:
        >>> import pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "neurons.csv").write_text(
        ...     "bodyId,type,instance,status,predictedNt\\n"
        ...     "101,KC,KC_R,Traced,acetylcholine\\n202,APL,APL_R,Traced,gaba\\n")
        >>> _ = (folder / "connections.csv").write_text(
        ...     "bodyId_pre,bodyId_post,roi,weight\\n101,202,MB(R),6\\n101,202,SLP(R),1\\n"
        ...     "202,101,MB(R),9\\n")
        >>> hemi = read_neuprint(folder / "connections.csv", folder / "neurons.csv")
        >>> hemi.names, hemi.roles, float(hemi.chemical[0, 1])
        (('101', '202'), ('I', 'I'), 7.0)
        >>> hemi.attributes["cell_class"], hemi.attributes["neurotransmitters"]
        (('KC', 'APL'), ('acetylcholine', 'gaba'))
    """
    if neurons is not None and _is_old_neuprint_order(connections, neurons):
        warnings.warn(
            "read_neuprint(neurons, connections) is deprecated: pass the connection "
            "table first, read_neuprint(connections, neurons)",
            DeprecationWarning,
            stacklevel=caller_stacklevel(),
        )
        connections, neurons = neurons, connections
    table = _read_table(connections, _NEUPRINT_CONNECTIONS)
    pre, post = table.ids("bodyid_pre"), table.ids("bodyid_post")
    if neurons is None:
        order = _neuron_order(pre, post, None, listed_first=True)
        found = np.full(len(order), None, dtype=object)
        return _build(
            table.source,
            order,
            pre,
            post,
            table.columns["weight"].to_numpy(),
            _final_roles(order, found, roles, default_role, table.source),
            {},
            name or "neuprint",
            citation,
        )
    bodies = _read_table(neurons, _NEUPRINT_NEURONS)
    body_ids = _unique_ids(bodies, "bodyid")
    order = _neuron_order(pre, post, body_ids, listed_first=True)
    check_graph_size(len(order), 0, table.source)
    index = pd.Index(order)
    found = np.full(len(order), None, dtype=object)
    for column, expected in (
        ("role", "S, I, M or NA"),
        ("flow", "afferent, intrinsic or efferent"),
    ):
        if column in bodies.columns:
            mapping = ROLE_ALIASES if column == "role" else FLOW_ROLES
            found = _place(index, body_ids, _roles(bodies, column, mapping, expected), None)
            break
    attributes: dict[str, np.ndarray] = {}
    if "type" in bodies.columns:
        attributes["cell_class"] = _place(
            index, body_ids, _text_or_none(bodies.strings("type")), None
        )
    transmitter = np.full(len(bodies), "", dtype=object)
    for column in ("predictednt", "consensusnt"):  # consensusNt wins where it is given
        if column in bodies.columns:
            values = bodies.strings(column)
            transmitter = np.where(values != "", values, transmitter)
    if "predictednt" in bodies.columns or "consensusnt" in bodies.columns:
        attributes["neurotransmitters"] = _place(index, body_ids, _text_or_none(transmitter), None)
    return _build(
        table.source,
        order,
        pre,
        post,
        table.columns["weight"].to_numpy(),
        _final_roles(order, found, roles, default_role, table.source),
        attributes,
        name or "neuprint",
        citation,
    )


def _is_old_neuprint_order(connections: str | os.PathLike, neurons: str | os.PathLike) -> bool:
    """True when ``neurons``, not ``connections``, has the connection table's id columns."""
    names = []
    for path in (connections, neurons):
        path = Path(path)
        if not path.is_file():
            return False
        try:
            header = _header(path, f"neuPrint table {str(path)!r}")
        except ConnectomeError:
            return False
        names.append({name.strip().lower() for name in header})
    ends = {"bodyid_pre", "bodyid_post"}
    return not ends <= names[0] and ends <= names[1]
