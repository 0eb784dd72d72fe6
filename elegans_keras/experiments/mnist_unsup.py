"""The paper's "MNIST Unsup": reconstruct digits binarised at 0.3 with ``elegans_autoencoder``.

Example:
    $ python experiments/mnist_unsup.py --mode deep --epochs 10 --publish mnist_unsup_deep
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from elegans_keras.experiments.runner import ImageTask, print_report, run_image_task
from elegans_keras.options import TrainingOptions, parse

THRESHOLD = 0.3
DEFAULTS = {"epochs": 10}


def config(options: TrainingOptions) -> dict[str, Any]:
    """The autoencoder's factory arguments for 28x28x1 digits."""
    return {
        "input_shape": [28, 28, 1],
        "connectome": options.connectome,
        "mode": options.mode,
        "learning_rate": options.learning_rate,
        "seed": options.seed,
    }


def background_baseline(model: Any, x_test: np.ndarray, y_test: np.ndarray) -> dict[str, float]:
    """Pixel accuracy of predicting 'all background': what the headline accuracy is worth."""
    return {"all_background_pixel_accuracy": float(np.mean(y_test == 0))}


TASK = ImageTask(
    "mnist_unsup",
    {"dataset": "mnist", "binarize": THRESHOLD, "target": "input"},
    "elegans_autoencoder",
    config,
    DEFAULTS,
    extra_report=background_baseline,
)


def main(argv: Sequence[str] | None = None) -> dict:
    """Run the experiment from command-line arguments."""
    options = parse(TrainingOptions, argv, "mnist_unsup", __doc__.splitlines()[0], **DEFAULTS)
    report = run_image_task(TASK, options)
    print_report(report, ["the paper's 'MNIST Unsup 99.84%' is this pixel_accuracy"])
    return report


if __name__ == "__main__":
    main()
