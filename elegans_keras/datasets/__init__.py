"""Data sets: images (local files, bundled MNIST, tfds), splits and sequence tasks.

Example:
    >>> from elegans_keras.datasets import load_images, binarize
    >>> images, labels = load_images("mnist", split="test")
    >>> bool(binarize(images).mean() < 0.2)
    True
"""

from elegans_keras.datasets.images import ENV_VAR, load_images, load_task_data
from elegans_keras.datasets.readers import read_cifar_batch, read_idx
from elegans_keras.datasets.sequences import (
    mackey_glass,
    mackey_glass_task,
    memory_capacity,
    memory_capacity_task,
    narma10,
    nrmse,
)
from elegans_keras.datasets.splits import binarize, train_validation_split

__all__ = [
    "ENV_VAR",
    "binarize",
    "load_images",
    "load_task_data",
    "mackey_glass",
    "mackey_glass_task",
    "memory_capacity",
    "memory_capacity_task",
    "narma10",
    "nrmse",
    "read_cifar_batch",
    "read_idx",
    "train_validation_split",
]
