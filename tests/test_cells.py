"""The C. elegans cell table and the readers that use it (issue 25, item 4).

Cook et al.'s whole-animal sheets list muscles, glia and end organs beside the
neurons; read as they were, every one of them became an interneuron. Now they
are recognised and left out by default (``cells="all"`` keeps them), known
neurons get their role by name, and unknown names are counted in a warning.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections import Counter
from pathlib import Path

import pytest

import elegans_keras as ek
from elegans_keras.connectome.cells import CELL_KINDS, cell_kinds, load_cell_table
from elegans_keras.errors import CellTableWarning, ConfigurationError, ConnectomeError

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bundle_connectomes.py"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def read_quietly(read, *args, **kwargs):
    """``read(*args, **kwargs)`` and the messages of the CellTableWarnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = read(*args, **kwargs)
    return result, [str(w.message) for w in caught if w.category is CellTableWarning]


# --- the table ---------------------------------------------------------------------------
def test_cell_table_kinds_and_roles():
    table = load_cell_table()
    assert len(table) == 800
    assert dict(Counter(table["kind"])) == {
        "neuron": 460,
        "muscle": 278,
        "glia": 28,
        "other": 19,
        "end_organ": 15,
    }
    assert set(table["kind"]) <= set(CELL_KINDS)
    neurons = table[table["kind"] == "neuron"]
    assert set(neurons["role"]) == {"S", "I", "M"}
    assert (table.loc[table["kind"] != "neuron", "role"] == "").all()
    assert not table["name"].str.lower().duplicated().any()
    # 302 hermaphrodite neurons + the male-specific ones, each cell once (one WormAtlas name)
    assert neurons["wormatlas_name"].nunique() == 395


@pytest.mark.parametrize(
    "name", ["celegans_herm", "varshney2011", "cook2019_herm", "witvliet2021_8"]
)
def test_bundled_worm_neurons_are_known_neurons(name):
    worm = ek.load_connectome(name)
    found = cell_kinds(worm.names)
    assert (found["kind"] == "neuron").all(), found[found["kind"] != "neuron"]
    if name != "celegans_herm":  # celegans_herm keeps circuitdata's roles
        assert tuple(found["role"]) == worm.roles


def test_cell_table_is_what_the_bundling_script_builds(raw_connectome_dir):
    spec = importlib.util.spec_from_file_location("bundle_connectomes", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.cell_table(raw_connectome_dir).equals(load_cell_table())


def test_spellings_and_case():
    found = cell_kinds(
        [
            "DA1",
            "DA01",
            "dBWML1",
            "MDL01",
            "pm1d",
            "mc1dl",
            "sph",
            "intL",
            "R1AL",
            "CEMDL",
            "dglL1",
            "hmc",
            "GLRDL",
            "XYZ",
        ]
    )
    assert list(found["kind"]) == [
        "neuron",
        "neuron",
        "muscle",
        "muscle",
        "muscle",
        "other",
        "muscle",
        "end_organ",
        "neuron",
        "neuron",
        "muscle",
        "end_organ",
        "glia",
        "",
    ]
    assert list(found["role"][:2]) == ["M", "M"]
    assert list(found["role"][8:10]) == ["S", "S"]  # male-specific sensory neurons


# --- Cook et al. 2019, hermaphrodite: adjacency sheets and edge list ----------------------
@pytest.fixture(scope="module")
def cook_sheets(raw_connectome_dir):
    return (
        raw_connectome_dir / "cook2019_herm_chem_adj.csv",
        raw_connectome_dir / "cook2019_herm_elec_adj.csv",
    )


def test_cook_adjacency_leaves_out_non_neurons(cook_sheets):
    cook, notes = read_quietly(ek.read_adjacency, *cook_sheets)
    assert notes == [
        f"adjacency matrix {str(cook_sheets[0])!r}: left out 171 of 473 cells "
        "that are not neurons (135 muscle, 10 glia, 10 end organ, 16 other); "
        "cells='all' keeps them"
    ]
    assert cook.num_neurons == 302  # every hermaphrodite neuron, pharynx and CAN included
    assert Counter(cook.roles) == {"S": 86, "I": 100, "M": 116}
    assert (cell_kinds(cook.names)["kind"] == "neuron").all()


def test_cook_adjacency_somatic_neurons_agree_with_the_bundled_cook2019(cook_sheets):
    cook, _ = read_quietly(ek.read_adjacency, *cook_sheets)
    bundled = ek.load_connectome("cook2019_herm")
    order = [cook.index(name) for name in bundled.names]
    assert tuple(cook.roles[k] for k in order) == bundled.roles
    assert abs(cook.chemical[order][:, order] - bundled.chemical).sum() == 0
    assert abs(cook.electrical[order][:, order] - bundled.electrical).sum() == 0
    extra = sorted(set(cook.names) - set(bundled.names))
    assert len(extra) == 22 and {"CANL", "CANR", "M1", "I1L", "NSML", "MCL"} <= set(extra)


def test_cook_adjacency_keeps_every_cell_when_asked(cook_sheets):
    everything, notes = read_quietly(ek.read_adjacency, *cook_sheets, cells="all")
    assert everything.num_neurons == 473 and len(notes) == 1 and "kept 171" in notes[0]
    neurons, _ = read_quietly(ek.read_adjacency, *cook_sheets)
    assert everything.subgraph(neurons.names).replace(name=neurons.name) == neurons
    untouched, notes = read_quietly(ek.read_adjacency, *cook_sheets, cells=None)
    assert untouched.num_neurons == 473 and notes == []
    assert set(untouched.roles) == {"I"}  # the reader's default, as before the table


def test_cook_edge_list_leaves_out_non_neurons(raw_connectome_dir):
    path = raw_connectome_dir / "herm_full_edgelist.csv"
    cook, notes = read_quietly(ek.read_edgelist, path)
    assert notes == [
        f"edge list {str(path)!r}: left out 148 of 448 cells that are not "
        "neurons (135 muscle, 4 end organ, 9 other); cells='all' keeps them"
    ]
    assert cook.num_neurons == 300
    assert Counter(cook.roles) == {"S": 86, "I": 98, "M": 116}
    assert cook.num_edges("chemical") == 3638
    bundled = ek.load_connectome("cook2019_herm")
    order = [cook.index(name) for name in bundled.names if name in cook.names]
    assert len(order) == 280  # all of them; the other 20 are pharyngeal
    assert tuple(cook.roles[k] for k in order) == tuple(
        r for n, r in zip(bundled.names, bundled.roles) if n in cook.names
    )


# --- small files -------------------------------------------------------------------------
def test_male_sheet_roles_non_neurons_and_unknown_names(tmp_path):
    chem = write(
        tmp_path / "male_chem.csv",
        "\ufeff,CA04,R1AL,SPCL,dglL1,hyp,XX9\nCA04,,2,,5,,\nR1AL,1,,3,,1,\nXX9,,,,,,7\n",
    )
    male, notes = read_quietly(ek.read_adjacency, chem)
    assert male.names == ("CA04", "R1AL", "XX9", "SPCL")
    assert male.roles == ("M", "S", "I", "S")  # XX9: unknown, the default role
    assert male.num_synapses("chemical") == 13  # CA04 -> dglL1 and R1AL -> hyp left out
    assert notes == [
        f"adjacency matrix {str(chem)!r}: 1 of 6 names are not in the C. elegans cell table "
        "('XX9'); their roles are the reader's",
        f"adjacency matrix {str(chem)!r}: left out 2 of 6 cells that are not neurons "
        "(1 muscle, 1 end organ); cells='all' keeps them",
    ]


def test_known_neurons_need_no_role_and_given_roles_win(tmp_path):
    path = write(tmp_path / "e.csv", "pre,post,count\nASHL,AVAL,2\nAVAL,DA01,1\n")
    worm, notes = read_quietly(ek.read_edgelist, path, default_role=None)
    assert dict(zip(worm.names, worm.roles)) == {"ASHL": "S", "AVAL": "I", "DA01": "M"}
    assert notes == []
    mine, _ = read_quietly(ek.read_edgelist, path, roles={"ASHL": "I"}, default_role=None)
    assert mine.roles[mine.index("ASHL")] == "I"
    unknown = write(tmp_path / "u.csv", "pre,post\nASHL,QQ1\n")
    with pytest.raises(ConnectomeError, match="neuron 'QQ1' has no role"):
        read_quietly(ek.read_edgelist, unknown, default_role=None)


def test_names_the_table_does_not_know_are_read_as_before(tmp_path):
    path = write(tmp_path / "e.csv", "pre,post,count\nA,B,2\nB,C,1\n")
    plain, notes = read_quietly(ek.read_edgelist, path)
    assert notes == [] and plain.roles == ("I", "I", "I")
    assert plain == ek.read_edgelist(path, cells=None)


def test_a_file_of_non_neurons_is_refused(tmp_path):
    path = write(tmp_path / "m.csv", "\ufeff,dBWML1,hyp\ndBWML1,,1\nhyp,2,\n")
    with pytest.raises(ConnectomeError, match="no neurons: all 2 cells are non-neurons"):
        read_quietly(ek.read_adjacency, path)
    muscles, _ = read_quietly(ek.read_adjacency, path, cells="all")
    assert muscles.names == ("dBWML1", "hyp")


@pytest.mark.parametrize("cells", ["neuron", "ALL", True, 0])
def test_cells_option_is_checked(tmp_path, cells):
    path = write(tmp_path / "e.csv", "pre,post\nA,B\n")
    with pytest.raises(ConfigurationError, match="cells="):
        ek.read_edgelist(path, cells=cells)
    with pytest.raises(ConfigurationError, match="cells="):
        ek.read_adjacency(write(tmp_path / "a.csv", ",A\nA,1\n"), cells=cells)
