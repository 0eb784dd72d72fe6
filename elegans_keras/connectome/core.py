"""The :class:`Connectome` value: neurons, roles and synapse-count matrices."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from elegans_keras.errors import ConnectomeError

ROLES = ("S", "I", "M")
ROLE_ALIASES = {"S": "S", "I": "I", "M": "M", "NA": "I"}
SYNAPSE_KINDS = ("all", "chemical", "electrical")
ATTRIBUTE_NAMES = ("cell_class", "soma_pos", "neurotransmitters")


def normalize_role(role: Any, where: str) -> str:
    """Map a role label (``S``, ``I``, ``M`` or neurodata's ``NA``) to S/I/M.

    Example:
        >>> normalize_role("NA", "node ADAL")
        'I'
    """
    key = str(role).strip().upper()
    if key not in ROLE_ALIASES:
        raise ConnectomeError(
            f"{where}: unknown role {role!r}; expected one of S, I, M or NA"
        )
    return ROLE_ALIASES[key]


def _check_matrix(matrix: Any, size: int, label: str, source: str) -> np.ndarray:
    try:
        raw = np.asarray(matrix)
    except (TypeError, ValueError, OverflowError) as err:
        raise ConnectomeError(f"{source}: {label} matrix is not numeric ({err})") from None
    if raw.dtype.kind not in "biuf":
        raise ConnectomeError(
            f"{source}: {label} matrix is not numeric (dtype {raw.dtype}; expected booleans "
            "or real numbers)"
        )
    array = raw.astype(np.float64)
    if array.shape != (size, size):
        raise ConnectomeError(
            f"{source}: {label} matrix has shape {array.shape}, expected ({size}, {size})"
        )
    if not np.all(np.isfinite(array)):
        i, j = np.argwhere(~np.isfinite(array))[0]
        raise ConnectomeError(f"{source}: {label} count at ({i}, {j}) is {array[i, j]}")
    if np.any(array < 0):
        i, j = np.argwhere(array < 0)[0]
        raise ConnectomeError(
            f"{source}: {label} count at ({i}, {j}) is negative ({array[i, j]})"
        )
    array.setflags(write=False)
    return array


@dataclasses.dataclass(frozen=True, eq=False)
class Connectome:
    """An immutable wiring diagram.

    Attributes:
        names: neuron names, unique.
        roles: one of ``"S"`` (sensory), ``"I"`` (interneuron), ``"M"`` (motor)
            per neuron; neurodata's ``"NA"`` is accepted and stored as ``"I"``.
        chemical: (N, N) directed synapse counts indexed ``[pre, post]``.
        electrical: (N, N) symmetric gap-junction counts.
        attributes: optional per-neuron columns (``cell_class``, ``soma_pos``,
            ``neurotransmitters``...), each a tuple of N values.
        name: a short label used in logs and tables.
        citation: where the data comes from.

    Example:
        >>> import numpy as np
        >>> c = Connectome(("a", "b"), ("S", "M"),
        ...                chemical=np.array([[0, 2], [0, 0]]),
        ...                electrical=np.zeros((2, 2)))
        >>> c.num_edges("chemical"), c.mask()[0, 1]
        (1, True)
    """

    names: tuple[str, ...]
    roles: tuple[str, ...]
    chemical: np.ndarray
    electrical: np.ndarray
    attributes: Mapping[str, tuple] = dataclasses.field(default_factory=dict)
    name: str = "connectome"
    citation: str = ""

    def __post_init__(self) -> None:
        source = f"connectome {self.name!r}"
        try:
            names, given_roles = tuple(str(n) for n in self.names), tuple(self.roles)
        except TypeError:
            raise ConnectomeError(f"{source}: names and roles must be sequences") from None
        if not names:
            raise ConnectomeError(f"{source}: the graph is empty (no neurons)")
        seen: set[str] = set()
        for label in names:
            if not label.strip():
                raise ConnectomeError(f"{source}: a neuron has an empty name")
            if label in seen:
                raise ConnectomeError(f"{source}: duplicated neuron name {label!r}")
            seen.add(label)
        if len(given_roles) != len(names):
            raise ConnectomeError(
                f"{source}: {len(given_roles)} roles for {len(names)} neurons"
            )
        roles = tuple(
            normalize_role(role, f"{source}, neuron {label!r}")
            for label, role in zip(names, given_roles)
        )
        size = len(names)
        chemical = _check_matrix(self.chemical, size, "chemical", source)
        electrical = _check_matrix(self.electrical, size, "electrical", source)
        if not np.array_equal(electrical, electrical.T):
            i, j = np.argwhere(electrical != electrical.T)[0]
            raise ConnectomeError(
                f"{source}: electrical matrix is not symmetric between "
                f"{names[i]!r} and {names[j]!r}"
            )
        attributes = {}
        for key, column in dict(self.attributes).items():
            column = tuple(column)
            if len(column) != size:
                raise ConnectomeError(
                    f"{source}: attribute {key!r} has {len(column)} values for {size} neurons"
                )
            attributes[key] = column
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "roles", roles)
        object.__setattr__(self, "chemical", chemical)
        object.__setattr__(self, "electrical", electrical)
        object.__setattr__(self, "attributes", attributes)

    # --- identity -------------------------------------------------------
    @property
    def fingerprint(self) -> str:
        """sha256 over names, roles and both synapse matrices (hex string)."""
        digest = hashlib.sha256()
        digest.update("\n".join(self.names).encode())
        digest.update(b"\0")
        digest.update("".join(self.roles).encode())
        digest.update(np.ascontiguousarray(self.chemical, dtype="<f8").tobytes())
        digest.update(np.ascontiguousarray(self.electrical, dtype="<f8").tobytes())
        return digest.hexdigest()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Connectome):
            return NotImplemented
        return self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __repr__(self) -> str:
        counts = {role: len(self.role_indices(role)) for role in ROLES}
        return (
            f"Connectome(name={self.name!r}, neurons={self.num_neurons}, "
            f"roles={counts}, chemical={self.num_edges('chemical')}, "
            f"electrical={self.num_edges('electrical')})"
        )

    # --- sizes ----------------------------------------------------------
    @property
    def num_neurons(self) -> int:
        """Number of neurons N."""
        return len(self.names)

    def num_edges(self, synapses: str = "all") -> int:
        """Count connected pairs.

        ``"chemical"``: directed (pre, post) pairs; ``"electrical"``: unordered
        pairs (self-loops included); ``"all"``: directed pairs of :meth:`mask`.
        """
        kind = _check_kind(synapses)
        if kind == "electrical":
            return int(np.count_nonzero(np.triu(self.electrical)))
        return int(np.count_nonzero(self.mask(kind)))

    def num_synapses(self, synapses: str = "all") -> float:
        """Total synapse count; each gap junction counted once."""
        kind = _check_kind(synapses)
        electrical = float(np.triu(self.electrical).sum())
        chemical = float(self.chemical.sum())
        return {"chemical": chemical, "electrical": electrical}.get(kind, chemical + electrical)

    # --- derived matrices -----------------------------------------------
    def mask(self, synapses: str = "all") -> np.ndarray:
        """Boolean (N, N) pre->post mask; electrical pairs count both ways."""
        kind = _check_kind(synapses)
        chemical = self.chemical > 0
        electrical = self.electrical > 0
        if kind == "chemical":
            return chemical
        if kind == "electrical":
            return electrical
        return chemical | electrical

    def adjacency(
        self,
        synapses: str = "all",
        weighted: bool = True,
        normalize: str | None = None,
    ) -> np.ndarray:
        """Float (N, N) pre->post matrix.

        Args:
            synapses: ``"all"``, ``"chemical"`` or ``"electrical"``.
            weighted: synapse counts if True, else 0/1.
            normalize: None, ``"max"`` (divide by the largest entry) or
                ``"in"`` (each post neuron's incoming weights sum to 1).

        Example:
            >>> load_connectome().adjacency(normalize="max").max()
            1.0
        """
        kind = _check_kind(synapses)
        if weighted:
            matrix = {
                "chemical": self.chemical,
                "electrical": self.electrical,
                "all": self.chemical + self.electrical,
            }[kind].copy()
        else:
            matrix = self.mask(kind).astype(np.float64)
        if normalize is None:
            return matrix
        if normalize == "max":
            peak = matrix.max()
            return matrix / peak if peak > 0 else matrix
        if normalize == "in":
            totals = matrix.sum(axis=0, keepdims=True)
            return np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
        raise ConnectomeError(
            f"adjacency: unknown normalize={normalize!r}; expected None, 'max' or 'in'"
        )

    def role_indices(self, roles: str | Iterable[str]) -> np.ndarray:
        """Indices of the neurons whose role is in ``roles`` ("S", "SI", ["I", "M"]...)."""
        wanted = {normalize_role(r, "role_indices") for r in _as_role_list(roles)}
        return np.array([i for i, r in enumerate(self.roles) if r in wanted], dtype=np.int64)

    def index(self, neuron: str) -> int:
        """Position of a neuron by name."""
        try:
            return self.names.index(neuron)
        except ValueError:
            raise ConnectomeError(f"connectome {self.name!r} has no neuron {neuron!r}") from None

    def summary(self) -> dict[str, Any]:
        """Counts, fingerprint and citation as a plain dict."""
        return {
            "name": self.name,
            "neurons": self.num_neurons,
            "sensory": len(self.role_indices("S")),
            "inter": len(self.role_indices("I")),
            "motor": len(self.role_indices("M")),
            "chemical_pairs": self.num_edges("chemical"),
            "chemical_synapses": self.num_synapses("chemical"),
            "electrical_pairs": self.num_edges("electrical"),
            "electrical_synapses": self.num_synapses("electrical"),
            "directed_pairs": self.num_edges("all"),
            "fingerprint": self.fingerprint,
            "citation": self.citation,
        }

    # --- transformations ------------------------------------------------
    def replace(self, **changes: Any) -> Connectome:
        """A copy with some fields changed (validated again).

        Example:
            >>> c2 = c.replace(chemical=np.zeros_like(c.chemical), name="no-chem")
        """
        return dataclasses.replace(self, **changes)

    def subgraph(
        self,
        neurons: Sequence[str] | None = None,
        roles: str | Iterable[str] | None = None,
    ) -> Connectome:
        """The connectome restricted to some neurons and/or roles (order kept).

        Example:
            >>> load_connectome().subgraph(roles="SM").num_neurons
            187
        """
        keep = np.ones(self.num_neurons, dtype=bool)
        if neurons is not None:
            chosen = np.zeros(self.num_neurons, dtype=bool)
            chosen[[self.index(n) for n in neurons]] = True
            keep &= chosen
        if roles is not None:
            chosen = np.zeros(self.num_neurons, dtype=bool)
            chosen[self.role_indices(roles)] = True
            keep &= chosen
        idx = np.flatnonzero(keep)
        return Connectome(
            names=tuple(self.names[i] for i in idx),
            roles=tuple(self.roles[i] for i in idx),
            chemical=self.chemical[np.ix_(idx, idx)],
            electrical=self.electrical[np.ix_(idx, idx)],
            attributes={k: tuple(v[i] for i in idx) for k, v in self.attributes.items()},
            name=f"{self.name}[subgraph]",
            citation=self.citation,
        )

    # --- networkx -------------------------------------------------------
    def to_networkx(self) -> nx.MultiDiGraph:
        """A MultiDiGraph in the neurodata schema.

        Nodes are neuron names with ``role`` (S/I/M) and the per-neuron
        attributes; edges carry ``synapse_type`` ("C" or "E") and ``weight``.
        Electrical junctions appear in both directions.
        """
        graph = nx.MultiDiGraph(name=self.name, citation=self.citation)
        for i, label in enumerate(self.names):
            data = {k: v[i] for k, v in self.attributes.items() if v[i] is not None}
            graph.add_node(label, role=self.roles[i], **data)
        for kind, matrix in (("C", self.chemical), ("E", self.electrical)):
            for i, j in zip(*np.nonzero(matrix)):
                graph.add_edge(
                    self.names[i], self.names[j], synapse_type=kind, weight=float(matrix[i, j])
                )
        return graph

    @classmethod
    def from_networkx(
        cls,
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
            >>> Connectome.from_networkx(nx.path_graph(3)).num_edges("chemical")
            4
        """
        from elegans_keras.connectome.tables import connectome_from_records, synapse_type

        label = name or graph.graph.get("name") or "networkx"
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
                "type": synapse_type(data.get("synapse_type", "C"),
                                     f"networkx graph {label!r}: edge {pre} -> {post}"),
                "count": data.get("weight", 1.0),
            }
            edges.append(edge)
            if not graph.is_directed() and edge["type"] == "C" and pre != post:
                edges.append({**edge, "pre": str(post), "post": str(pre)})
        return connectome_from_records(nodes, edges, source=f"networkx graph {label!r}",
                                       name=label, citation=citation)


def _check_kind(synapses: str) -> str:
    if synapses not in SYNAPSE_KINDS:
        raise ConnectomeError(
            f"unknown synapses={synapses!r}; expected one of {', '.join(SYNAPSE_KINDS)}"
        )
    return synapses


def _as_role_list(roles: str | Iterable[str]) -> list[str]:
    if isinstance(roles, str):
        return ["NA"] if roles.upper() == "NA" else list(roles)
    return list(roles)
