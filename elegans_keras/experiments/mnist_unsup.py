"""The paper's "MNIST Unsup": reconstruct digits binarised at 0.3 with ``elegans_autoencoder``.

Example:
    $ python experiments/mnist_unsup.py --mode deep --epochs 10 --publish mnist_unsup_deep
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from elegans_keras.experiments.runner import ImageTask, experiment_parser, print_report, run_image_task

THRESHOLD = 0.3


def load_binary_mnist(split: str, args: argparse.Namespace):
    """Binarised digits as both input and target."""
    from elegans_keras.datasets import binarize, load_images

    images, _ = load_images("mnist", split, data_dir=args.data_dir)
    binary = binarize(images, THRESHOLD)
    return binary, binary


def build(args: argparse.Namespace):
    """The autoencoder for 28x28x1 digits and its config."""
    from elegans_keras.models import elegans_autoencoder

    config = {"input_shape": [28, 28, 1], "connectome": args.connectome, "mode": args.mode,
              "learning_rate": args.learning_rate, "seed": args.seed}
    return elegans_autoencoder(**config), config


def background_baseline(model, x_test: np.ndarray, y_test: np.ndarray) -> dict[str, float]:
    """Pixel accuracy of predicting 'all background': what the headline accuracy is worth."""
    return {"all_background_pixel_accuracy": float(np.mean(y_test == 0))}


TASK = ImageTask("mnist_unsup", "mnist (binarised at 0.3)", "elegans_autoencoder",
                 load_binary_mnist, build, extra_report=background_baseline)


def main(argv: Sequence[str] | None = None) -> dict:
    """Run the experiment from command-line arguments."""
    parser = experiment_parser("mnist_unsup", __doc__.splitlines()[0], epochs=10, batch_size=128)
    report = run_image_task(TASK, parser.parse_args(argv))
    print_report(report, ["the paper's 'MNIST Unsup 99.84%' is this pixel_accuracy"])
    return report


if __name__ == "__main__":
    main()
