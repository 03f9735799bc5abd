#!/bin/bash
# Session 9 (issue 17, Omniglot >= 97 %): a wider eighth member. Members 5-7 (same recipe, new seeds) added
# +0.5, +0.25 and +0 points on Lake's runs, so this one differs in shape: widths 96-96-96-96 instead of 64
# (about 2.25x the convolution work), otherwise the alpha recipe (prototypical, P32 x K2, half the batches from
# one alphabet, rotated classes, same validation split), weight seed 29, 35 minutes on the native backend (the
# session's remaining time). Rule, written before it trained: it joins the seven-member ensemble only if the
# eight-member ensemble has a strictly higher 20-way one-shot accuracy on 200 new validation episodes
# (ESEED=6044, never used before) and a within-alphabet accuracy that is not lower. Lake's 20 runs after the choice.
# Then: BASE=models/omniglot-fast40-ensemble NEW=.runs/omniglot-w96 OUT=.runs/omniglot-e8 ESEED=6044 LAKE=1 \
#   bash docs/experiments/omniglot-members-6-7/evaluate.sh
cd "$(dirname "$0")/../../.."
exec npx siamese train --recipe manual --data ../shared/datasets/omniglot/images_background_small1 --data ../shared/datasets/omniglot/images_background_small2 \
  --out .runs/omniglot-w96 --name omniglot-fast40-proto-alpha-w96 --loss prototypical --scale 10 --k 2 --superclass-batches 0.5 \
  --backbone fast --widths 96,96,96,96 --embedding-dim 64 --input-size 40 --normalize invert-unit --batch 64 --epochs 1000 \
  --steps-per-epoch 150 --max-minutes ${MINUTES:-35} --lr 1e-3 --lr-schedule cosine --augment affine --val-fraction 0.15 \
  --select oneshot --rotate-classes --seed 29 --split-seed 42 --backend native --json --quiet
