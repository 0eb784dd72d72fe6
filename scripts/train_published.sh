#!/usr/bin/env bash
# Train and publish the models shipped in weights/ (CPU, TensorFlow backend), one after another.
# Usage: bash scripts/train_published.sh [classifiers|autoencoders|all]   (default: all)
# Logs go to logs/<experiment>/<run-id>/; weights and manifest entries to weights/.
# Each command is also recorded in its manifest entry; rerunning one resumes it.
set -euo pipefail
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=3
which=${1:-all}
if [[ $which == all || $which == classifiers ]]; then
  python experiments/mnist_classify.py --mode deep --epochs 20 --learning-rate 0.003 \
    --schedule cosine --out logs --run-id classifier-deep-seed0 \
    --publish mnist_classifier_deep --weights-dir weights --quiet
  python experiments/mnist_classify.py --mode reservoir --epochs 20 --learning-rate 0.002 \
    --out logs --run-id classifier-reservoir-seed0 --publish mnist_classifier_reservoir \
    --weights-dir weights --quiet
fi
if [[ $which == all || $which == autoencoders ]]; then
  for mode in deep reservoir; do
    python experiments/mnist_unsup.py --mode "$mode" --epochs 12 --learning-rate 0.002 \
      --out logs --run-id "unsup-$mode-seed0" --publish "mnist_unsup_$mode" \
      --weights-dir weights --quiet
  done
fi
