"""Readers of the original distribution files: IDX (MNIST) and CIFAR pickles."""

from __future__ import annotations

import functools
import gzip
import pickle
import zlib
from pathlib import Path

import numpy as np

from elegans_keras.errors import ElegansKerasError

_IDX_UBYTE = 0x08

# The only globals a CIFAR batch pickle needs: numpy array reconstruction under
# its old and new module names, and the codec Python 3 uses for bytes in protocol 2.
_PICKLE_ALLOWED = frozenset(
    {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
        ("_codecs", "encode"),
    }
)


def _read_bytes(path: Path) -> bytes:
    """The file's content, gunzipped when its name ends in ``.gz``."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                return handle.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as err:
        raise ElegansKerasError(f"{path}: cannot read the file ({err})") from err


@functools.lru_cache(maxsize=8)
def _read_idx_cached(path: Path, mtime_ns: int, size: int) -> np.ndarray:
    """Decode ``path``; the stat values only key the cache, so an edited file is reread."""
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ElegansKerasError(f"{path}: not an IDX file (bad magic number)")
    if raw[2] != _IDX_UBYTE:
        raise ElegansKerasError(f"{path}: IDX data type 0x{raw[2]:02x} is not unsigned byte")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ElegansKerasError(f"{path}: truncated IDX header")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(raw) != expected:
        raise ElegansKerasError(
            f"{path}: IDX file of shape {shape} should hold {expected} bytes, "
            f"it holds {len(raw)} (truncated or corrupt)"
        )
    array = np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)
    array.flags.writeable = False
    return array


def read_idx(path: str | Path) -> np.ndarray:
    """Decode an unsigned-byte IDX file (optionally ``.gz``) into a read-only array.

    Decoded arrays are cached in memory per file (keyed on path, modification
    time and size), so reading the same file again costs nothing.

    Example:
        >>> read_idx("mnist/t10k-labels-idx1-ubyte.gz").shape
        (10000,)
    """
    path = Path(path).resolve()
    try:
        stat = path.stat()
    except OSError as err:
        raise ElegansKerasError(f"{path}: cannot read the file ({err})") from err
    return _read_idx_cached(path, stat.st_mtime_ns, stat.st_size)


class _ArrayUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds numpy arrays and refuses every other global."""

    def find_class(self, module: str, name: str):
        if (module, name) not in _PICKLE_ALLOWED:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed")
        return super().find_class(module, name)


def read_cifar_batch(
    path: str | Path, label_key: bytes = b"labels"
) -> tuple[np.ndarray, np.ndarray]:
    """Read one CIFAR "python version" batch into uint8 images (n, 32, 32, 3) and labels.

    The batch is a pickled dict with ``b"data"`` (n, 3072) uint8, each row the
    red, green and blue 32 x 32 planes in turn, and ``label_key`` (a list of n
    integers). Only numpy arrays are unpickled; any other object in the file
    is refused, so a hostile file cannot run code.

    Example:
        >>> images, labels = read_cifar_batch("cifar-10-batches-py/test_batch")
        >>> images.shape
        (10000, 32, 32, 3)
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            batch = _ArrayUnpickler(handle, encoding="bytes").load()
    except Exception as err:  # a corrupt pickle can raise almost any exception type
        raise ElegansKerasError(f"{path}: not a readable CIFAR batch ({err})") from err
    if not isinstance(batch, dict) or b"data" not in batch or label_key not in batch:
        raise ElegansKerasError(
            f"{path}: a CIFAR batch must be a dict with keys b'data' and {label_key!r}"
        )
    data = np.asarray(batch[b"data"])
    labels = np.asarray(batch[label_key], dtype=np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise ElegansKerasError(
            f"{path}: b'data' must be uint8 of shape (n, 3072), got {data.dtype} {data.shape}"
        )
    if labels.shape != (data.shape[0],):
        raise ElegansKerasError(
            f"{path}: {label_key!r} holds {labels.size} labels for {data.shape[0]} images"
        )
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, labels
