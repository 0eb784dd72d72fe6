"""Malformed and hostile IDX / CIFAR files: each is refused with the package's error, naming it.

Every file here is written in the real format (IDX headers byte by byte, CIFAR
batches as ``pickle.dump(..., protocol=2)`` writes them or opcode by opcode, as
numpy and Python 2 wrote the distributed files), then damaged in one way.
"""

from __future__ import annotations

import gzip
import pickle
import struct
import sys
import tracemalloc
import types
from pathlib import Path

import numpy as np
import pytest

from elegans_keras.datasets import ENV_VAR, load_images, read_cifar_batch, read_idx
from elegans_keras.errors import ElegansKerasError

# A refused file must not make the reader allocate: far below the 1.2 GB these files declare.
MEMORY_LIMIT = 64 * 2**20


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No $ELEGANS_KERAS_DATA and no tensorflow-datasets (its import fails)."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)


def write_idx(path: Path, array: np.ndarray) -> Path:
    """Write ``array`` as an unsigned-byte IDX file, gzipped when the name ends in .gz."""
    array = np.asarray(array)
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    content = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(content) if path.suffix == ".gz" else content)
    return path


def idx_header(shape: tuple[int, ...], ndim: int | None = None) -> bytes:
    """An IDX unsigned-byte header declaring ``shape`` (and ``ndim``, by default its length)."""
    ndim = len(shape) if ndim is None else ndim
    return bytes([0, 0, 0x08, ndim]) + b"".join(struct.pack(">I", size) for size in shape)


def mnist_folder(root: Path, images: np.ndarray, labels: np.ndarray, name: str = "mnist") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels)
    return folder


def real_cifar_batch(n: int, seed: int = 0, **labels: list) -> dict:
    """A batch dict laid out as the distributed "python version" files are."""
    rng = np.random.default_rng(seed)
    batch = {
        b"batch_label": b"testing batch 1 of 1",
        b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
        b"filenames": [f"img_{i}_s_000{i:03d}.png".encode() for i in range(n)],
    }
    batch.update({key.encode(): value for key, value in labels.items()})
    return batch


def write_batch(path: Path, batch: dict, protocol: int = 2) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump(batch, handle, protocol=protocol)
    return path


# Opcode-level pieces of a Python 2 / numpy protocol-2 pickle (as the real CIFAR files are).
def _ints(values) -> bytes:
    return b"".join(b"J" + struct.pack("<i", v) for v in values)


def _binstring(data: bytes) -> bytes:
    return b"T" + struct.pack("<i", len(data)) + data


_DTYPE_U1 = (
    b"cnumpy\ndtype\nU\x02u1\x89\x88\x87R"  # dtype('u1', False, True)
    b"(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"  # its __setstate__
)


def py2_array(shape: tuple[int, ...], payload: bytes) -> bytes:
    """_reconstruct(ndarray, (0,), 'b') then __setstate__((1, shape, u1, False, payload))."""
    return (
        b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R"
        b"(K\x01(" + _ints(shape) + b"t" + _DTYPE_U1 + b"\x89" + _binstring(payload) + b"tb"
    )


def py2_batch(data: bytes, labels: bytes, label_key: bytes = b"labels") -> bytes:
    """A protocol-2 dict {b'batch_label', b'data', label_key, b'filenames'} from raw pieces."""
    return (
        b"\x80\x02}q\x00(U\x0bbatch_labelq\x01U\x0ctest batch 1"
        b"U\x04data"
        + data
        + b"U"
        + bytes([len(label_key)])
        + label_key
        + labels
        + b"U\tfilenames](U\x05a.pngeu."
    )


def label_list(values) -> bytes:
    return b"](" + _ints(values) + b"e"


def read_with_memory_check(path: Path, label_key: bytes = b"labels"):
    """read_cifar_batch(path), failing the test if it allocates more than MEMORY_LIMIT."""
    tracemalloc.start()
    try:
        return read_cifar_batch(path, label_key)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < MEMORY_LIMIT, f"reading {path.name} allocated {peak} bytes"


# ----------------------------------------------------------------- CIFAR: real layouts load


def test_cifar10_real_layout_protocol_2(tmp_path, offline):
    batch = real_cifar_batch(4, labels=[0, 9, 3, 3])
    write_batch(tmp_path / "cifar-10-batches-py" / "test_batch", batch)
    images, labels = load_images("cifar10", split="test", data_dir=tmp_path)
    assert images.shape == (4, 32, 32, 3) and labels.tolist() == [0, 9, 3, 3]
    expected = batch[b"data"].reshape(4, 3, 32, 32).transpose(0, 2, 3, 1)
    np.testing.assert_allclose(images * 255, expected, atol=1e-4)


def test_cifar100_real_layout_protocol_2(tmp_path, offline):
    folder = tmp_path / "cifar-100-python"
    train = real_cifar_batch(3, fine_labels=[99, 0, 57], coarse_labels=[19, 0, 7])
    write_batch(folder / "train", train)
    write_batch(folder / "test", real_cifar_batch(1, seed=1, fine_labels=[5], coarse_labels=[1]))
    _, fine = load_images("cifar100", split="train", data_dir=tmp_path)
    _, coarse = load_images("cifar100", split="train", data_dir=tmp_path, label_mode="coarse")
    assert fine.tolist() == [99, 0, 57] and coarse.tolist() == [19, 0, 7]


def test_cifar_python2_opcode_layout_loads(tmp_path):
    """The distributed files: Python 2 str for bytes, numpy.core.multiarray._reconstruct."""
    pixels = bytes(range(256)) * 24  # two images
    path = tmp_path / "test_batch"
    path.write_bytes(py2_batch(py2_array((2, 3072), pixels), label_list([7, 2])))
    images, labels = read_cifar_batch(path)
    assert labels.tolist() == [7, 2] and images.shape == (2, 32, 32, 3)
    flat = np.frombuffer(pixels, dtype=np.uint8).reshape(2, 3, 32, 32).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(images, flat)
    # The same bytes through numpy itself (the reference unpickler) give the same array.
    reference = pickle.loads(path.read_bytes(), encoding="bytes")
    np.testing.assert_array_equal(
        reference[b"data"], np.frombuffer(pixels, np.uint8).reshape(2, -1)
    )


# ----------------------------------------------------------------- CIFAR: hostile pickles


def _ndarray_call(shape: tuple[int, ...]) -> bytes:
    """numpy.ndarray(shape, dtype('u1')): an uninitialised array of any size."""
    return b"cnumpy\nndarray\n(" + _ints(shape) + b"t" + _DTYPE_U1 + b"\x86R"


HOSTILE = {
    # 400,000 images from a file of a few hundred bytes, via numpy.ndarray(...) itself.
    "ndarray_400000_images": py2_batch(_ndarray_call((400_000, 3072)), _ndarray_call((400_000,))),
    # Ten images of uninitialised memory, labels likewise.
    "ndarray_10_images": py2_batch(_ndarray_call((10, 3072)), _ndarray_call((10,))),
    # _reconstruct declaring 400,000 images but carrying 6 bytes of pixels.
    "reconstruct_huge_shape_tiny_payload": py2_batch(
        py2_array((400_000, 3072), b"pixels"), label_list([0])
    ),
    "reconstruct_one_byte_short": py2_batch(py2_array((1, 3072), bytes(3071)), label_list([0])),
    # Protocol 5's _frombuffer(buffer, dtype, shape, order) with a shape its buffer cannot fill.
    "frombuffer_huge_shape": (
        b"\x80\x05}(C\x04data"
        + b"cnumpy._core.numeric\n_frombuffer\n"
        + b"(C\x03abc"
        + _DTYPE_U1
        + b"("
        + _ints((400_000, 3072))
        + b"t\x8c\x01CtR"
        + b"C\x06labels](K\x00eu."
    ),
    # A bytes object declared 8 GiB long in an 80-byte file.
    "binbytes8_8_gib": b"\x80\x04}(C\x04data\x8e" + struct.pack("<Q", 2**33) + b"abc",
    # A memo index of 2**24 makes the C unpickler grow (and zero) its memo to 256 MiB.
    "memo_index_2_24": b"\x80\x02}r" + struct.pack("<I", 2**24) + b".",
    # An attribute set on one of the reader's own globals.
    "build_on_a_global": (
        b"\x80\x02c_codecs\nencode\nN}X\x0c\x00\x00\x00__defaults__"
        b"X\x05\x00\x00\x00ascii\x85s\x86b."
    ),
    # os.system and friends remain refused.
    "os_system": b"\x80\x02cos\nsystem\nU\x04true\x85R.",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_cifar_pickle_is_refused_without_allocating(tmp_path, name):
    path = tmp_path / "test_batch"
    path.write_bytes(HOSTILE[name])
    with pytest.raises(ElegansKerasError, match=r"test_batch"):
        read_with_memory_check(path)


def test_hostile_ndarray_call_named_in_the_error(tmp_path, offline):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    (folder / "test_batch").write_bytes(HOSTILE["ndarray_400000_images"])
    with pytest.raises(ElegansKerasError, match=r"test_batch.*ndarray"):
        load_images("cifar10", split="test", data_dir=tmp_path)


def test_array_shape_must_match_its_payload(tmp_path):
    path = tmp_path / "test_batch"
    path.write_bytes(HOSTILE["reconstruct_huge_shape_tiny_payload"])
    with pytest.raises(ElegansKerasError, match=r"test_batch.*1228800000 bytes.*gives 6"):
        read_cifar_batch(path)


@pytest.mark.parametrize(
    "data, pattern",
    [
        (np.zeros((2, 3072), dtype=np.float64), "dtype"),
        (np.zeros((2, 3072), dtype=np.int64), "dtype"),
        (np.full((2, 3072), b"x", dtype=object), "dtype"),
        (np.zeros((2, 3, 1024), dtype=np.uint8), "3072"),
        ([[0] * 3072] * 2, "uint8 array"),
    ],
    ids=["float64", "int64", "object", "3d", "list"],
)
def test_cifar_data_must_be_uint8_n_by_3072(tmp_path, data, pattern):
    path = write_batch(tmp_path / "test_batch", {b"data": data, b"labels": [0, 1]})
    with pytest.raises(ElegansKerasError, match=rf"test_batch.*{pattern}"):
        read_cifar_batch(path)


# ----------------------------------------------------------------- CIFAR: labels


@pytest.mark.parametrize(
    "labels, pattern",
    [
        ([3, 255], r"label 255 at index 1 .*outside 0\.\.9"),
        ([-7, 0], r"label -7 at index 0 .*outside 0\.\.9"),
        ([0, 10], r"label 10 at index 1"),
        ([b"3", b"1"], r"integers.*index 0 is a bytes"),
        (["3", "1"], r"integers.*index 0 is a str"),
        ([1.0, 2.0], r"integers.*index 0 is a float"),
        ([0, 2**70], r"label 1180591620717411303424 at index 1"),
        (b"\x00\x01", r"list of integers"),
    ],
    ids=["255", "negative", "10", "bytes", "str", "float", "2**70", "bytes_object"],
)
def test_cifar10_labels_are_checked(tmp_path, offline, labels, pattern):
    folder = tmp_path / "cifar-10-batches-py"
    write_batch(folder / "test_batch", real_cifar_batch(2, labels=labels))
    with pytest.raises(ElegansKerasError, match=rf"test_batch.*{pattern}"):
        load_images("cifar10", split="test", data_dir=tmp_path)


def test_cifar100_fine_and_coarse_label_ranges(tmp_path, offline):
    folder = tmp_path / "cifar-100-python"
    write_batch(folder / "test", real_cifar_batch(2, fine_labels=[99, 100], coarse_labels=[19, 3]))
    with pytest.raises(ElegansKerasError, match=r"test.*label 100 at index 1 .*0\.\.99"):
        load_images("cifar100", split="test", data_dir=tmp_path)
    _, coarse = load_images("cifar100", split="test", data_dir=tmp_path, label_mode="coarse")
    assert coarse.tolist() == [19, 3]
    write_batch(folder / "test", real_cifar_batch(2, fine_labels=[1, 2], coarse_labels=[20, 3]))
    with pytest.raises(ElegansKerasError, match=r"test.*label 20 at index 0 .*0\.\.19"):
        load_images("cifar100", split="test", data_dir=tmp_path, label_mode="coarse")


def test_cifar_batch_with_no_images_is_refused(tmp_path, offline):
    batch = real_cifar_batch(0, labels=[])
    write_batch(tmp_path / "cifar-10-batches-py" / "test_batch", batch)
    with pytest.raises(ElegansKerasError, match=r"test_batch.*no images"):
        load_images("cifar10", split="test", data_dir=tmp_path)


# ----------------------------------------------------------------- IDX


def test_idx_label_out_of_range_names_file_label_and_index(tmp_path, offline):
    mnist_folder(tmp_path, np.zeros((3, 28, 28)), np.array([1, 200, 4]))
    with pytest.raises(
        ElegansKerasError, match=r"t10k-labels-idx1-ubyte\.gz: label 200 at index 1 .*0\.\.9"
    ):
        load_images("mnist", split="test", data_dir=tmp_path)


def test_fashion_mnist_label_10_is_refused(tmp_path, offline):
    mnist_folder(tmp_path, np.zeros((2, 28, 28)), np.array([9, 10]), name="fashion_mnist")
    with pytest.raises(ElegansKerasError, match=r"t10k-labels-idx1-ubyte.*label 10 at index 1"):
        load_images("fashion_mnist", split="test", data_dir=tmp_path)


def test_idx_with_no_images_is_refused(tmp_path, offline):
    mnist_folder(tmp_path, np.zeros((0, 28, 28)), np.zeros(0))
    with pytest.raises(ElegansKerasError, match=r"t10k-images-idx3-ubyte\.gz.*no data"):
        load_images("mnist", split="test", data_dir=tmp_path)


@pytest.mark.parametrize(
    "content, pattern",
    [
        (idx_header((1,) * 255) + b"\x07", r"255 dimensions"),
        (idx_header((), ndim=0) + b"\x07", r"0 dimensions"),
        (idx_header((1,) * 5) + b"\x07", r"5 dimensions"),
        # 2**16 ** 4 = 2**64 wraps to 0 in int64: the header alone looked complete.
        (idx_header((2**16,) * 4), r"should hold 18446744073709551636 bytes"),
        # 2**32 - 1 cubed does not fit in int64 either.
        (idx_header((2**32 - 1,) * 3) + bytes(10), r"truncated or corrupt"),
        (idx_header((10, 0, 28)), r"dimension 1 .* is 0"),
        (idx_header((2, 2)) + bytes(5), r"should hold 16 bytes, it holds 17"),
        (idx_header((1, 1, 1)), r"truncated or corrupt"),
        (idx_header((3,))[:6], r"truncated IDX header"),
    ],
    ids=[
        "ndim255",
        "ndim0",
        "ndim5",
        "wraps_to_0",
        "overflow",
        "zero_dim",
        "trailing",
        "no_data",
        "short_header",
    ],
)
@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gz"])
def test_bad_idx_header_is_refused(tmp_path, content, pattern, gzipped):
    path = tmp_path / ("bad-idx-ubyte.gz" if gzipped else "bad-idx-ubyte")
    path.write_bytes(gzip.compress(content) if gzipped else content)
    if gzipped and pattern.startswith("should hold 16"):
        pattern = r"should hold 16 bytes, it holds more than 16"
    tracemalloc.start()
    try:
        with pytest.raises(ElegansKerasError, match=rf"bad-idx-ubyte.*{pattern}"):
            read_idx(path)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < MEMORY_LIMIT


def test_idx_gzip_bomb_stops_at_the_declared_size(tmp_path):
    """A header declaring 4 bytes before 100 MB of compressed zeros: refused, never inflated."""
    content = idx_header((4,)) + bytes(100 * 2**20)
    path = tmp_path / "bomb-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(content, compresslevel=1))
    tracemalloc.start()
    try:
        with pytest.raises(ElegansKerasError, match=r"bomb-idx1-ubyte.*more than 12"):
            read_idx(path)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < MEMORY_LIMIT


def test_idx_four_dimensions_still_read(tmp_path):
    array = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5) % 256
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "four-idx4-ubyte", array)), array)


# ----------------------------------------------------------------- tensorflow-datasets


@pytest.mark.parametrize(
    "count, labels, pattern",
    [
        (2, [3, 11], r"tensorflow-datasets cifar10:test: label 11 at index 1"),
        (0, [], r"tensorflow-datasets cifar10:test: the split holds no images"),
    ],
    ids=["label_11", "empty"],
)
def test_tfds_arrays_are_checked_too(monkeypatch, count, labels, pattern):
    images = np.zeros((count, 32, 32, 3), dtype=np.uint8)
    fake = types.ModuleType("tensorflow_datasets")
    fake.load = lambda name, **kwargs: (images, np.array(labels, dtype=np.int64))
    fake.as_numpy = lambda data: data
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", fake)
    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(ElegansKerasError, match=pattern):
        load_images("cifar10", split="test")
