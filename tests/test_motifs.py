"""Three-neuron motifs and modularity (issue 22's structure analysis): against brute force and
networkx's triad census, and on graphs whose modularity is known in closed form."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from elegans_keras.connectome.motifs import modularity, triad_motifs


def brute_force_motifs(mask: np.ndarray) -> dict[str, int]:
    n = len(mask)
    ffl = sum(
        1
        for i, j, k in itertools.permutations(range(n), 3)
        if mask[i, j] and mask[j, k] and mask[i, k]
    )
    cycles = sum(
        1
        for i, j, k in itertools.permutations(range(n), 3)
        if mask[i, j] and mask[j, k] and mask[k, i]
    )
    return {"feedforward_loops": ffl, "cycles": cycles // 3}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_triad_motifs_count_what_brute_force_counts(seed):
    rng = np.random.default_rng(seed)
    mask = (rng.random((12, 12)) < 0.3).astype(int)  # with reciprocal pairs and self-loops
    assert triad_motifs(mask) == brute_force_motifs(mask * (1 - np.eye(12, dtype=int)))


def test_without_reciprocal_pairs_the_motifs_are_the_triad_census():
    rng = np.random.default_rng(3)
    upper = np.triu(rng.random((15, 15)) < 0.4, 1)
    flip = rng.random((15, 15)) < 0.5
    mask = (upper & ~flip) | (upper & flip).T  # one direction per pair at most
    census = nx.triadic_census(nx.DiGraph(mask.astype(int)))
    assert triad_motifs(mask) == {
        "feedforward_loops": census["030T"],
        "cycles": census["030C"],
    }


def test_two_disconnected_cliques_have_modularity_one_half():
    clique = np.ones((5, 5), dtype=int) - np.eye(5, dtype=int)
    two = np.block([[clique, np.zeros((5, 5), int)], [np.zeros((5, 5), int), clique]])
    assert modularity(two) == pytest.approx(0.5)
    assert modularity(np.zeros((4, 4))) == 0.0
    assert modularity(clique) == pytest.approx(0.0)


def test_the_worm_is_more_modular_and_richer_in_feedforward_loops_than_a_random_graph(worm):
    from elegans_keras.study.plan import Run, make_graph

    randomized = make_graph(worm, Run("erdos_renyi", seed=0))
    assert modularity(worm) > modularity(randomized) + 0.1
    assert (
        triad_motifs(worm)["feedforward_loops"] > 2 * triad_motifs(randomized)["feedforward_loops"]
    )


def test_graph_structure_is_measured_once_and_kept_next_to_the_csvs(tmp_path, monkeypatch):
    from elegans_keras.study import graph_structure
    from elegans_keras.study.arms import graph_table
    from elegans_keras.study.scarce import example_scarce_arm

    graphs = graph_table({"a": example_scarce_arm(2)}, metric="test_accuracy")
    graphs = pd.concat([graphs, graphs.iloc[:1].assign(connectome="toy")], ignore_index=True)
    with pytest.warns(UserWarning, match="'toy' left out"):
        table = graph_structure.update_graph_structure(tmp_path, graphs)
    assert len(table) == 3  # the connectome and two Erdős-Rényi draws; no_graph and toy left out
    joined = graph_structure.with_graph_structure(graphs, table)
    worm = joined[(joined["family"] == "connectome") & (joined["connectome"] == "celegans_herm")]
    assert worm["graph_cycles"].iloc[0] == triad_motifs("celegans_herm")["cycles"]
    assert joined[joined["connectome"] == "toy"]["graph_modularity"].isna().all()

    def refuse(*args):
        raise AssertionError("measured again")

    monkeypatch.setattr(graph_structure, "measure_graph", refuse)
    again = graph_structure.update_graph_structure(tmp_path, graphs.iloc[:-1])
    assert again.equals(graph_structure.read_graph_structure(tmp_path))
