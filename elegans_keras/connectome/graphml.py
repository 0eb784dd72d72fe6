"""GraphML in the neurodata / Elegans-AI schema, and plain GraphML."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import networkx as nx

from elegans_keras.atomic import atomic_path
from elegans_keras.connectome.core import ATTRIBUTE_NAMES, Connectome
from elegans_keras.connectome.tables import connectome_from_records, synapse_type
from elegans_keras.errors import ConnectomeError

_GRAPHML_NS = "{http://graphml.graphdrawing.org/xmlns}"


def read_graphml(
    path: str | os.PathLike,
    default_role: str | None = None,
    name: str | None = None,
    citation: str = "",
) -> Connectome:
    """Read a connectome from GraphML.

    Neurodata schema: node ``role`` S/M/NA; the neuron's name is ``cell_name``
    when present, else ``name``, else the node id; edge ``synapse_type`` C/E
    and ``weight`` (synapse count). Parallel C and E edges between the same
    pair are both kept. For plain GraphML, pass ``default_role`` for nodes
    without a role; edges without ``synapse_type`` are chemical, without
    ``weight`` count 1.

    Example:
        >>> c = read_graphml("celegans_herm.graphml")
        >>> c.num_neurons
        279
    """
    path = Path(path)
    source = f"GraphML file {str(path)!r}"
    if not path.is_file():
        raise ConnectomeError(f"{source}: no such file")
    _check_node_references(path, source)
    try:
        graph = nx.read_graphml(path)
    except Exception as err:  # networkx/xml raise many types on malformed files
        raise ConnectomeError(f"{source}: not a readable GraphML file ({err})") from None

    nodes, ids_to_names = [], {}
    for node_id, data in graph.nodes(data=True):
        label = data.get("cell_name") or data.get("name") or node_id
        role = data.get("role", default_role)
        if role is None:
            raise ConnectomeError(
                f"{source}: node {node_id!r} ({label}) is missing required attribute 'role' "
                "(pass default_role= for plain GraphML)"
            )
        ids_to_names[node_id] = str(label)
        record = {"name": str(label), "role": role}
        record.update({k: data[k] for k in ATTRIBUTE_NAMES if k in data})
        nodes.append(record)

    edges = []
    for pre, post, data in graph.edges(data=True):
        edge = {
            "pre": ids_to_names[pre],
            "post": ids_to_names[post],
            "type": synapse_type(data.get("synapse_type", "C"), f"{source}: edge {pre} -> {post}"),
            "count": data.get("weight", 1.0),
        }
        edges.append(edge)
        if not graph.is_directed() and edge["type"] == "C" and pre != post:
            edges.append({**edge, "pre": edge["post"], "post": edge["pre"]})
    return connectome_from_records(
        nodes, edges, source, name=name or path.name.split(".")[0], citation=citation
    )


def write_graphml(connectome: Connectome, path: str | os.PathLike) -> Path:
    """Write a connectome as neurodata-schema GraphML (atomically).

    Node ids are the neuron names; interneurons are written with role ``NA``
    as in the original schema; electrical junctions appear in both directions.

    Example:
        >>> write_graphml(load_connectome(), "worm.graphml")
    """
    graph = connectome.to_networkx()
    for node, data in graph.nodes(data=True):
        data["cell_name"] = node
        data["role"] = "NA" if data["role"] == "I" else data["role"]
        for key in ("soma_pos",):
            if key in data:
                data[key] = float(data[key])
    with atomic_path(path) as temporary:
        nx.write_graphml(graph, temporary)
    return Path(path)


def _check_node_references(path: Path, source: str) -> None:
    """Refuse nodes without or with repeated ids, and edges naming undeclared nodes.

    networkx would name an id-less node ``"None"``, merge repeated ids and
    invent undeclared nodes.
    """
    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, UnicodeDecodeError, ValueError) as err:
        raise ConnectomeError(f"{source}: not a readable GraphML file ({err})") from None
    if root.tag not in (f"{_GRAPHML_NS}graphml", "graphml"):
        raise ConnectomeError(f"{source}: root element is <{root.tag}>, not <graphml>")
    ids = [node.get("id") for node in root.iter() if node.tag.endswith("node")]
    if not ids:
        raise ConnectomeError(f"{source}: the graph is empty (no <node> elements)")
    if None in ids:
        raise ConnectomeError(f"{source}: <node> #{ids.index(None)} has no id")
    declared = set(ids)
    if len(declared) < len(ids):
        twice = next(i for k, i in enumerate(ids) if i in ids[:k])
        raise ConnectomeError(f"{source}: node id {twice!r} is declared twice")
    for position, edge in enumerate(e for e in root.iter() if e.tag.endswith("edge")):
        for end in ("source", "target"):
            if edge.get(end) not in declared:
                raise ConnectomeError(
                    f"{source}: edge #{position} ({edge.get('source')} -> {edge.get('target')}) "
                    f"refers to unknown node {edge.get(end)!r}"
                )
