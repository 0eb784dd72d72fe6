"""CSV edge lists (Cook 2019, Witvliet 2021 and home-made files), read strictly.

A file is refused, naming the line, when a row has more fields than the
header, when a field spans lines (a stray quote swallowing the rest of the
file), or when two header names are equal after lower-casing: pandas would
otherwise shift columns, merge lines into one neuron name or keep the last
of two columns without a word.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import itertools
import os
import re
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Protocol

import numpy as np
import pandas as pd

from elegans_keras.connectome.cells import Cells, keep_cells, roles_by_name
from elegans_keras.connectome.core import MAX_NEURONS, MAX_SYNAPSE_PAIRS, Connectome
from elegans_keras.connectome.tables import build_connectome
from elegans_keras.errors import ConnectomeError

# The first line of a delimited file is refused beyond these sizes, before it is parsed.
MAX_HEADER_CHARS = 1 << 24
MAX_COLUMNS = MAX_NEURONS + 1
COLUMN_ALIASES = {
    "pre": ("pre", "source", "from", "neuron 1", "origin"),
    "post": ("post", "target", "to", "neuron 2"),
    "count": ("count", "weight", "synapses", "nbr", "number of connections"),
    "type": ("type", "synapse_type"),
}


class _TextOpener(Protocol):
    """What :func:`read_header` reads: a ``Path``, or anything with its text ``open``."""

    def open(self, *, newline: str | None = ..., encoding: str | None = ...) -> IO[str]: ...


def count_lines(path: Path, gz: bool = False) -> int:
    """Lines of a text file (gzip-compressed if ``gz``), ended by LF, CRLF or a lone CR.

    One pass in 1 MiB blocks: memory is constant whatever the file.

    Example:
        >>> import tempfile
        >>> sheet = Path(tempfile.mkdtemp()) / "cr.csv"
        >>> _ = sheet.write_bytes(b",a\\r\\nb,1\\rc,2\\n\\r")
        >>> count_lines(sheet)
        4
    """
    lines, previous, last = 0, b"", b""
    with gzip.open(path, "rb") if gz else path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
            lines -= previous == b"\r" and block[:1] == b"\n"  # a CRLF split across blocks
            previous = last = block[-1:]
    return lines + (last not in (b"", b"\n", b"\r"))


def read_header(path: _TextOpener, sep: str, source: str, ignore_case: bool = True) -> list[str]:
    """The header row of a delimited file, checked for repeated names (ignoring case by default).

    Only the first line is read, at most :data:`MAX_HEADER_CHARS` characters
    and :data:`MAX_COLUMNS` fields, so a huge first line (a gzip bomb) is
    refused before it is held in memory.

    Example:
        >>> read_header(Path("herm_full_edgelist.csv"), ",", "demo")  # doctest: +SKIP
        ['Source', 'Target', 'Weight', 'Type']
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            first = handle.readline(MAX_HEADER_CHARS + 1)
            if len(first) > MAX_HEADER_CHARS:
                raise ConnectomeError(
                    f"{source}: line 1 is longer than {MAX_HEADER_CHARS} "
                    "characters (the limit for a header)"
                )
            if first.count(sep) >= MAX_COLUMNS:
                raise ConnectomeError(
                    f"{source}: line 1 has more than {MAX_COLUMNS} columns (the limit)"
                )
            header = next(csv.reader(itertools.chain([first], handle), delimiter=sep), None)
    except (UnicodeDecodeError, csv.Error) as err:
        raise ConnectomeError(f"{source}: not a readable CSV file ({err})") from None
    if not header:
        raise ConnectomeError(f"{source}: the file is empty (no header line)")
    if any("\n" in name or "\r" in name for name in header):
        raise ConnectomeError(
            f"{source}: line 1: a header field spans several lines (an unbalanced quote?)"
        )
    lowered = [name.strip().lower() if ignore_case else name.strip() for name in header]
    first_seen: dict[str, int] = {}
    for k, name in enumerate(lowered):
        j = first_seen.setdefault(name, k)
        if j != k:
            raise ConnectomeError(
                f"{source}: line 1: columns {header[j]!r} and {header[k]!r} "
                f"have the same name{' (ignoring case)' if ignore_case else ''}"
            )
    return header


@contextlib.contextmanager
def _plain_objects() -> Iterator[None]:
    """Text cells as plain object arrays (one block), not a string array per column.

    pandas 3 deprecates the option; without it a wide table is only slower to read.
    """
    with warnings.catch_warnings(), contextlib.ExitStack() as stack:
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            stack.enter_context(pd.option_context("future.infer_string", False))
        except pd.errors.OptionError:
            pass
        yield


def _parser_problem(message: str, width: int) -> str:
    """pandas' tokenizer error in file lines (its row count is 0-based, its lines 1-based)."""
    quote = re.search(r"EOF inside string starting at row (\d+)", message)
    if quote:
        return f"line {int(quote.group(1)) + 1}: a quote is left open to the end of the file"
    fields = re.search(r"Expected \d+ fields in line (\d+), saw (\d+)", message)
    if fields:
        return (
            f"line {int(fields.group(1))} has more fields than the {width} of the "
            f"header ({fields.group(2)})"
        )
    return f"not a readable CSV file ({message})"


def _first_wide_line(path: Path, sep: str, width: int) -> int | str:
    """The file line of the first row with more than ``width + 1`` fields (error path only)."""
    with open(path, newline="", encoding="utf-8-sig") as stream:
        for number, row in enumerate(csv.reader(stream, delimiter=sep), start=1):
            if number > 1 and len(row) > width + 1:
                return number
    return "?"


def _first_spanning_line(path: Path, sep: str) -> int | str:
    """The file line where the first row holding a line break starts (error path only)."""
    with open(path, newline="", encoding="utf-8-sig") as stream:
        reader = csv.reader(stream, delimiter=sep)
        start = 1
        for row in reader:
            if any("\n" in field or "\r" in field for field in row):
                return start
            start = reader.line_num + 1
    return "?"


def read_rows(path: Path, sep: str, source: str, ignore_case: bool = True) -> pd.DataFrame:
    """The data rows as strings, one column per header name; malformed rows refused by line.

    The header and the rows are read in one parser pass (pandas' ``skiprows``
    lost rows after some quoted headers, e.g. ``,","``). Blank lines are
    skipped (their line numbers still count in messages).
    """
    header = read_header(path, sep, source, ignore_case)
    width = len(header)
    try:
        with warnings.catch_warnings(), _plain_objects():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            table = pd.read_csv(
                path,
                sep=sep,
                header=None,
                names=range(width + 1),
                dtype=object,
                keep_default_na=False,
                index_col=False,
                skip_blank_lines=False,
                encoding="utf-8-sig",
                nrows=MAX_SYNAPSE_PAIRS + 2,
            )
    except pd.errors.ParserWarning:
        raise ConnectomeError(
            f"{source}: line {_first_wide_line(path, sep, width)} has more fields than the "
            f"{width} of the header"
        ) from None
    except pd.errors.ParserError as err:
        raise ConnectomeError(f"{source}: {_parser_problem(str(err), width)}") from None
    except (UnicodeDecodeError, ValueError) as err:
        raise ConnectomeError(f"{source}: not a readable CSV file ({err})") from None
    cells = table.to_numpy(dtype=object)  # one block: pandas' work per column is slow when wide
    if cells[:1].tolist() != [[*header, ""]]:
        raise ConnectomeError(
            f"{source}: line 1: the header does not read the same way twice (quotes?)"
        )
    cells = cells[1:]
    if len(cells) > MAX_SYNAPSE_PAIRS:
        raise ConnectomeError(f"{source}: more than {MAX_SYNAPSE_PAIRS} rows (the limit)")
    lines = np.arange(len(cells)) + 2
    if count_lines(path) != len(cells) + 1:
        raise ConnectomeError(
            f"{source}: line {_first_spanning_line(path, sep)}: a field spans "
            "several lines (an unbalanced quote?)"
        )
    extra = cells[:, width] != ""
    if extra.any():
        k = int(extra.argmax())
        raise ConnectomeError(
            f"{source}: line {lines[k]} has more fields than the {width} of the header "
            f"({sep.join(cells[k].tolist()).rstrip(sep)[:80]!r})"
        )
    cells = cells[:, :width]
    keep = ~(cells == "").all(axis=1)
    with _plain_objects():
        return pd.DataFrame(cells[keep], columns=header, index=lines[keep])


def read_edgelist(
    path: str | os.PathLike,
    roles: Mapping[str, str] | None = None,
    default_role: str | None = "I",
    sep: str = ",",
    name: str | None = None,
    citation: str = "",
    cells: Cells = "neurons",
) -> Connectome:
    """Read a connectome from a CSV edge list.

    Columns are found by name, case-insensitively: pre (``pre``/``source``/
    ``from``), post (``post``/``target``/``to``), count (``count``/``weight``/
    ``synapses``; 1 when absent) and type (``type``: chemical/electrical or
    C/E; chemical when absent). Names are stripped of surrounding spaces.
    Neurons are those named by ``roles`` and by the edges, in order of first
    appearance; a neuron without an entry in ``roles`` gets ``default_role``
    (``None`` makes that an error). Errors name the line of the file. C. elegans
    names are looked up in the cell table as :func:`read_adjacency` does
    (``cells="neurons"``: non-neurons left out with a warning; ``"all"``; None).

    Example:
        >>> c = read_edgelist("herm_full_edgelist.csv", roles={"ADAL": "I"})  # doctest: +SKIP
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
