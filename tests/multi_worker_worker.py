"""One worker of tests/test_multi_worker.py: trains the classifier under TF_CONFIG.

Usage: python multi_worker_worker.py OUTPUT.npz  (with TF_CONFIG set)
Writes the trained weights and the loss on the training slice before and after.
Each step, every worker computes the gradient on its own shard of the global
batch inside ``strategy.run`` and the model's optimizer all-reduces and applies
it: Keras 3.15's ``fit``, ``evaluate``, ``train_on_batch`` and
``test_on_batch`` fail under MultiWorkerMirroredStrategy
(keras-team/keras#20585).
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras
import numpy as np
import tensorflow as tf

from elegans_keras.datasets import load_images
from elegans_keras.distribute import get_strategy, strategy_scope
from elegans_keras.models import elegans_classifier

GLOBAL_BATCH = 32
STEPS = 8


def main(output: str) -> None:
    """Train a few steps in the MultiWorkerMirroredStrategy scope; save weights and losses."""
    strategy = get_strategy("multi_worker")
    config = json.loads(os.environ["TF_CONFIG"])
    workers, index = len(config["cluster"]["worker"]), config["task"]["index"]
    keras.utils.set_random_seed(0)
    images, labels = load_images("mnist", "train")
    x, y = images[: GLOBAL_BATCH * STEPS], labels[: GLOBAL_BATCH * STEPS]
    with strategy_scope(strategy):
        model = elegans_classifier(features=8, filters=(8, 16), dropout=0.0)

    def replica_step(images: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = model.loss(labels, model(images, training=True))
            scaled = loss / strategy.num_replicas_in_sync
        gradients = tape.gradient(scaled, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    train_step = tf.function(lambda xs, ys: strategy.run(replica_step, args=(xs, ys)))
    before = float(model.loss(y, model(x, training=True)))
    for step in range(STEPS):
        batch = slice(step * GLOBAL_BATCH, (step + 1) * GLOBAL_BATCH)
        train_step(x[batch][index::workers], y[batch][index::workers])
    after = float(model.loss(y, model(x, training=True)))
    weights = {f"w{i}": np.asarray(w) for i, w in enumerate(model.trainable_weights)}
    np.savez(
        output,
        loss_before=before,
        loss_after=after,
        replicas=strategy.num_replicas_in_sync,
        **weights,
    )


if __name__ == "__main__":
    main(sys.argv[1])
