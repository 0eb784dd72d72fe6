"""CIFAR-10 / CIFAR-100 classification with ``elegans_classifier`` on 32x32x3 images.

Example:
    $ python experiments/cifar.py --dataset cifar10 --data-dir ~/data --epochs 30
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from elegans_keras.checks import check_choice
from elegans_keras.experiments.runner import ImageTask, print_report, run_image_task
from elegans_keras.options import TrainingOptions, help_field, parse

NUM_CLASSES = {"cifar10": 10, "cifar100": 100}
DEFAULTS = {"epochs": 30}


@dataclasses.dataclass(frozen=True)
class CifarOptions(TrainingOptions):
    """Training options plus the CIFAR variant."""

    dataset: str = help_field("cifar10", "cifar10 or cifar100")

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice(self.dataset, "dataset", "cifar options", NUM_CLASSES)


def make_task(dataset: str) -> ImageTask:
    """The task for one of cifar10 / cifar100."""

    def config(options: TrainingOptions) -> dict[str, Any]:
        return {
            "input_shape": [32, 32, 3],
            "num_classes": NUM_CLASSES[dataset],
            "connectome": options.connectome,
            "mode": options.mode,
            "filters": [32, 64, 128],
            "learning_rate": options.learning_rate,
            "seed": options.seed,
        }

    return ImageTask(
        "cifar",
        {"dataset": dataset},
        "elegans_classifier",
        config,
        {**DEFAULTS, "dataset": dataset},
        schedules=("plateau", "cosine"),
    )


def main(argv: Sequence[str] | None = None) -> dict:
    """Run the experiment from command-line arguments."""
    options = parse(CifarOptions, argv, "cifar", __doc__.splitlines()[0], **DEFAULTS)
    report = run_image_task(make_task(options.dataset), options)
    print_report(report)
    return report


if __name__ == "__main__":
    main()
