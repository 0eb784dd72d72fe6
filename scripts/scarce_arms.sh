#!/usr/bin/env bash
# The scarce-data arms of issue 22 (deep mode, 5 epochs, batch 128, 8 seeds, test accuracy on the
# full official test set), each a resumable `elegans-keras compare` run; rerunning resumes where it
# stopped. The seeds run in two passes (0-3 for every family, then 4-7) so that a run cut short
# leaves every family with the same seeds. Each run trains on a stratified subset of the training
# split drawn with its seed (the same images for every family at a seed); the budget's name
# (full-n2000-e5, full-fashion_mnist-n2000-e5, ...) records size, data set and epochs in every row.
# Usage: scripts/scarce_arms.sh mnist2000|mnist5000|fashion2000|fashion5000 [workers]
set -euo pipefail
arm=${1:?mnist2000, mnist5000, fashion2000 or fashion5000}
workers=${2:-1}
common=(--task mnist --mode deep --epochs 5 --workers "$workers" --quiet
  --families connectome no_graph complete rewire degree_preserving shuffle_weights erdos_renyi
  watts_strogatz barabasi_albert --p 0.1 0.4 1.0)
case $arm in
  mnist2000) data=(--train-size 2000 --out results/scarce_mnist.csv) ;;
  mnist5000) data=(--train-size 5000 --out results/scarce_mnist.csv) ;;
  fashion2000)
    data=(--dataset fashion_mnist --data-dir "${ELEGANS_KERAS_FASHION:-/work/data}"
      --train-size 2000 --out results/scarce_fashion_mnist.csv) ;;
  fashion5000)
    data=(--dataset fashion_mnist --data-dir "${ELEGANS_KERAS_FASHION:-/work/data}"
      --train-size 5000 --out results/scarce_fashion_mnist.csv) ;;
  *) echo "unknown arm $arm" >&2; exit 2 ;;
esac
for seeds in 4 8; do
  nice -n 10 elegans-keras compare "${common[@]}" "${data[@]}" --seeds "$seeds"
done
