"""GraphML in the neurodata / Elegans-AI schema, and plain GraphML, read and written as streams.

The reader walks the file with ``xml.etree.ElementTree.iterparse`` and keeps
only the node and edge columns, so memory is O(N + E) whatever the file size;
a graph beyond :data:`~elegans_keras.connectome.core.MAX_NEURONS` neurons or
:data:`~elegans_keras.connectome.core.MAX_SYNAPSE_PAIRS` edges is refused as
soon as the count is passed.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn, TextIO
from xml.sax.saxutils import escape, quoteattr

import pandas as pd

from elegans_keras.atomic import atomic_path
from elegans_keras.connectome.core import (
    ATTRIBUTE_NAMES,
    MAX_NEURONS,
    MAX_SYNAPSE_PAIRS,
    Connectome,
)
from elegans_keras.connectome.keywords import legacy_positional
from elegans_keras.connectome.tables import build_connectome
from elegans_keras.errors import ConnectomeError

_NS = "{http://graphml.graphdrawing.org/xmlns}"
_CASTS = {
    "int": int,
    "long": int,
    "float": float,
    "double": float,
    "string": str,
    "boolean": lambda text: text.strip().lower() in ("true", "1"),
}


def _tag(element: ElementTree.Element) -> str:
    return element.tag.removeprefix(_NS)


class _Stream:
    """The state of one pass over a GraphML file."""

    def __init__(self, source: str) -> None:
        self.source = source
        # id -> (scope, attribute name, type, default); a <key> without an id is
        # recorded under None, and one without a name either has the name None
        self.keys: dict[str | None, tuple[str, str | None, Any, Any]] = {}
        self.graphs = 0
        self.directed = True
        self.unique_ids = False  # parse.edgeids="canonical": ids unique in the whole document
        self.node_ids: list[str] = []
        self.node_data: list[dict[str | None, Any]] = []
        self.edge_ids: set[Any] = set()
        self.edges: dict[str, list[Any]] = {
            "source": [],
            "target": [],
            "type": [],
            "count": [],
            "directed": [],
        }

    def fail(self, problem: str) -> NoReturn:
        raise ConnectomeError(f"{self.source}: {problem}")

    def key(self, element: ElementTree.Element) -> None:
        """Record a ``<key>``: its scope, attribute name, type and default."""
        cast = _CASTS.get(element.get("attr.type", "string"), str)
        default = next((child.text for child in element if _tag(child) == "default"), None)
        name = element.get("attr.name") or element.get("id")
        self.keys[element.get("id")] = (
            element.get("for", "all"),
            name,
            cast,
            None if default is None else self._cast(cast, default, "<key>", name),
        )

    def _cast(self, cast: Any, text: str, where: str, name: str | None) -> Any:
        try:
            return cast(text)
        except ValueError:
            self.fail(f"{where}: {name}={text!r} is not of its declared type")

    def data(self, element: ElementTree.Element, target: str) -> dict[str | None, Any]:
        """The attributes of a node or edge: declared defaults, then its ``<data>``."""
        values = {
            name: default
            for scope, name, _, default in self.keys.values()
            if default is not None and scope in (target, "all")
        }
        where = f"<{target}> {element.get('id')!r}"
        for child in element:
            if _tag(child) != "data":
                continue
            key = child.get("key")
            if key not in self.keys:
                self.fail(f"{where} uses undeclared key {key!r}")
            _, name, cast, _ = self.keys[key]
            values[name] = self._cast(cast, child.text or "", where, name)
        return values

    def node(self, element: ElementTree.Element) -> None:
        """Record a ``<node>``."""
        node_id = element.get("id")
        if node_id is None:
            self.fail(f"<node> #{len(self.node_ids)} has no id")
        if len(self.node_ids) >= MAX_NEURONS:
            self.fail(f"more than {MAX_NEURONS} neurons (the limit)")
        self.node_ids.append(node_id)
        self.node_data.append(self.data(element, "node"))

    def edge(self, element: ElementTree.Element) -> None:
        """Record an ``<edge>``; a repeated identity (source, target, id) is refused.

        Multigraph writers (networkx, for one) number the parallel edges of each node
        pair ``0``, ``1``...; an undirected edge's identity ignores its orientation.
        A graph declaring ``parse.edgeids="canonical"`` needs ids unique in the file.
        """
        edge_id = element.get("id")
        declared = element.get("directed")
        directed = self.directed if declared is None else declared.lower() == "true"
        source, target = element.get("source"), element.get("target")
        if edge_id is not None:
            ends = (
                (source, target)
                if directed or source is None or target is None
                else (min(source, target), max(source, target))
            )
            identity = edge_id if self.unique_ids else (*ends, edge_id)
            if identity in self.edge_ids:
                self.fail(
                    f"edge id {edge_id!r} is declared twice"
                    + ("" if self.unique_ids else f" for {source} -> {target}")
                )
            self.edge_ids.add(identity)
        if len(self.edges["source"]) >= MAX_SYNAPSE_PAIRS:
            self.fail(f"more than {MAX_SYNAPSE_PAIRS} edges (the limit)")
        data = self.data(element, "edge")
        self.edges["source"].append(source)
        self.edges["target"].append(target)
        self.edges["type"].append(data.get("synapse_type", "C"))
        self.edges["count"].append(data.get("weight", 1.0))
        self.edges["directed"].append(directed)


def _parse(path: Path, source: str) -> _Stream:
    stream = _Stream(source)
    stack: list[ElementTree.Element] = []
    try:
        for event, element in ElementTree.iterparse(path, events=("start", "end")):
            tag = _tag(element)
            if event == "start":
                if not stack and tag != "graphml":
                    stream.fail(f"root element is <{element.tag}>, not <graphml>")
                if tag == "graph":
                    if any(_tag(e) == "node" for e in stack):
                        stream.fail(
                            "a <node> holds a nested <graph>; nested graphs are not supported"
                        )
                    stream.graphs += 1
                    if stream.graphs > 1:
                        stream.fail("the file holds more than one <graph>; only one is supported")
                    stream.directed = element.get("edgedefault", "directed") == "directed"
                    stream.unique_ids = element.get("parse.edgeids") == "canonical"
                elif tag == "hyperedge":
                    stream.fail("<hyperedge> elements are not supported")
                stack.append(element)
                continue
            stack.pop()
            if tag == "key":
                stream.key(element)
            elif tag in ("node", "edge"):
                if not stack or _tag(stack[-1]) != "graph":
                    stream.fail(f"a <{tag}> outside a <graph>")
                getattr(stream, tag)(element)
                stack[-1].clear()
    except ConnectomeError:
        raise
    except (ElementTree.ParseError, UnicodeDecodeError, ValueError) as err:
        raise ConnectomeError(f"{source}: not a readable GraphML file ({err})") from None
    return stream


@legacy_positional(("default_role", "name", "citation"))
def read_graphml(
    path: str | os.PathLike,
    *,
    roles: Mapping[str, str] | None = None,
    default_role: str | None = "I",
    name: str | None = None,
    citation: str = "",
) -> Connectome:
    """Read a connectome from GraphML (streamed; O(N + E) memory).

    Neurodata schema: node ``role`` S/M/NA; the neuron's name is ``cell_name``
    when present, else ``name``, else the node id; edge ``synapse_type`` C/E
    and ``weight`` (synapse count). Parallel C and E edges between the same
    pair are both kept. Edges without ``synapse_type`` are chemical, without
    ``weight`` count 1.

    A node's role, as in every reader: ``roles[name]`` when ``roles`` names
    it, else the file's own ``role`` attribute (a node's value, or the
    ``<key>``'s default), else ``default_role`` ("I", as every reader; it
    was None here up to release 0.3.0). So plain GraphML (networkx, igraph)
    reads with every neuron an interneuron, and a file's roles are never
    replaced by the default; ``default_role=None`` makes a node without a
    role an error.

    Files written by networkx (edge ids ``0``, ``1``... per node pair),
    igraph and :func:`write_graphml` read as written. Refused, naming the
    element: a second ``<graph>``, nested graphs, hyperedges, repeated node
    ids, an edge id repeated for the same (source, target) pair, nodes
    without id, edges naming undeclared nodes, more than the size limits.

    Example:
        >>> c = read_graphml("celegans_herm.graphml")  # doctest: +SKIP
        >>> c.num_neurons  # doctest: +SKIP
        279
    """
    path = Path(path)
    source = f"GraphML file {str(path)!r}"
    if not path.is_file():
        raise ConnectomeError(f"{source}: no such file")
    stream = _parse(path, source)
    if not stream.node_ids:
        raise ConnectomeError(f"{source}: the graph is empty (no <node> elements)")
    ids = pd.Index(stream.node_ids)
    if ids.has_duplicates:
        raise ConnectomeError(f"{source}: node id {ids[ids.duplicated()][0]!r} is declared twice")
    records = []
    for node_id, data in zip(stream.node_ids, stream.node_data):
        label = data.get("cell_name") or data.get("name") or node_id
        role = (roles or {}).get(str(label), data.get("role", default_role))
        if role is None:
            raise ConnectomeError(
                f"{source}: node {node_id!r} ({label}) is missing required attribute 'role' "
                "(default_role=None asks every node for one)"
            )
        record = {"name": str(label), "role": role}
        record.update({k: data[k] for k in ATTRIBUTE_NAMES if k in data})
        records.append(record)
    absent = set(roles or {}) - {record["name"] for record in records}
    if absent:
        raise ConnectomeError(
            f"{source}: roles= names neuron {sorted(absent)[0]!r}, which the file does not list"
        )
    neurons = pd.DataFrame(records)
    edges = pd.DataFrame(stream.edges)
    names = neurons["name"].astype(str).str.strip().to_numpy()
    order = {}
    for end in ("source", "target"):
        positions = ids.get_indexer(edges[end])
        order[end] = positions
        unknown = positions < 0
        if unknown.any():
            k = int(unknown.argmax())
            raise ConnectomeError(
                f"{source}: edge #{k} ({edges['source'][k]} -> {edges['target'][k]}) "
                f"refers to unknown node {edges[end][k]!r}"
            )
        edges[end] = names[positions]
    chemical = edges["type"].astype(str).str.strip().str.upper().isin(["C", "CHEMICAL"])
    # an undirected junction is one pair whichever way it is written: parallel ones add up
    flip = (~edges["directed"] & ~chemical & (order["source"] > order["target"])).to_numpy()
    edges.loc[flip, ["source", "target"]] = edges.loc[flip, ["target", "source"]].to_numpy()
    mirror = edges[(~edges["directed"]) & (edges["source"] != edges["target"]) & chemical]
    mirror = mirror.rename(columns={"source": "target", "target": "source"})
    synapses = pd.concat([edges, mirror], ignore_index=True).rename(
        columns={"source": "pre", "target": "post"}
    )
    return build_connectome(
        neurons,
        synapses[["pre", "post", "type", "count"]],
        source,
        name=name or path.name.split(".")[0],
        citation=citation,
    )


def write_graphml(connectome: Connectome, path: str | os.PathLike) -> Path:
    """Write a connectome as neurodata-schema GraphML (streamed, atomically).

    Node ids are ``n0``, ``n1``...; the name is the ``cell_name`` attribute;
    interneurons are written with role ``NA`` as in the original schema;
    electrical junctions appear in both directions. :func:`read_graphml` reads
    the file back to an equal connectome.

    Example:
        >>> write_graphml(load_connectome(), "/tmp/worm.graphml")
        PosixPath('/tmp/worm.graphml')
    """
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as stream:
            _write(connectome, stream)
    return Path(path)


def _write(connectome: Connectome, stream: TextIO) -> None:
    attributes = [k for k in ATTRIBUTE_NAMES if k in connectome.attributes]
    types = {"soma_pos": "double"}
    stream.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
    )
    for key in ("cell_name", "role", *attributes):
        stream.write(
            f'  <key id="v_{key}" for="node" attr.name="{key}" '
            f'attr.type="{types.get(key, "string")}"/>\n'
        )
    stream.write(
        '  <key id="e_synapse_type" for="edge" attr.name="synapse_type" '
        'attr.type="string"/>\n'
        '  <key id="e_weight" for="edge" attr.name="weight" attr.type="double"/>\n'
        f'  <graph id={quoteattr(connectome.name)} edgedefault="directed">\n'
    )
    for i, label in enumerate(connectome.names):
        role = "NA" if connectome.roles[i] == "I" else connectome.roles[i]
        fields = [("cell_name", label), ("role", role)]
        fields += [
            (k, connectome.attributes[k][i])
            for k in attributes
            if connectome.attributes[k][i] is not None
        ]
        data = "".join(f'<data key="v_{k}">{escape(str(v))}</data>' for k, v in fields)
        stream.write(f'    <node id="n{i}">{data}</node>\n')
    for kind, matrix in (("C", connectome.chemical), ("E", connectome.electrical)):
        coo = matrix.tocoo()
        for i, j, count in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()):
            stream.write(
                f'    <edge source="n{i}" target="n{j}"><data key="e_synapse_type">'
                f'{kind}</data><data key="e_weight">{count!r}</data></edge>\n'
            )
    stream.write("  </graph>\n</graphml>\n")
