"""Fuzzing adjacency-matrix CSVs: random blank, valid and invalid cells, judged cell by cell."""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from elegans_keras import read_adjacency
from fuzz.helpers import (
    NAMES,
    UNICODE_NAMES,
    Refused,
    csv_line,
    csv_records,
    event,
    expect_error,
    fuzz,
    synapse_count,
    valid_label,
)

# --- adjacency-matrix CSVs ----------------------------------------------------------------
CELL_BLANK = st.sampled_from(["", "", " "])


CELL_VALID = st.sampled_from(
    [
        "0",
        "1",
        "3",
        "12",
        "2.5",
        " 7 ",
        "1e2",
        ".5",
        "+4",
        "-0",
        "0.0",
        "1E1",
        "99999999999999999999",
    ]
)


CELL_BAD = st.sampled_from(
    [
        "-1",
        "-0.5",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "x",
        "0x10",
        "1_0",
        "--2",
        "1e400",
        "True",
        "1,5",
        "3 4",
        "1e",
    ]
)


SHEET_NAMES = st.one_of(
    *[NAMES] * 14, UNICODE_NAMES, st.sampled_from([" pad ", "A,B", "nan", "", " ", "A\tB", "Q\x00"])
)


@st.composite
def adjacency_sheets(draw: st.DrawFn, universe: list[str]) -> str:
    """The text of one sheet: a header of post names, rows of a pre name and cells.

    Cells are blank or counts, one sometimes invalid; rows are sometimes short
    (missing cells are blank), end in a comma, or hold one field too many;
    blank lines and a BOM come and go.
    """
    pres = draw(st.lists(st.sampled_from(universe), min_size=1, max_size=4, unique=True))
    posts = draw(st.lists(st.sampled_from(universe), min_size=1, max_size=4, unique=True))
    cells = [[draw(st.one_of(CELL_BLANK, CELL_VALID)) for _ in posts] for _ in pres]
    if draw(st.integers(0, 2)) == 0:
        cells[draw(st.integers(0, len(pres) - 1))][draw(st.integers(0, len(posts) - 1))] = draw(
            CELL_BAD
        )
    records = [
        [draw(st.sampled_from(["", "", "pre\\post", "Neuron"])), *posts],
        *([pre, *row] for pre, row in zip(pres, cells)),
    ]
    for record in records[1:]:
        shape = draw(st.sampled_from(["full"] * 8 + ["short", "trailing_comma", "extra"]))
        if shape == "short":
            del record[draw(st.integers(1, len(record))) :]
        elif shape == "trailing_comma":
            record.append("")
        elif shape == "extra":
            record.append(draw(CELL_VALID.filter(bool)))
    lines = [csv_line(record) for record in records]
    for _ in range(draw(st.integers(0, 1))):
        lines.insert(draw(st.integers(1, len(lines))), "")
    return draw(st.sampled_from(["", "\ufeff"])) + "\n".join(lines) + "\n"


@st.composite
def adjacency_files(draw: st.DrawFn) -> tuple[str, str | None]:
    """A chemical sheet and, half the time, an electrical one on the same neurons."""
    universe = draw(st.lists(SHEET_NAMES, min_size=2, max_size=6, unique=True))
    chemical = draw(adjacency_sheets(universe))
    return chemical, draw(st.one_of(st.none(), adjacency_sheets(universe)))


def sheet_cells(text: str) -> tuple[list[str], list[str], list[tuple[str, str, float]]]:
    """(pre names, post names, nonzero-or-zero cells) of a sheet read with the csv module."""
    records = csv_records(text)
    header = [name.strip() for name in records[0][2]]
    if len(set(header)) < len(header):
        raise Refused
    width, posts = len(header), header[1:]
    pres, cells = [], []
    for _, _, fields in records[1:]:
        if any("\n" in field or "\r" in field for field in fields) or any(fields[width:]):
            raise Refused
        fields = fields[:width]
        if not any(fields):
            continue
        pres.append(fields[0].strip())
        for post, text in zip(posts, fields[1:]):
            if text.strip():
                value = synapse_count(text)
                if value is None:
                    raise Refused
                cells.append((pres[-1], post, value))
    if len(set(pres)) < len(pres) or not all(map(valid_label, pres + posts)):
        raise Refused
    return pres, posts, cells


def adjacency_verdict(
    chemical: str, electrical: str | None
) -> tuple[list[str], np.ndarray, np.ndarray]:
    sheets = [sheet_cells(chemical), *([] if electrical is None else [sheet_cells(electrical)])]
    names = list(dict.fromkeys(name for pres, posts, _ in sheets for name in pres + posts))
    index = {name: k for k, name in enumerate(names)}
    matrices = np.zeros((2, len(names), len(names)))
    for matrix, (_, _, cells) in zip(matrices, sheets):
        for pre, post, value in cells:
            matrix[index[pre], index[post]] += value
    return names, matrices[0], np.maximum(matrices[1], matrices[1].T)


# Issue 25 item 2 (found by this test): a header whose first cell is empty and whose second,
# quoted, holds a comma and a quote made the shared row reader skip the rows after it.
@fuzz("adjacency_cells")
@given(adjacency_files())
@example((',","\n0,-1\n', None))
@example((',","\n0,5\n', None))
@example((',","\r\n0,5\r\n', None))
@example(("pre,A\nA,1\n", ',"A,"\nA,2\n'))
def test_fuzz_adjacency_matrix_cells(files):
    """read_adjacency on sheets with random blank / valid / invalid cells and ragged rows
    agrees with an independent csv-module reading: the same neurons and counts, or refused."""
    chemical, electrical = files
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / "chemical.csv", Path(folder) / "electrical.csv"]
        for path, text in zip(paths, files):
            if text is not None:
                path.write_text(text, encoding="utf-8", newline="")
        read = partial(read_adjacency, paths[0], None if electrical is None else paths[1])
        try:
            names, chemical_counts, electrical_counts = adjacency_verdict(chemical, electrical)
        except Refused:
            expect_error(read)
            return
        event("valid")
        worm = read()
    assert worm.names == tuple(names)
    assert worm.roles == ("I",) * len(names)
    np.testing.assert_allclose(worm.chemical.toarray(), chemical_counts, rtol=1e-12)
    np.testing.assert_allclose(worm.electrical.toarray(), electrical_counts, rtol=1e-12)
