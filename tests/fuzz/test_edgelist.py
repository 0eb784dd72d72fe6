"""Fuzzing CSV edge lists: valid specs read exactly; stray quotes and extra fields name a line.

The damaged-file families insert defects into windows of Cook et al.'s real
edge list (or a file of its layout) and judge the outcome against Python's
``csv`` module.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from elegans_keras import Connectome, read_edgelist
from elegans_keras.errors import ElegansKerasError
from fuzz.helpers import (
    BAD_COUNTS,
    BAD_ROLES,
    BAD_TYPES,
    NAMES,
    check_matches_spec,
    connectome_specs,
    csv_line,
    csv_records,
    event,
    expect_error,
    fuzz,
    in_temporary_file,
    lines_named,
    read_text_edgelist,
    synapse_count,
    valid_label,
)


# --- CSV edge lists -------------------------------------------------------------------
def edgelist_bytes(
    spec: dict[str, Any], header: tuple[str, ...] = ("pre", "post", "type", "count")
) -> bytes:
    stream = io.StringIO(newline="")
    writer = csv.writer(stream)
    writer.writerow(header)
    for pre, post, kind, count in spec["edges"]:
        writer.writerow([f" {pre}", post, kind, count if isinstance(count, str) else repr(count)])
    return stream.getvalue().encode("utf-8")


def edgelist_order(spec: dict[str, Any]) -> list[str]:
    """Neurons as read_edgelist orders them: roles, then pre column, then post column."""
    pres = [e[0] for e in spec["edges"]]
    posts = [e[1] for e in spec["edges"]]
    return list(dict.fromkeys([*spec["names"], *pres, *posts]))


@fuzz("edgelist_spec")
@given(connectome_specs())
def test_fuzz_edgelist_valid_spec_reads_exactly(spec):
    spec = {**spec, "directed": True}
    roles = dict(zip(spec["names"], spec["roles"]))
    assume(spec["edges"])
    worm = in_temporary_file(
        edgelist_bytes(spec), ".csv", lambda p: read_edgelist(p, roles=roles, default_role=None)
    )
    check_matches_spec(worm, spec, edgelist_order(spec))


EDGELIST_MUTATIONS = [
    "count",
    "type",
    "role",
    "no_pre_column",
    "no_edges",
    "missing_role",
    "empty_name",
    "non_utf8",
    "duplicate_header",
]


@fuzz("edgelist_mutated")
@given(connectome_specs(), st.sampled_from(EDGELIST_MUTATIONS), st.data())
def test_fuzz_edgelist_invalid_spec_is_refused(spec, mutation, data):
    spec = {**spec, "directed": True}
    assume(spec["edges"])
    roles = dict(zip(spec["names"], spec["roles"]))
    header = ("pre", "post", "type", "count")
    first = list(spec["edges"][0])
    if mutation == "count":
        first[3] = data.draw(BAD_COUNTS)
    elif mutation == "type":
        first[2] = data.draw(BAD_TYPES)
    elif mutation == "role":
        roles[first[0]] = data.draw(BAD_ROLES)
    elif mutation == "no_pre_column":
        header = ("neuron", "post", "type", "count")
    elif mutation == "no_edges":
        spec["edges"] = []
    elif mutation == "missing_role":
        del roles[first[0]]
    elif mutation == "empty_name":
        first[0] = data.draw(st.sampled_from(["", "  ", "nan", "NaN"]))
    elif mutation == "duplicate_header":
        header = (
            "pre",
            "post",
            "type",
            data.draw(st.sampled_from(["Type", "TYPE", " type", "PRE"])),
        )
    spec["edges"] = [tuple(first), *spec["edges"][1:]] if spec["edges"] else []
    content = edgelist_bytes(spec, header)
    if mutation == "non_utf8":
        content += b"\xff\xfe,a,C,1\n"
    expect_error(
        lambda: in_temporary_file(
            content, ".csv", lambda p: read_edgelist(p, roles=roles, default_role=None)
        )
    )


# --- CSV files as the csv module reads them: the oracle of the damaged-file families ---
COOK_EDGELIST = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "connectome"
    / "herm_full_edgelist.csv"
)


COOK_COLUMNS = {"pre": 0, "post": 1, "count": 2, "type": 3}


SYNAPSE_CODES = {"C": "C", "CHEMICAL": "C", "E": "E", "ELECTRICAL": "E", "GAP": "E", "EJ": "E"}


def _real_layout() -> tuple[str, tuple[str, ...]]:
    """Header and data lines of Cook et al. 2019's edge list, or a file of its layout.

    Cook's layout: ``Source,Target,Weight,Type`` with space-padded names
    (``I1L , I2L           ,10,chemical``), no quotes, no final newline.
    """
    if COOK_EDGELIST.is_file():
        lines = COOK_EDGELIST.read_text(encoding="utf-8").splitlines()
        return lines[0], tuple(lines[1:])
    rng = np.random.default_rng(2019)
    cells = [
        f"{stem}{side}"
        for stem in ("ADA", "AVA", "AVB", "RIM", "SMDV", "VB0", "DD0")
        for side in ("L", "R", "1", "2")
    ]
    pre, post = rng.integers(len(cells), size=(2, 600))
    weights = rng.integers(1, 40, size=600)
    kinds = rng.choice(["chemical", "electrical"], size=600)
    return "Source,Target,Weight,Type", tuple(
        f"{cells[a]} , {cells[b]:<13},{w},{kind}"
        for a, b, w, kind in zip(pre, post, weights, kinds)
    )


COOK_HEADER, COOK_ROWS = _real_layout()


@st.composite
def real_layout_edgelists(draw: st.DrawFn) -> tuple[list[str], dict[str, int]]:
    """Lines (header first) of a real-layout edge list and where its columns are.

    Three times in four a window of Cook's file; else a file written by the csv
    module (columns in any order, names with commas / quotes / spaces, every
    field quoted or only where needed).
    """
    if draw(st.integers(0, 3)):
        start = draw(st.integers(0, len(COOK_ROWS) - 1))
        size = draw(st.integers(1, 30))
        return [COOK_HEADER, *COOK_ROWS[start : start + size]], dict(COOK_COLUMNS)
    order = draw(st.permutations(["pre", "post", "count", "type"]))
    names = st.one_of(NAMES, st.sampled_from(["AB,C", 'Q"R', "X Y", " pad ", "D,"]))
    rows = draw(
        st.lists(
            st.tuples(
                names,
                names,
                st.sampled_from(["1", "3", "2.5", "10"]),
                st.sampled_from(["C", "E", "chemical", "electrical"]),
            ),
            min_size=1,
            max_size=12,
        )
    )
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    stream = io.StringIO()
    writer = csv.writer(stream, quoting=quoting, lineterminator="\n")
    writer.writerow(order)
    for pre, post, count, kind in rows:
        fields = {"pre": pre, "post": post, "count": count, "type": kind}
        writer.writerow([fields[column] for column in order])
    return stream.getvalue().split("\n")[:-1], {column: order.index(column) for column in order}


@dataclasses.dataclass(frozen=True)
class CsvVerdict:
    """What the package must do with a CSV file, by an independent reading of it.

    ``refuse``: lines with a fault (a field spanning lines, extra non-empty
    fields, a bad value); when not empty the file must be refused with an
    error naming one of them. ``tolerated``: lines whose only oddity is extra
    *empty* fields (trailing commas), which may be refused (naming them) or
    ignored. ``graph``: (names, chemical, electrical) the file reads as.
    """

    refuse: frozenset[int]
    tolerated: frozenset[int]
    graph: tuple[list[str], np.ndarray, np.ndarray] | None = None


def edgelist_verdict(text: str, columns: dict[str, int]) -> CsvVerdict:
    """The verdict on an edge list by the csv module: faulty lines, else the graph."""
    records = csv_records(text)
    width = len(records[0][2])
    refuse: set[int] = set()
    tolerated: set[int] = set()
    rows = []
    for first, last, fields in records[1:]:
        lines = set(range(first, last + 1))
        if any("\n" in field or "\r" in field for field in fields):
            refuse |= lines
            continue
        if len(fields) > width:
            if any(fields[width:]):
                refuse |= lines
                continue
            tolerated |= lines
            fields = fields[:width]
        if any(fields):
            rows.append((first, fields + [""] * (width - len(fields))))
    edges = []
    for line, fields in rows:
        pre, post = (fields[columns[end]].strip() for end in ("pre", "post"))
        count = synapse_count(fields[columns["count"]])
        kind = SYNAPSE_CODES.get(fields[columns["type"]].strip().upper())
        if count is None or kind is None or not valid_label(pre) or not valid_label(post):
            refuse.add(line)
        edges.append((pre, post, kind, count))
    if refuse or not edges:
        return CsvVerdict(frozenset(refuse), frozenset(tolerated))
    names = list(dict.fromkeys([e[0] for e in edges] + [e[1] for e in edges]))
    index = {name: k for k, name in enumerate(names)}
    chemical, electrical = np.zeros((2, len(names), len(names)))
    for pre, post, kind, count in edges:
        (chemical if kind == "C" else electrical)[index[pre], index[post]] += count
    return CsvVerdict(
        frozenset(), frozenset(tolerated), (names, chemical, np.maximum(electrical, electrical.T))
    )


def check_csv_verdict(verdict: CsvVerdict, read: Callable[[], Connectome]) -> None:
    """``read()`` must refuse naming a faulty line, or read exactly the expected graph."""
    try:
        worm = read()
    except ElegansKerasError as error:
        event("refused")
        faulty = verdict.refuse | verdict.tolerated
        assert faulty, f"a well-formed file was refused: {error}"
        assert lines_named(error) & faulty, (
            f"the error should name one of lines {sorted(faulty)}: {error}"
        )
        return
    event("read")
    assert not verdict.refuse, (
        f"read {worm} from a file whose lines {sorted(verdict.refuse)} are faulty"
    )
    names, chemical, electrical = verdict.graph
    assert worm.names == tuple(names)
    np.testing.assert_allclose(worm.chemical.toarray(), chemical, rtol=1e-12)
    np.testing.assert_allclose(worm.electrical.toarray(), electrical, rtol=1e-12)


@fuzz("edgelist_stray_quote")
@given(real_layout_edgelists(), st.integers(1, 2), st.booleans(), st.data())
def test_fuzz_edgelist_stray_quote_is_refused_naming_its_line(layout, quotes, final_newline, data):
    """One or two quotes inserted into data lines (at a field start or anywhere): a quoted
    field that runs over lines (to the end of the file, or to a later quote) must be refused
    naming its line -- never read as a graph with fewer edges; a quote inside an unquoted
    field is a character of that field, as for the csv module."""
    lines, columns = layout
    for _ in range(quotes):
        k = data.draw(st.integers(1, len(lines) - 1), label="line index")
        starts = [0, *(i + 1 for i, character in enumerate(lines[k]) if character == ",")]
        position = data.draw(
            st.one_of(st.sampled_from(starts), st.integers(0, len(lines[k]))), label="position"
        )
        lines[k] = lines[k][:position] + '"' + lines[k][position:]
    text = "\n".join(lines) + ("\n" if final_newline else "")
    check_csv_verdict(edgelist_verdict(text, columns), partial(read_text_edgelist, text))


EXTRA_FIELDS = st.one_of(st.sampled_from(["x", "1", "0", "chemical", "E", " ", "AVAL"]), NAMES)


@fuzz("edgelist_extra_fields")
@given(real_layout_edgelists(), st.data())
def test_fuzz_edgelist_extra_fields_are_refused_naming_the_line(layout, data):
    """Extra fields (one or more, appended or inserted, on any rows -- the first data row
    too -- with blank lines about) are refused naming a line that holds them; trailing
    commas alone may be tolerated (the rows then read as without them)."""
    lines, columns = layout
    for k in sorted(
        data.draw(st.sets(st.integers(1, len(lines) - 1), min_size=1, max_size=3), label="rows")
    ):
        how = data.draw(st.sampled_from(["append", "insert", "trailing_commas"]))
        if how == "trailing_commas":
            lines[k] += "," * data.draw(st.integers(1, 2))
            continue
        fields = next(csv.reader([lines[k]]))
        at = len(fields) if how == "append" else data.draw(st.integers(0, len(fields)))
        fields[at:at] = data.draw(st.lists(EXTRA_FIELDS, min_size=1, max_size=3))
        lines[k] = csv_line(fields)
    for _ in range(data.draw(st.integers(0, 2), label="blank lines")):
        lines.insert(data.draw(st.integers(1, len(lines))), "")
    text = "\n".join(lines) + "\n"
    check_csv_verdict(edgelist_verdict(text, columns), partial(read_text_edgelist, text))
