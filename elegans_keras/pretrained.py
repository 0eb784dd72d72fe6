"""Published weights: the manifest, sha256 checks, load by name, evaluate, publish.

The registry is a folder (``weights/`` at the top of the repository, shipped
inside the wheel as ``elegans_keras.weights``) holding ``manifest.json`` and
one ``<name>-<sha256 prefix>.weights.h5`` per published model.

Trust model: the sha256 in the manifest detects a corrupted or truncated
weights file; it does not prove where a file came from (whoever can replace
the file can replace the manifest). Loading rebuilds the model from a
registered factory and loads weights only (no pickled code, no Lambda
layers), and a manifest's ``file`` must be a plain file name inside the
registry folder. Before anything is built or hashed, every entry is checked
for its fields' types (a mapping of factory arguments the factory accepts,
``test_data`` a mapping...), the weights file for its size (``size_bytes``
and at most :data:`MAX_WEIGHTS_BYTES`) and then its checksum; the file's
HDF5 layout is read (names and shapes only) to count the values it holds,
and no integer of the config (a size or a shape; seeds and step counts
aside) may exceed that count: a config that asks for a model far larger than
its weights is refused before the model is built. Every refusal is a
:class:`WeightsError` naming the entry.

Publishing is transactional: the new weights go to a new file, the manifest
is replaced atomically to point at it, and only then is the old file removed,
all under a lock file, so a kill at any moment leaves the old pair or the new
pair intact and two publishers never lose each other's entries.
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
import json
import numbers
import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd

from elegans_keras.atomic import atomic_path, locked, write_json
from elegans_keras.errors import ConfigurationError, WeightsError
from elegans_keras.progress import keras_verbose

MANIFEST = "manifest.json"
LOCK = ".manifest.lock"
REQUIRED = ("factory", "config", "test_data", "test_metrics", "file", "sha256")
MAPPINGS = ("config", "test_data", "test_metrics")
# a weights file larger than this is refused before it is hashed (the published ones: 0.4 MB)
MAX_WEIGHTS_BYTES = 1 << 30
# config integers that are not sizes: not bounded by the number of values in the weights
NOT_SIZES = ("seed", "decay_steps")


def default_weights_dir() -> Path:
    """The published weights: ``elegans_keras.weights`` when installed, else ``<repo>/weights``."""
    try:
        return Path(str(resources.files("elegans_keras.weights")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[1] / "weights"


def sha256_of(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(weights_dir: str | os.PathLike | None = None) -> dict[str, dict[str, Any]]:
    """The manifest's entries by model name ({} when there is no manifest yet), checked.

    Example:
        >>> import tempfile
        >>> read_manifest(tempfile.mkdtemp())
        {}
        >>> sorted(read_manifest())[:1]  # the published weights  # doctest: +SKIP
        ['mnist_classifier_deep']
    """
    path = Path(weights_dir or default_weights_dir()) / MANIFEST
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["models"]
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as err:
        raise WeightsError(f"manifest {str(path)!r} is unreadable ({err!r})") from None
    if not isinstance(entries, dict):
        raise WeightsError(f"manifest {str(path)!r}: 'models' is not a name -> entry mapping")
    for name, entry in entries.items():
        missing = [key for key in REQUIRED if not isinstance(entry, dict) or key not in entry]
        if missing:
            raise WeightsError(f"manifest {str(path)!r}: entry {name!r} lacks {missing}")
        file = entry["file"]
        if not isinstance(file, str) or Path(file).name != file or file in ("", ".", ".."):
            raise WeightsError(
                f"manifest {str(path)!r}: entry {name!r} names file {file!r}; "
                "it must be a plain file name inside the weights folder"
            )
        _check_fields(entry, f"manifest {str(path)!r}: entry {name!r}")
    return entries


def _check_fields(entry: dict[str, Any], where: str) -> None:
    """The types of an entry's fields (what building and evaluating read from it)."""
    for key in MAPPINGS:
        if not isinstance(entry[key], dict):
            raise WeightsError(
                f"{where}: {key} is a {type(entry[key]).__name__}, expected a mapping"
            )
    if not isinstance(entry["factory"], str) or not isinstance(entry["sha256"], str):
        raise WeightsError(f"{where}: factory and sha256 must be strings")
    bad = {
        k: v
        for k, v in entry["test_metrics"].items()
        if not isinstance(v, numbers.Real) or isinstance(v, bool)
    }
    if bad:
        raise WeightsError(f"{where}: test_metrics {bad} are not numbers")
    size = entry.get("size_bytes")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise WeightsError(f"{where}: size_bytes {size!r} is not a byte count")


def list_pretrained(weights_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """One row per published model: factory, data, test metrics, parameters.

    Example:
        >>> "test_accuracy" in list_pretrained().columns  # doctest: +SKIP
        True
    """
    rows = []
    for name, entry in read_manifest(weights_dir).items():
        row = {
            "name": name,
            "factory": entry["factory"],
            "dataset": entry["test_data"].get("dataset"),
        }
        row.update({f"test_{k}": v for k, v in entry["test_metrics"].items()})
        row.update(entry.get("parameters", {}))
        rows.append(row)
    return pd.DataFrame(rows).set_index("name") if rows else pd.DataFrame()


def build_from_entry(
    entry: dict[str, Any], name: str = "the manifest entry", max_size: int | None = None
) -> keras.Model:
    """Rebuild (untrained) the model a manifest entry describes.

    The config must be a mapping of arguments the factory takes; with
    ``max_size`` (the number of values the entry's weights hold) no integer of
    it but those of :data:`NOT_SIZES` may exceed it. Any failure of the
    factory is a :class:`WeightsError` naming the entry.
    """
    from elegans_keras.errors import ElegansKerasError
    from elegans_keras.models import FACTORIES

    factory, config = entry.get("factory"), entry.get("config")
    if not isinstance(factory, str) or factory not in FACTORIES:
        raise WeightsError(f"{name} names unknown factory {factory!r}")
    if not isinstance(config, dict):
        raise WeightsError(
            f"{name}: config is a {type(config).__name__}, expected a mapping "
            f"of {factory} arguments"
        )
    try:
        inspect.signature(FACTORIES[factory]).bind(**config)
    except TypeError as err:
        raise WeightsError(f"{name}: config does not fit {factory} ({err})") from None
    if max_size is not None:
        for key, value in config.items():
            largest = _largest_integer(value)
            if key not in NOT_SIZES and largest is not None and largest > max_size:
                raise WeightsError(
                    f"{name}: config {key}={value!r} asks for more than the {max_size:,} values "
                    "its weights file holds; refused before building the model"
                )
    try:
        return FACTORIES[factory](**config)
    except (
        ElegansKerasError,
        TypeError,
        ValueError,
        KeyError,
        AttributeError,
        OverflowError,
    ) as err:
        raise WeightsError(f"{name}: {factory} refuses its config ({err})") from None


def _largest_integer(value: Any) -> int | None:
    """The largest integer in a config value (a number or a flat list of them), if any."""
    values = value if isinstance(value, (list, tuple)) else [value]
    integers = [v for v in values if isinstance(v, numbers.Integral) and not isinstance(v, bool)]
    return int(max(integers)) if integers else None


def stored_values(path: str | os.PathLike, name: str) -> int:
    """How many model values the HDF5 weights file at ``path`` holds (layout only, no data read).

    The optimizer's scalars that Keras stores beside the weights are not counted.

    Raises WeightsError naming ``name`` for a file HDF5 cannot open (truncated, not HDF5).
    """
    import h5py

    total = 0

    def count(key: str, item: Any) -> None:
        nonlocal total
        if isinstance(item, h5py.Dataset) and not key.startswith("optimizer/"):
            total += int(item.size or 0)

    try:
        with h5py.File(path, "r") as stream:
            stream.visititems(count)
    except (OSError, ValueError, RuntimeError) as err:
        raise WeightsError(
            f"weights file {str(path)!r} of {name!r} is not a readable HDF5 file ({err})"
        ) from None
    return total


def verified_weights(folder: Path, name: str, entry: dict[str, Any]) -> Path:
    """The entry's weights file, checked: present, its size, then its sha256."""
    path = folder / entry["file"]
    if not path.is_file():
        raise WeightsError(f"weights file {str(path)!r} of {name!r} is missing")
    size = path.stat().st_size
    expected = entry.get("size_bytes")
    if expected is not None and size != expected:
        raise WeightsError(
            f"weights file {str(path)!r} of {name!r} has {size:,} bytes, the "
            f"manifest says {expected:,}"
        )
    if size > MAX_WEIGHTS_BYTES:
        raise WeightsError(
            f"weights file {str(path)!r} of {name!r} has {size:,} bytes, more "
            f"than the limit of {MAX_WEIGHTS_BYTES:,}"
        )
    actual = sha256_of(path)
    if actual != entry["sha256"]:
        raise WeightsError(
            f"weights file {str(path)!r} of {name!r} fails its checksum: sha256 {actual} "
            f"!= manifest {entry['sha256']}"
        )
    return path


def load_pretrained(name: str, weights_dir: str | os.PathLike | None = None) -> keras.Model:
    """Rebuild a published model, verify its weights' sha256 and load them.

    Raises :class:`WeightsError` for an unknown name, a missing file, a size
    or checksum mismatch (a corrupt or replaced file) or a config that does
    not fit the weights, before building anything; and for weights that do
    not load into the model.

    Example:
        >>> model = load_pretrained("mnist_classifier_deep")  # doctest: +SKIP
        >>> model.output_shape  # doctest: +SKIP
        (None, 10)
    """
    folder = Path(weights_dir or default_weights_dir())
    entries = read_manifest(folder)
    if name not in entries:
        known = ", ".join(sorted(entries)) or "none"
        raise WeightsError(f"no published model {name!r} in {str(folder)!r}; published: {known}")
    entry = entries[name]
    path = verified_weights(folder, name, entry)
    held = stored_values(path, name)
    model = build_from_entry(entry, f"published model {name!r}", max_size=held)
    wanted = sum(int(np.prod(weight.shape)) for weight in model.weights)
    if wanted != held:
        raise WeightsError(
            f"weights file {str(path)!r} of {name!r} holds {held:,} values, the "
            f"model its config builds has {wanted:,}"
        )
    try:
        model.load_weights(path)
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise WeightsError(
            f"weights file {str(path)!r} of {name!r} does not load into its model ({err})"
        ) from None
    return model


def evaluate(
    model: keras.Model, x: np.ndarray, y: np.ndarray, verbose: int = 0
) -> dict[str, float]:
    """The compiled metrics of ``model`` on (x, y), as floats."""
    if len(x) == 0:
        raise ConfigurationError("cannot evaluate on an empty test set")
    scores = model.evaluate(x, y, batch_size=256, verbose=verbose, return_dict=True)
    return {k: float(v) for k, v in scores.items()}


def evaluate_published(
    name: str,
    weights_dir: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    quiet: bool = False,
) -> dict[str, tuple[float, float]]:
    """Recompute a published model's test metrics: ``{metric: (now, manifest)}``.

    Example:
        >>> evaluate_published("mnist_classifier_deep", quiet=True)["accuracy"]  # doctest: +SKIP
        (0.99..., 0.99...)
    """
    from elegans_keras.datasets import load_task_data

    model = load_pretrained(name, weights_dir)
    entry = read_manifest(weights_dir)[name]
    x_test, y_test = load_task_data(entry["test_data"], "test", data_dir)
    scores = evaluate(model, x_test, y_test, verbose=keras_verbose(quiet))
    return {k: (v, entry["test_metrics"].get(k, float("nan"))) for k, v in scores.items()}


def check_writable(weights_dir: str | os.PathLike | None) -> Path:
    """Raise ConfigurationError unless ``weights_dir`` can be made and written (before training)."""
    folder = Path(weights_dir or default_weights_dir())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as err:
        raise ConfigurationError(f"cannot publish into {str(folder)!r}: {err}") from None
    return folder


def _sweep(folder: Path, entries: dict[str, dict[str, Any]]) -> None:
    """Remove weights files no entry names and temporaries left by killed writers."""
    kept = {entry["file"] for entry in entries.values()}
    for path in folder.iterdir():
        stale = path.name.endswith(".weights.h5") and path.name not in kept
        if stale or (path.name.startswith(".") and ".tmp" in path.name):
            path.unlink(missing_ok=True)


def publish(
    model: keras.Model,
    name: str,
    record: dict[str, Any],
    weights_dir: str | os.PathLike | None = None,
) -> Path:
    """Save ``model``'s weights as ``<name>-<sha>.weights.h5`` and point the manifest at them.

    ``record`` must hold ``factory``, ``config``, ``test_data`` and
    ``test_metrics``; the file name, sha256 and date are added here. The
    weights are copied into a freshly built model first, so the file holds
    the model's weights without the optimizer's state. See the module
    docstring for why a kill never loses the previous good pair.

    Example:
        >>> import tempfile
        >>> from elegans_keras.models import plain_classifier
        >>> config = {"input_shape": [8, 8, 1], "num_classes": 2, "hidden": 4, "filters": [4]}
        >>> model = plain_classifier(**config)
        >>> record = {"factory": "plain_classifier", "config": config,
        ...           "test_data": {"dataset": "mnist"}, "test_metrics": {"accuracy": 0.5}}
        >>> folder = tempfile.mkdtemp()
        >>> publish(model, "tiny", record, folder).name
        'tiny-....weights.h5'
        >>> list(read_manifest(folder))
        ['tiny']
    """
    missing = {"factory", "config", "test_data", "test_metrics"} - set(record)
    if missing:
        raise WeightsError(f"cannot publish {name!r}: record lacks {sorted(missing)}")
    folder = check_writable(weights_dir)
    fresh = build_from_entry(record, f"the record of {name!r}")
    fresh.set_weights(model.get_weights())
    with locked(folder / LOCK):
        entries = read_manifest(folder)
        pending = folder / f".{name}.pending.weights.h5"
        with atomic_path(pending) as temporary:
            fresh.save_weights(temporary)
        digest = sha256_of(pending)
        path = folder / f"{name}-{digest[:12]}.weights.h5"
        os.replace(pending, path)
        entries[name] = {
            **record,
            "file": path.name,
            "sha256": digest,
            "size_bytes": path.stat().st_size,
            "published": datetime.date.today().isoformat(),
        }
        write_json(folder / MANIFEST, {"models": dict(sorted(entries.items()))})
        _sweep(folder, entries)
    return path
