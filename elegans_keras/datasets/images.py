"""Image classification data sets from local distribution files, the bundled MNIST or tfds."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from elegans_keras.datasets.readers import check_label_range, read_cifar_batch, read_idx
from elegans_keras.errors import ConfigurationError, ElegansKerasError

ENV_VAR = "ELEGANS_KERAS_DATA"
BUNDLED_DATA = Path(__file__).resolve().parents[1] / "data"

# Folder of each data set under a data root, named as its original distribution unpacks.
FOLDERS = {
    "mnist": "mnist",
    "fashion_mnist": "fashion_mnist",
    "cifar10": "cifar-10-batches-py",
    "cifar100": "cifar-100-python",
}
SPLITS = ("train", "test")
# Classes of each data set (CIFAR-100: fine, then coarse labels).
NUM_CLASSES = {"mnist": 10, "fashion_mnist": 10, "cifar10": 10, "cifar100": 100}
CIFAR100_COARSE_CLASSES = 20
LABEL_MODES = ("fine", "coarse")


def expected_files(name: str, split: str) -> tuple[str, ...]:
    """File names that hold ``split`` of ``name`` inside its folder (see ``FOLDERS``).

    Example:
        >>> expected_files("mnist", "test")
        ('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')
    """
    if name in ("mnist", "fashion_mnist"):
        prefix = "train" if split == "train" else "t10k"
        return (f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz")
    if name == "cifar10":
        if split == "train":
            return tuple(f"data_batch_{k}" for k in range(1, 6))
        return ("test_batch",)
    return (split,)


def load_images(
    name: str,
    split: str = "train",
    data_dir: str | os.PathLike | None = None,
    label_mode: str = "fine",
) -> tuple[np.ndarray, np.ndarray]:
    """Images as float32 in [0, 1] of shape (n, H, W, C) and int64 labels of shape (n,).

    ``name`` is ``"mnist"``, ``"fashion_mnist"``, ``"cifar10"`` or ``"cifar100"``
    (``label_mode`` ``"fine"`` (100 classes) or ``"coarse"`` (20) for CIFAR-100
    only). The data are looked for, in order, in ``data_dir``, in the folders of
    ``$ELEGANS_KERAS_DATA`` (one folder, or several joined by ``os.pathsep``), in
    the package's bundled data (MNIST only) and finally with tensorflow-datasets.
    A data folder holds the original distribution files: ``mnist/`` and
    ``fashion_mnist/`` with ``{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz``
    (or uncompressed), ``cifar-10-batches-py/`` and ``cifar-100-python/`` as
    unpacked from the official python archives. Files are checked on reading:
    a malformed header or pickle, labels outside the data set's classes or a
    split holding no images raise an :class:`ElegansKerasError` naming the file.

    Example:
        >>> images, labels = load_images("mnist", split="test")
        >>> images.shape, labels[:3]
        ((10000, 28, 28, 1), array([7, 2, 1]))
    """
    _check_arguments(name, split, label_mode)
    num_classes = _num_classes(name, label_mode)
    for root in _data_roots(data_dir):
        folder = root / FOLDERS[name]
        found = _read_local(folder, name, split, label_mode)
        if found is not None:
            images, labels = found
            _check_split(images, labels, num_classes, folder, expected_files(name, split))
            return _as_float(images), labels
    try:
        images, labels = _read_tfds(name, split, label_mode)
    except Exception as err:  # tfds reports a missing download in many ways
        raise _missing_data_error(name, split, data_dir, err) from err
    images, labels = np.asarray(images), np.asarray(labels, dtype=np.int64)
    _check_split(images, labels, num_classes, None, (f"tensorflow-datasets {name}:{split}",))
    return _as_float(images), labels


def _num_classes(name: str, label_mode: str) -> int:
    if name == "cifar100" and label_mode == "coarse":
        return CIFAR100_COARSE_CLASSES
    return NUM_CLASSES[name]


def _check_split(
    images: np.ndarray,
    labels: np.ndarray,
    num_classes: int,
    folder: Path | None,
    names: tuple[str, ...],
) -> None:
    """Refuse an empty split, or labels the readers let through outside the classes."""
    source = ", ".join(str(folder / n) if folder is not None else n for n in names)
    if len(images) == 0:
        raise ElegansKerasError(f"{source}: the split holds no images")
    if labels.shape != (len(images),):
        raise ElegansKerasError(f"{source}: {labels.size} labels for {len(images)} images")
    check_label_range(labels, num_classes, source)


def _check_arguments(name: str, split: str, label_mode: str) -> None:
    if name not in FOLDERS:
        raise ConfigurationError(f"unknown data set {name!r}; available: {', '.join(FOLDERS)}")
    if split not in SPLITS:
        raise ConfigurationError(f"split={split!r}: use 'train' or 'test'")
    if label_mode not in LABEL_MODES:
        raise ConfigurationError(f"label_mode={label_mode!r}: use 'fine' or 'coarse'")
    if label_mode != "fine" and name != "cifar100":
        raise ConfigurationError(f"label_mode={label_mode!r} applies to 'cifar100' only")


def _data_roots(data_dir: str | os.PathLike | None) -> list[Path]:
    roots = []
    if data_dir is not None:
        roots.append(_existing_folder(Path(data_dir), "data_dir"))
    for part in os.environ.get(ENV_VAR, "").split(os.pathsep):
        if part:
            roots.append(_existing_folder(Path(part), f"${ENV_VAR}"))
    roots.append(BUNDLED_DATA)
    return roots


def _existing_folder(folder: Path, origin: str) -> Path:
    if not folder.is_dir():
        raise ConfigurationError(f"{origin} = {str(folder)!r} is not a folder")
    return folder


def _find(folder: Path, filename: str) -> Path | None:
    candidates = [folder / filename]
    if filename.endswith(".gz"):
        candidates.append(folder / filename.removesuffix(".gz"))
    return next((path for path in candidates if path.is_file()), None)


def _read_local(
    folder: Path, name: str, split: str, label_mode: str
) -> tuple[np.ndarray, np.ndarray] | None:
    found = [_find(folder, filename) for filename in expected_files(name, split)]
    paths = [path for path in found if path is not None]
    if len(paths) < len(found):
        return None
    if name in ("mnist", "fashion_mnist"):
        return _read_idx_pair(paths[0], paths[1], num_classes=NUM_CLASSES[name])
    label_key = b"labels" if name == "cifar10" else f"{label_mode}_labels".encode()
    num_classes = _num_classes(name, label_mode)
    batches = [read_cifar_batch(path, label_key, num_classes) for path in paths]
    return (
        np.concatenate([images for images, _ in batches]),
        np.concatenate([labels for _, labels in batches]),
    )


def _read_idx_pair(
    images_path: Path, labels_path: Path, num_classes: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ElegansKerasError(
            f"{images_path}: expected images of shape (n, 28, 28), got {images.shape}"
        )
    if labels.shape != images.shape[:1]:
        raise ElegansKerasError(
            f"{labels_path}: expected {images.shape[0]} labels (one per image of "
            f"{images_path.name}), got shape {labels.shape}"
        )
    check_label_range(labels, num_classes, labels_path)
    return images[..., np.newaxis], labels.astype(np.int64)


def _read_tfds(name: str, split: str, label_mode: str) -> tuple[np.ndarray, np.ndarray]:
    import tensorflow_datasets as tfds

    if label_mode == "coarse":
        data = tfds.as_numpy(tfds.load(name, split=split, batch_size=-1))
        return data["image"], data["coarse_label"]
    return tfds.as_numpy(tfds.load(name, split=split, batch_size=-1, as_supervised=True))


def _as_float(images: np.ndarray) -> np.ndarray:
    return np.divide(images, np.float32(255), dtype=np.float32)


def _missing_data_error(
    name: str, split: str, data_dir: str | os.PathLike | None, cause: Exception
) -> ElegansKerasError:
    folder = FOLDERS[name]
    searched = [str(root / folder) for root in _data_roots(data_dir)]
    return ElegansKerasError(
        f"no local copy of {name!r} ({split} split) and tensorflow-datasets could not load it "
        f"({type(cause).__name__}: {cause}). Put {', '.join(expected_files(name, split))} "
        f"into <DATA>/{folder}/, where <DATA> is the folder passed as data_dir= or named by "
        f"${ENV_VAR}. Searched: {', '.join(searched)}"
    )


def load_task_data(
    spec: dict, split: str, data_dir: str | os.PathLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of an experiment's data spec, as a manifest records it.

    ``spec``: ``{"dataset": name}`` gives images and labels;
    ``"binarize": t`` binarises the images at ``t``; ``"target": "input"``
    makes the (binarised) images their own targets (reconstruction).

    Example:
        >>> x, y = load_task_data({"dataset": "mnist", "binarize": 0.3, "target": "input"}, "test")
        >>> bool((x == y).all()), float(x.max())
        (True, 1.0)
    """
    from elegans_keras.datasets.splits import binarize

    unknown = set(spec) - {"dataset", "binarize", "target"}
    if "dataset" not in spec or unknown:
        raise ConfigurationError(f"data spec {spec!r}: expected keys dataset, binarize, target")
    images, labels = load_images(spec["dataset"], split, data_dir=data_dir)
    if spec.get("binarize") is not None:
        images = binarize(images, spec["binarize"])
    if spec.get("target", "labels") == "input":
        return images, images
    return images, labels
