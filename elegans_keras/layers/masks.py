"""The layers' wiring argument: a Connectome or a plain mask, and its JSON form.

Layers take their wiring as a :class:`Connectome`, a bundled connectome name
or path, or a plain 2-D mask (boolean, or non-negative synapse counts where
nonzero means connected). ``get_config`` stores it as JSON (index pairs and
role index lists, never Python objects), and the same functions read it back.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from elegans_keras.connectome import Connectome, resolve_connectome
from elegans_keras.connectome.core import ROLES, SYNAPSE_KINDS
from elegans_keras.errors import ConfigurationError, ElegansKerasError

Wiring = Connectome | np.ndarray
WiringSpec = Connectome | str | os.PathLike | np.ndarray | Sequence | Mapping
NeuronSpec = str | Sequence[int] | np.ndarray


def resolve_wiring(spec: WiringSpec, where: str) -> Wiring:
    """A Connectome, or a float64 (pre, post) count matrix for a plain mask.

    Args:
        spec: a Connectome, bundled name or path, a 2-D boolean / count array
            or nested list, or a dict written by :func:`wiring_config`.
        where: the layer and argument, for error messages.

    Example:
        >>> resolve_wiring([[0, 1], [1, 0]], "demo").dtype
        dtype('float64')
    """
    if isinstance(spec, Connectome):
        return spec
    if isinstance(spec, (str, os.PathLike)):
        return resolve_connectome(spec)
    if isinstance(spec, Mapping):
        return _wiring_from_config(spec, where)
    try:
        raw = np.asarray(spec)
    except (TypeError, ValueError, OverflowError) as err:
        raw = np.asarray(None)
        reason = str(err)
    else:
        reason = f"dtype {raw.dtype}"
    if raw.dtype.kind not in "biuf":
        raise ConfigurationError(
            f"{where}: expected a Connectome, a connectome name or a 2-D mask of booleans or "
            f"real numbers, got {type(spec).__name__} ({reason})"
        )
    array = raw.astype(np.float64)
    if array.ndim != 2 or 0 in array.shape:
        raise ConfigurationError(
            f"{where}: a mask must be a non-empty 2-D array, got shape {array.shape}"
        )
    bad = ~np.isfinite(array) | (array < 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ConfigurationError(
            f"{where}: mask entry ({i}, {j}) is {array[i, j]}; expected 0/1 or a non-negative count"
        )
    array.setflags(write=False)
    return array


def wiring_counts(wiring: Wiring, synapses: str, where: str) -> np.ndarray:
    """The (pre, post) synapse-count matrix the layer computes on (zero = no synapse).

    A Connectome gives chemical, electrical (both directions) or their sum; a
    plain mask is used as it is, so ``synapses`` must stay ``"all"``.

    Example:
        >>> int(np.count_nonzero(wiring_counts(load_connectome(), "all", "demo")))
        2993
    """
    if synapses not in SYNAPSE_KINDS:
        raise ConfigurationError(
            f"{where}: synapses={synapses!r}; expected one of {', '.join(SYNAPSE_KINDS)}"
        )
    if not isinstance(wiring, Connectome):
        if synapses != "all":
            raise ConfigurationError(
                f"{where}: synapses={synapses!r} needs a Connectome; a plain mask is used "
                "as given (leave synapses='all')"
            )
        return np.array(wiring, dtype=np.float64)
    return wiring.adjacency(synapses, weighted=True)


def require_connectome(wiring: Wiring, where: str) -> Connectome:
    """The wiring as a Connectome, or a ConfigurationError saying roles are needed."""
    if not isinstance(wiring, Connectome):
        raise ConfigurationError(
            f"{where}: needs a Connectome or a bundled connectome name (neuron roles), "
            "not a plain mask"
        )
    return wiring


def select_neurons(spec: NeuronSpec, wiring: Wiring, argument: str, where: str) -> list[int]:
    """Sorted neuron indices chosen by ``"all"``, a role string ("S", "SI"...) or indices.

    Role strings need a Connectome; a plain mask accepts ``"all"`` or indices.

    Example:
        >>> len(select_neurons("M", load_connectome(), "output_neurons", "demo"))
        89
    """
    size = wiring.num_neurons if isinstance(wiring, Connectome) else wiring.shape[0]
    if isinstance(spec, str):
        if spec == "all":
            return list(range(size))
        if not isinstance(wiring, Connectome):
            raise ConfigurationError(
                f"{where}: {argument}={spec!r} selects neurons by role, which needs a "
                "Connectome; with a plain mask use 'all' or a list of indices"
            )
        if not spec or any(role not in ROLES for role in spec.upper()):
            raise ConfigurationError(
                f"{where}: {argument}={spec!r}; expected 'all', roles from "
                f"{''.join(ROLES)} (e.g. 'SI') or a list of neuron indices"
            )
        chosen = [int(i) for i in wiring.role_indices(spec.upper())]
    else:
        chosen = _index_list(spec, size, argument, where)
    if not chosen:
        raise ConfigurationError(f"{where}: {argument}={spec!r} selects no neurons")
    return chosen


def wiring_config(wiring: Wiring) -> dict[str, Any]:
    """JSON form of the wiring: index pairs with counts, and role index lists.

    Example:
        >>> wiring_config(np.eye(2, dtype=bool))
        {'shape': [2, 2], 'pairs': [[0, 0], [1, 1]]}
    """
    if not isinstance(wiring, Connectome):
        return _sparse_config(wiring)
    return {
        "name": wiring.name,
        "names": list(wiring.names),
        "roles": {role: [int(i) for i in wiring.role_indices(role)] for role in ROLES},
        "chemical": _sparse_config(wiring.chemical),
        "electrical": _sparse_config(wiring.electrical),
    }


def _sparse_config(counts: np.ndarray) -> dict[str, Any]:
    pairs = np.argwhere(counts != 0)
    config: dict[str, Any] = {"shape": list(counts.shape), "pairs": pairs.tolist()}
    values = counts[tuple(pairs.T)]
    if np.any(values != 1):
        config["counts"] = values.tolist()
    return config


def _wiring_from_config(config: Mapping, where: str) -> Wiring:
    try:
        if "roles" in config:
            size = len(config["names"])
            roles = ["I"] * size
            for role, indices in config["roles"].items():
                for index in indices:
                    roles[index] = role
            return Connectome(
                names=tuple(config["names"]),
                roles=tuple(roles),
                chemical=_dense_from_config(config["chemical"]),
                electrical=_dense_from_config(config["electrical"]),
                name=config.get("name", "connectome"),
            )
        return resolve_wiring(_dense_from_config(config), where)
    except ElegansKerasError:
        raise
    except (KeyError, IndexError, TypeError, ValueError) as err:
        raise ConfigurationError(f"{where}: malformed wiring config ({err!r})") from None


def _dense_from_config(config: Mapping) -> np.ndarray:
    dense = np.zeros(tuple(config["shape"]), dtype=np.float64)
    pairs = np.asarray(config["pairs"], dtype=np.int64).reshape(-1, 2)
    dense[pairs[:, 0], pairs[:, 1]] = config.get("counts", 1.0)
    return dense


def _index_list(spec: Any, size: int, argument: str, where: str) -> list[int]:
    values = np.asarray(spec)
    if values.ndim != 1 or (values.size and not np.issubdtype(values.dtype, np.integer)):
        raise ConfigurationError(
            f"{where}: {argument}={spec!r}; expected 'all', a role string or a flat list "
            "of integer neuron indices"
        )
    outside = values[(values < 0) | (values >= size)]
    if outside.size:
        raise ConfigurationError(
            f"{where}: {argument} has index {int(outside[0])} outside 0..{size - 1}"
        )
    if len(np.unique(values)) != len(values):
        raise ConfigurationError(f"{where}: {argument} repeats a neuron index")
    return sorted(int(i) for i in values)
