"""Fuzzing FlyWire and neuPrint exports: valid tables read exactly; bad rows name their line.

Tables are plain or gzip at random.

The tables are written the way the exports are (``DataFrame.to_csv``): ids as
plain integers, one row per (pre, post, neuropil or ROI). The expectation is
computed here, independently: neurons in order of first appearance, the
counts of a pair summed, every synapse chemical.
"""

from __future__ import annotations

import gzip
from typing import Any

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from elegans_keras import read_flywire, read_neuprint
from fuzz.helpers import event, expect_error, fuzz, in_temporary_file, lines_named

IDS = st.integers(1, 2**63 - 1)
NEUROPILS = st.sampled_from(["AL_L", "AL_R", "LH_L", "MB(R)", "SLP(R)", ""])
TRANSMITTERS = st.sampled_from(["ACH", "GABA", "GLUT", "DA", ""])
FLOWS = {"afferent": "S", "intrinsic": "I", "efferent": "M", "": "I"}
FLOW_LABELS = st.sampled_from(sorted(FLOWS))
NEUPRINT_ROLES = {"S": "S", "I": "I", "M": "M", "NA": "I", "": "I"}


@st.composite
def fly_tables(draw: st.DrawFn) -> dict[str, Any]:
    """Unique ids, connection rows (pre, post, place, count, transmitter), a label per id."""
    ids = draw(st.lists(IDS, min_size=1, max_size=8, unique=True))
    row = st.tuples(
        st.sampled_from(ids), st.sampled_from(ids), NEUROPILS, st.integers(1, 10**6), TRANSMITTERS
    )
    return {
        "ids": ids,
        "rows": draw(st.lists(row, min_size=1, max_size=15)),
        "labels": draw(
            st.lists(st.sampled_from(sorted(FLOWS)), min_size=len(ids), max_size=len(ids))
        ),
        "packed": draw(st.booleans()),
    }


def table_bytes(header: list[str], rows: list[list[Any]], packed: bool) -> bytes:
    text = "\n".join(",".join(map(str, row)) for row in [header, *rows]) + "\n"
    return gzip.compress(text.encode()) if packed else text.encode()


def expected(tables: dict[str, Any], order: list[int]) -> np.ndarray:
    index = {body: k for k, body in enumerate(order)}
    chemical = np.zeros((len(order), len(order)))
    for pre, post, _, count, _ in tables["rows"]:
        chemical[index[pre], index[post]] += count
    return chemical


def connection_order(tables: dict[str, Any]) -> list[int]:
    """Ids as the connections table names them: row by row, pre then post."""
    return list(dict.fromkeys(body for pre, post, *_ in tables["rows"] for body in (pre, post)))


def read_pair(first: bytes, second: bytes, read: Any) -> Any:
    """``read(first_path, second_path)`` on two temporary files."""
    return in_temporary_file(
        first, ".csv", lambda a: in_temporary_file(second, ".csv", lambda b: read(a, b))
    )


FLYWIRE_HEADER = ["pre_root_id", "post_root_id", "neuropil", "syn_count", "nt_type"]


@fuzz("flywire_spec")
@given(fly_tables())
def test_fuzz_flywire_valid_tables_read_exactly(tables):
    connections = table_bytes(FLYWIRE_HEADER, [list(r) for r in tables["rows"]], tables["packed"])
    classification = table_bytes(
        ["root_id", "flow", "super_class"],
        [[body, flow, "x"] for body, flow in zip(tables["ids"], tables["labels"])],
        not tables["packed"],
    )
    fly = read_pair(connections, classification, read_flywire)
    order = connection_order(tables)
    order += [body for body in tables["ids"] if body not in order]
    assert fly.names == tuple(map(str, order))
    flows = dict(zip(tables["ids"], tables["labels"]))
    assert fly.roles == tuple(FLOWS[flows[body]] for body in order)
    np.testing.assert_array_equal(fly.chemical.toarray(), expected(tables, order))
    assert fly.electrical.nnz == 0


BAD_IDS = st.sampled_from(["1.5", "abc", "", "1e3", "7.205759406276523e+17", str(2**63), "0x1F"])
BAD_COUNTS = st.sampled_from(["-1", "x", "nan", "inf", "", "1e400", "1,5"])
ROW_DEFECTS = ["id", "count", "extra_field", "flow"]


@fuzz("flywire_mutated")
@given(fly_tables(), st.sampled_from([*ROW_DEFECTS, "missing_column"]), st.data())
def test_fuzz_flywire_bad_rows_are_refused_naming_their_line(tables, defect, data):
    rows = [list(r) for r in tables["rows"]]
    k = data.draw(st.integers(0, len(rows) - 1))
    header = list(FLYWIRE_HEADER)
    flows = [[body, flow] for body, flow in zip(tables["ids"], tables["labels"])]
    bad_table = "connections"
    if defect == "id":
        rows[k][data.draw(st.sampled_from([0, 1]))] = data.draw(BAD_IDS)
    elif defect == "count":
        rows[k][3] = data.draw(BAD_COUNTS)
        assume(rows[k][3] != "1,5")  # an extra field: its own defect
    elif defect == "extra_field":
        rows[k].append(data.draw(st.sampled_from(["1", "x"])))  # an empty one is no field
    elif defect == "missing_column":
        header[data.draw(st.sampled_from([0, 1, 3]))] = "renamed"
    else:
        k = data.draw(st.integers(0, len(flows) - 1))
        flows[k][1] = data.draw(st.sampled_from(["sensory", "X", "Efferent "]))
        assume(flows[k][1].strip().lower() not in FLOWS)
        bad_table = "classification"
    connections = table_bytes(header, rows, tables["packed"])
    classification = table_bytes(["root_id", "flow"], flows, tables["packed"])
    error = expect_error(lambda: read_pair(connections, classification, read_flywire))
    if defect != "missing_column":
        event(f"refused {defect}")
        assert k + 2 in lines_named(error), f"should name line {k + 2}: {error}"
        assert f"FlyWire {bad_table}" in str(error)


NEUPRINT_HEADER = ["bodyId_pre", "bodyId_post", "roi", "weight"]


@fuzz("neuprint_spec")
@given(fly_tables(), st.lists(st.sampled_from(sorted(NEUPRINT_ROLES)), min_size=8, max_size=8))
def test_fuzz_neuprint_valid_tables_read_exactly(tables, labels):
    rows = [[pre, post, place, count] for pre, post, place, count, _ in tables["rows"]]
    connections = table_bytes(NEUPRINT_HEADER, rows, tables["packed"])
    neurons = table_bytes(
        ["bodyId", "type", "role"],
        [[body, "KC", role] for body, role in zip(tables["ids"], labels)],
        tables["packed"],
    )
    hemi = read_pair(connections, neurons, read_neuprint)
    order = list(tables["ids"])  # the neuron table first, in file order
    assert hemi.names == tuple(map(str, order))
    roles = dict(zip(tables["ids"], labels))
    assert hemi.roles == tuple(NEUPRINT_ROLES[roles[body]] for body in order)
    np.testing.assert_array_equal(hemi.chemical.toarray(), expected(tables, order))
    alone = in_temporary_file(connections, ".csv", read_neuprint)
    assert alone.names == tuple(map(str, connection_order(tables)))
    assert set(alone.roles) == {"I"}


@fuzz("neuprint_mutated")
@given(fly_tables(), st.sampled_from(["id", "count", "extra_field", "role", "twice"]), st.data())
def test_fuzz_neuprint_bad_rows_are_refused_naming_their_line(tables, defect, data):
    rows = [[pre, post, place, count] for pre, post, place, count, _ in tables["rows"]]
    bodies = [[body, "KC", "I"] for body in tables["ids"]]
    k = data.draw(st.integers(0, len(rows) - 1))
    bad_table = "connections"
    if defect == "id":
        rows[k][data.draw(st.sampled_from([0, 1]))] = data.draw(BAD_IDS)
    elif defect == "count":
        rows[k][3] = data.draw(BAD_COUNTS.filter(lambda text: text != "1,5"))
    elif defect == "extra_field":
        rows[k].append("x")
    else:
        bad_table = "neurons"
        k = data.draw(st.integers(0, len(bodies) - 1))
        if defect == "role":
            bodies[k][2] = data.draw(st.sampled_from(["sensory", "X", "0"]))
        else:
            bodies.insert(k + 1, list(bodies[k]))
            k += 1
    connections = table_bytes(NEUPRINT_HEADER, rows, tables["packed"])
    neurons = table_bytes(["bodyId", "type", "role"], bodies, tables["packed"])
    error = expect_error(lambda: read_pair(connections, neurons, read_neuprint))
    event(f"refused {defect}")
    assert k + 2 in lines_named(error), f"should name line {k + 2}: {error}"
    assert f"neuPrint {bad_table}" in str(error)
