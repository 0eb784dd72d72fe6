"""resolve_connectome and the CLI on every reader: prefixes, recognised layouts, one error."""

from __future__ import annotations

import gzip
import warnings

import pytest

# the real export headers and root ids, written once beside the reader tests
from test_fly_formats import (
    CLASSIFICATION,
    CONNECTIONS,
    NEURONS,
    NP_CONNECTIONS,
    NP_NEURONS,
    A,
    B,
    C,
)

import elegans_keras as ek
from elegans_keras.cli import main
from elegans_keras.connectome.resolver import ACCEPTED_FORMS
from elegans_keras.errors import ConnectomeError


def write(path, header: str, rows: list[str]):
    text = "\n".join([header, *rows]) + "\n"
    if str(path).endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def codex(tmp_path):
    """A folder of the three Codex downloads, gzipped as on the download page."""
    folder = tmp_path / "flywire"
    folder.mkdir()
    return (
        write(
            folder / "connections.csv.gz",
            CONNECTIONS,
            [f"{A},{B},AL_L,3,ACH", f"{A},{B},AL_R,4,ACH", f"{B},{C},SMP_R,5,GABA"],
        ),
        write(
            folder / "classification.csv.gz",
            CLASSIFICATION,
            [f"{A},afferent,sensory,,,,,,left,AN", f"{C},efferent,motor,,,,,,right,"],
        ),
        write(
            folder / "neurons.csv.gz",
            NEURONS,
            [f"{A},{A},ACH,0.9,0,0,0,0,0.9,0", f"{B},{B},GABA,0.8,0,0,0.8,0,0,0"],
        ),
    )


@pytest.fixture
def neuprint(tmp_path):
    """A folder with a neuPrint connection table and neuron table (to_csv(index=False))."""
    folder = tmp_path / "hemibrain"
    folder.mkdir()
    return (
        write(
            folder / "connections.csv",
            NP_CONNECTIONS,
            [
                "5813105172,1640909284,MB(R),6",
                "5813105172,1640909284,SLP(R),2",
                "1640909284,987654321,CA(R),4",
            ],
        ),
        write(
            folder / "neurons.csv",
            NP_NEURONS,
            [
                "5813105172,KCab,KCab(R),Traced,Traced,False,acetylcholine,,",
                "1640909284,APL,APL(R),Traced,Traced,False,glutamate,gaba,",
            ],
        ),
    )


@pytest.fixture
def sheets(tmp_path):
    """Cook et al. 2019 "SI 5" layout: BOM, empty first cell, post names across, pre down."""
    chem = tmp_path / "chem_adj.csv"
    chem.write_text("\ufeff,AVAL,AVBL,DA01\nAVAL,,2,5\nAVBL,1,,\n", encoding="utf-8")
    elec = tmp_path / "elec_adj.csv"
    elec.write_text("\ufeff,AVAL,AVBL\nAVAL,,3\nAVBL,3,\n", encoding="utf-8")
    return chem, elec


def same(a: ek.Connectome, b: ek.Connectome) -> bool:
    return a == b and a.names == b.names and a.roles == b.roles and a.attributes == b.attributes


# --- prefixes --------------------------------------------------------------------------
def test_flywire_folder_and_files(codex):
    expected = ek.read_flywire(*codex)
    folder = codex[0].parent
    assert same(ek.resolve_connectome(f"flywire:{folder}"), expected)
    assert same(ek.resolve_connectome(str(folder)), expected)  # recognised: a Codex folder
    assert same(
        ek.resolve_connectome(",".join(["flywire:" + str(codex[0]), str(codex[1]), str(codex[2])])),
        expected,
    )
    partial = ek.resolve_connectome(f"flywire:{codex[0]},,{codex[2]}")  # no classification
    assert same(partial, ek.read_flywire(codex[0], neurons=codex[2]))
    assert same(ek.resolve_connectome(str(codex[0])), ek.read_flywire(codex[0]))


def test_neuprint_folder_and_files(neuprint):
    connections, neurons = neuprint
    expected = ek.read_neuprint(connections, neurons)
    assert expected.attributes["cell_class"][:2] == ("KCab", "APL")
    assert same(ek.resolve_connectome(f"neuprint:{connections.parent}"), expected)
    assert same(ek.resolve_connectome(connections.parent), expected)  # an os.PathLike folder
    assert same(ek.resolve_connectome(f"neuprint:{connections},{neurons}"), expected)
    alone = ek.resolve_connectome(str(connections))  # the connection table alone: all I
    assert alone.names == ("5813105172", "1640909284", "987654321")
    assert alone.roles == ("I",) * 3 and alone.chemical[0, 1] == 8


def test_adjacency_sheets(sheets):
    chem, elec = sheets
    expected = ek.read_adjacency(chem, elec)
    both = ek.resolve_connectome(f"adjacency:{chem},{elec}")
    assert same(both, expected) and both.electrical[0, 1] == 3
    assert same(ek.resolve_connectome(str(chem)), ek.read_adjacency(chem))  # recognised
    assert same(ek.resolve_connectome(f"adjacency:{chem}"), ek.read_adjacency(chem))


def test_graphml_edgelist_and_bundled_prefixes(tmp_path):
    worm = ek.load_connectome("witvliet2021_1")
    plain = ek.write_graphml(worm, tmp_path / "graph.graphml")
    bare = tmp_path / "graph_without_suffix"
    bare.write_bytes(plain.read_bytes())
    assert ek.resolve_connectome(f"graphml:{plain}") == worm
    assert ek.resolve_connectome(str(bare)) == worm  # recognised by its opening '<'
    edges = tmp_path / "edges.tsv"
    edges.write_text("pre\tpost\tcount\nA\tB\t2\n")
    listed = ek.resolve_connectome(f"edgelist:{edges}")
    assert listed.names == ("A", "B") and listed.chemical[0, 1] == 2
    assert ek.resolve_connectome(str(edges)) == listed
    assert ek.resolve_connectome("bundled:witvliet2021_1") == worm


def test_a_path_with_a_comma_is_taken_whole(tmp_path):
    path = tmp_path / "a,b.csv"
    path.write_text("pre,post\nA,B\n")
    assert ek.resolve_connectome(f"edgelist:{path}").names == ("A", "B")


# --- one error for what cannot be read ----------------------------------------------------
@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda d: "nothing_like_this", "no such file or folder, and not a bundled name"),
        (lambda d: "bundled:nothing", "unknown bundled connectome 'nothing'"),
        (lambda d: "flywire:", "nothing after the prefix"),
        (lambda d: f"adjacency:{d / 'missing.csv'}", "no such file or folder '.*missing.csv'"),
        (
            lambda d: f"adjacency:{d / 'x.csv'},{d / 'x.csv'},{d / 'x.csv'}",
            "3 comma-separated paths",
        ),
        (lambda d: f"graphml:{d}", "is a folder, not a file"),
        (lambda d: str(d / "x.csv"), r"not recognised \(its first line \['left', 'right'\]\)"),
        (lambda d: str(d), "no FlyWire connections table"),
        (lambda d: str(d / "broken.csv.gz"), "it has no readable first line"),
    ],
)
def test_unreadable_forms_name_the_argument_and_the_accepted_forms(tmp_path, make, problem):
    (tmp_path / "x.csv").write_text("left,right\nA,B\n")
    (tmp_path / "broken.csv.gz").write_bytes(gzip.compress(b"pre,post\nA,B\n")[:12])
    spec = make(tmp_path)
    with pytest.raises(ConnectomeError, match=problem) as info:
        ek.resolve_connectome(spec)
    message = str(info.value)
    assert message.startswith(f"cannot resolve connectome {str(spec)!r}: ")
    assert message.endswith(ACCEPTED_FORMS)


def test_ambiguous_folders_are_refused(codex, neuprint):
    folder = codex[0].parent
    write(folder / "connections_no_threshold.csv.gz", CONNECTIONS, [f"{A},{B},AL_L,1,ACH"])
    with pytest.raises(
        ConnectomeError,
        match="2 flywire connections tables "
        r"\(connections.csv.gz, connections_no_threshold.csv.gz\)",
    ):
        ek.resolve_connectome(str(folder))
    (folder / "connections_no_threshold.csv.gz").unlink()
    (folder / "bodies.csv").write_bytes(neuprint[0].read_bytes())
    with pytest.raises(ConnectomeError, match="both FlyWire and neuPrint"):
        ek.resolve_connectome(str(folder))
    assert same(ek.resolve_connectome(f"flywire:{folder}"), ek.read_flywire(*codex))


def test_a_reader_error_still_names_the_file_and_line(tmp_path):
    path = write(tmp_path / "c.csv", CONNECTIONS, [f"{A},{B},AL_L,3,ACH", f"{A},x,AL_L,3,ACH"])
    with pytest.raises(ConnectomeError, match=r"c.csv': line 3: post_root_id 'x'"):
        ek.resolve_connectome(f"flywire:{path}")


# --- neuPrint: connections first, the old order deprecated --------------------------------
def test_read_neuprint_old_order_warns_and_reads_the_same(neuprint):
    connections, neurons = neuprint
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        new = ek.read_neuprint(connections, neurons)
    with pytest.warns(DeprecationWarning, match=r"read_neuprint\(connections, neurons\)"):
        old = ek.read_neuprint(neurons, connections)
    assert same(old, new)
    assert same(ek.read_neuprint(neurons=neurons, connections=connections), new)


# --- the command line -----------------------------------------------------------------
def test_cli_info_reads_flywire_adjacency_and_neuprint(codex, neuprint, sheets, capsys):
    assert main(["info", f"flywire:{codex[0].parent}"]) == 0
    out = capsys.readouterr().out
    assert "3 (sensory 1, inter 1, motor 1)" in out and "2 directed pairs" in out
    assert main(["info", f"adjacency:{sheets[0]},{sheets[1]}"]) == 0
    out = capsys.readouterr().out
    assert "3 directed pairs, 8 synapses" in out and "1 pairs, 3 junctions" in out
    assert main(["info", f"neuprint:{neuprint[0]},{neuprint[1]}"]) == 0
    assert "connectome     neuprint" in capsys.readouterr().out
    assert main(["info", "flywire:nowhere"]) == 2
    assert "cannot resolve connectome 'flywire:nowhere'" in capsys.readouterr().err


def test_cli_analyze_reads_a_flywire_folder(codex, capsys):
    assert main(["-q", "analyze", f"flywire:{codex[0].parent}"]) == 0
    assert "analysed 1 graph(s)" in capsys.readouterr().out


# --- fly readers: (paths, *, roles=None, default_role="I", name=None) ------------------------
@pytest.mark.parametrize("reader", [ek.read_flywire, ek.read_neuprint])
def test_fly_readers_share_the_keyword_vocabulary(reader):
    import inspect

    parameters = inspect.signature(reader).parameters
    assert list(parameters)[0] == "connections"
    for keyword, default in (("roles", None), ("default_role", "I"), ("name", None)):
        assert parameters[keyword].kind == inspect.Parameter.KEYWORD_ONLY
        assert parameters[keyword].default == default


def test_flywire_roles_and_default_role(codex, strict_warnings):
    connections, classification, _ = codex
    plain = ek.read_flywire(connections, classification)
    assert plain.roles == ("S", "I", "M")  # B has no classification row: default I
    assert ek.read_flywire(connections, classification, default_role="S").roles == ("S", "S", "M")
    assert ek.read_flywire(connections, classification, roles={str(B): "M", str(A): "I"}).roles == (
        "I",
        "M",
        "M",
    )
    with pytest.raises(ConnectomeError, match=rf"connections.csv.gz': neuron {B} has no role"):
        ek.read_flywire(connections, classification, default_role=None)
    with pytest.raises(ConnectomeError, match="roles= names neuron '12', which the tables"):
        ek.read_flywire(connections, roles={"12": "S"})


def test_neuprint_roles_and_default_role(neuprint, strict_warnings):
    connections, neurons = neuprint
    assert ek.read_neuprint(connections, neurons).roles == ("I", "I", "I")
    assert ek.read_neuprint(connections, default_role="M", roles={"987654321": "S"}).roles == (
        "M",
        "M",
        "S",
    )
    with pytest.raises(ConnectomeError, match="neuron 5813105172 has no role"):
        ek.read_neuprint(connections, neurons, default_role=None)


def test_fly_readers_old_positional_name_warns(codex, neuprint):
    with pytest.warns(
        DeprecationWarning,
        match=r"read_flywire\(connections, classification, "
        r"neurons, name\) is deprecated: pass them by keyword",
    ):
        fly = ek.read_flywire(codex[0], None, None, "fw")
    assert fly.name == "fw" and fly == ek.read_flywire(codex[0])
    with pytest.warns(DeprecationWarning, match=r"read_neuprint\(connections, neurons, name\)"):
        assert ek.read_neuprint(*neuprint, "cx").name == "cx"


@pytest.fixture
def strict_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        yield


@pytest.mark.parametrize("prefix", ["", "edgelist:"])
@pytest.mark.parametrize("suffix, sep", [(".csv.gz", ","), (".tsv.gz", "\t"), (".csv", ",")])
def test_gzip_edge_lists_are_resolved_like_plain_ones(tmp_path, prefix, suffix, sep):
    """Every table reader reads gzip, so the resolver (and every CLI command) does too."""
    text = f"pre{sep}post{sep}count\nA{sep}B{sep}2\nB{sep}C{sep}1\n"
    path = tmp_path / f"edges{suffix}"
    if suffix.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    worm = ek.resolve_connectome(f"{prefix}{path}")
    assert worm.names == ("A", "B", "C") and worm.name == "edges"
    assert float(worm.chemical[0, 1]) == 2.0


def test_gzip_adjacency_sheets_are_resolved(tmp_path):
    chemical, electrical = tmp_path / "chem.csv.gz", tmp_path / "elec.csv.gz"
    chemical.write_bytes(gzip.compress(b",A,B\nA,0,3\nB,1,0\n"))
    electrical.write_bytes(gzip.compress(b",A,B\nA,0,2\nB,2,0\n"))
    for spec in (str(chemical), f"adjacency:{chemical},{electrical}"):
        worm = ek.resolve_connectome(spec)
        assert worm.names == ("A", "B") and float(worm.chemical[0, 1]) == 3.0
    assert float(ek.resolve_connectome(f"adjacency:{chemical},{electrical}").electrical[0, 1]) == 2
