"""MNIST classification with ``elegans_classifier`` (deep or reservoir mode).

Example:
    $ python experiments/mnist_classify.py --mode deep --epochs 10 --publish mnist_classifier_deep
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from elegans_keras.experiments.runner import ImageTask, print_report, run_image_task
from elegans_keras.options import TrainingOptions, parse

DEFAULTS = {"epochs": 10}


def config(options: TrainingOptions) -> dict[str, Any]:
    """The classifier's factory arguments for 28x28x1 digits."""
    return {
        "input_shape": [28, 28, 1],
        "num_classes": 10,
        "connectome": options.connectome,
        "mode": options.mode,
        "augment": True,
        "learning_rate": options.learning_rate,
        "seed": options.seed,
    }


TASK = ImageTask(
    "mnist_classify",
    {"dataset": "mnist"},
    "elegans_classifier",
    config,
    DEFAULTS,
    schedules=("plateau", "cosine"),
)


def main(argv: Sequence[str] | None = None) -> dict:
    """Run the experiment from command-line arguments."""
    options = parse(TrainingOptions, argv, "mnist_classify", __doc__.splitlines()[0], **DEFAULTS)
    report = run_image_task(TASK, options)
    print_report(report)
    return report


if __name__ == "__main__":
    main()
