"""One resolver for every way of naming a connectome: bundled names, files and folders.

:func:`resolve_connectome` is what layers, factories, experiments and every
CLI command call on a user's connectome argument. It accepts:

==============================================  =============================================
form                                            read by
==============================================  =============================================
a :class:`Connectome`                           itself
``None``                                        the default bundled connectome
``NAME`` or ``bundled:NAME``                    :func:`load_connectome`
``graphml:FILE``                                :func:`read_graphml`
``edgelist:FILE``                               :func:`read_edgelist` (``.tsv[.gz]``: tabs)
``adjacency:CHEMICAL[,ELECTRICAL]``             :func:`read_adjacency`
``flywire:CONNECTIONS[,CLASSIFICATION[,NEURONS]]``  :func:`read_flywire` (an empty part: none)
``flywire:FOLDER``                              the folder's Codex tables, found by header
``neuprint:CONNECTIONS[,NEURONS]``              :func:`read_neuprint`
``neuprint:FOLDER``                             the folder's neuPrint tables, found by header
==============================================  =============================================

A path without a prefix (a string or an :class:`os.PathLike`, which is never
split at ``:`` or ``,``) is recognised by its layout: ``.graphml``/``.xml``
or a file starting with ``<`` is GraphML; otherwise the header row decides
(FlyWire connections: ``pre_root_id``/``post_root_id``; neuPrint
connections: ``bodyId_pre``/``bodyId_post``; an edge list: a pre and a post
column as :func:`read_edgelist` names them; an adjacency sheet: an empty
first cell). Any of these tables may be gzip (recognised by its first
bytes), as every table reader reads it. A folder holds exactly one FlyWire
or one neuPrint connection table (``.csv`` or ``.csv.gz``), with at most
one table of each other kind. A part holding a comma is taken whole when
that whole is an existing path. Anything else is a
:class:`~elegans_keras.errors.ConnectomeError` naming the argument, the
problem and :data:`ACCEPTED_FORMS`.

Example:
    >>> resolve_connectome("varshney2011").num_neurons
    279
    >>> resolve_connectome("bundled:cook2019_herm").name
    'cook2019_herm'
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from elegans_keras.connectome.bundled import CITATIONS, load_connectome
from elegans_keras.connectome.core import Connectome
from elegans_keras.connectome.delimited import GZIP_ERRORS, open_text
from elegans_keras.errors import ConnectomeError

ACCEPTED_FORMS = (
    "a Connectome, a bundled name (or bundled:NAME), graphml:FILE, edgelist:FILE, "
    "adjacency:CHEMICAL[,ELECTRICAL], flywire:FOLDER, flywire:CONNECTIONS[,CLASSIFICATION"
    "[,NEURONS]], neuprint:FOLDER, neuprint:CONNECTIONS[,NEURONS], or a path without a prefix "
    "recognised by its layout (GraphML, edge list, adjacency sheet, FlyWire or neuPrint table "
    "or folder)"
)
# At most this many characters of a file's first line are read to recognise its layout.
SNIFF_CHARS = 1 << 20
# A folder with more entries than this is not scanned for tables.
MAX_FOLDER_FILES = 1_000
_TABLE_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt")
_FLY_KINDS = {
    "flywire": ("flywire connections", "flywire classification", "flywire neurons"),
    "neuprint": ("neuprint connections", "neuprint neurons"),
}


class _Unresolved(Exception):
    """A problem with the argument; :func:`resolve_connectome` adds its name and the forms."""


def resolve_connectome(spec: Connectome | str | os.PathLike | None = None) -> Connectome:
    """Turn a user's connectome argument into a :class:`Connectome`.

    Args:
        spec: a Connectome, ``None`` (the default bundled connectome), a
            bundled name, a prefixed file spec such as ``flywire:FOLDER`` or
            ``adjacency:CHEM.csv,ELEC.csv``, or a path recognised by its layout
            (see :mod:`~elegans_keras.connectome.resolver` for every form).

    Returns:
        The connectome; a Connectome argument is returned as is.

    Raises:
        ConnectomeError: the argument is none of the accepted forms (the
            message names it, the problem and the forms), or its file is
            malformed (the reader's message, naming the file and line).

    Example:
        >>> resolve_connectome(None).name
        'celegans_herm'
    """
    if spec is None:
        return load_connectome()
    if isinstance(spec, Connectome):
        return spec
    if not isinstance(spec, (str, os.PathLike)):
        raise ConnectomeError(
            f"cannot resolve connectome {spec!r}: got "
            f"{type(spec).__name__}; expected {ACCEPTED_FORMS}"
        )
    try:
        if isinstance(spec, str):
            if spec in CITATIONS:
                return load_connectome(spec)
            prefix, _, rest = spec.partition(":")
            if prefix in _PREFIXED:
                return _PREFIXED[prefix](rest)
        return _recognised(Path(spec))
    except _Unresolved as err:
        raise ConnectomeError(
            f"cannot resolve connectome {str(spec)!r}: {err}; expected {ACCEPTED_FORMS}"
        ) from None


# --- prefixed forms ------------------------------------------------------------------
def _parts(rest: str, form: str, most: int) -> list[Path | None]:
    """The comma-separated paths after a prefix (an empty part is None)."""
    if not rest:
        raise _Unresolved(f"nothing after the prefix (expected {form})")
    if Path(rest).exists():
        return [Path(rest)]
    parts = [Path(part) if part.strip() else None for part in rest.split(",")]
    if len(parts) > most:
        raise _Unresolved(f"{len(parts)} comma-separated paths, at most {most} for {form}")
    if parts[0] is None:
        raise _Unresolved(f"the first path is empty (expected {form})")
    for part in parts:
        if part is not None and not part.exists():
            raise _Unresolved(f"no such file or folder {str(part)!r}")
    return parts


def _bundled(rest: str) -> Connectome:
    if rest not in CITATIONS:
        raise _Unresolved(f"unknown bundled connectome {rest!r}; available: {', '.join(CITATIONS)}")
    return load_connectome(rest)


def _graphml(rest: str) -> Connectome:
    (path,) = _files(_parts(rest, "graphml:FILE", 1))
    return _read_graphml(_some(path))


def _edgelist(rest: str) -> Connectome:
    (path,) = _files(_parts(rest, "edgelist:FILE", 1))
    return _read_edgelist(_some(path))


def _adjacency(rest: str) -> Connectome:
    from elegans_keras.connectome.adjacency import read_adjacency

    chemical, *electrical = _files(_parts(rest, "adjacency:CHEMICAL[,ELECTRICAL]", 2))
    return read_adjacency(_some(chemical), electrical[0] if electrical else None)


def _fly(family: str, form: str, most: int) -> Callable[[str], Connectome]:
    def read(rest: str) -> Connectome:
        parts = _parts(rest, form, most)
        if len(parts) == 1 and _some(parts[0]).is_dir():
            return _read_folder(_some(parts[0]), family)
        return _read_fly(family, _files(parts, allow_none=True))

    return read


_PREFIXED: dict[str, Callable[[str], Connectome]] = {
    "bundled": _bundled,
    "graphml": _graphml,
    "edgelist": _edgelist,
    "adjacency": _adjacency,
    "flywire": _fly(
        "flywire", "flywire:FOLDER or flywire:CONNECTIONS[,CLASSIFICATION[,NEURONS]]", 3
    ),
    "neuprint": _fly("neuprint", "neuprint:FOLDER or neuprint:CONNECTIONS[,NEURONS]", 2),
}


def _some(path: Path | None) -> Path:
    """A path known not to be None (the first part of a spec never is)."""
    if path is None:
        raise _Unresolved("the first path is empty")
    return path


def _files(parts: Sequence[Path | None], allow_none: bool = False) -> list[Path | None]:
    for part in parts:
        if part is not None and part.is_dir():
            raise _Unresolved(f"{str(part)!r} is a folder, not a file")
        if part is None and not allow_none:
            raise _Unresolved("a path is empty")
    return list(parts)


# --- readers --------------------------------------------------------------------------
def _read_graphml(path: Path) -> Connectome:
    from elegans_keras.connectome.graphml import read_graphml

    return read_graphml(path)


def _read_edgelist(path: Path) -> Connectome:
    from elegans_keras.connectome.edgelist import read_edgelist

    return read_edgelist(path, sep="\t" if _is_tsv(path) else ",")


def _is_tsv(path: Path) -> bool:
    """``.tsv`` or ``.tsv.gz``: tab-separated."""
    return ".tsv" in [suffix.lower() for suffix in path.suffixes[-2:]]


def _read_fly(family: str, paths: Sequence[Path | None]) -> Connectome:
    from elegans_keras.connectome import fly

    connections, *others = paths
    second, third = (*others, None, None)[:2]
    if family == "flywire":  # classification, neurons
        return fly.read_flywire(_some(connections), second, third)
    return fly.read_neuprint(_some(connections), second)  # neurons


# --- recognising a layout --------------------------------------------------------------
def _header(path: Path) -> list[str]:
    """The first row of a (possibly gzip) delimited file, lower-cased; [] for no text."""
    try:
        with open_text(path) as handle:
            first = handle.readline(SNIFF_CHARS)
    except (*GZIP_ERRORS, UnicodeDecodeError):
        return []
    sep = "\t" if _is_tsv(path) else ","
    row = next(csv.reader([first.rstrip("\r\n")], delimiter=sep), [])
    return [name.strip().lower() for name in row]


def _kind(path: Path) -> str | None:
    """What a file holds, by its name or its first line; None when not recognised."""
    if path.suffix.lower() in (".graphml", ".xml"):
        return "graphml"
    try:
        with path.open("rb") as handle:
            if handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
                return "graphml"
    except OSError:
        return None
    header = set(names := _header(path))
    from elegans_keras.connectome.edgelist import COLUMN_ALIASES

    if {"pre_root_id", "post_root_id"} <= header:
        return "flywire connections"
    if {"root_id", "flow"} <= header:
        return "flywire classification"
    if {"root_id", "nt_type"} <= header:
        return "flywire neurons"
    if {"bodyid_pre", "bodyid_post"} <= header:
        return "neuprint connections"
    if "bodyid" in header:
        return "neuprint neurons"
    if all(header & set(COLUMN_ALIASES[end]) for end in ("pre", "post")):
        return "edge list"
    if len(names) > 1 and names[0] == "":
        return "adjacency"
    return None


def _recognised(path: Path) -> Connectome:
    if path.is_dir():
        return _read_folder(path, None)
    if not path.is_file():
        raise _Unresolved(
            f"no such file or folder, and not a bundled name ({', '.join(CITATIONS)})"
        )
    kind = _kind(path)
    if kind == "graphml":
        return _read_graphml(path)
    if kind in ("flywire connections", "neuprint connections"):
        return _read_fly(kind.split()[0], [path])
    if kind == "edge list":
        return _read_edgelist(path)
    if kind == "adjacency":
        from elegans_keras.connectome.adjacency import read_adjacency

        return read_adjacency(path)
    shown = _header(path)[:8]
    found = f"its first line {shown}" if shown else "it has no readable first line"
    if kind is not None:
        found = f"it is a {kind} table alone"
    raise _Unresolved(f"the layout of the file is not recognised ({found})")


def _read_folder(folder: Path, family: str | None) -> Connectome:
    """The FlyWire or neuPrint tables of a folder, each recognised by its header."""
    entries = sorted(folder.iterdir())
    if len(entries) > MAX_FOLDER_FILES:
        raise _Unresolved(f"the folder has more than {MAX_FOLDER_FILES} entries")
    found: dict[str, list[Path]] = {}
    for entry in entries:
        if entry.is_file() and entry.name.lower().endswith(_TABLE_SUFFIXES):
            found.setdefault(_kind(entry) or "", []).append(entry)
    families = (
        [family] if family else [name for name, kinds in _FLY_KINDS.items() if found.get(kinds[0])]
    )
    if not families:
        raise _Unresolved(
            "the folder holds no FlyWire connections table (pre_root_id, "
            "post_root_id, syn_count) nor neuPrint one (bodyId_pre, bodyId_post, "
            "weight)"
        )
    if len(families) > 1:
        raise _Unresolved(
            "the folder holds both FlyWire and neuPrint connection tables; name "
            "one with flywire:FILES or neuprint:FILES"
        )
    kinds = _FLY_KINDS[families[0]]
    paths: list[Path | None] = []
    for k, kind in enumerate(kinds):
        tables = found.get(kind, [])
        if len(tables) > 1:
            names = ", ".join(table.name for table in tables)
            raise _Unresolved(
                f"the folder holds {len(tables)} {kind} tables ({names}); name the "
                f"files with {families[0]}:{','.join(kinds).replace(' ', '_')}"
            )
        if not tables and k == 0:
            raise _Unresolved(f"the folder holds no {kind} table")
        paths.append(tables[0] if tables else None)
    return _read_fly(families[0], paths)
