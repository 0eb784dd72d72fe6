"""networkx graphs <-> :class:`Connectome` (the neurodata schema)."""

from __future__ import annotations

import networkx as nx
import pandas as pd

from elegans_keras.connectome.core import ATTRIBUTE_NAMES, Connectome
from elegans_keras.connectome.tables import build_connectome, synapse_type


def to_networkx(connectome: Connectome) -> nx.MultiDiGraph:
    """A MultiDiGraph in the neurodata schema.

    Nodes are neuron names with ``role`` (S/I/M) and the per-neuron
    attributes; edges carry ``synapse_type`` ("C" or "E") and ``weight``.
    Electrical junctions appear in both directions.

    Example:
        >>> to_networkx(load_connectome()).number_of_edges()
        3225
    """
    graph = nx.MultiDiGraph(name=connectome.name, citation=connectome.citation)
    for i, label in enumerate(connectome.names):
        data = {k: v[i] for k, v in connectome.attributes.items() if v[i] is not None}
        graph.add_node(label, role=connectome.roles[i], **data)
    for kind, matrix in (("C", connectome.chemical), ("E", connectome.electrical)):
        coo = matrix.tocoo()
        graph.add_edges_from(
            (connectome.names[i], connectome.names[j], {"synapse_type": kind, "weight": w})
            for i, j, w in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist())
        )
    return graph


def from_networkx(
    graph: nx.Graph,
    default_role: str = "I",
    name: str | None = None,
    citation: str = "",
) -> Connectome:
    """Build a connectome from any networkx graph.

    Node attribute ``role`` (S/I/M/NA) gives the role, ``default_role``
    where absent. Edge attribute ``synapse_type`` ("C"/"E", or
    "chemical"/"electrical") defaults to chemical; ``weight`` defaults to 1.
    Undirected graphs give symmetric chemical edges.

    Example:
        >>> from_networkx(nx.path_graph(3)).num_edges("chemical")
        4
    """
    label = name or graph.graph.get("name") or "networkx"
    source = f"networkx graph {label!r}"
    nodes = []
    for node, data in graph.nodes(data=True):
        record = {"name": str(node), "role": data.get("role", default_role)}
        record.update({k: data[k] for k in ATTRIBUTE_NAMES if k in data})
        nodes.append(record)
    edges = []
    for pre, post, data in graph.edges(data=True):
        edge = {
            "pre": str(pre),
            "post": str(post),
            "type": synapse_type(data.get("synapse_type", "C"), f"{source}: edge {pre} -> {post}"),
            "count": data.get("weight", 1.0),
        }
        edges.append(edge)
        if not graph.is_directed() and edge["type"] == "C" and pre != post:
            edges.append({**edge, "pre": str(post), "post": str(pre)})
    synapses = pd.DataFrame(edges, columns=["pre", "post", "type", "count"])
    return build_connectome(pd.DataFrame(nodes), synapses, source, name=label, citation=citation)
