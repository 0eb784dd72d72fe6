"""CIFAR-10 / CIFAR-100 classification with ``elegans_classifier`` on 32x32x3 images.

Example:
    $ python experiments/cifar.py --dataset cifar10 --data-dir ~/data --epochs 30
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from elegans_keras.experiments.runner import ImageTask, experiment_parser, print_report, run_image_task

NUM_CLASSES = {"cifar10": 10, "cifar100": 100}


def make_task(dataset: str) -> ImageTask:
    """The task for one of cifar10 / cifar100."""

    def load(split: str, args: argparse.Namespace):
        from elegans_keras.datasets import load_images

        return load_images(dataset, split, data_dir=args.data_dir)

    def build(args: argparse.Namespace):
        from elegans_keras.models import elegans_classifier

        config = {"input_shape": [32, 32, 3], "num_classes": NUM_CLASSES[dataset],
                  "connectome": args.connectome, "mode": args.mode, "filters": [32, 64, 128],
                  "learning_rate": args.learning_rate, "seed": args.seed}
        return elegans_classifier(**config), config

    return ImageTask("cifar", dataset, "elegans_classifier", load, build)


def main(argv: Sequence[str] | None = None) -> dict:
    """Run the experiment from command-line arguments."""
    parser = experiment_parser("cifar", __doc__.splitlines()[0], epochs=30, batch_size=128)
    parser.add_argument("--dataset", choices=sorted(NUM_CLASSES), default="cifar10")
    args = parser.parse_args(argv)
    report = run_image_task(make_task(args.dataset), args)
    print_report(report)
    return report


if __name__ == "__main__":
    main()
