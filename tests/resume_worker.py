"""A small seeded training run for the kill-and-resume test (run as a subprocess).

Usage: ``python tests/resume_worker.py ROOT RUN_ID EPOCHS [HOLD_EPOCH]``. Like
an experiment script, it calls ``training.start_run`` (run directory
``ROOT/resume/RUN_ID``, seed recorded in its ``config.json``) and trains a
small ``elegans_classifier`` on bundled MNIST images with
``training.run_callbacks(run_dir)``; rerunning the same command resumes.
It prints ``epoch-begin K`` as each epoch starts and saves the final weights
to ``final.weights.h5`` in the run directory. With ``HOLD_EPOCH`` it prints
``holding`` a few batches into that epoch and sleeps there, so that the test
can SIGKILL it mid-epoch.
"""

from __future__ import annotations

import sys
import time

import keras

from elegans_keras.datasets import load_images
from elegans_keras.models import elegans_classifier
from elegans_keras.training import run_callbacks, set_seed, start_run

SEED = 5
IMAGES = 384
BATCH_SIZE = 32
HOLD_AFTER_BATCH = 3


class Markers(keras.callbacks.Callback):
    """Print epoch starts; sleep a few batches into ``hold_epoch`` (waiting to be killed)."""

    def __init__(self, hold_epoch: int | None) -> None:
        super().__init__()
        self.hold_epoch = hold_epoch
        self.epoch = -1

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch
        print(f"epoch-begin {epoch}", flush=True)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.epoch == self.hold_epoch and batch == HOLD_AFTER_BATCH:
            print("holding", flush=True)
            while True:
                time.sleep(1)


def main(root: str, run_id: str, epochs: int, hold_epoch: int | None) -> None:
    """Train in ``ROOT/resume/RUN_ID``, then save the final weights there."""
    set_seed(SEED)
    run_dir = start_run("resume", {"seed": SEED, "epochs": epochs}, root=root, run_id=run_id)
    images, labels = load_images("mnist", "train")
    model = elegans_classifier(features=8, filters=(8,), num_heads=2, dropout=0.2, seed=SEED)
    callbacks = run_callbacks(run_dir) + [Markers(hold_epoch)]
    model.fit(
        images[:IMAGES],
        labels[:IMAGES],
        epochs=epochs,
        batch_size=BATCH_SIZE,
        callbacks=callbacks,
        verbose=0,
    )
    model.save_weights(str(run_dir / "final.weights.h5"))
    print("done", flush=True)


if __name__ == "__main__":
    hold = int(sys.argv[4]) if len(sys.argv) > 4 else None
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), hold)
