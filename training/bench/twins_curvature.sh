#!/usr/bin/env bash
# Trains the default network with cross-entropy and with MSE for seeds 1-5
# and prints each one's test accuracy and the extreme eigenvalues of its
# loss Hessian over the whole test set (the README's twin figures).
# --keep last: the figures are of the weights at the end of training.
# Run from the repository's root after `make build`.
set -euo pipefail
export LANG=en_US.UTF-8
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for seed in 1 2 3 4 5; do
  for loss in ce mse; do
    dir=$out/$loss-$seed
    acc=$(./bin/workbench train --loss "$loss" --seed "$seed" --keep last --out "$dir" --json | tail -1 |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["test_acc"])')
    curv=$(./bin/workbench curvature --model "$dir" --samples all --json)
    echo "$loss seed $seed test_acc $acc $curv"
  done
done
