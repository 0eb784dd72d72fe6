"""Fly connectome readers: FlyWire Codex downloads and neuPrint CSV exports."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

import elegans_keras as ek
from elegans_keras.connectome import core, fly
from elegans_keras.errors import ConnectomeError

# Header rows exactly as in the FlyWire Codex downloads (release 783).
CONNECTIONS = "pre_root_id,post_root_id,neuropil,syn_count,nt_type"
CLASSIFICATION = (
    "root_id,flow,super_class,class,sub_class,cell_type,hemibrain_type,hemilineage,side,nerve"
)
NEURONS = "root_id,group,nt_type,nt_type_score,da_avg,ser_avg,gaba_avg,glut_avg,ach_avg,oct_avg"
# neuPrint exports (neuprint-python fetch_neurons / fetch_adjacencies, to_csv(index=False)).
NP_NEURONS = "bodyId,type,instance,status,statusLabel,cropped,predictedNt,consensusNt,roiInfo"
NP_CONNECTIONS = "bodyId_pre,bodyId_post,roi,weight"

A, B, C, D = (720575940627652358, 720575940630968335, 720575940614331472, 720575940616166017)


def write(path, header: str, rows: list[str], packed: bool | None = None):
    """A CSV file; gzip when ``packed`` (default: when the name ends in .gz)."""
    text = "\n".join([header, *rows]) + "\n"
    if packed if packed is not None else str(path).endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def connections_rows() -> list[str]:
    return [
        f"{A},{B},AL_L,3,ACH",
        f"{A},{B},AL_R,4,ACH",
        f"{A},{B},LH_L,1,GABA",
        f"{B},{C},SMP_R,5,GABA",
        f"{C},{A},SMP_R,2,GLUT",
        f"{B},{A},LH_R,6,GABA",
    ]


def classification_rows() -> list[str]:
    return [
        f"{A},afferent,sensory,olfactory,,ORN_DA1,,,left,AN",
        f"{C},efferent,motor,,,MN1,,,right,PhN",
        f"{D},intrinsic,central,,,LHPD1,,LHa1,left,",
    ]


def neurons_rows() -> list[str]:
    return [
        f"{A},{A},ACH,0.91,0.01,0.0,0.02,0.03,0.91,0.03",
        f"{B},{B},GABA,0.8,0.01,0.0,0.8,0.1,0.05,0.04",
        f"{D},{D},,,,,,,,",
        "720575940600000001,720575940600000001,DA,0.7,0.7,0.1,0.1,0.05,0.05,0.0",
    ]


@pytest.fixture
def codex(tmp_path):
    """The three Codex downloads, gzipped as on the download page."""
    return (
        write(tmp_path / "connections.csv.gz", CONNECTIONS, connections_rows()),
        write(tmp_path / "classification.csv.gz", CLASSIFICATION, classification_rows()),
        write(tmp_path / "neurons.csv.gz", NEURONS, neurons_rows()),
    )


# --- FlyWire ------------------------------------------------------------------------------
def test_flywire_sums_the_per_neuropil_rows_of_a_pair(codex):
    fly_brain = ek.read_flywire(codex[0])
    assert fly_brain.names == tuple(str(i) for i in (A, B, C))  # root ids kept exactly
    assert fly_brain.chemical[0, 1] == 3 + 4 + 1
    assert fly_brain.chemical[1, 2] == 5 and fly_brain.chemical[2, 0] == 2
    assert fly_brain.chemical[1, 0] == 6
    assert fly_brain.num_edges("chemical") == 4 and fly_brain.num_synapses("chemical") == 21
    assert fly_brain.num_edges("electrical") == 0
    assert fly_brain.roles == ("I", "I", "I")
    assert fly_brain.name == "flywire" and "Dorkenwald" in fly_brain.citation


def test_flywire_roles_from_flow_and_cell_class_from_super_class(codex):
    fly_brain = ek.read_flywire(codex[0], codex[1], name="fw783", citation="test")
    # D is only in classification: it comes after the connection ids.
    assert fly_brain.names == tuple(str(i) for i in (A, B, C, D))
    assert fly_brain.roles == ("S", "I", "M", "I")  # B has no classification row: I
    assert fly_brain.attributes["cell_class"] == ("sensory", None, "motor", "central")
    assert fly_brain.name == "fw783" and fly_brain.citation == "test"
    assert fly_brain.num_synapses("chemical") == 21


def test_flywire_transmitters_from_neurons_csv(codex):
    fly_brain = ek.read_flywire(*codex)
    # C has no neurons.csv row, D an empty nt_type; the DA neuron is in no other file.
    assert fly_brain.attributes["neurotransmitters"] == ("ACH", "GABA", None, None)
    assert fly_brain.num_neurons == 4


def test_flywire_transmitters_from_connections_without_neurons_csv(tmp_path):
    rows = [
        f"{A},{B},AL_L,1,ACH",
        f"{A},{C},AL_R,50,GABA",
        f"{A},{C},AL_L,1,ACH",
        f"{B},{A},LH_L,1,GLUT",
        f"{B},{C},LH_L,1,DA",  # a tie: alphabetical (DA)
        f"{C},{A},SMP_R,1,",
        f"{D},{A},SMP_R,1,SER",
    ]
    fly_brain = ek.read_flywire(write(tmp_path / "connections.csv", CONNECTIONS, rows))
    # The most common nt_type of the outgoing rows (rows, not synapses); none: None.
    assert fly_brain.attributes["neurotransmitters"] == ("ACH", "DA", None, "SER")


def test_flywire_gzip_and_plain_files_read_the_same(codex, tmp_path):
    plain = [
        write(tmp_path / path.name.removesuffix(".gz"), header, rows)
        for path, header, rows in zip(
            codex,
            (CONNECTIONS, CLASSIFICATION, NEURONS),
            (connections_rows(), classification_rows(), neurons_rows()),
        )
    ]
    packed, unpacked = ek.read_flywire(*codex), ek.read_flywire(*plain)
    assert packed == unpacked and packed.names == unpacked.names
    assert packed.roles == unpacked.roles and packed.attributes == unpacked.attributes
    # gzip is recognised by its magic bytes, not by the file name
    disguised = write(tmp_path / "renamed.csv", CONNECTIONS, connections_rows(), packed=True)
    assert ek.read_flywire(disguised) == ek.read_flywire(plain[0])


def test_good_files_take_the_fast_path(codex, tmp_path, monkeypatch):
    """Well-formed files never need the strict text reader (read_rows)."""

    def refuse(*args, **kwargs):
        raise AssertionError("the strict reader was used on a well-formed file")

    monkeypatch.setattr(fly, "read_rows", refuse)
    ek.read_flywire(*codex)
    ek.read_flywire(write(tmp_path / "c.csv", CONNECTIONS, connections_rows()))
    ek.read_neuprint(*neuprint_files(tmp_path))


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize(
    "row, message",
    [
        (f"abc,{B},AL_L,3,ACH", "line 3: pre_root_id 'abc' is not an integer id"),
        (f"{A},1.5,AL_L,3,ACH", "line 3: post_root_id '1.5' is not an integer id"),
        (
            f"7.205759406276523e+17,{B},AL_L,3,ACH",
            "line 3: pre_root_id '7\\.2057.*e\\+17' is not an integer id",
        ),
        (f",{B},AL_L,3,ACH", "line 3: has no pre_root_id"),
        (f"{A},99999999999999999999,AL_L,3,ACH", "line 3: post_root_id .* does not fit a 64-bit"),
        (f"{A},{B},AL_L,-2,ACH", "line 3: syn_count -2 is negative"),
        (f"{A},{B},AL_L,x,ACH", "line 3: syn_count 'x' is not a number"),
        (f"{A},{B},AL_L,,ACH", "line 3: syn_count is missing"),
        (f"{A},{B},AL_L,inf,ACH", "line 3: syn_count inf is infinite"),
        (f"{A},{B},AL_L,3,ACH,extra", "line 3 has more fields than the 5 of the header"),
        (f'{A},{B},"AL_L,3,ACH', "line 3: a field spans several lines"),
    ],
)
def test_bad_connection_rows_are_refused_naming_file_and_line(tmp_path, packed, row, message):
    rows = [f"{A},{B},AL_L,3,ACH", row, f"{B},{A},AL_R,1,GABA", f'{B},{C},"AL_R",1,GABA']
    path = write(
        tmp_path / ("connections.csv.gz" if packed else "connections.csv"),
        CONNECTIONS,
        rows,
        packed=packed,
    )
    with pytest.raises(ConnectomeError, match=f"FlyWire connections '.*{path.name}': {message}"):
        ek.read_flywire(path)


def test_extra_field_on_the_first_row_and_blank_lines(tmp_path):
    path = write(tmp_path / "c.csv", CONNECTIONS, [f"{A},{B},AL_L,3,ACH,9"])
    with pytest.raises(ConnectomeError, match="line 2 has more fields"):
        ek.read_flywire(path)
    # blank lines are skipped, and later lines keep their numbers
    path = write(tmp_path / "c.csv", CONNECTIONS, [f"{A},{B},AL_L,3,ACH", "", f"{B},{A},AL_L,-1,"])
    with pytest.raises(ConnectomeError, match="line 4: syn_count -1 is negative"):
        ek.read_flywire(path)
    path = write(tmp_path / "c.csv", CONNECTIONS, [f"{A},{B},AL_L,3,ACH", "", f"{B},{A},AL_L,1,"])
    assert ek.read_flywire(path).num_synapses() == 4


@pytest.mark.parametrize(
    "which, header, rows, message",
    [
        (
            "connections",
            "pre_root_id,post_root_id,neuropil,nt_type",
            [f"{A},{B},AL_L,ACH"],
            r"missing required column\(s\) \['syn_count'\]",
        ),
        (
            "connections",
            "pre,post_root_id,syn_count",
            [f"{A},{B},1"],
            r"missing required column\(s\) \['pre_root_id'\]",
        ),
        (
            "classification",
            "root_id,super_class",
            [f"{A},sensory"],
            r"missing required column\(s\) \['flow'\]",
        ),
        (
            "classification",
            CLASSIFICATION,
            [f"{A},afferent,sensory,,,,,,,", f"{C},sideways,motor,,,,,,,"],
            "line 3: unknown flow 'sideways'; expected afferent, intrinsic or efferent",
        ),
        (
            "classification",
            CLASSIFICATION,
            [f"{A},afferent,sensory,,,,,,,", f"x{C},efferent,,,,,,,,"],
            "line 3: root_id 'x720575940614331472' is not an integer id",
        ),
        (
            "classification",
            CLASSIFICATION,
            [f"{A},afferent,,,,,,,,", f"{C},efferent,,,,,,,,", f"{A},intrinsic,,,,,,,,"],
            f"line 4: root_id {A} appears twice \\(first at line 2\\)",
        ),
        ("neurons", "root_id,group", [f"{A},{A}"], r"missing required column\(s\) \['nt_type'\]"),
        (
            "neurons",
            NEURONS,
            [f"{A},{A},ACH,,,,,,,", f"{A}.0,{A},GABA,,,,,,,"],
            "line 3: root_id '720575940627652358.0' is not an integer id",
        ),
    ],
)
def test_bad_codex_tables_are_refused(codex, tmp_path, which, header, rows, message):
    files = dict(zip(("connections", "classification", "neurons"), codex))
    files[which] = write(tmp_path / f"bad_{which}.csv.gz", header, rows)
    label = {
        "connections": "connections",
        "classification": "classification",
        "neurons": "neurons",
    }[which]
    with pytest.raises(ConnectomeError, match=f"FlyWire {label} '.*bad_{which}.csv.gz': {message}"):
        ek.read_flywire(files["connections"], files["classification"], files["neurons"])


def test_missing_empty_and_corrupt_files(tmp_path):
    with pytest.raises(ConnectomeError, match="no such file"):
        ek.read_flywire(tmp_path / "nowhere.csv.gz")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ConnectomeError, match="the file is empty"):
        ek.read_flywire(tmp_path / "empty.csv")
    (tmp_path / "broken.csv.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(ConnectomeError, match="broken.csv.gz': not a readable gzip file"):
        ek.read_flywire(tmp_path / "broken.csv.gz")
    header_only = write(tmp_path / "header.csv", CONNECTIONS, [])
    with pytest.raises(ConnectomeError, match="the graph is empty"):
        ek.read_flywire(header_only)
    # a header-only connections file with a classification: neurons, no synapses
    classes = write(tmp_path / "classes.csv", CLASSIFICATION, classification_rows())
    lonely = ek.read_flywire(header_only, classes)
    assert lonely.num_neurons == 3 and lonely.num_edges() == 0


def test_size_limits_of_core_are_respected(tmp_path, monkeypatch):
    path = write(
        tmp_path / "c.csv",
        CONNECTIONS,
        [f"{A},{B},AL_L,1,ACH", f"{C},{D},AL_L,1,ACH", f"{B},{A},AL_L,1,ACH"],
    )
    monkeypatch.setattr(core, "MAX_NEURONS", 3)
    with pytest.raises(ConnectomeError, match="c.csv': 4 neurons exceed the limit of 3"):
        ek.read_flywire(path)
    monkeypatch.setattr(core, "MAX_NEURONS", 500_000)
    monkeypatch.setattr(core, "MAX_SYNAPSE_PAIRS", 2)
    with pytest.raises(ConnectomeError, match="c.csv': more than 2 rows"):
        ek.read_flywire(path)


def test_large_synthetic_download_matches_an_independent_groupby(tmp_path):
    """20,000 neurons, 500,000 per-neuropil rows: pair sums, roles and transmitters."""
    rng = np.random.default_rng(7)
    n, rows = 20_000, 500_000
    ids = 720575940600000000 + rng.choice(10**11, size=n, replace=False)
    transmitters = np.array(["ACH", "GABA", "GLUT", "DA", "SER", "OCT"])
    table = pd.DataFrame(
        {
            "pre_root_id": ids[rng.integers(0, n, rows)],
            "post_root_id": ids[rng.integers(0, n, rows) % (n - 500)],  # 500 ids never post
            "neuropil": rng.choice(["AL_L", "AL_R", "LH_R", "SMP_L", "ME_R"], rows),
            "syn_count": rng.integers(1, 60, rows),
            "nt_type": transmitters[rng.integers(0, 6, rows)],
        }
    )
    connections = tmp_path / "connections.csv.gz"
    table.to_csv(connections, index=False, compression={"method": "gzip", "compresslevel": 1})
    flows = rng.choice(["afferent", "intrinsic", "efferent"], n)
    classes = pd.DataFrame({"root_id": ids, "flow": flows, "super_class": "central"})
    for column in CLASSIFICATION.split(",")[3:]:
        classes[column] = ""
    classification = tmp_path / "classification.csv.gz"
    classes.to_csv(classification, index=False)

    brain = ek.read_flywire(connections, classification)

    expected = table.groupby(["pre_root_id", "post_root_id"])["syn_count"].sum()
    pre, post, count = brain.edges("chemical")
    names = np.asarray(brain.names).astype(np.int64)
    got = pd.Series(count, index=pd.MultiIndex.from_arrays([names[pre], names[post]])).sort_index()
    assert got.index.equals(expected.index)
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy(dtype=np.float64))
    assert brain.num_neurons == len(set(table.pre_root_id) | set(table.post_root_id) | set(ids))
    first = pd.unique(table[["pre_root_id", "post_root_id"]].to_numpy().ravel())
    assert [int(x) for x in brain.names[: len(first)]] == first.tolist()
    role_of = dict(zip(ids, pd.Series(flows).map(fly.FLOW_ROLES)))
    assert [role_of[i] for i in names] == list(brain.roles)
    # transmitters: the most common nt_type of the outgoing rows, ties alphabetical
    votes = table.groupby(["pre_root_id", "nt_type"]).size().rename("rows").reset_index()
    votes = votes.sort_values(["pre_root_id", "rows", "nt_type"], ascending=[True, False, True])
    winner = votes.drop_duplicates("pre_root_id").set_index("pre_root_id")["nt_type"]
    assert list(brain.attributes["neurotransmitters"]) == [winner.get(i) for i in names]


# --- neuPrint -----------------------------------------------------------------------------
def neuprint_files(
    tmp_path,
    neuron_rows: list[str] | None = None,
    connection_rows: list[str] | None = None,
    header: str = NP_NEURONS,
):
    neuron_rows = neuron_rows or [
        (
            "5813105172,KCab,KCab(R),Traced,Traced,False,acetylcholine,,"
            '"{""MB(R)"": {""pre"": 3, ""post"": 9}}"'
        ),
        '1640909284,APL,APL(R),Traced,Traced,False,glutamate,gaba,"{""MB(R)"": {}}"',
        "424789697,,,Orphan,Orphan hotknife,True,,,",
    ]
    connection_rows = connection_rows or [
        "5813105172,1640909284,MB(R),6",
        "5813105172,1640909284,SLP(R),2",
        "1640909284,5813105172,MB(R),11",
        "1640909284,987654321,CA(R),4",
    ]
    return (
        write(tmp_path / "connections.csv", NP_CONNECTIONS, connection_rows),
        write(tmp_path / "neurons.csv", header, neuron_rows),
    )


def test_neuprint_sums_rois_and_reads_types_and_transmitters(tmp_path):
    hemi = ek.read_neuprint(*neuprint_files(tmp_path))
    # neuron table order, then ids only in the connections
    assert hemi.names == ("5813105172", "1640909284", "424789697", "987654321")
    assert hemi.roles == ("I",) * 4  # no role information: all I
    assert hemi.chemical[0, 1] == 8 and hemi.chemical[1, 0] == 11 and hemi.chemical[1, 3] == 4
    assert hemi.num_edges("chemical") == 3 and hemi.num_edges("electrical") == 0
    assert hemi.attributes["cell_class"] == ("KCab", "APL", None, None)
    # consensusNt where given, else predictedNt
    assert hemi.attributes["neurotransmitters"] == ("acetylcholine", "gaba", None, None)
    assert hemi.name == "neuprint" and "neuPrint" in hemi.citation


def test_neuprint_roles_from_a_role_or_flow_column(tmp_path):
    rows = ["1,ORN,ORN_L,Traced,S", "2,LN,LN_L,Traced,", "3,MN,MN_L,Traced,m"]
    files = neuprint_files(
        tmp_path, rows, ["1,2,AL(L),1", "2,3,AL(L),1"], header="bodyId,type,instance,status,role"
    )
    assert ek.read_neuprint(*files).roles == ("S", "I", "M")
    rows = [
        "1,ORN,ORN_L,Traced,afferent",
        "2,LN,LN_L,Traced,intrinsic",
        "3,MN,MN_L,Traced,efferent",
    ]
    files = neuprint_files(
        tmp_path, rows, ["1,2,AL(L),1", "2,3,AL(L),1"], header="bodyId,type,instance,status,flow"
    )
    assert ek.read_neuprint(*files).roles == ("S", "I", "M")


def test_neuprint_with_a_pandas_index_column_and_gzip(tmp_path):
    """``to_csv`` without index=False writes an unnamed first column: it is ignored."""
    neurons = pd.DataFrame(
        {
            "bodyId": [10, 20],
            "type": ["A", "B"],
            "instance": ["a", "b"],
            "status": ["Traced", "Traced"],
            "predictedNt": ["gaba", "dopamine"],
        }
    )
    edges = pd.DataFrame(
        {
            "bodyId_pre": [10, 10, 20],
            "bodyId_post": [20, 20, 10],
            "roi": ["EB", "FB", "EB"],
            "weight": [3, 4, 5],
        }
    )
    neurons.to_csv(tmp_path / "n.csv.gz")
    edges.to_csv(tmp_path / "e.csv.gz")
    graph = ek.read_neuprint(tmp_path / "e.csv.gz", tmp_path / "n.csv.gz", name="cx")
    assert graph.names == ("10", "20") and graph.name == "cx"
    assert graph.chemical[0, 1] == 7 and graph.chemical[1, 0] == 5
    assert graph.attributes["neurotransmitters"] == ("gaba", "dopamine")


@pytest.mark.parametrize(
    "which, rows, header, message",
    [
        (
            "neurons",
            ["1,A", "2,B"],
            "id,type",
            r"neuPrint neurons '.*neurons.csv': missing required column\(s\) \['bodyId'\]",
        ),
        (
            "connections",
            ["1,2,EB"],
            "bodyId_pre,bodyId_post,roi",
            r"neuPrint connections '.*connections.csv': missing required column\(s\) \['weight'\]",
        ),
        (
            "neurons",
            ["1,A,a,Traced,S", "2,B,b,Traced,X"],
            "bodyId,type,instance,status,role",
            "neurons.csv': line 3: unknown role 'X'; expected S, I, M or NA",
        ),
        (
            "neurons",
            ["1,A,a,Traced", "1,B,b,Traced"],
            "bodyId,type,instance,status",
            r"neurons.csv': line 3: bodyId 1 appears twice \(first at line 2\)",
        ),
        (
            "neurons",
            ["1,A,a,Traced", "two,B,b,Traced"],
            "bodyId,type,instance,status",
            "neurons.csv': line 3: bodyId 'two' is not an integer id",
        ),
        (
            "connections",
            ["1,2,EB,3", "2,1,EB,-4"],
            NP_CONNECTIONS,
            "connections.csv': line 3: weight -4 is negative",
        ),
        (
            "connections",
            ["1,2,EB,3", "2,1,EB,many"],
            NP_CONNECTIONS,
            "connections.csv': line 3: weight 'many' is not a number",
        ),
        (
            "connections",
            ["1,2,EB,3", "2,1.5,EB,1"],
            NP_CONNECTIONS,
            "connections.csv': line 3: bodyId_post '1.5' is not an integer id",
        ),
    ],
)
def test_bad_neuprint_tables_are_refused(tmp_path, which, rows, header, message):
    neurons = ["1,A,a,Traced", "2,B,b,Traced"]
    connections = ["1,2,EB,3"]
    if which == "neurons":
        files = neuprint_files(tmp_path, rows, connections, header=header)
    else:
        files = neuprint_files(tmp_path, neurons, header="bodyId,type,instance,status")
        write(files[0], header, rows)
    with pytest.raises(ConnectomeError, match=message):
        ek.read_neuprint(*files)


# --- layers on a FlyWire connectome -------------------------------------------------------
def test_layers_take_signs_from_flywire_transmitters(codex):
    import keras
    from keras import ops

    from elegans_keras.layers import ConnectomeDense, ReservoirCell

    fly_brain = ek.read_flywire(*codex)
    gaba = np.array([t == "GABA" for t in fly_brain.attributes["neurotransmitters"]])
    assert gaba.tolist() == [False, True, False, False]
    mask = fly_brain.mask("chemical")

    dense = ConnectomeDense(fly_brain, "chemical", signs="neurotransmitter", seed=0)
    assert tuple(dense(np.ones((2, 4), dtype="float32")).shape) == (2, 4)
    kernel = np.asarray(ops.convert_to_numpy(dense.effective_kernel))
    assert ((kernel != 0) == mask).all()
    assert (kernel[gaba][mask[gaba]] < 0).all()  # B is GABA-ergic: its synapses inhibit
    assert (kernel[~gaba][mask[~gaba]] > 0).all()

    cell = ReservoirCell(fly_brain, synapses="chemical", signs="neurotransmitter", seed=0)
    values = cell.initial_recurrent
    assert ((values < 0) == gaba[cell.syn.presynaptic]).all()
    outputs = keras.layers.RNN(cell)(np.ones((2, 5, 3), dtype="float32"))
    assert tuple(outputs.shape) == (2, 4)
