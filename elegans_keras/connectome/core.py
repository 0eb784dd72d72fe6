"""The :class:`Connectome` value: neurons, roles and sparse synapse-count matrices."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import numpy as np
import scipy.sparse as sp

from elegans_keras.errors import ConfigurationError, ConnectomeError

ROLES = ("S", "I", "M")
ROLE_ALIASES = {"S": "S", "I": "I", "M": "M", "NA": "I"}
SYNAPSE_KINDS = ("all", "chemical", "electrical")
ATTRIBUTE_NAMES = ("cell_class", "soma_pos", "neurotransmitters")
# Readers refuse graphs beyond these sizes before allocating anything for them.
MAX_NEURONS = 500_000
MAX_SYNAPSE_PAIRS = 50_000_000
# Dense N x N views are refused above this many neurons (float64: 2 GiB).
MAX_DENSE_NEURONS = 16_384
CONTROL_CHARACTERS = r"[\x00-\x1f\x7f-\x9f]"  # C0, DEL and C1 (U+0085 NEXT LINE...)
_CONTROL = re.compile(CONTROL_CHARACTERS)


def normalize_role(role: Any, where: str) -> str:
    """Map a role label (``S``, ``I``, ``M`` or neurodata's ``NA``) to S/I/M.

    Example:
        >>> normalize_role("NA", "node ADAL")
        'I'
    """
    key = str(role).strip().upper()
    if key not in ROLE_ALIASES:
        raise ConnectomeError(f"{where}: unknown role {role!r}; expected one of S, I, M or NA")
    return ROLE_ALIASES[key]


def check_graph_size(neurons: int, pairs: int, source: str) -> None:
    """Refuse graphs larger than :data:`MAX_NEURONS` neurons or :data:`MAX_SYNAPSE_PAIRS` pairs.

    Example:
        >>> check_graph_size(10**6, 0, "big.csv")
        Traceback (most recent call last):
        ...
        elegans_keras.errors.ConnectomeError: big.csv: 1000000 neurons exceed the limit of 500000
    """
    if neurons > MAX_NEURONS:
        raise ConnectomeError(f"{source}: {neurons} neurons exceed the limit of {MAX_NEURONS}")
    if pairs > MAX_SYNAPSE_PAIRS:
        raise ConnectomeError(
            f"{source}: {pairs} synapse pairs exceed the limit of {MAX_SYNAPSE_PAIRS}"
        )


def check_name(label: str, source: str) -> str:
    """A neuron name: non-empty after stripping, no control characters (newlines, NUL...).

    Example:
        >>> check_name("AVAL", "demo")
        'AVAL'
    """
    if not label.strip():
        raise ConnectomeError(f"{source}: a neuron has an empty name")
    if _CONTROL.search(label):
        raise ConnectomeError(
            f"{source}: neuron name {label!r} contains a control character (newline, tab, NUL...)"
        )
    return label


def _as_counts(matrix: Any, size: int, label: str, source: str) -> sp.csr_array:
    """A canonical float64 CSR matrix (sorted, summed, no stored zeros, int32 indices)."""
    if sp.issparse(matrix):
        if matrix.dtype.kind not in "biuf":
            raise ConnectomeError(f"{source}: {label} matrix is not numeric (dtype {matrix.dtype})")
        counts = sp.csr_array(matrix, dtype=np.float64, copy=True)
    else:
        try:
            raw = np.asarray(matrix)
        except (TypeError, ValueError, OverflowError) as err:
            raise ConnectomeError(f"{source}: {label} matrix is not numeric ({err})") from None
        if raw.dtype.kind not in "biuf":
            raise ConnectomeError(
                f"{source}: {label} matrix is not numeric (dtype {raw.dtype}; expected booleans "
                "or real numbers)"
            )
        if raw.shape != (size, size):
            raise ConnectomeError(
                f"{source}: {label} matrix has shape {raw.shape}, expected ({size}, {size})"
            )
        counts = sp.csr_array(raw.astype(np.float64))
    if counts.shape != (size, size):
        raise ConnectomeError(
            f"{source}: {label} matrix has shape {counts.shape}, expected ({size}, {size})"
        )
    counts.sum_duplicates()
    bad = ~np.isfinite(counts.data) | (counts.data < 0)
    if bad.any():
        rows = np.repeat(np.arange(size), np.diff(counts.indptr))
        k = int(np.flatnonzero(bad)[0])
        value = counts.data[k]
        problem = "negative" if np.isfinite(value) and value < 0 else "not finite"
        raise ConnectomeError(
            f"{source}: {label} count at ({rows[k]}, {counts.indices[k]}) is {problem} ({value})"
        )
    counts.eliminate_zeros()
    counts.indices = counts.indices.astype(np.int32, copy=False)
    counts.indptr = counts.indptr.astype(
        np.int64 if counts.nnz > MAX_SYNAPSE_PAIRS else np.int32, copy=False
    )
    counts.data.setflags(write=False)
    return counts


def _first_asymmetry(matrix: sp.csr_array) -> tuple[int, int] | None:
    difference = (matrix - matrix.T).tocoo()
    difference.eliminate_zeros()
    if difference.nnz == 0:
        return None
    return int(difference.row[0]), int(difference.col[0])


@dataclasses.dataclass(frozen=True, eq=False)
class Connectome:
    """An immutable wiring diagram, stored sparsely (memory O(N + E)).

    Attributes:
        names: neuron names, unique, without control characters.
        roles: one of ``"S"`` (sensory), ``"I"`` (interneuron), ``"M"`` (motor)
            per neuron; neurodata's ``"NA"`` is accepted and stored as ``"I"``.
        chemical: (N, N) directed synapse counts indexed ``[pre, post]``, a
            ``scipy.sparse.csr_array`` (dense arrays are accepted and converted).
        electrical: (N, N) symmetric gap-junction counts, same storage.
        attributes: optional per-neuron columns (``cell_class``, ``soma_pos``,
            ``neurotransmitters``...), each a tuple of N values.
        name: a short label used in logs and tables.
        citation: where the data comes from.

    Example:
        >>> import numpy as np
        >>> c = Connectome(("a", "b"), ("S", "M"),
        ...                chemical=np.array([[0, 2], [0, 0]]),
        ...                electrical=np.zeros((2, 2)))
        >>> c.num_edges("chemical"), bool(c.mask()[0, 1])
        (1, True)
    """

    names: tuple[str, ...]
    roles: tuple[str, ...]
    chemical: sp.csr_array
    electrical: sp.csr_array
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
        check_graph_size(len(names), 0, source)
        for label in names:
            check_name(label, source)
        if len(set(names)) != len(names):
            seen: set[str] = set()
            for twice in names:  # the first name met a second time
                if twice in seen:
                    break
                seen.add(twice)
            raise ConnectomeError(f"{source}: duplicated neuron name {twice!r}")
        if len(given_roles) != len(names):
            raise ConnectomeError(f"{source}: {len(given_roles)} roles for {len(names)} neurons")
        roles = tuple(
            ROLE_ALIASES[role]
            if isinstance(role, str) and role in ROLE_ALIASES
            else normalize_role(role, f"{source}, neuron {label!r}")
            for label, role in zip(names, given_roles)
        )
        size = len(names)
        chemical = _as_counts(self.chemical, size, "chemical", source)
        electrical = _as_counts(self.electrical, size, "electrical", source)
        check_graph_size(size, chemical.nnz + electrical.nnz, source)
        asymmetry = _first_asymmetry(electrical)
        if asymmetry is not None:
            i, j = asymmetry
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
    @functools.cached_property
    def fingerprint(self) -> str:
        """sha256 (hex) over names, roles and both synapse matrices.

        Every name is length-prefixed, so no two different name lists hash the
        same; the matrices enter in canonical CSR form (indptr, indices, counts).
        """
        digest = hashlib.sha256(b"elegans-keras connectome v2\0")
        for label in self.names:
            encoded = label.encode()
            digest.update(len(encoded).to_bytes(8, "little"))
            digest.update(encoded)
        digest.update("".join(self.roles).encode())
        for matrix in (self.chemical, self.electrical):
            digest.update(np.ascontiguousarray(matrix.indptr, dtype="<i8").tobytes())
            digest.update(np.ascontiguousarray(matrix.indices, dtype="<i8").tobytes())
            digest.update(np.ascontiguousarray(matrix.data, dtype="<f8").tobytes())
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
        kind = check_kind(synapses)
        if kind == "electrical":
            return int(sp.triu(self.electrical).nnz)
        if kind == "chemical":
            return int(self.chemical.nnz)
        return int(cast("sp.csr_array", self.mask(kind, sparse=True)).nnz)

    def num_synapses(self, synapses: str = "all") -> float:
        """Total synapse count; each gap junction counted once."""
        kind = check_kind(synapses)
        electrical = float(sp.triu(self.electrical).sum())
        chemical = float(self.chemical.sum())
        return {"chemical": chemical, "electrical": electrical}.get(kind, chemical + electrical)

    # --- derived matrices -----------------------------------------------
    def edges(self, synapses: str = "chemical") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pre, post, count) arrays of the connected pairs, in row-major order.

        ``"chemical"``: directed pairs; ``"electrical"``: unordered pairs with
        pre <= post; ``"all"``: the directed pairs of :meth:`mask` with the sum
        of both counts (a gap junction counts in both directions).

        Example:
            >>> pre, post, count = load_connectome().edges("electrical")
            >>> bool((pre <= post).all()), len(pre)
            (True, 517)
        """
        kind = check_kind(synapses)
        matrix = {
            "chemical": self.chemical,
            "electrical": sp.triu(self.electrical, format="csr"),
            "all": self.chemical + self.electrical,
        }[kind].tocoo()
        order = np.lexsort((matrix.col, matrix.row))
        return (
            matrix.row[order].astype(np.int64),
            matrix.col[order].astype(np.int64),
            matrix.data[order].astype(np.float64),
        )

    def mask(self, synapses: str = "all", sparse: bool = False) -> np.ndarray | sp.csr_array:
        """Boolean (N, N) pre->post mask; electrical pairs count both ways.

        ``sparse=True`` returns a ``scipy.sparse.csr_array``; the dense view is
        refused above :data:`MAX_DENSE_NEURONS` neurons.
        """
        return self.adjacency(synapses, weighted=False, sparse=sparse, dtype=bool)

    def adjacency(
        self,
        synapses: str = "all",
        weighted: bool = True,
        normalize: str | None = None,
        sparse: bool = False,
        dtype: Any = np.float64,
    ) -> np.ndarray | sp.csr_array:
        """(N, N) pre->post matrix, dense (default) or ``scipy.sparse`` CSR.

        Args:
            synapses: ``"all"``, ``"chemical"`` or ``"electrical"``.
            weighted: synapse counts if True, else 0/1.
            normalize: None, ``"max"`` (divide by the largest entry) or
                ``"in"`` (each post neuron's incoming weights sum to 1).
            sparse: return a CSR matrix instead of a dense array (dense is
                refused above :data:`MAX_DENSE_NEURONS` neurons).

        Example:
            >>> load_connectome().adjacency(normalize="max").max()
            np.float64(1.0)
        """
        kind = check_kind(synapses)
        if not sparse:
            self.check_dense("adjacency")
        matrix = {
            "chemical": self.chemical,
            "electrical": self.electrical,
            "all": self.chemical + self.electrical,
        }[kind].astype(np.float64)
        if not weighted:
            matrix.data[:] = 1.0
        if normalize == "max":
            peak = matrix.max() if matrix.nnz else 0.0
            if peak > 0:
                matrix = matrix / peak
        elif normalize == "in":
            totals = np.asarray(matrix.sum(axis=0)).ravel()
            scale = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)
            matrix = sp.csr_array(matrix @ sp.diags_array(scale))
        elif normalize is not None:
            raise ConnectomeError(
                f"adjacency: unknown normalize={normalize!r}; expected None, 'max' or 'in'"
            )
        matrix = sp.csr_array(matrix).astype(dtype)
        return matrix if sparse else matrix.toarray()

    def check_dense(self, where: str) -> None:
        """Raise unless an N x N dense array of this graph is allowed (N <= MAX_DENSE_NEURONS)."""
        if self.num_neurons > MAX_DENSE_NEURONS:
            gib = self.num_neurons**2 * 8 / 2**30
            raise ConnectomeError(
                f"{where}: connectome {self.name!r} has {self.num_neurons} neurons; a dense "
                f"N x N view would take {gib:.1f} GiB (limit {MAX_DENSE_NEURONS} neurons). "
                "Use sparse=True"
            )

    @functools.cached_property
    def _role_array(self) -> np.ndarray:
        return np.asarray(self.roles, dtype="<U1")

    def role_indices(self, roles: str | Iterable[str]) -> np.ndarray:
        """Indices of the neurons whose role is in ``roles`` ("S", "SI", ["I", "M"]...)."""
        wanted = sorted({normalize_role(r, "role_indices") for r in _as_role_list(roles)})
        return np.flatnonzero(np.isin(self._role_array, wanted)).astype(np.int64)

    @functools.cached_property
    def _positions(self) -> dict[str, int]:
        return {label: i for i, label in enumerate(self.names)}

    def index(self, neuron: str) -> int:
        """Position of a neuron by name."""
        try:
            return self._positions[neuron]
        except (KeyError, TypeError):
            raise ConnectomeError(f"connectome {self.name!r} has no neuron {neuron!r}") from None

    def summary(self) -> dict[str, Any]:
        """Counts, fingerprint and citation as a plain dict (counts as ints when whole)."""
        return {
            "name": self.name,
            "neurons": self.num_neurons,
            "sensory": len(self.role_indices("S")),
            "inter": len(self.role_indices("I")),
            "motor": len(self.role_indices("M")),
            "chemical_pairs": self.num_edges("chemical"),
            "chemical_synapses": _whole(self.num_synapses("chemical")),
            "electrical_pairs": self.num_edges("electrical"),
            "electrical_synapses": _whole(self.num_synapses("electrical")),
            "directed_pairs": self.num_edges("all"),
            "fingerprint": self.fingerprint,
            "citation": self.citation,
        }

    # --- transformations ------------------------------------------------
    def replace(self, **changes: Any) -> Connectome:
        """A copy with some fields changed (validated again).

        Example:
            >>> worm = load_connectome()
            >>> worm.replace(chemical=worm.chemical * 0, name="no-chem").num_edges("chemical")
            0
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
            chemical=self.chemical[idx][:, idx],
            electrical=self.electrical[idx][:, idx],
            attributes={k: tuple(v[i] for i in idx) for k, v in self.attributes.items()},
            name=f"{self.name}[subgraph]",
            citation=self.citation,
        )


def check_connectome(c: Any, where: str) -> Connectome:
    """``c`` if it is a :class:`Connectome`, else a ConfigurationError naming ``where``."""
    if not isinstance(c, Connectome):
        raise ConfigurationError(f"{where}: expected a Connectome, got {type(c).__name__}")
    return c


def check_kind(synapses: str) -> str:
    """``synapses`` if it is ``"all"``, ``"chemical"`` or ``"electrical"``, else raise."""
    if synapses not in SYNAPSE_KINDS:
        raise ConnectomeError(
            f"unknown synapses={synapses!r}; expected one of {', '.join(SYNAPSE_KINDS)}"
        )
    return synapses


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _as_role_list(roles: str | Iterable[str]) -> list[str]:
    if isinstance(roles, str):
        return ["NA"] if roles.upper() == "NA" else list(roles)
    return list(roles)
