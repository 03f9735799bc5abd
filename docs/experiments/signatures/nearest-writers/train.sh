#!/bin/bash
# Rule NEAR (RULE.md beside this file, written in session 46): HL0 with half of the other-writer negatives drawn among
# the anchor writer's 5 nearest writers (--hard-writers 0.5).
#   bash docs/experiments/signatures/nearest-writers/train.sh screen    # HN0 on folds 0–3, two at a time (~75 min), then keep
#   bash docs/experiments/signatures/nearest-writers/train.sh measure   # HN0 over the 34 writers, paired with HL0's kept
#                                                                       # scores; random forgeries per fold, HN0 and HL0
#   bash docs/experiments/signatures/nearest-writers/train.sh keep|restore  # runs/m0/ beside this file
cd "$(dirname "$0")/../../../.." || exit 1
source docs/experiments/signatures/trunk-lib.sh
hl0_variant "${1:-}" docs/experiments/signatures/nearest-writers signature-near50-input256x160-steps hn \
  "--input-size 256x160 --steps 760 --epochs 19 --max-minutes 150 --hard-writers 0.5" \
  'c.hyperparameters.forgeries.hardWriterShare === 0.5' "a hard-writer share of 0.5"
