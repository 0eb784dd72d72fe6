"""The layers' wiring argument: a Connectome or a plain mask, and its JSON form.

Layers take their wiring as a :class:`Connectome`, a bundled connectome name
or path, or a plain 2-D mask (boolean, or non-negative synapse counts where
nonzero means connected; dense or ``scipy.sparse``). ``get_config`` stores it
as JSON (flat pre/post index lists with counts, role index lists, the
per-neuron attributes; never Python objects), and :func:`wiring_from_config`
reads it back, checking every index. A config that names a connectome *file*
is refused in Keras's safe mode (the default of ``load_model``): loading a
model must not read other files unless the user allows it.
"""

from __future__ import annotations

import numbers
import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias, cast

import numpy as np
import scipy.sparse as sp

from elegans_keras.connectome import Connectome, resolve_connectome
from elegans_keras.connectome.bundled import CITATIONS
from elegans_keras.connectome.core import MAX_NEURONS, ROLES
from elegans_keras.errors import ConfigurationError, DataDefectWarning, ElegansKerasError

Wiring: TypeAlias = Connectome | sp.csr_array
WiringSpec: TypeAlias = (
    Connectome | str | os.PathLike | np.ndarray | sp.sparray | Sequence | Mapping
)
NeuronSpec = str | Sequence[int] | np.ndarray


def resolve_wiring(spec: WiringSpec, where: str) -> Wiring:
    """A Connectome, or a float64 CSR (pre, post) count matrix for a plain mask.

    Args:
        spec: a Connectome, bundled name or path, a 2-D boolean / count array
            (dense, sparse or nested list), or a dict written by :func:`wiring_config`.
        where: the layer and argument, for error messages.

    Example:
        >>> resolve_wiring([[0, 1], [1, 0]], "demo").nnz
        2
    """
    if isinstance(spec, Connectome):
        return spec
    if isinstance(spec, (str, os.PathLike)):
        return resolve_connectome(spec)
    if isinstance(spec, Mapping):
        return _wiring_from_dict(spec, where)
    if sp.issparse(spec):
        raw = cast("sp.sparray", spec)  # or a scipy.sparse matrix: the same attributes here
        values = raw.data
    else:
        try:
            raw = np.asarray(spec)
        except (TypeError, ValueError, OverflowError) as err:
            raise ConfigurationError(
                f"{where}: expected a Connectome, a connectome name or a "
                f"2-D mask, got {type(spec).__name__} ({err})"
            ) from None
        values = raw
    if raw.dtype.kind not in "biuf":
        raise ConfigurationError(
            f"{where}: expected a Connectome, a connectome name or a 2-D mask of booleans or "
            f"real numbers, got {type(spec).__name__} (dtype {raw.dtype})"
        )
    if raw.ndim != 2 or 0 in raw.shape:
        raise ConfigurationError(
            f"{where}: a mask must be a non-empty 2-D array, got shape {raw.shape}"
        )
    values = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        location = tuple(int(i) for i in np.argwhere(bad)[0]) if values.ndim == 2 else "a cell"
        raise ConfigurationError(
            f"{where}: mask entry {location} is {values[bad][0]}; expected 0/1 or a "
            "non-negative count"
        )
    matrix = sp.csr_array(raw, dtype=np.float64)
    matrix.eliminate_zeros()
    return matrix


def wiring_from_config(spec: Any, where: str) -> Wiring:
    """The wiring of a layer config being loaded: files are refused in safe mode.

    Example:
        >>> wiring_from_config("celegans_herm", "demo").num_neurons
        279
    """
    if isinstance(spec, (str, os.PathLike)) and str(spec) not in CITATIONS and _in_safe_mode():
        raise ConfigurationError(
            f"{where}: the saved config names the connectome file {str(spec)!r}; safe mode does "
            "not let a model read other files while loading (call "
            "keras.config.enable_unsafe_deserialization() if you trust it)"
        )
    return resolve_wiring(spec, where)


# configs saved before issue 24 use these names
RENAMED_CONFIG_KEYS = {
    "connectome_or_mask": "connectome",
    "weights": "magnitudes",
    "output_neurons": "state_neurons",
}


def layer_from_config(cls: type[Any], config: dict[str, Any]) -> Any:
    """Rebuild a connectome layer from its config, with the package's errors.

    Keys saved under their names before issue 24 are read under today's
    (:data:`RENAMED_CONFIG_KEYS`). The wiring under ``connectome`` goes
    through :func:`wiring_from_config`; Keras's ``Layer.from_config`` turns
    any error of ``__init__`` into a ``TypeError``, so an
    :class:`ElegansKerasError` it wrapped is raised again as itself.
    """
    config = {RENAMED_CONFIG_KEYS.get(key, key): value for key, value in config.items()}
    if "connectome" not in config:
        raise ConfigurationError(f"{cls.__name__}: the saved config has no connectome")
    config["connectome"] = wiring_from_config(config["connectome"], cls.__name__)
    try:
        return super(cls, cls).from_config(config)
    except TypeError as error:
        if isinstance(error.__context__, ElegansKerasError):
            raise error.__context__ from None
        raise


def _in_safe_mode() -> bool:
    try:
        from keras.src.saving.serialization_lib import in_safe_mode
    except ImportError:  # pragma: no cover - a Keras without the helper: assume safe mode
        return True
    return in_safe_mode() is not False


def require_connectome(wiring: Wiring, where: str) -> Connectome:
    """The wiring as a Connectome, or a ConfigurationError saying roles are needed."""
    if not isinstance(wiring, Connectome):
        raise ConfigurationError(
            f"{where}: needs a Connectome or a bundled connectome name (neuron roles), "
            "not a plain mask"
        )
    return wiring


def num_neurons(wiring: Wiring) -> int:
    """Neurons of a Connectome, rows of a plain mask."""
    return wiring.num_neurons if isinstance(wiring, Connectome) else wiring.shape[0]


def select_neurons(spec: NeuronSpec, wiring: Wiring, argument: str, where: str) -> list[int]:
    """Sorted neuron indices chosen by ``"all"``, a role string ("S", "SI"...) or indices.

    Role strings need a Connectome; a plain mask accepts ``"all"`` or indices.

    Example:
        >>> len(select_neurons("M", load_connectome(), "output_neurons", "demo"))
        89
    """
    size = num_neurons(wiring)
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
    """JSON form of the wiring: pre/post index lists with counts, roles and attributes.

    A bundled connectome, unchanged, is saved by name with its fingerprint
    (a few hundred bytes, not its synapse lists); loading checks the
    fingerprint, so a model never silently loads onto different data.

    Example:
        >>> wiring_config(np.eye(2, dtype=bool))
        {'shape': [2, 2], 'pre': [0, 1], 'post': [0, 1]}
        >>> sorted(wiring_config(load_connectome()))
        ['bundled', 'fingerprint']
    """
    if not isinstance(wiring, Connectome):
        return _sparse_config(wiring)
    if _is_bundled(wiring):
        return {"bundled": wiring.name, "fingerprint": wiring.fingerprint}
    return {
        "name": wiring.name,
        "names": list(wiring.names),
        "roles": {role: [int(i) for i in wiring.role_indices(role)] for role in ROLES},
        "chemical": _sparse_config(wiring.chemical),
        "electrical": _sparse_config(wiring.electrical),
        "attributes": {key: list(values) for key, values in wiring.attributes.items()},
    }


def _load_bundled(name: str) -> Connectome:
    from elegans_keras.connectome import load_connectome

    with warnings.catch_warnings():  # elegans_ai_paper's defect warning: said when first loaded
        warnings.simplefilter("ignore", DataDefectWarning)
        return load_connectome(name)


def _is_bundled(wiring: Connectome) -> bool:
    """True when ``wiring`` is a bundled connectome exactly (synapses, names, roles, attributes)."""
    if wiring.name not in CITATIONS:
        return False
    bundled = _load_bundled(wiring.name)
    if bundled.fingerprint != wiring.fingerprint or set(bundled.attributes) != set(
        wiring.attributes
    ):
        return False
    return all(
        list(bundled.attributes[key]) == list(wiring.attributes[key]) for key in bundled.attributes
    )


def _sparse_config(counts: Any) -> dict[str, Any]:
    coo = sp.coo_array(sp.csr_array(counts))
    order = np.lexsort((coo.col, coo.row))
    config: dict[str, Any] = {
        "shape": [int(d) for d in coo.shape],
        "pre": coo.row[order].tolist(),
        "post": coo.col[order].tolist(),
    }
    values = coo.data[order]
    if np.any(values != 1):
        config["counts"] = values.tolist()
    return config


def _wiring_from_dict(config: Mapping, where: str) -> Wiring:
    try:
        if "bundled" in config:
            name = config["bundled"]
            if not isinstance(name, str) or name not in CITATIONS:
                raise ConfigurationError(
                    f"{where}: the saved wiring names {name!r}, not a bundled connectome"
                )
            bundled = _load_bundled(name)
            if bundled.fingerprint != config.get("fingerprint"):
                raise ConfigurationError(
                    f"{where}: the saved wiring is bundled connectome {name!r} with fingerprint "
                    f"{config.get('fingerprint')!r}, but this release's {name!r} has "
                    f"{bundled.fingerprint!r} (its data changed since the model was saved)"
                )
            return bundled
        if "roles" in config:
            size = len(config["names"])
            roles = ["I"] * size
            for role, indices in config["roles"].items():
                for index in _indices(indices, size, f"roles[{role!r}]", where):
                    roles[index] = role
            return Connectome(
                names=tuple(config["names"]),
                roles=tuple(roles),
                chemical=_matrix_from_config(config["chemical"], where),
                electrical=_matrix_from_config(config["electrical"], where),
                attributes={k: tuple(v) for k, v in config.get("attributes", {}).items()},
                name=config.get("name", "connectome"),
            )
        return resolve_wiring(_matrix_from_config(config, where), where)
    except ElegansKerasError:
        raise
    except (KeyError, IndexError, TypeError, ValueError) as err:
        raise ConfigurationError(f"{where}: malformed wiring config ({err!r})") from None


def _indices(values: Any, size: int, label: str, where: str) -> np.ndarray:
    """Integer indices in [0, size), checked (negative indices would wrap around)."""
    array = np.asarray(values)
    if array.size and (array.dtype.kind not in "iu" or array.ndim != 1):
        raise ConfigurationError(f"{where}: wiring config {label} holds non-integer indices")
    array = array.astype(np.int64)
    bad = (array < 0) | (array >= size)
    if bad.any():
        raise ConfigurationError(
            f"{where}: wiring config {label} holds index {int(array[bad][0])} outside 0..{size - 1}"
        )
    return array


def _matrix_from_config(config: Mapping, where: str) -> sp.csr_array:
    shape = config["shape"]
    if (
        not isinstance(shape, (list, tuple))
        or len(shape) != 2
        or not all(isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in shape)
    ):
        raise ConfigurationError(f"{where}: wiring config shape {shape!r} is not two integers")
    rows, cols = (int(d) for d in shape)
    if rows <= 0 or cols <= 0:
        raise ConfigurationError(f"{where}: wiring config shape {config['shape']} is empty")
    if max(rows, cols) > MAX_NEURONS:
        raise ConfigurationError(
            f"{where}: wiring config shape {config['shape']} exceeds the "
            f"limit of {MAX_NEURONS:,} neurons"
        )
    pre = _indices(config["pre"], rows, "pre", where)
    post = _indices(config["post"], cols, "post", where)
    if pre.size != post.size:
        raise ConfigurationError(
            f"{where}: wiring config has {pre.size} pre and {post.size} post indices"
        )
    try:
        counts = np.asarray(config.get("counts", np.ones(pre.size)), dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise ConfigurationError(f"{where}: wiring config counts are not finite numbers") from None
    if not np.all(np.isfinite(counts)):
        raise ConfigurationError(f"{where}: wiring config counts are not finite numbers")
    if counts.shape != pre.shape:
        raise ConfigurationError(
            f"{where}: wiring config has {counts.size} counts for {pre.size} synapses"
        )
    return sp.csr_array((counts, (pre, post)), shape=(rows, cols))


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
