#!/usr/bin/env bash
# The memory arms of issue 22 (reservoir memory, full budget, 5 seeds), each a resumable
# `elegans-keras compare` run into its own CSV; rerunning resumes where it stopped.
# Usage: scripts/memory_arms.sh development|species|ablations|controls [workers] [graphs or classes...]
#   development: Witvliet stages (default 1 8 5 3 6 2 4 7: ends first, then the middle)
#   species:     bundled connectomes (default cook2019_herm drosophila_larva)
#   ablations:   synapse classes removed from celegans_herm (default: all eleven)
#   controls:    as many synapses removed at random as each role-to-role class has (the
#                ablations' controls; default: the nine classes)
set -euo pipefail
arm=${1:?development, species, ablations or controls}
workers=${2:-2}
shift $(($# < 2 ? $# : 2))
common=(--task memory --seeds 5 --workers "$workers" --quiet)
case $arm in
  development)
    for stage in "${@:-1 8 5 3 6 2 4 7}"; do
      for s in $stage; do
        nice -n 10 elegans-keras compare "${common[@]}" --connectome "witvliet2021_$s" \
          --families connectome degree_preserving --out results/memory_development.csv
      done
    done ;;
  species)
    for name in ${@:-cook2019_herm drosophila_larva}; do
      nice -n 10 elegans-keras compare "${common[@]}" --connectome "$name" \
        --families connectome degree_preserving erdos_renyi --out results/memory_species.csv
    done ;;
  ablations|controls)
    family=ablation
    classes=(${@:-chemical electrical S-\>I I-\>M S-\>S I-\>I M-\>M I-\>S S-\>M M-\>I M-\>S})
    if [ "$arm" = controls ]; then  # a whole synapse type removed at random is the ablation itself
      family=random_removal
      classes=(${@:-S-\>I I-\>M S-\>S I-\>I M-\>M I-\>S S-\>M M-\>I M-\>S})
    fi
    nice -n 10 elegans-keras compare "${common[@]}" --connectome celegans_herm \
      --families connectome "$family" --ablations "${classes[@]}" \
      --out results/memory_ablations.csv ;;
  *) echo "unknown arm $arm" >&2; exit 2 ;;
esac
