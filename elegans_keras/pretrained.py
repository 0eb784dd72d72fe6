"""Published weights: the manifest, sha256 checks, load by name, evaluate, publish.

The registry is a folder (``weights/`` at the top of the repository, shipped
inside the wheel as ``elegans_keras.weights``) holding ``manifest.json`` and
one ``<name>-<sha256 prefix>.weights.h5`` per published model.

Trust model: the sha256 in the manifest detects a corrupted or truncated
weights file; it does not prove where a file came from (whoever can replace
the file can replace the manifest). Loading rebuilds the model from a
registered factory and loads weights only (no pickled code, no Lambda
layers), and a manifest's ``file`` must be a plain file name inside the
registry folder.

Publishing is transactional: the new weights go to a new file, the manifest
is replaced atomically to point at it, and only then is the old file removed,
all under a lock file, so a kill at any moment leaves the old pair or the new
pair intact and two publishers never lose each other's entries.
"""

from __future__ import annotations

import datetime
import hashlib
import json
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

MANIFEST = "manifest.json"
LOCK = ".manifest.lock"
REQUIRED = ("factory", "config", "test_data", "test_metrics", "file", "sha256")


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
            raise WeightsError(f"manifest {str(path)!r}: entry {name!r} names file {file!r}; "
                               "it must be a plain file name inside the weights folder")
    return entries


def list_pretrained(weights_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """One row per published model: factory, data, test metrics, parameters.

    Example:
        >>> "test_accuracy" in list_pretrained().columns  # doctest: +SKIP
        True
    """
    rows = []
    for name, entry in read_manifest(weights_dir).items():
        row = {"name": name, "factory": entry["factory"],
               "dataset": entry["test_data"].get("dataset")}
        row.update({f"test_{k}": v for k, v in entry["test_metrics"].items()})
        row.update(entry.get("parameters", {}))
        rows.append(row)
    return pd.DataFrame(rows).set_index("name") if rows else pd.DataFrame()


def build_from_entry(entry: dict[str, Any]) -> keras.Model:
    """Rebuild (untrained) the model a manifest entry describes."""
    from elegans_keras.models import FACTORIES

    if entry.get("factory") not in FACTORIES:
        raise WeightsError(f"manifest entry names unknown factory {entry.get('factory')!r}")
    return FACTORIES[entry["factory"]](**entry["config"])


def load_pretrained(name: str, weights_dir: str | os.PathLike | None = None) -> keras.Model:
    """Rebuild a published model, verify its weights' sha256 and load them.

    Raises :class:`WeightsError` for an unknown name, a missing file or a
    checksum mismatch (a corrupt or replaced file), before loading anything.

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
    path = folder / entry["file"]
    if not path.is_file():
        raise WeightsError(f"weights file {str(path)!r} of {name!r} is missing")
    actual = sha256_of(path)
    if actual != entry["sha256"]:
        raise WeightsError(
            f"weights file {str(path)!r} of {name!r} fails its checksum: sha256 {actual} "
            f"!= manifest {entry['sha256']}"
        )
    model = build_from_entry(entry)
    model.load_weights(path)
    return model


def evaluate(model: keras.Model, x: np.ndarray, y: np.ndarray, verbose: int = 0
             ) -> dict[str, float]:
    """The compiled metrics of ``model`` on (x, y), as floats."""
    if len(x) == 0:
        raise ConfigurationError("cannot evaluate on an empty test set")
    scores = model.evaluate(x, y, batch_size=256, verbose=verbose, return_dict=True)
    return {k: float(v) for k, v in scores.items()}


def evaluate_published(name: str, weights_dir: str | os.PathLike | None = None,
                       data_dir: str | os.PathLike | None = None,
                       quiet: bool = False) -> dict[str, tuple[float, float]]:
    """Recompute a published model's test metrics: ``{metric: (now, manifest)}``.

    Example:
        >>> evaluate_published("mnist_classifier_deep", quiet=True)["accuracy"]  # doctest: +SKIP
        (0.99..., 0.99...)
    """
    from elegans_keras.datasets import load_task_data

    model = load_pretrained(name, weights_dir)
    entry = read_manifest(weights_dir)[name]
    x_test, y_test = load_task_data(entry["test_data"], "test", data_dir)
    scores = evaluate(model, x_test, y_test, verbose=0 if quiet else 1)
    return {k: (v, entry["test_metrics"].get(k, float("nan"))) for k, v in scores.items()}


def check_writable(weights_dir: str | os.PathLike | None) -> Path:
    """Raise ConfigurationError unless ``weights_dir`` can be created and written (before training)."""
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
    fresh = build_from_entry(record)
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
