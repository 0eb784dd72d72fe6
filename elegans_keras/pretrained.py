"""The published-weights registry: ``weights/manifest.json``, sha256 checks, load by name."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import keras
import pandas as pd

from elegans_keras.atomic import atomic_path, write_json
from elegans_keras.errors import WeightsError

MANIFEST = "manifest.json"


def default_weights_dir() -> Path:
    """The ``weights/`` folder shipped inside the package."""
    return Path(str(resources.files("elegans_keras") / "weights"))


def sha256_of(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(weights_dir: str | os.PathLike | None = None) -> dict[str, dict[str, Any]]:
    """The manifest's entries by model name ({} when there is no manifest yet)."""
    path = Path(weights_dir or default_weights_dir()) / MANIFEST
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))["models"]
    except (json.JSONDecodeError, KeyError, UnicodeDecodeError) as err:
        raise WeightsError(f"manifest {str(path)!r} is unreadable ({err})") from None


def list_pretrained(weights_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """One row per published model: factory, dataset, test metrics, parameters.

    Example:
        >>> list_pretrained()[["factory", "dataset"]]
    """
    rows = []
    for name, entry in read_manifest(weights_dir).items():
        row = {"name": name, "factory": entry["factory"], "dataset": entry["dataset"]}
        row.update({f"test_{k}": v for k, v in entry["test_metrics"].items()})
        row.update(entry["parameters"])
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
        >>> model = load_pretrained("mnist_classifier_deep")
        >>> model.evaluate(x_test, y_test)
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


def publish(
    model: keras.Model,
    name: str,
    record: dict[str, Any],
    weights_dir: str | os.PathLike | None = None,
) -> Path:
    """Save ``model``'s weights as ``<name>.weights.h5`` and add its manifest entry.

    ``record`` must hold ``factory``, ``config``, ``dataset`` and
    ``test_metrics``; the file name, sha256 and date are added here. The
    weights are copied into a freshly built model first, so the file holds
    the model's weights without the optimizer's state. Both writes are atomic.

    Example:
        >>> publish(model, "mnist_classifier_deep", {"factory": "elegans_classifier", ...})
    """
    missing = {"factory", "config", "dataset", "test_metrics"} - set(record)
    if missing:
        raise WeightsError(f"cannot publish {name!r}: record lacks {sorted(missing)}")
    folder = Path(weights_dir or default_weights_dir())
    path = folder / f"{name}.weights.h5"
    fresh = build_from_entry(record)
    fresh.set_weights(model.get_weights())
    with atomic_path(path) as temporary:
        fresh.save_weights(temporary)
    entries = read_manifest(folder)
    entries[name] = {
        **record,
        "file": path.name,
        "sha256": sha256_of(path),
        "size_bytes": path.stat().st_size,
        "published": datetime.date.today().isoformat(),
    }
    write_json(folder / MANIFEST, {"models": dict(sorted(entries.items()))})
    return path
