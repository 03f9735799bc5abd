#!/bin/bash
# Rule GEM (RULE.md beside this file, written in session 50): HL0 with generalized-mean pooling (p = 3) instead of the
# global average, nothing else changed (trunk-lib.sh's hl0_variant, as SHARE and NEAR were screened).
#   bash docs/experiments/signatures/gem/train.sh screen    # HG0 on folds 0–3, two at a time (~70 min), cards checked, kept
#   bash docs/experiments/signatures/gem/train.sh measure   # HG0 over the 34 writers, paired with HL0's kept scores;
#                                                           # random forgeries per fold, HG0 and HL0
#   bash docs/experiments/signatures/gem/train.sh keep|restore  # runs/m0/ beside this file
cd "$(dirname "$0")/../../../.." || exit 1
source docs/experiments/signatures/trunk-lib.sh
here=docs/experiments/signatures/gem
# steps ≤ 760: a member that the recipe's own early stop (patience 12 from the start) ended sooner is scored as it is
hl0_variant "${1:-}" "$here" signature-gem256x160-steps hg \
  "--input-size 256x160 --steps 760 --epochs 19 --max-minutes 150 --param pooling=gem" \
  "c.architecture.params.pooling === 'gem' && c.architecture.params.gemP === undefined" "generalized-mean pooling of p = 3"
