"""Readers of the original distribution files: IDX (MNIST) and CIFAR pickles.

Both readers treat their files as untrusted: every size a header or a pickle
declares is checked against the bytes actually present before anything is
allocated, and a malformed file is refused with an :class:`ElegansKerasError`
naming it.
"""

from __future__ import annotations

import functools
import gzip
import io
import math
import pickle
import pickletools
import zlib
from pathlib import Path

import numpy as np

from elegans_keras.errors import ElegansKerasError

_IDX_UBYTE = 0x08
# MNIST-like data sets hold labels (1 dimension) and images (3); 4 allows a channel axis.
_IDX_MAX_NDIM = 4
_READ_CHUNK = 1 << 24

# Classes of each CIFAR label list, by its key in the batch dict.
CIFAR_NUM_CLASSES = {b"labels": 10, b"fine_labels": 100, b"coarse_labels": 20}
_CIFAR_PIXELS = 3 * 32 * 32


def check_label_range(labels: np.ndarray, num_classes: int, source: object) -> None:
    """Refuse ``labels`` unless every one lies in ``0 .. num_classes - 1``.

    The error names ``source`` (a file), the first bad label and its index.

    Example:
        >>> check_label_range(np.array([0, 9, 3]), 10, "labels.idx")
        >>> check_label_range(np.array([0, 200]), 10, "labels.idx")
        Traceback (most recent call last):
        ...
        elegans_keras.errors.ElegansKerasError: labels.idx: label 200 at index 1 is outside 0..9
    """
    labels = np.asarray(labels)
    bad = np.flatnonzero((labels < 0) | (labels >= num_classes))
    if bad.size:
        index = int(bad[0])
        raise ElegansKerasError(
            f"{source}: label {labels[index]} at index {index} is outside 0..{num_classes - 1}"
        )


# ----------------------------------------------------------------- IDX


def _read_up_to(handle, count: int) -> bytes:
    """At most ``count`` bytes of ``handle``, read in chunks so memory follows the data."""
    chunks = []
    while count > 0:
        chunk = handle.read(min(count, _READ_CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def _decode_idx(path: Path, handle, file_size: int | None) -> np.ndarray:
    """Check the IDX header against the data present, then decode it.

    ``file_size`` is the size on disk of an uncompressed file (``None`` for gzip).
    """
    magic = _read_up_to(handle, 4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0:
        raise ElegansKerasError(f"{path}: not an IDX file (bad magic number)")
    if magic[2] != _IDX_UBYTE:
        raise ElegansKerasError(f"{path}: IDX data type 0x{magic[2]:02x} is not unsigned byte")
    ndim = magic[3]
    if not 1 <= ndim <= _IDX_MAX_NDIM:
        raise ElegansKerasError(
            f"{path}: IDX header declares {ndim} dimensions; these data sets have "
            f"1 to {_IDX_MAX_NDIM} (corrupt header)"
        )
    dims = _read_up_to(handle, 4 * ndim)
    if len(dims) < 4 * ndim:
        raise ElegansKerasError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(dims[4 * i : 4 * i + 4], "big") for i in range(ndim))
    for axis, size in enumerate(shape):
        if size == 0:
            raise ElegansKerasError(
                f"{path}: IDX dimension {axis} of shape {shape} is 0, so the file holds no data"
            )
    header = 4 + 4 * ndim
    payload = math.prod(shape)  # Python ints: no overflow whatever the header says
    expected = header + payload
    if file_size is not None and file_size != expected:
        raise ElegansKerasError(
            f"{path}: IDX file of shape {shape} should hold {expected} bytes, "
            f"it holds {file_size} (truncated or corrupt)"
        )
    data = _read_up_to(handle, payload + 1)  # one byte more reveals trailing data
    if len(data) != payload:
        held = f"{header + len(data)}" if len(data) < payload else f"more than {expected}"
        raise ElegansKerasError(
            f"{path}: IDX file of shape {shape} should hold {expected} bytes, "
            f"it holds {held} (truncated or corrupt)"
        )
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


@functools.lru_cache(maxsize=8)
def _read_idx_cached(path: Path, mtime_ns: int, size: int) -> np.ndarray:
    """Decode ``path``; the stat values only key the cache, so an edited file is reread."""
    gzipped = path.suffix == ".gz"
    try:
        with gzip.open(path, "rb") if gzipped else path.open("rb") as handle:
            array = _decode_idx(path, handle, None if gzipped else size)
    except (OSError, EOFError, zlib.error) as err:
        raise ElegansKerasError(f"{path}: cannot read the file ({err})") from err
    array.flags.writeable = False
    return array


def read_idx(path: str | Path) -> np.ndarray:
    """Decode an unsigned-byte IDX file (optionally ``.gz``) into a read-only array.

    The header must declare 1 to 4 dimensions, each positive, and exactly as
    many data bytes as the file holds; anything else is refused, naming the file.
    Decoded arrays are cached in memory per file (keyed on path, modification
    time and size), so reading the same file again costs nothing.

    Example:
        >>> from elegans_keras.datasets.images import BUNDLED_DATA
        >>> read_idx(BUNDLED_DATA / "mnist" / "t10k-labels-idx1-ubyte.gz").shape
        (10000,)
    """
    path = Path(path).resolve()
    try:
        stat = path.stat()
    except OSError as err:
        raise ElegansKerasError(f"{path}: cannot read the file ({err})") from err
    return _read_idx_cached(path, stat.st_mtime_ns, stat.st_size)


# ----------------------------------------------------------------- CIFAR pickles

# Opcodes a pickled dict of lists, bytes and numpy arrays never needs.
_REFUSED_OPCODES = frozenset(
    {
        "INST",
        "OBJ",
        "NEWOBJ",
        "NEWOBJ_EX",
        "EXT1",
        "EXT2",
        "EXT4",
        "PERSID",
        "BINPERSID",
        "NEXT_BUFFER",
        "READONLY_BUFFER",
    }
)
_MEMO_PUTS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})


def _opcode_table() -> dict[int, tuple[str, int, int, bool]]:
    """Per opcode byte: (name, fixed argument size, size of a length prefix, length signed).

    A negative fixed size means the argument runs to a newline (-1) or two (-2).
    """
    counted = {
        pickletools.TAKEN_FROM_ARGUMENT1: (1, False),
        pickletools.TAKEN_FROM_ARGUMENT4: (4, True),
        pickletools.TAKEN_FROM_ARGUMENT4U: (4, False),
        pickletools.TAKEN_FROM_ARGUMENT8U: (8, False),
    }
    table = {}
    for op in pickletools.opcodes:
        arg = op.arg
        if arg is None:
            entry = (op.name, 0, 0, False)
        elif arg.n >= 0:
            entry = (op.name, arg.n, 0, False)
        elif arg.n == pickletools.UP_TO_NEWLINE:
            entry = (op.name, -2 if arg.name.endswith("_pair") else -1, 0, False)
        else:
            entry = (op.name, 0, *counted[arg.n])
        table[ord(op.code.encode("latin-1"))] = entry
    return table


_OPCODES = _opcode_table()


def _check_pickle_sizes(raw: bytes) -> None:
    """Walk the opcodes of ``raw`` and refuse a length or memo index the file cannot back.

    The C unpickler allocates a bytes object of the declared length before it
    reads it, and grows its memo to the declared index: an 80-byte file could
    make it reserve gigabytes. Here every declared length must fit in what
    remains of the file, and every memo index must be below the number of
    opcodes read so far (picklers number their memo entries from 0).
    """
    pos, end, count = 0, len(raw), 0
    while pos < end:
        code = raw[pos]
        if code not in _OPCODES:
            raise pickle.UnpicklingError(f"unknown opcode 0x{code:02x} at byte {pos}")
        name, fixed, prefix, signed = _OPCODES[code]
        if name in _REFUSED_OPCODES:
            raise pickle.UnpicklingError(f"opcode {name} at byte {pos} is not allowed")
        start = pos + 1
        if fixed >= 0:
            pos = start + fixed + prefix
            if pos > end:
                raise pickle.UnpicklingError(f"{name} at byte {start - 1} runs past the end")
            if prefix:
                length = int.from_bytes(raw[start:pos], "little", signed=signed)
                if length < 0 or length > end - pos:
                    raise pickle.UnpicklingError(
                        f"{name} at byte {start - 1} declares {length} bytes, "
                        f"only {end - pos} remain"
                    )
                pos += length
            elif name in _MEMO_PUTS:
                index = int.from_bytes(raw[start:pos], "little")
                if index > count:
                    raise pickle.UnpicklingError(
                        f"{name} at byte {start - 1} stores memo entry {index} "
                        f"after {count} opcodes"
                    )
        else:
            pos = start
            for _ in range(-fixed):
                newline = raw.find(b"\n", pos)
                if newline < 0:
                    raise pickle.UnpicklingError(f"{name} at byte {start - 1} runs past the end")
                line, pos = raw[pos:newline], newline + 1
            if name in _MEMO_PUTS and (not line.isdigit() or len(line) > 20 or int(line) > count):
                raise pickle.UnpicklingError(f"{name} at byte {start - 1}: bad memo index")
        count += 1
        if name == "STOP":
            return
    raise pickle.UnpicklingError("pickle data was truncated (no STOP opcode)")


class _Refusing:
    """Objects the pickle may touch only through the methods defined here."""

    __slots__ = ()

    def __reduce__(self):
        raise TypeError(f"{type(self).__name__} is private to the CIFAR reader")


class _Global(_Refusing):
    """What ``find_class`` hands out for an allowed global: a validating factory."""

    __slots__ = ("_factory", "_name")

    def __init__(self, name: str, factory) -> None:
        self._name, self._factory = name, factory

    def __call__(self, *args):
        return self._factory(*args)

    def __setstate__(self, state) -> None:
        raise pickle.UnpicklingError(f"{self._name} cannot be given a state")

    def __repr__(self) -> str:
        return self._name


class _UInt8Dtype(_Refusing):
    """Stands for ``numpy.dtype('u1')``, the only dtype of a CIFAR batch."""

    __slots__ = ("complete",)

    def __init__(self) -> None:
        self.complete = False

    def __setstate__(self, state) -> None:
        # numpy's dtype state: (version, byteorder, subarray, names, fields, elsize, alignment,
        # flags[, metadata]); for u1 the byte order is '|' and there are no fields.
        if (
            self.complete
            or not isinstance(state, tuple)
            or len(state) not in (8, 9)
            or state[0] not in (3, 4)
            or state[1] not in ("|", b"|")
            or state[2:5] != (None, None, None)
        ):
            raise pickle.UnpicklingError("dtype state is not that of a plain uint8")
        self.complete = True


class _PendingArray(_Refusing):
    """An array from ``_reconstruct``; its pixels arrive with ``__setstate__``."""

    __slots__ = ("array",)

    def __init__(self) -> None:
        self.array: np.ndarray | None = None

    def __setstate__(self, state) -> None:
        if self.array is not None:
            raise pickle.UnpicklingError("array state given twice")
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise pickle.UnpicklingError("array state is not (version, shape, dtype, order, data)")
        if len(state) == 5:
            if state[0] != 1:
                raise pickle.UnpicklingError(f"unknown array state version {state[0]!r}")
            state = state[1:]
        shape, dtype, fortran, data = state
        if not isinstance(fortran, (bool, int)):
            raise pickle.UnpicklingError("array order flag is not a boolean")
        self.array = _uint8_array(data, dtype, shape, "F" if fortran else "C")


def _check_shape(shape) -> tuple[int, ...]:
    if (
        not isinstance(shape, tuple)
        or len(shape) > 32
        or not all(type(size) is int and size >= 0 for size in shape)
    ):
        raise pickle.UnpicklingError(f"array shape {shape!r} is not a tuple of sizes")
    return shape


def _uint8_array(data, dtype, shape, order) -> np.ndarray:
    """A uint8 array viewing ``data``, once its length matches ``shape`` exactly."""
    if not isinstance(dtype, _UInt8Dtype) or not dtype.complete:
        raise pickle.UnpicklingError("array dtype is not uint8")
    shape = _check_shape(shape)
    if order not in ("C", "F"):
        raise pickle.UnpicklingError(f"array order {order!r} is not 'C' or 'F'")
    if not isinstance(data, (bytes, bytearray)):
        raise pickle.UnpicklingError(
            f"array data is a {type(data).__name__}, not bytes (object arrays are refused)"
        )
    needed = math.prod(shape)  # x itemsize 1, in Python ints
    if len(data) != needed:
        raise pickle.UnpicklingError(
            f"array of shape {shape} needs {needed} bytes of data, the file gives {len(data)}"
        )
    return np.frombuffer(data, dtype=np.uint8).reshape(shape, order=order)


def _make_dtype(spec, align=False, copy=True, *rest) -> _UInt8Dtype:
    if spec not in ("u1", b"u1") or align or rest:
        raise pickle.UnpicklingError(f"dtype {spec!r} is not allowed (CIFAR pixels are uint8)")
    return _UInt8Dtype()


def _no_call(*args):
    raise pickle.UnpicklingError("numpy.ndarray may only be passed to _reconstruct")


_NDARRAY = _Global("numpy.ndarray", _no_call)


def _reconstruct(cls, shape, typecode) -> _PendingArray:
    if cls is not _NDARRAY or shape != (0,) or typecode not in ("b", b"b"):
        raise pickle.UnpicklingError("_reconstruct is allowed for a plain numpy.ndarray only")
    return _PendingArray()


def _frombuffer(buffer, dtype, shape, order) -> np.ndarray:
    return _uint8_array(buffer, dtype, shape, order)


def _encode(text, encoding="utf-8") -> bytes:
    """``_codecs.encode`` as protocol 2 uses it: bytes pickled as latin-1 text."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is allowed for latin-1 text only")
    return text.encode("latin-1")


def _empty_bytes(*args) -> bytes:
    """``bytes()``, as protocol 2 writes an empty bytes object; nothing else is allowed."""
    if args:
        raise pickle.UnpicklingError("bytes() is allowed without arguments only")
    return b""


# The only globals a CIFAR batch pickle needs: numpy array reconstruction (protocol 2,
# under numpy's old and new module names; protocol 5 uses _frombuffer), and the codec
# Python 3 writes bytes with in protocol 2. Each maps to a validating factory.
_PICKLE_ALLOWED = {
    ("numpy", "ndarray"): lambda: _NDARRAY,
    ("numpy", "dtype"): lambda: _Global("numpy.dtype", _make_dtype),
    ("numpy.core.multiarray", "_reconstruct"): lambda: _Global("_reconstruct", _reconstruct),
    ("numpy._core.multiarray", "_reconstruct"): lambda: _Global("_reconstruct", _reconstruct),
    ("numpy.core.numeric", "_frombuffer"): lambda: _Global("_frombuffer", _frombuffer),
    ("numpy._core.numeric", "_frombuffer"): lambda: _Global("_frombuffer", _frombuffer),
    ("_codecs", "encode"): lambda: _Global("_codecs.encode", _encode),
    ("__builtin__", "bytes"): lambda: _Global("bytes", _empty_bytes),
    ("builtins", "bytes"): lambda: _Global("bytes", _empty_bytes),
}


class _ArrayUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds uint8 numpy arrays and refuses every other global.

    The allowed globals are replaced by factories of this module, which check
    each array's dtype, shape and data length before making it (a view on the
    pickled bytes, so nothing is allocated beyond the file itself).
    """

    def find_class(self, module: str, name: str):
        factory = _PICKLE_ALLOWED.get((module, name))
        if factory is None:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed")
        return factory()


def _as_array(value) -> np.ndarray | None:
    if isinstance(value, _PendingArray):
        return value.array
    return value if isinstance(value, np.ndarray) else None


def _cifar_labels(path: Path, values, label_key: bytes, num_classes: int | None) -> np.ndarray:
    if not isinstance(values, (list, tuple)):
        raise ElegansKerasError(
            f"{path}: {label_key!r} must be a list of integers, got a {type(values).__name__}"
        )
    top = f"0..{num_classes - 1}" if num_classes is not None else "0 or more"
    for index, value in enumerate(values):
        if type(value) is not int:
            raise ElegansKerasError(
                f"{path}: {label_key!r} must hold integers, label at index {index} "
                f"is a {type(value).__name__}"
            )
        if value < 0 or (num_classes is not None and value >= num_classes):
            raise ElegansKerasError(
                f"{path}: label {value} at index {index} of {label_key!r} is outside {top}"
            )
    return np.array(values, dtype=np.int64)


def read_cifar_batch(
    path: str | Path, label_key: bytes = b"labels", num_classes: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Read one CIFAR "python version" batch into uint8 images (n, 32, 32, 3) and labels.

    The batch is a pickled dict with ``b"data"`` (n, 3072) uint8, each row the
    red, green and blue 32 x 32 planes in turn, and ``label_key`` (a list of n
    integers in ``0 .. num_classes - 1``; ``num_classes`` defaults to 10 for
    ``b"labels"``, 100 for ``b"fine_labels"`` and 20 for ``b"coarse_labels"``).
    Only uint8 numpy arrays whose data match their shape are unpickled; any
    other object in the file is refused, so a hostile file cannot run code or
    make the reader allocate more than the file holds.

    Example:
        >>> images, labels = read_cifar_batch("cifar-10-batches-py/test_batch")  # doctest: +SKIP
        >>> images.shape  # doctest: +SKIP
        (10000, 32, 32, 3)
    """
    path = Path(path)
    if num_classes is None:
        num_classes = CIFAR_NUM_CLASSES.get(label_key)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ElegansKerasError(f"{path}: cannot read the file ({err})") from err
    try:
        _check_pickle_sizes(raw)
        batch = _ArrayUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except Exception as err:  # a corrupt pickle can raise almost any exception type
        raise ElegansKerasError(f"{path}: not a readable CIFAR batch ({err})") from err
    del raw
    if not isinstance(batch, dict) or b"data" not in batch or label_key not in batch:
        raise ElegansKerasError(
            f"{path}: a CIFAR batch must be a dict with keys b'data' and {label_key!r}"
        )
    data = _as_array(batch[b"data"])
    if data is None:
        raise ElegansKerasError(
            f"{path}: b'data' must be a uint8 array, got {type(batch[b'data']).__name__}"
        )
    if data.ndim != 2 or data.shape[1] != _CIFAR_PIXELS:
        raise ElegansKerasError(
            f"{path}: b'data' must be uint8 of shape (n, 3072), got {data.dtype} {data.shape}"
        )
    if data.shape[0] == 0:
        raise ElegansKerasError(f"{path}: the batch holds no images")
    labels = _cifar_labels(path, batch[label_key], label_key, num_classes)
    if labels.shape != (data.shape[0],):
        raise ElegansKerasError(
            f"{path}: {label_key!r} holds {labels.size} labels for {data.shape[0]} images"
        )
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, labels
