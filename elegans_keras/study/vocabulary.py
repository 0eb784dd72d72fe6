"""The words of the topology study, defined once: families, variants, columns, statistics.

Example:
    >>> CONNECTOME in FAMILIES and NO_GRAPH in FAMILIES
    True
    >>> len(STUDY_ABLATIONS), ABLATION_LABELS["electrical"]
    (11, 'chemical only')
"""

from __future__ import annotations

from elegans_keras.connectome.nullmodels import NULL_MODELS

CONNECTOME = "connectome"
NO_GRAPH = "no_graph"
COMPLETE = "complete"
REWIRE = "rewire"
ABLATION = "ablation"
RANDOM_REMOVAL = "random_removal"
ABLATION_FAMILIES = (ABLATION, RANDOM_REMOVAL)
BASELINE_FAMILIES = (NO_GRAPH, COMPLETE)
FAMILIES = (CONNECTOME, *BASELINE_FAMILIES, *NULL_MODELS, *ABLATION_FAMILIES)
NULL_FAMILIES = (
    CONNECTOME,
    NO_GRAPH,
    COMPLETE,
    REWIRE,
    "degree_preserving",
    "shuffle_weights",
    "erdos_renyi",
    "watts_strogatz",
    "barabasi_albert",
)
P_VALUES = (0.1, 0.2, 0.4, 0.6, 0.8, 1.0)
# Every synapse class of ablation.ABLATIONS: the nine role-to-role classes and the two types.
STUDY_ABLATIONS = (
    "S->I",
    "I->M",
    "I->I",
    "S->S",
    "I->S",
    "M->M",
    "S->M",
    "M->I",
    "M->S",
    "chemical",
    "electrical",
)
# What remains after removing a whole synapse type: the network the ablation leaves.
ABLATION_LABELS = {"chemical": "electrical only", "electrical": "chemical only"}

# Initial synaptic values: "count" (log(1 + count) magnitudes, random signs: the
# default and the reference), "random" (counts ignored), "neurotransmitter"
# (count magnitudes, signs from the presynaptic transmitter).
DEFAULT_WEIGHTS = "count"
WEIGHT_VARIANTS = ("count", "random", "neurotransmitter")

# One arm of a results CSV (one report block; its tests are corrected together).
ARM_COLUMNS = ("task", "mode", "budget", "connectome")
CONDITION = ("family", "p", "ablation", "weights")
KEY_COLUMNS = (*ARM_COLUMNS, *CONDITION, "seed")
CONTEXT = (*ARM_COLUMNS, "spectral_radius")

# Graph statistics correlated with each metric and drawn against it.
CORRELATES = (
    "graph_homophily_ratio",
    "graph_homophily_S",
    "graph_homophily_I",
    "graph_homophily_M",
    "graph_role_assortativity",
    "graph_sigma",
    "graph_clustering",
    "graph_path_length",
    "graph_spectral_radius_binary",
)
