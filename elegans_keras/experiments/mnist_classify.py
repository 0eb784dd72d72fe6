"""MNIST classification with ``elegans_classifier`` (deep or reservoir mode).

Example:
    $ python experiments/mnist_classify.py --mode deep --epochs 10 --publish mnist_classifier_deep
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from elegans_keras.experiments.runner import ImageTask, experiment_parser, print_report, run_image_task


def load_mnist(split: str, args: argparse.Namespace):
    """MNIST images in [0, 1] and integer labels."""
    from elegans_keras.datasets import load_images

    return load_images("mnist", split, data_dir=args.data_dir)


def build(args: argparse.Namespace):
    """The classifier for 28x28x1 digits and its config."""
    from elegans_keras.models import elegans_classifier

    config = {"input_shape": [28, 28, 1], "num_classes": 10, "connectome": args.connectome,
              "mode": args.mode, "augment": True, "learning_rate": args.learning_rate, "seed": args.seed}
    return elegans_classifier(**config), config


TASK = ImageTask("mnist_classify", "mnist", "elegans_classifier", load_mnist, build)


def main(argv: Sequence[str] | None = None) -> dict:
    """Run the experiment from command-line arguments."""
    parser = experiment_parser("mnist_classify", __doc__.splitlines()[0], epochs=10, batch_size=128)
    report = run_image_task(TASK, parser.parse_args(argv))
    print_report(report)
    return report


if __name__ == "__main__":
    main()
