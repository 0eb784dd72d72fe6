"""Atomic file writes (a temporary file beside the target, then a rename) and a writers' lock."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from elegans_keras.errors import ConfigurationError


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temporary path; on success it replaces ``path`` in one rename.

    The temporary file keeps the target's suffixes (Keras and h5py look at
    them). On error the temporary file is removed and ``path`` is untouched.
    A target that is a folder, or whose folder cannot be created or written,
    raises ConfigurationError before anything is written.

    Example:
        >>> with atomic_path("/tmp/example.txt") as tmp:
        ...     _ = Path(tmp).write_text("hello")
        >>> Path("/tmp/example.txt").read_text()
        'hello'
    """
    target = Path(path)
    if target.is_dir():
        raise ConfigurationError(f"cannot write {str(target)!r}: it is a folder")
    suffix = "".join(target.suffixes)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=f".tmp{suffix}", dir=target.parent
        )
    except OSError as err:
        raise ConfigurationError(f"cannot write {str(target)!r}: {err}") from None
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


def check_writable(path: str | os.PathLike) -> Path:
    """Raise ConfigurationError unless a file can be written at ``path``; check before the work.

    Its folder is created if missing and a temporary file is made and removed
    there (what :func:`atomic_path` will do), so a path under a regular file,
    a read-only folder or a folder target fail at once, not after the results
    they would hold have been computed.

    Example:
        >>> check_writable("/tmp/example.csv").name
        'example.csv'
    """
    target = Path(path)
    if target.is_dir():
        raise ConfigurationError(f"cannot write {str(target)!r}: it is a folder")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=target.parent, prefix=f".{target.name}.", suffix=".check"
        ):
            pass
    except OSError as err:
        raise ConfigurationError(f"cannot write {str(target)!r}: {err}") from None
    return target


@contextlib.contextmanager
def locked(lock_file: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (created if missing) for a read-modify-write.

    Writers that merge into one shared file (a manifest, a study CSV, a
    results table) take it so that none loses another's data.

    Example:
        >>> with locked("/tmp/example.lock"):
        ...     pass
    """
    Path(lock_file).parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_json(path: str | os.PathLike, payload: Any) -> Path:
    """Write JSON atomically (indented, sorted keys, trailing newline)."""
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as stream:
            json.dump(payload, stream, indent=2, sort_keys=True)
            stream.write("\n")
    return Path(path)
