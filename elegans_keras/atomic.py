"""Atomic file writes: write to a temporary file beside the target, then rename."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temporary path; on success it replaces ``path`` in one rename.

    The temporary file keeps the target's suffixes (Keras and h5py look at
    them). On error the temporary file is removed and ``path`` is untouched.

    Example:
        >>> with atomic_path("model.weights.h5") as tmp:
        ...     model.save_weights(tmp)
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(target.suffixes)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=f".tmp{suffix}", dir=target.parent
    )
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_json(path: str | os.PathLike, payload: Any) -> Path:
    """Write JSON atomically (indented, sorted keys, trailing newline)."""
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as stream:
            json.dump(payload, stream, indent=2, sort_keys=True)
            stream.write("\n")
    return Path(path)
