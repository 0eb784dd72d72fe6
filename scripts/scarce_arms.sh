#!/usr/bin/env bash
# The scarce-data arms of issue 22 (deep mode, 5 epochs, batch 128, 8 seeds, test accuracy on the
# full official test set), each a resumable `elegans-keras compare` run; rerunning resumes where it
# stopped. The seeds run in two passes (0-3 for every family, then 4 up to SEEDS) so that a run cut
# short leaves every family with the same seeds. Each run trains on a stratified subset of the
# training split drawn with its seed (the same images for every family at a seed); the budget's
# name (full-n2000-e5, full-fashion_mnist-n2000-e5, ...) records size, data set and epochs in every
# row.
# Usage: scripts/scarce_arms.sh ARM [workers] [seeds]
#   mnist2000 mnist5000 fashion2000 fashion5000: the null families against celegans_herm
#   paper2000:     the paper's graph (elegans_ai_paper) and the paper's rewiring, p = 0.1 ... 1
#   ablations2000: each synapse class removed from celegans_herm
#   development2000: each Witvliet stage (witvliet2021_1 ... _8) against its own degree-preserving
#                    null (the stages run one after another within each seed pass)
set -euo pipefail
arm=${1:?mnist2000, mnist5000, fashion2000, fashion5000, paper2000, ablations2000 or development2000}
workers=${2:-1}
seeds=${3:-8}
common=(--task mnist --mode deep --epochs 5 --workers "$workers" --quiet)
nulls=(--families connectome no_graph complete rewire degree_preserving shuffle_weights erdos_renyi
  watts_strogatz barabasi_albert --p 0.1 0.4 1.0)
fashion=(--dataset fashion_mnist --data-dir "${ELEGANS_KERAS_FASHION:-/work/data}")
case $arm in
  mnist2000) run=("${nulls[@]}" --train-size 2000 --out results/scarce_mnist.csv) ;;
  mnist5000) run=("${nulls[@]}" --train-size 5000 --out results/scarce_mnist.csv) ;;
  fashion2000)
    run=("${nulls[@]}" "${fashion[@]}" --train-size 2000 --out results/scarce_fashion_mnist.csv) ;;
  fashion5000)
    run=("${nulls[@]}" "${fashion[@]}" --train-size 5000 --out results/scarce_fashion_mnist.csv) ;;
  paper2000)
    run=(--connectome elegans_ai_paper --families connectome rewire --p 0.1 0.2 0.4 0.6 0.8 1.0
      --train-size 2000 --out results/scarce_paper.csv) ;;
  ablations2000)
    run=(--families connectome ablation --ablations chemical electrical 'S->I' 'I->M' 'S->S' 'I->I'
      'M->M' 'I->S' 'S->M' 'M->I' 'M->S' --train-size 2000 --out results/scarce_ablations.csv) ;;
  development2000)
    for pass in 4 "$seeds"; do
      for stage in 1 8 5 3 6 2 4 7; do  # the ends first, then the middle
        nice -n 10 elegans-keras compare "${common[@]}" --connectome "witvliet2021_$stage" \
          --families connectome degree_preserving --train-size 2000 \
          --out results/scarce_development.csv --seeds "$pass"
      done
    done
    exit 0 ;;
  *) echo "unknown arm $arm" >&2; exit 2 ;;
esac
for pass in 4 "$seeds"; do
  nice -n 10 elegans-keras compare "${common[@]}" "${run[@]}" --seeds "$pass"
done
