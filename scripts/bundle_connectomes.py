"""Regenerate the bundled connectome tables from the raw published files.

Usage:
    python scripts/bundle_connectomes.py [RAW_DIR] [--check]

RAW_DIR defaults to ../shared/data (the project's copy of the raw files, with
``connectome/`` and ``drosophila_larva/``; see the README's data provenance). Writes
``elegans_keras/connectome/data/<name>.{neurons,synapses}.csv`` and prints the
counts of each connectome; ``--check`` compares with the committed tables
instead of writing and exits 1 on any difference. Needs
``python-calamine`` (the ``data`` extra) to read the Excel files.

Rules:
- ``celegans_herm`` (the default): the wiring of NeuronConnect.xls (as
  ``varshney2011``) with the role, cell class, soma position and transmitter
  that the circuitdata / Elegans-AI GraphML gives each neuron *name* (those
  columns follow the names; only the GraphML's wiring is shifted).
- ``elegans_ai_paper``: the GraphML read as it is.
- Roles of ``varshney2011``, ``cook2019_herm`` and ``witvliet2021_*``: sensory
  (S) if the WormAtlas ``Sensory`` table lists the neuron, else motor (M) if it
  makes neuromuscular junctions (``NMJ`` rows of NeuronConnect.xls or the
  WormAtlas ``NeuronsToMuscle`` table), else interneuron (I); their cell
  class, soma position and transmitter come from the GraphML by name.
- ``drosophila_larva``: neurons named by skeleton id; role from
  ``meta_data.csv``'s ``io`` (input S, inter I, output M); cell class its
  ``merge_class``.
- ``cells.csv`` (the C. elegans cell table, both sexes): every cell of WormAtlas'
  ``all_cell_info.csv`` and neuron of ``IndividualNeurons.csv`` (both from the
  ``cect`` 0.3.5 package, MIT licence, which took them from WormAtlas). A cell
  is a neuron if ``IndividualNeurons.csv`` lists it or its WormAtlas type
  names a neuron; other cells get their kind from the type (:data:`CELL_KINDS`).
  Neuron roles: the rule above for the 281 neurons of NeuronConnect.xls; for
  the others (pharyngeal, CAN, male-specific) S if the type says sensory, else
  M if the type or classification says motor or "innervates", else I. Other
  spellings of the same cell get rows too (:func:`spellings`): Cook's and
  Varshney's zero-padded cord neurons (``DA01``), Cook's body-wall muscles
  (``dBWML1`` = ``MDL01``), split ``pm1`` and the edge list's ``intL`` / ``sph``
  / ``anal``. Names are unique ignoring case (readers match them that way).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

import networkx as nx
import pandas as pd

from elegans_keras.connectome.adjacency import read_adjacency
from elegans_keras.connectome.bundled import CITATIONS, PAPER_CONNECTOME, _load
from elegans_keras.connectome.cells import CELL_TABLE, load_cell_table
from elegans_keras.connectome.core import ATTRIBUTE_NAMES, Connectome
from elegans_keras.connectome.graphml import read_graphml
from elegans_keras.connectome.tables import (
    build_connectome,
    connectome_from_records,
    neuron_table,
    synapse_table,
)

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "elegans_keras" / "connectome" / "data"
WITVLIET_FILES = (
    "witvliet_2020_1_L1.xlsx",
    "witvliet_2020_2_L1.xlsx",
    "witvliet_2020_3_L1.xlsx",
    "witvliet_2020_4_L1.xlsx",
    "witvliet_2020_5_L2.xlsx",
    "witvliet_2020_6_L3.xlsx",
    "witvliet_2020_7_adult.xlsx",
    "witvliet_2020_8_adult.xlsx",
)


def varshney_tables(raw: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """Varshney 2011 synapse rows (upper-cased names) and the WormAtlas role rule."""
    table = pd.read_excel(raw / "NeuronConnect.xls", engine="calamine")
    for column in ("Neuron 1", "Neuron 2"):
        table[column] = table[column].astype(str).str.strip().str.upper()
    atlas = raw / "CElegansNeuronTables.xls"
    sensory = _neuron_column(atlas, "Sensory")
    to_muscle = _neuron_column(atlas, "NeuronsToMuscle")
    motor = to_muscle | set(table.loc[table["Type"] == "NMJ", "Neuron 1"])
    names = (set(table["Neuron 1"]) | set(table["Neuron 2"])) - {"NMJ"}
    roles = {n: "S" if n in sensory else "M" if n in motor else "I" for n in sorted(names)}
    return table, roles


def _neuron_column(workbook: Path, sheet: str) -> set[str]:
    table = pd.read_excel(workbook, sheet, engine="calamine")
    return set(table["Neuron"].astype(str).str.strip())


def varshney2011(raw: Path) -> Connectome:
    table, roles = varshney_tables(raw)
    chemical = table[table["Type"].isin(["S", "Sp"])]
    electrical = table[table["Type"] == "EJ"]
    graph = nx.Graph()
    graph.add_edges_from(zip(chemical["Neuron 1"], chemical["Neuron 2"]))
    graph.add_edges_from(zip(electrical["Neuron 1"], electrical["Neuron 2"]))
    connected = max(nx.connected_components(graph), key=len)
    edges = [
        {"pre": a, "post": b, "type": kind, "count": n}
        for rows, kind in ((chemical, "C"), (electrical, "E"))
        for a, b, n in zip(rows["Neuron 1"], rows["Neuron 2"], rows["Nbr"])
        if a in connected and b in connected
    ]
    nodes = [{"name": n, "role": r} for n, r in roles.items() if n in connected]
    return connectome_from_records(
        nodes, edges, "NeuronConnect.xls", "varshney2011", CITATIONS["varshney2011"]
    )


def from_edge_rows(rows: pd.DataFrame, roles: dict[str, str], name: str, source: str) -> Connectome:
    """Keep the somatic neurons (those of the Varshney table) of an edge table."""
    rows = rows[rows["pre"].isin(roles) & rows["post"].isin(roles)]
    present = set(rows["pre"]) | set(rows["post"])
    nodes = [{"name": n, "role": r} for n, r in roles.items() if n in present]
    return connectome_from_records(nodes, rows.to_dict("records"), source, name, CITATIONS[name])


def cook2019(raw: Path, roles: dict[str, str]) -> Connectome:
    """Cook 2019 from the SI 5 adjacency matrices ("corrected July 2020"), somatic neurons."""
    whole = read_adjacency(
        raw / "cook2019_herm_chem_adj.csv", raw / "cook2019_herm_elec_adj.csv", cells=None
    )
    rows = synapse_table(whole)
    return from_edge_rows(rows, roles, "cook2019_herm", "cook2019_herm_*_adj.csv")


def witvliet2021(raw: Path, roles: dict[str, str], index: int) -> Connectome:
    filename = WITVLIET_FILES[index - 1]
    table = pd.read_excel(raw / filename, engine="calamine")
    rows = pd.DataFrame(
        {
            "pre": table["pre"].astype(str).str.strip(),
            "post": table["post"].astype(str).str.strip(),
            "type": table["type"],
            "count": table["synapses"],
        }
    )
    return from_edge_rows(rows, roles, f"witvliet2021_{index}", filename)


def with_paper_columns(
    connectome: Connectome, paper: Connectome, roles: bool, name: str
) -> Connectome:
    """``connectome`` with the GraphML's per-name attributes (and roles, if asked)."""
    position = {label: i for i, label in enumerate(paper.names)}
    rows = [position.get(label) for label in connectome.names]
    attributes = {
        key: tuple(None if i is None else paper.attributes[key][i] for i in rows)
        for key in ATTRIBUTE_NAMES
    }
    changes = {"attributes": attributes, "name": name, "citation": CITATIONS[name]}
    if roles:
        changes["roles"] = tuple(paper.roles[i] for i in rows)
    return connectome.replace(**changes)


def drosophila_larva(raw: Path) -> Connectome:
    folder = raw / "drosophila_larva"
    nodes = pd.read_csv(folder / "maggot_subset_nodes.csv")
    meta = pd.read_csv(folder / "meta_data.csv", index_col=0)
    io = meta.loc[nodes["node_id"], "io"].map({"input": "S", "inter": "I", "output": "M"})
    neurons = pd.DataFrame(
        {
            "name": nodes["node_id"].astype(str),
            "role": io.to_numpy(),
            "cell_class": meta.loc[nodes["node_id"], "merge_class"].to_numpy(),
        }
    )
    edges = pd.read_csv(
        folder / "maggot_subset_edgelist.csv",
        header=None,
        names=["pre", "post", "count"],
        dtype={"pre": str, "post": str},
    )
    return build_connectome(
        neurons,
        edges.assign(type="C"),
        "maggot_subset_edgelist.csv",
        "drosophila_larva",
        CITATIONS["drosophila_larva"],
    )


def build_all(raw: Path) -> list[Connectome]:
    worm = raw / "connectome"
    _, roles = varshney_tables(worm)
    paper = read_graphml(
        worm / "celegans_herm.graphml", name=PAPER_CONNECTOME, citation=CITATIONS[PAPER_CONNECTOME]
    )
    varshney = varshney2011(worm)
    built = [
        with_paper_columns(varshney, paper, True, "celegans_herm"),
        paper,
        with_paper_columns(varshney, paper, False, "varshney2011"),
    ]
    built.append(with_paper_columns(cook2019(worm, roles), paper, False, "cook2019_herm"))
    built += [
        with_paper_columns(witvliet2021(worm, roles, k), paper, False, f"witvliet2021_{k}")
        for k in range(1, 9)
    ]
    return built + [drosophila_larva(raw)]


# WormAtlas cell types -> kind, by lower-case word, first match (neurons are found before).
CELL_KINDS = (
    ("glia", ("sheath", "glr cell", "ray structural")),
    ("muscle", ("muscle", "oblique", "erector", "retractor", "protractor")),
    (
        "end_organ",
        ("gland", "excretory", "intestine", "hypodermis", "gonad", "proctodeum", "mesodermal"),
    ),
    ("other", ("epithelium", "marginal cell", "basement membrane")),
)
CORD = re.compile(r"(AS|DA|DB|DD|VA|VB|VC|VD|CA|CP)(\d)")
BODY_WALL = re.compile(r"M([DV])([LR])(\d\d)")
EXTRA_SPELLINGS = {
    "int": ("intL", "intR", "intestine"),
    "mu_sph": ("sph",),
    "mu_anal": ("anal",),
    "pm1": ("pm1D", "pm1VL", "pm1VR"),
}


def _atlas_cells(raw: Path) -> pd.DataFrame:
    """name, type, classification of all_cell_info.csv and IndividualNeurons.csv (neuron flag)."""
    with open(raw / "all_cell_info.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    cells = pd.DataFrame(
        {
            "name": [r[0].strip() for r in rows],
            "type": [r[1] for r in rows],
            "classification": [r[-1] for r in rows],
        }
    )
    listed = pd.read_csv(
        raw / "IndividualNeurons.csv",
        sep=";",
        comment="#",
        header=None,
        names=["name", "details", "lineage", "classification"],
        dtype=str,
    )
    listed["name"] = listed["name"].str.strip()
    listed = listed[~listed["name"].str.contains("/")].drop_duplicates("name")
    neurons = set(listed["name"].map(_padded))
    extra = listed[~listed["name"].map(_padded).isin(set(cells["name"].map(_padded)))]
    cells = pd.concat(
        [
            cells,
            pd.DataFrame(
                {"name": extra["name"], "type": "neuron", "classification": extra["classification"]}
            ),
        ]
    )
    cells["neuron"] = cells["name"].map(_padded).isin(neurons) | cells["type"].str.contains(
        "neuron", case=False
    )
    return cells.reset_index(drop=True)


def _padded(name: str) -> str:
    """Cord neurons as Cook and Varshney spell them: ``DA1`` -> ``DA01``."""
    return CORD.sub(r"\g<1>0\2", name) if CORD.fullmatch(name) else name


def _kind(cell: pd.Series) -> str:
    if cell["neuron"]:
        return "neuron"
    text = cell["type"].lower()
    kind = next((kind for kind, words in CELL_KINDS if any(w in text for w in words)), None)
    if kind is None:
        raise ValueError(
            f"all_cell_info.csv: cell {cell['name']!r}: type {cell['type']!r} "
            "has no kind in CELL_KINDS"
        )
    return kind


def _role(cell: pd.Series, roles: dict[str, str]) -> str:
    if _padded(cell["name"]) in roles:
        return roles[_padded(cell["name"])]
    text = f"{cell['type']} {cell['classification']}".lower()
    if "sensory" in cell["type"].lower():
        return "S"
    return "M" if "motor" in text or "innervates" in text else "I"


def spellings(name: str) -> list[str]:
    """Every spelling of a WormAtlas cell name in the published connectome files.

    Example:
        >>> spellings("DA1"), spellings("MDL01"), spellings("ADAL")
        (['DA01', 'DA1'], ['MDL01', 'dBWML1'], ['ADAL'])
    """
    if CORD.fullmatch(name):
        return [_padded(name), name]
    wall = BODY_WALL.fullmatch(name)
    if wall:
        return [name, f"{wall[1].lower()}BWM{wall[2]}{int(wall[3])}"]
    return [name, *EXTRA_SPELLINGS.get(name, ())]


def cell_table(raw: Path) -> pd.DataFrame:
    """The C. elegans cell table: name, kind, role (neurons), WormAtlas name and type."""
    _, roles = varshney_tables(raw)
    cells = _atlas_cells(raw)
    cells["kind"] = cells.apply(_kind, axis=1)
    cells["role"] = [_role(c, roles) if c["neuron"] else "" for _, c in cells.iterrows()]
    table = pd.DataFrame(
        [
            {
                "name": spelling,
                "kind": c["kind"],
                "role": c["role"],
                "wormatlas_name": c["name"],
                "wormatlas_type": c["type"],
            }
            for _, c in cells.iterrows()
            for spelling in spellings(c["name"])
        ]
    )
    folded = table["name"].str.lower()
    twice = table[folded.duplicated(keep=False)]
    if not twice.empty:
        raise ValueError(f"cell names equal ignoring case: {sorted(twice['name'])}")
    missing = set(roles) - set(table["name"])
    if missing:
        raise ValueError(f"NeuronConnect.xls neurons missing from the cell table: {missing}")
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", nargs="?", default=str(ROOT.parent / "shared/data"))
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed tables instead of writing"
    )
    args = parser.parse_args(argv)
    cells = cell_table(Path(args.raw) / "connectome")
    print(
        f"cells.csv        {len(cells)} names: "
        + ", ".join(f"{k} {n}" for k, n in cells["kind"].value_counts().items())
    )
    if args.check:
        same = cells.equals(load_cell_table().reindex(columns=cells.columns).fillna(""))
        print("  matches bundled table" if same else "  DIFFERS from bundled table")
        failures = int(not same)
    else:
        cells.to_csv(OUT_DIR / CELL_TABLE, index=False)
        failures = 0
    for connectome in build_all(Path(args.raw)):
        summary = connectome.summary()
        print(
            f"{connectome.name:16s} neurons={summary['neurons']} "
            f"S/I/M={summary['sensory']}/{summary['inter']}/{summary['motor']} "
            f"chemical={summary['chemical_pairs']} ({summary['chemical_synapses']:.0f} synapses) "
            f"electrical={summary['electrical_pairs']}"
        )
        if args.check:
            same = _load(connectome.name) == connectome
            failures += not same
            print("  matches bundled tables" if same else "  DIFFERS from bundled tables")
            continue
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        neuron_table(connectome).to_csv(OUT_DIR / f"{connectome.name}.neurons.csv", index=False)
        synapse_table(connectome).to_csv(OUT_DIR / f"{connectome.name}.synapses.csv", index=False)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
