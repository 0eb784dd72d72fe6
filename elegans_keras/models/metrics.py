"""Reconstruction metrics that say what they measure: pixel accuracy, foreground F1, SSIM."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="elegans_keras")
class ForegroundF1(keras.metrics.Metric):
    """F1 score of the foreground (ink) pixels of binarised images.

    Pixel accuracy on MNIST is dominated by the ~87% background; foreground
    F1 ignores true negatives, so it shows whether the strokes come back.

    Example:
        >>> metric = ForegroundF1()
        >>> metric.update_state(ops.ones((1, 4)), ops.ones((1, 4)))
        >>> float(metric.result())
        1.0
    """

    def __init__(self, threshold: float = 0.5, name: str = "foreground_f1", **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.threshold = threshold
        self.true_positives = self.add_variable((), initializer="zeros", name="tp")
        self.false_positives = self.add_variable((), initializer="zeros", name="fp")
        self.false_negatives = self.add_variable((), initializer="zeros", name="fn")

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        truth = ops.cast(ops.greater(y_true, self.threshold), "float32")
        guess = ops.cast(ops.greater(y_pred, self.threshold), "float32")
        self.true_positives.assign_add(ops.sum(truth * guess))
        self.false_positives.assign_add(ops.sum((1.0 - truth) * guess))
        self.false_negatives.assign_add(ops.sum(truth * (1.0 - guess)))

    def result(self):
        denominator = 2.0 * self.true_positives + self.false_positives + self.false_negatives
        return ops.divide_no_nan(2.0 * self.true_positives, denominator)

    def get_config(self) -> dict:
        return {**super().get_config(), "threshold": self.threshold}


@keras.saving.register_keras_serializable(package="elegans_keras")
class MeanSSIM(keras.metrics.Mean):
    """Mean structural similarity (Wang et al. 2004) of images in [0, 1].

    Example:
        >>> metric = MeanSSIM()  # doctest: +SKIP
        >>> metric.update_state(images, reconstructions)  # doctest: +SKIP
    """

    def __init__(self, name: str = "ssim", **kwargs) -> None:
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        scores = ops.image.ssim(
            ops.cast(y_true, "float32"), ops.cast(y_pred, "float32"), filter_size=7
        )
        return super().update_state(scores, sample_weight=sample_weight)


def reconstruction_metrics() -> list[keras.metrics.Metric]:
    """Pixel binary accuracy, foreground F1 and SSIM, in that order."""
    return [
        keras.metrics.BinaryAccuracy(name="pixel_accuracy", threshold=0.5),
        ForegroundF1(),
        MeanSSIM(),
    ]
