#!/usr/bin/env bash
# Train and publish the models shipped in elegans_keras/weights/ (CPU, TensorFlow backend).
# Logs go to logs/<experiment>/<run-id>/; weights and manifest entries to elegans_keras/weights/.
set -euo pipefail
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=2
epochs_classifier=${EPOCHS_CLASSIFIER:-6}
epochs_unsup=${EPOCHS_UNSUP:-6}
for mode in deep reservoir; do
  python experiments/mnist_classify.py --mode "$mode" --epochs "$epochs_classifier" \
    --run-id "classifier-$mode-seed0" --publish "mnist_classifier_$mode" --weights-dir elegans_keras/weights
done
for mode in deep reservoir; do
  python experiments/mnist_unsup.py --mode "$mode" --epochs "$epochs_unsup" \
    --run-id "unsup-$mode-seed0" --publish "mnist_unsup_$mode" --weights-dir elegans_keras/weights
done
