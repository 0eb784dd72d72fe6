"""Readers: adjacency matrices (Cook SI 5 layout), strict CSV edge lists, streamed GraphML."""

from __future__ import annotations

import csv
import gzip

import numpy as np
import pytest

import elegans_keras as ek
from elegans_keras.connectome import core, delimited
from elegans_keras.errors import CellTableWarning, ConnectomeError


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


# --- adjacency matrices ---------------------------------------------------------------
def test_cook_adjacency_reads_every_cell(raw_connectome_dir):
    chem = raw_connectome_dir / "cook2019_herm_chem_adj.csv"
    elec = raw_connectome_dir / "cook2019_herm_elec_adj.csv"
    with pytest.warns(CellTableWarning, match="kept 171 cells that are not neurons"):
        cook = ek.read_adjacency(chem, elec, cells="all")  # every cell, muscles too
    rows = list(csv.reader(chem.open(encoding="utf-8-sig")))
    assert (len(rows) - 1, len(rows[0]) - 1) == (300, 454)
    cells = {(r[0], rows[0][j]): float(v) for r in rows[1:] for j, v in enumerate(r) if j and v}
    assert cook.num_edges("chemical") == len(cells) == 4879
    for (pre, post), count in list(cells.items())[::97]:
        assert cook.chemical[cook.index(pre), cook.index(post)] == count
    names = set(rows[0][1:]) | {r[0] for r in rows[1:]}
    gap_rows = list(csv.reader(elec.open(encoding="utf-8-sig")))
    names |= set(gap_rows[0][1:]) | {r[0] for r in gap_rows[1:]}
    assert set(cook.names) == names and cook.num_neurons == 473


def test_cook_adjacency_somatic_neurons_equal_the_bundled_cook2019(raw_connectome_dir):
    cook = ek.read_adjacency(
        raw_connectome_dir / "cook2019_herm_chem_adj.csv",
        raw_connectome_dir / "cook2019_herm_elec_adj.csv",
    )
    bundled = ek.load_connectome("cook2019_herm")
    order = [cook.index(name) for name in bundled.names]
    assert abs(cook.chemical[order][:, order] - bundled.chemical).sum() == 0
    assert abs(cook.electrical[order][:, order] - bundled.electrical).sum() == 0


def test_male_sheet_layout_reads_the_same_way(tmp_path):
    """The workbook's male sheets share the layout: BOM, post names across, pre names down."""
    chem = write(
        tmp_path / "male_chem.csv", "\ufeff,CA01,R1AL,SPCL,HOA\nCA01,,2,,\nR1AL,1,,3,\nHOA,,,,7\n"
    )
    elec = write(tmp_path / "male_gap.csv", "\ufeff,CA01,SPCL\nCA01,,4\nSPCL,4,\n")
    male = ek.read_adjacency(chem, elec, roles={"R1AL": "S"}, name="male")
    assert male.names == ("CA01", "R1AL", "HOA", "SPCL")
    assert male.roles == ("I", "S", "S", "S")  # HOA, SPCL: sensory, by the cell table
    assert male.num_synapses("chemical") == 13
    assert male.electrical[male.index("CA01"), male.index("SPCL")] == 4
    assert male.num_edges("electrical") == 1


@pytest.mark.parametrize(
    "body, message",
    [
        ("\ufeff,A,B\nA,,x\nB,,\n", "line 2, cell \\(A -> B\\) holds 'x'"),
        ("\ufeff,A,B\nA,,-1\nB,,\n", "holds '-1'"),
        ("\ufeff,A,A\nA,,1\n", "same name"),
        ("\ufeff,A,B\nA,,1\nA,,2\n", "row name 'A' appears twice"),
        ("\ufeff,A,B\nA,,1,5\n", "line 2 has more fields"),
    ],
)
def test_bad_adjacency_is_refused_naming_the_cell(tmp_path, body, message):
    with pytest.raises(ConnectomeError, match=message):
        ek.read_adjacency(write(tmp_path / "bad.csv", body))


# --- strict edge lists (issue 13.4) -----------------------------------------------------
def test_stray_quote_is_refused_with_its_line(raw_connectome_dir, tmp_path):
    lines = (raw_connectome_dir / "herm_full_edgelist.csv").read_text().splitlines()
    lines[10] = lines[10].replace(",", ',"', 1)
    lines[500] = lines[500].replace(",", '",', 1)
    with pytest.raises(ConnectomeError, match="line 11: a field spans several lines"):
        ek.read_edgelist(write(tmp_path / "quoted.csv", "\n".join(lines) + "\n"))


def test_unclosed_quote_is_refused(tmp_path):
    with pytest.raises(ConnectomeError, match="line 2: a quote is left open"):
        ek.read_edgelist(write(tmp_path / "q.csv", 'pre,post,count\nA,"B,3\nC,D,1\n'))


@pytest.mark.parametrize(
    "body, line",
    [
        ("pre,post,count\nA,B,3,9\nC,D,1\n", 2),
        ("pre,post,count\nC,D,1\nA,B,3,9\n", 3),
    ],
)
def test_extra_field_is_refused_naming_the_line(tmp_path, body, line):
    with pytest.raises(ConnectomeError, match=f"line {line} has more fields than the 3"):
        ek.read_edgelist(write(tmp_path / "extra.csv", body))


def test_two_extra_fields_are_refused(tmp_path):
    with pytest.raises(ConnectomeError, match="more fields"):
        ek.read_edgelist(write(tmp_path / "extra.csv", "pre,post,count\nA,B,3,9,9\n"))


def test_headers_equal_after_lower_casing_are_refused(tmp_path):
    with pytest.raises(ConnectomeError, match="'Weight' and 'weight' have the same name"):
        ek.read_edgelist(write(tmp_path / "h.csv", "pre,post,Weight,weight\nA,B,1,2\n"))


def test_edge_list_errors_name_the_line(tmp_path):
    with pytest.raises(ConnectomeError, match="line 4 \\(C -> D\\): weight 'x' is not a number"):
        ek.read_edgelist(write(tmp_path / "w.csv", "pre,post,count\nA,B,1\n\nC,D,x\n"))


def test_cook_edge_list_reads_as_before(raw_connectome_dir):
    with pytest.warns(CellTableWarning):
        cook = ek.read_edgelist(raw_connectome_dir / "herm_full_edgelist.csv", cells="all")
    assert cook.num_edges("chemical") == 4681


# --- gzip: one CSV engine under every reader (issue 24) ----------------------------------
def pack(path, suffix=".gz"):
    """A gzip copy of ``path`` (named ``path + suffix``)."""
    packed = path.with_name(path.name + suffix)
    packed.write_bytes(gzip.compress(path.read_bytes()))
    return packed


def test_gzip_edge_list_reads_as_the_plain_one(raw_connectome_dir, tmp_path):
    plain = raw_connectome_dir / "herm_full_edgelist.csv"
    packed = pack(write(tmp_path / "herm.csv", plain.read_text(encoding="utf-8")))
    disguised = write(tmp_path / "herm_renamed.csv", "")  # gzip bytes, a plain name
    disguised.write_bytes(packed.read_bytes())
    with pytest.warns(CellTableWarning):
        expected = ek.read_edgelist(plain, cells="all")
    for path in (packed, disguised):
        with pytest.warns(CellTableWarning):
            read = ek.read_edgelist(path, cells="all")
        assert read == expected and read.names == expected.names
        assert read.name == path.name.split(".")[0]  # "herm" from herm.csv.gz


def test_gzip_adjacency_sheets_read_as_the_plain_ones(raw_connectome_dir, tmp_path):
    chem = raw_connectome_dir / "cook2019_herm_chem_adj.csv"
    elec = raw_connectome_dir / "cook2019_herm_elec_adj.csv"
    packed = [pack(write(tmp_path / p.name, p.read_text(encoding="utf-8"))) for p in (chem, elec)]
    assert packed[0].name == "cook2019_herm_chem_adj.csv.gz"
    with pytest.warns(CellTableWarning):
        expected = ek.read_adjacency(chem, elec)
    with pytest.warns(CellTableWarning):
        read = ek.read_adjacency(*packed)
    assert read == expected and read.names == expected.names
    assert read.name == "cook2019_herm_chem_adj"


@pytest.mark.parametrize(
    "reader, body, message",
    [
        ("edgelist", 'pre,post,count\nA,"B,3\nC,D,1\n', "line 2: a quote is left open"),
        ("edgelist", "pre,post,count\nC,D,1\nA,B,3,9\n", "line 3 has more fields than the 3"),
        ("edgelist", "pre,post,count\nA,B,1\n\nC,D,x\n", r"line 4 \(C -> D\): weight 'x'"),
        ("edgelist", "pre,post,Weight,weight\nA,B,1,2\n", "'Weight' and 'weight' have the same"),
        ("edgelist", 'pre,post\nA,"B\nC",\nD,E\n', "line 2: a field spans several lines"),
        ("adjacency", "\ufeff,A,B\nA,,x\nB,,\n", r"line 2, cell \(A -> B\) holds 'x'"),
        ("adjacency", "\ufeff,A,B\nA,,1,5\n", "line 2 has more fields"),
    ],
)
def test_gzip_files_are_refused_with_the_plain_files_messages(tmp_path, reader, body, message):
    read = ek.read_edgelist if reader == "edgelist" else ek.read_adjacency
    plain = write(tmp_path / "bad.csv", body)
    for path in (plain, pack(plain)):
        with pytest.raises(ConnectomeError, match=message) as info:
            read(path)
        assert f"{path.name}'" in str(info.value)


@pytest.mark.parametrize("reader", [ek.read_edgelist, ek.read_adjacency])
def test_damaged_gzip_is_refused_as_such(tmp_path, reader):
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(b"pre,post\n" + b"A,B\n" * 1000)[:40])
    with pytest.raises(ConnectomeError, match="broken.csv.gz': not a readable gzip file"):
        reader(broken)


def test_gzip_header_bomb_is_refused_before_it_is_held(tmp_path, monkeypatch):
    """The header limit counts decompressed characters: a small gzip of one huge line fails."""
    monkeypatch.setattr(delimited, "MAX_HEADER_CHARS", 1000)
    bomb = tmp_path / "bomb.csv.gz"
    bomb.write_bytes(gzip.compress(b"pre,post," + b"x" * 100_000 + b"\nA,B,1\n"))
    assert bomb.stat().st_size < 1000
    for reader in (ek.read_edgelist, ek.read_adjacency):
        with pytest.raises(ConnectomeError, match="line 1 is longer than 1000 characters"):
            reader(bomb)


def test_row_limit_holds_for_gzip(tmp_path, monkeypatch):
    monkeypatch.setattr(core, "MAX_SYNAPSE_PAIRS", 2)
    path = pack(write(tmp_path / "e.csv", "pre,post\nA,B\nB,C\nC,D\n"))
    with pytest.raises(ConnectomeError, match="e.csv.gz': more than 2 rows"):
        ek.read_edgelist(path)


# --- GraphML (issue 13.5) ---------------------------------------------------------------
HEADER = (
    '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
    '<key id="r" for="node" attr.name="role" attr.type="string"/>'
    '<key id="t" for="edge" attr.name="synapse_type" attr.type="string"/>'
    '<key id="w" for="edge" attr.name="weight" attr.type="double"/>'
)
NODES = '<node id="a"><data key="r">S</data></node><node id="b"><data key="r">M</data></node>'


def graphml(tmp_path, body: str):
    return write(tmp_path / "g.graphml", HEADER + body + "</graphml>")


def test_edges_sharing_an_id_are_refused(tmp_path):
    body = (
        '<graph edgedefault="directed">'
        + NODES
        + '<edge id="e1" source="a" target="b"><data key="t">C</data></edge>'
        '<edge id="e1" source="a" target="b"><data key="t">E</data></edge></graph>'
    )
    with pytest.raises(ConnectomeError, match="edge id 'e1' is declared twice"):
        ek.read_graphml(graphml(tmp_path, body))


def test_parallel_edges_of_both_types_are_both_kept(tmp_path):
    body = (
        '<graph edgedefault="directed">'
        + NODES
        + '<edge id="e1" source="a" target="b"><data key="t">C</data></edge>'
        '<edge id="e2" source="a" target="b"><data key="t">E</data></edge></graph>'
    )
    c = ek.read_graphml(graphml(tmp_path, body))
    assert c.chemical[0, 1] == 1 and c.electrical[0, 1] == 1 == c.electrical[1, 0]


def test_second_graph_is_refused(tmp_path):
    body = f'<graph edgedefault="directed">{NODES}</graph><graph edgedefault="directed"></graph>'
    with pytest.raises(ConnectomeError, match="more than one <graph>"):
        ek.read_graphml(graphml(tmp_path, body))


def test_nested_graph_is_refused(tmp_path):
    body = (
        '<graph edgedefault="directed"><node id="a"><data key="r">S</data>'
        '<graph edgedefault="directed"><node id="a::x"/></graph></node></graph>'
    )
    with pytest.raises(ConnectomeError, match="nested <graph>"):
        ek.read_graphml(graphml(tmp_path, body))


def test_graphml_size_limit_is_checked_while_streaming(tmp_path, monkeypatch):
    monkeypatch.setattr("elegans_keras.connectome.graphml.MAX_NEURONS", 1)
    body = f'<graph edgedefault="directed">{NODES}</graph>'
    with pytest.raises(ConnectomeError, match="more than 1 neurons"):
        ek.read_graphml(graphml(tmp_path, body))


def test_oversized_connectome_is_refused_before_allocating():
    with pytest.raises(ConnectomeError, match="exceed the limit"):
        core.check_graph_size(core.MAX_NEURONS + 1, 0, "big.graphml")


def test_undirected_graphml_mirrors_chemical_edges(tmp_path):
    body = (
        '<graph edgedefault="undirected">'
        + NODES
        + '<edge source="a" target="b"><data key="w">2</data></edge></graph>'
    )
    c = ek.read_graphml(graphml(tmp_path, body))
    assert np.array_equal(c.chemical.toarray(), [[0, 2], [2, 0]])
