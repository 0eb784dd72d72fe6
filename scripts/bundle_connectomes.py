"""Regenerate the bundled connectome tables from the raw published files.

Usage:
    python scripts/bundle_connectomes.py [RAW_DIR] [--check]

RAW_DIR defaults to ../shared/data/connectome (the project's copy of the raw
files; see the README's data provenance). Writes
``elegans_keras/connectome/data/<name>.{neurons,synapses}.csv`` and prints the
counts of each connectome; ``--check`` compares with the committed tables
instead of writing and exits 1 on any difference. Needs
``python-calamine`` (the ``data`` extra) to read the Excel files.

Role rule for Varshney 2011, Cook 2019 and Witvliet 2021: a neuron is
sensory (S) if the WormAtlas ``Sensory`` table lists it, else motor (M) if it
makes neuromuscular junctions (``NMJ`` rows of NeuronConnect.xls or the
WormAtlas ``NeuronsToMuscle`` table), else interneuron (I).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import networkx as nx
import pandas as pd

from elegans_keras.connectome.core import Connectome
from elegans_keras.connectome.graphml import read_graphml
from elegans_keras.connectome.tables import (
    connectome_from_records,
    neuron_table,
    synapse_table,
)
from elegans_keras.connectome.bundled import CITATIONS, load_connectome

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "elegans_keras" / "connectome" / "data"
WITVLIET_FILES = (
    "witvliet_2020_1_L1.xlsx", "witvliet_2020_2_L1.xlsx", "witvliet_2020_3_L1.xlsx",
    "witvliet_2020_4_L1.xlsx", "witvliet_2020_5_L2.xlsx", "witvliet_2020_6_L3.xlsx",
    "witvliet_2020_7_adult.xlsx", "witvliet_2020_8_adult.xlsx",
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


def from_edge_rows(
    rows: pd.DataFrame, roles: dict[str, str], name: str, source: str
) -> Connectome:
    """Keep the somatic neurons (those of the Varshney table) of an edge table."""
    rows = rows[rows["pre"].isin(roles) & rows["post"].isin(roles)]
    present = set(rows["pre"]) | set(rows["post"])
    nodes = [{"name": n, "role": r} for n, r in roles.items() if n in present]
    return connectome_from_records(
        nodes, rows.to_dict("records"), source, name, CITATIONS[name]
    )


def cook2019(raw: Path, roles: dict[str, str]) -> Connectome:
    table = pd.read_csv(raw / "herm_full_edgelist.csv")
    rows = pd.DataFrame({
        "pre": table["Source"].str.strip(), "post": table["Target"].str.strip(),
        "type": table["Type"].str.strip(), "count": table["Weight"],
    })
    return from_edge_rows(rows, roles, "cook2019_herm", "herm_full_edgelist.csv")


def witvliet2021(raw: Path, roles: dict[str, str], index: int) -> Connectome:
    filename = WITVLIET_FILES[index - 1]
    table = pd.read_excel(raw / filename, engine="calamine")
    rows = pd.DataFrame({
        "pre": table["pre"].astype(str).str.strip(), "post": table["post"].astype(str).str.strip(),
        "type": table["type"], "count": table["synapses"],
    })
    return from_edge_rows(rows, roles, f"witvliet2021_{index}", filename)


def build_all(raw: Path) -> list[Connectome]:
    _, roles = varshney_tables(raw)
    default = read_graphml(raw / "celegans_herm.graphml", name="celegans_herm",
                           citation=CITATIONS["celegans_herm"])
    built = [default, varshney2011(raw), cook2019(raw, roles)]
    built += [witvliet2021(raw, roles, k) for k in range(1, 9)]
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", nargs="?", default=str(ROOT.parent / "shared/data/connectome"))
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed tables instead of writing")
    args = parser.parse_args(argv)
    failures = 0
    for connectome in build_all(Path(args.raw)):
        summary = connectome.summary()
        print(f"{connectome.name:16s} neurons={summary['neurons']} "
              f"S/I/M={summary['sensory']}/{summary['inter']}/{summary['motor']} "
              f"chemical={summary['chemical_pairs']} ({summary['chemical_synapses']:.0f} synapses) "
              f"electrical={summary['electrical_pairs']}")
        if args.check:
            same = load_connectome(connectome.name) == connectome
            failures += not same
            print("  matches bundled tables" if same else "  DIFFERS from bundled tables")
            continue
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        neuron_table(connectome).to_csv(OUT_DIR / f"{connectome.name}.neurons.csv", index=False)
        synapse_table(connectome).to_csv(OUT_DIR / f"{connectome.name}.synapses.csv", index=False)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
