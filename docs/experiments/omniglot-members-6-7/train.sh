#!/bin/bash
# Session 9 (issue 17, Omniglot >= 97 %): up to two more members for models/omniglot-fast40-ensemble, each the
# recipe of member 5 (docs/experiments/omniglot-member5/train.sh: prototypical, P32 x K2, half the batches from one
# alphabet, 45 minutes on the native backend) with a new weight seed: member 6 = seed 19, member 7 = seed 23.
# Rule, written before either trained (evaluate.sh applies it): a member joins only if the ensemble with it has a
# strictly higher 20-way one-shot accuracy on 200 fresh validation episodes (ESEED=5044, never used before) than
# the ensemble without it, and a within-alphabet one-shot accuracy that is not lower. Lake's 20 runs are measured
# after the choice, for every ensemble compared.
# usage: bash docs/experiments/omniglot-members-6-7/train.sh SEED   (writes .runs/omniglot-s$SEED)
cd "$(dirname "$0")/../../.."
seed=${1:?usage: train.sh SEED}
exec npx siamese train --recipe manual --data ../shared/datasets/omniglot/images_background_small1 --data ../shared/datasets/omniglot/images_background_small2 \
  --out .runs/omniglot-s$seed --name omniglot-fast40-proto-alpha-s$seed --loss prototypical --scale 10 --k 2 --superclass-batches 0.5 \
  --backbone fast --widths 64,64,64,64 --embedding-dim 64 --input-size 40 --normalize invert-unit --batch 64 --epochs 1000 \
  --steps-per-epoch 150 --max-minutes ${MINUTES:-45} --lr 1e-3 --lr-schedule cosine --augment affine --val-fraction 0.15 \
  --select oneshot --rotate-classes --seed $seed --split-seed 42 --backend native --json --quiet
