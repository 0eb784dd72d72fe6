"""networkx graphs <-> :class:`Connectome` (the neurodata schema)."""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import pandas as pd

from elegans_keras.connectome.core import ATTRIBUTE_NAMES, Connectome
from elegans_keras.connectome.keywords import legacy_positional
from elegans_keras.connectome.tables import build_connectome, synapse_type
from elegans_keras.errors import ConnectomeError


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


@legacy_positional(("default_role", "name", "citation"))
def from_networkx(
    graph: nx.Graph,
    *,
    roles: Mapping[str, str] | None = None,
    default_role: str | None = "I",
    name: str | None = None,
    citation: str = "",
) -> Connectome:
    """Build a connectome from any networkx graph.

    A node's role, as in every reader: ``roles[name]`` when ``roles`` names
    it (a name the graph lacks is an error), else the node attribute ``role``
    (S/I/M/NA), else ``default_role`` (None: an error). Everything after
    ``graph`` is a keyword; last release's positional ``from_networkx(graph,
    default_role, name, citation)`` still works, with a ``DeprecationWarning``.

    Edge attribute ``synapse_type`` ("C"/"E", or "chemical"/"electrical")
    defaults to chemical; ``weight`` defaults to 1. Undirected graphs give
    symmetric chemical edges.

    Example:
        >>> from_networkx(nx.path_graph(3)).num_edges("chemical")
        4
    """
    label = name or graph.graph.get("name") or "networkx"
    source = f"networkx graph {label!r}"
    roles = {str(key): role for key, role in (roles or {}).items()}
    absent = set(roles) - {str(node) for node in graph.nodes}
    if absent:
        raise ConnectomeError(
            f"{source}: roles= names neuron {sorted(absent)[0]!r}, which the graph does not list"
        )
    nodes = []
    for node, data in graph.nodes(data=True):
        role = roles.get(str(node), data.get("role", default_role))
        if role is None:
            raise ConnectomeError(
                f"{source}: node {str(node)!r} has no role (roles= lacks it and "
                "default_role is None)"
            )
        record = {"name": str(node), "role": role}
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
