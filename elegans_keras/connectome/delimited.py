"""The one CSV engine under every table reader: plain or gzip, a bounded header, strict rows.

Edge lists (:mod:`~elegans_keras.connectome.edgelist`), adjacency sheets
(:mod:`~elegans_keras.connectome.adjacency`) and the FlyWire / neuPrint
exports (:mod:`~elegans_keras.connectome.fly`) all open their files here:

* :func:`is_gzip` / :func:`open_text`: a file is gzip when its first two bytes
  are ``1f 8b``, whatever its name (``edges.csv``, ``edges.csv.gz``).
* :func:`read_header`: the first line only, at most :data:`MAX_HEADER_CHARS`
  characters and :data:`MAX_COLUMNS` fields, so a huge first line (a gzip
  bomb) is refused before it is held in memory; repeated names are refused.
* :func:`read_rows`: every row as text, refused by line number when a row has
  more fields than the header, when a field spans lines (a stray quote
  swallowing the rest of the file), or beyond
  :data:`~elegans_keras.connectome.core.MAX_SYNAPSE_PAIRS` rows.

Every error is a :class:`~elegans_keras.errors.ConnectomeError` that starts
with ``source`` (the kind of table and the file's name); a damaged gzip
stream reads ``not a readable gzip file``.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import itertools
import re
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from elegans_keras.connectome import core
from elegans_keras.errors import ConnectomeError

# The first line of a delimited file is refused beyond these sizes, before it is parsed.
MAX_HEADER_CHARS = 1 << 24
MAX_COLUMNS = core.MAX_NEURONS + 1
GZIP_MAGIC = b"\x1f\x8b"
# What a damaged gzip stream raises while it is read.
GZIP_ERRORS = (OSError, EOFError, zlib.error)


def is_gzip(path: Path) -> bool:
    """True when the file starts with gzip's magic bytes (``1f 8b``), whatever its name.

    Example:
        >>> import gzip, tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> with gzip.open(folder / "edges.csv", "wt") as handle:
        ...     _ = handle.write("pre,post\\nA,B\\n")
        >>> is_gzip(folder / "edges.csv")
        True
    """
    with Path(path).open("rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def open_text(path: Path, gz: bool | None = None) -> IO[str]:
    """The file as UTF-8 text (a BOM dropped, newlines as written), decompressed if gzip.

    ``gz=None`` looks at the magic bytes (:func:`is_gzip`).
    """
    path = Path(path)
    if gz is None:
        gz = is_gzip(path)
    if gz:
        return gzip.open(path, "rt", newline="", encoding="utf-8-sig")
    return path.open(newline="", encoding="utf-8-sig")


@contextlib.contextmanager
def gzip_errors(source: str, gz: bool) -> Iterator[None]:
    """A damaged gzip stream as ``ConnectomeError("{source}: not a readable gzip file")``."""
    if not gz:
        yield
        return
    try:
        yield
    except GZIP_ERRORS as err:
        raise ConnectomeError(f"{source}: not a readable gzip file ({err})") from None


def count_lines(path: Path, gz: bool | None = None) -> int:
    """Lines of a text file (gzip recognised), ended by LF, CRLF or a lone CR.

    One pass in 1 MiB blocks: memory is constant whatever the file.

    Example:
        >>> import tempfile
        >>> sheet = Path(tempfile.mkdtemp()) / "cr.csv"
        >>> _ = sheet.write_bytes(b",a\\r\\nb,1\\rc,2\\n\\r")
        >>> count_lines(sheet)
        4
    """
    path = Path(path)
    if gz is None:
        gz = is_gzip(path)
    lines, previous, last = 0, b"", b""
    with gzip.open(path, "rb") if gz else path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
            lines -= previous == b"\r" and block[:1] == b"\n"  # a CRLF split across blocks
            previous = last = block[-1:]
    return lines + (last not in (b"", b"\n", b"\r"))


def read_header(path: Path, sep: str, source: str, ignore_case: bool = True) -> list[str]:
    """The header row of a delimited file (plain or gzip), checked for repeated names.

    Only the first line is read, at most :data:`MAX_HEADER_CHARS` characters
    and :data:`MAX_COLUMNS` fields. Names are compared ignoring case by default.

    Example:
        >>> import tempfile
        >>> sheet = Path(tempfile.mkdtemp()) / "edges.csv"
        >>> _ = sheet.write_text("Source,Target,Weight\\nA,B,1\\n")
        >>> read_header(sheet, ",", "demo")
        ['Source', 'Target', 'Weight']
        >>> _ = sheet.write_text("pre,Pre\\n")
        >>> read_header(sheet, ",", "demo")
        Traceback (most recent call last):
        ...
        elegans_keras.errors.ConnectomeError: demo: line 1: columns 'pre' and 'Pre' have the \
same name (ignoring case)
    """
    gz = is_gzip(path)
    try:
        with gzip_errors(source, gz), open_text(path, gz) as handle:
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
def plain_objects() -> Iterator[None]:
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


def _first_wide_line(path: Path, gz: bool, sep: str, width: int) -> int | str:
    """The file line of the first row with more than ``width + 1`` fields (error path only)."""
    with open_text(path, gz) as stream:
        for number, row in enumerate(csv.reader(stream, delimiter=sep), start=1):
            if number > 1 and len(row) > width + 1:
                return number
    return "?"


def _first_spanning_line(path: Path, gz: bool, sep: str) -> int | str:
    """The file line where the first row holding a line break starts (error path only)."""
    with open_text(path, gz) as stream:
        reader = csv.reader(stream, delimiter=sep)
        start = 1
        for row in reader:
            if any("\n" in field or "\r" in field for field in row):
                return start
            start = reader.line_num + 1
    return "?"


def read_rows(path: Path, sep: str, source: str, ignore_case: bool = True) -> pd.DataFrame:
    """The data rows as strings, one column per header name; malformed rows refused by line.

    The file may be gzip (:func:`is_gzip`). The header and the rows are read
    in one parser pass (pandas' ``skiprows`` lost rows after some quoted
    headers, e.g. ``,","``). Blank lines are skipped (their line numbers
    still count in messages); the data frame's index is the file line.

    Example:
        >>> import gzip, tempfile
        >>> sheet = Path(tempfile.mkdtemp()) / "edges.csv.gz"
        >>> with gzip.open(sheet, "wt") as handle:
        ...     _ = handle.write("pre,post\\nA,B\\n\\nB,C\\n")
        >>> read_rows(sheet, ",", "demo")
          pre post
        2   A    B
        4   B    C
    """
    path = Path(path)
    header = read_header(path, sep, source, ignore_case)
    gz = is_gzip(path)
    width = len(header)
    limit = core.MAX_SYNAPSE_PAIRS
    with gzip_errors(source, gz):
        try:
            with warnings.catch_warnings(), plain_objects():
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
                    compression="gzip" if gz else None,
                    nrows=limit + 2,
                )
        except pd.errors.ParserWarning:
            raise ConnectomeError(
                f"{source}: line {_first_wide_line(path, gz, sep, width)} has more fields "
                f"than the {width} of the header"
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
        if len(cells) > limit:
            raise ConnectomeError(f"{source}: more than {limit} rows (the limit)")
        lines = np.arange(len(cells)) + 2
        if count_lines(path, gz) != len(cells) + 1:
            raise ConnectomeError(
                f"{source}: line {_first_spanning_line(path, gz, sep)}: a field spans "
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
    with plain_objects():
        return pd.DataFrame(cells[keep], columns=header, index=lines[keep])
