"""Modularity and triad motifs of every graph of the study, computed after the runs.

A run records the graph statistics of its day (the ``graph_*`` columns of its
CSV row); modularity and the motif counts came later. Every graph of the
study is redrawn here (:func:`~elegans_keras.study.plan.make_graph` is
deterministic in the run's seed), measured with
:func:`~elegans_keras.connectome.motifs.modularity` and
:func:`~elegans_keras.connectome.motifs.triad_motifs`, and kept in
``topology_graph_structure.csv`` next to the study's CSVs, one row per graph
(:data:`GRAPH_KEYS`). :func:`with_graph_structure` joins those columns to a
:func:`~elegans_keras.study.arms.graph_table`; graphs not measured yet get NaN.

Example:
    >>> measure_graph("celegans_herm", "connectome", None, None, -1)["graph_cycles"]
    516
"""

from __future__ import annotations

import functools
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from elegans_keras.atomic import atomic_path
from elegans_keras.connectome.core import Connectome
from elegans_keras.connectome.motifs import modularity, triad_motifs
from elegans_keras.connectome.resolver import resolve_connectome
from elegans_keras.errors import ElegansKerasError
from elegans_keras.study.plan import Run, make_graph
from elegans_keras.study.vocabulary import NO_GRAPH

STRUCTURE_CSV = "topology_graph_structure.csv"
# One graph: its connectome, family, variant and the seed that drew it (-1: a fixed graph).
GRAPH_KEYS = ("connectome", "family", "p", "ablation", "graph_seed")
LATE_STATISTICS = ("graph_modularity", "graph_feedforward_loops", "graph_cycles")


@functools.lru_cache(maxsize=16)
def _base(name: str) -> Connectome:
    return resolve_connectome(name)


def _optional(value: object) -> object:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def measure_graph(
    connectome: str, family: str, p: float | None, ablation: str | None, graph_seed: int
) -> dict[str, float]:
    """The :data:`LATE_STATISTICS` of one study graph, redrawn from its run's identity.

    Modularity uses every synapse (undirected, Louvain seeded with 0); the
    motifs count chemical synapses.
    """
    run = Run(
        family,
        seed=max(int(graph_seed), 0),
        p=None if _optional(p) is None else float(p),  # type: ignore[arg-type]
        ablation=_optional(ablation),  # type: ignore[arg-type]
    )
    graph = make_graph(_base(connectome), run)
    motifs = triad_motifs(graph)
    return {
        "graph_modularity": modularity(graph),
        "graph_feedforward_loops": motifs["feedforward_loops"],
        "graph_cycles": motifs["cycles"],
    }


def _key_frame(graphs: pd.DataFrame) -> pd.DataFrame:
    keys = graphs[list(GRAPH_KEYS)].copy()
    keys["p"] = keys["p"].astype(float)
    keys["ablation"] = keys["ablation"].astype(object).where(keys["ablation"].notna(), None)
    keys["graph_seed"] = keys["graph_seed"].astype(int)
    return keys


def read_graph_structure(folder: str | os.PathLike) -> pd.DataFrame:
    """The measured graphs of ``folder`` (empty, with the columns, when none yet)."""
    path = Path(folder) / STRUCTURE_CSV
    if not path.is_file():
        return pd.DataFrame(columns=[*GRAPH_KEYS, *LATE_STATISTICS])
    return pd.read_csv(path, dtype={"ablation": object})


def update_graph_structure(folder: str | os.PathLike, graphs: pd.DataFrame) -> pd.DataFrame:
    """Measure the graphs of ``graphs`` (a graph table) not yet in ``folder``'s structure CSV.

    Graphs whose connectome cannot be loaded (a toy name) are left out with a
    warning. The CSV is rewritten atomically with the old and new rows;
    returns it.
    """
    known = read_graph_structure(folder)
    wanted = _key_frame(graphs[graphs["family"] != NO_GRAPH]).drop_duplicates()
    merged = wanted.merge(_key_frame(known), how="left", on=list(GRAPH_KEYS), indicator=True)
    missing = merged[merged["_merge"] == "left_only"][list(GRAPH_KEYS)]
    if missing.empty:
        return known
    rows, skipped = [], set()
    for key in missing.itertuples(index=False):
        if key.connectome in skipped:
            continue
        try:
            values = measure_graph(*key)
        except ElegansKerasError as error:
            skipped.add(key.connectome)
            warnings.warn(f"graph structure of {key.connectome!r} left out: {error}", stacklevel=2)
            continue
        rows.append({**key._asdict(), **values})
    table = pd.concat([known, pd.DataFrame(rows)], ignore_index=True) if rows else known
    with atomic_path(Path(folder) / STRUCTURE_CSV) as temporary:
        table.to_csv(temporary, index=False)
    return table


def with_graph_structure(graphs: pd.DataFrame, structure: pd.DataFrame) -> pd.DataFrame:
    """``graphs`` with the :data:`LATE_STATISTICS` of ``structure`` joined by graph (NaN if absent).

    Example:
        >>> graphs = pd.DataFrame({"connectome": ["w"], "family": ["connectome"], "p": [None],
        ...                        "ablation": [None], "graph_seed": [-1]})
        >>> measured = graphs.assign(graph_modularity=0.4, graph_feedforward_loops=9,
        ...                          graph_cycles=1)
        >>> float(with_graph_structure(graphs, measured)["graph_modularity"].iloc[0])
        0.4
    """
    if graphs.empty:
        return graphs
    keys = _key_frame(graphs)
    measured = _key_frame(structure).join(structure[list(LATE_STATISTICS)])
    joined = keys.merge(measured.drop_duplicates(list(GRAPH_KEYS)), how="left", on=list(GRAPH_KEYS))
    result = graphs.drop(columns=[c for c in LATE_STATISTICS if c in graphs.columns])
    return result.assign(**{c: joined[c].to_numpy() for c in LATE_STATISTICS})
