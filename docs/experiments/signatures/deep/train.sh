#!/bin/bash
# Rule DEEP (RULE.md beside this file, written in session 51): HL0 with a fifth block of width 64 after the Omniglot
# trunk (--widths 64,64,64,64,64 --trunk-extend: the trunk fills blocks 1–4, block 5 and the head are fresh), nothing
# else changed (trunk-lib.sh's hl0_variant, as GEM was screened; cv.sh's own --widths comes first, the last one wins).
#   bash docs/experiments/signatures/deep/train.sh screen    # HD0 on folds 0–3, two at a time (~70 min), cards checked, kept
#   bash docs/experiments/signatures/deep/train.sh measure   # HD0 over the 34 writers, paired with HL0's kept scores;
#                                                            # random forgeries per fold, HD0 and HL0
#   bash docs/experiments/signatures/deep/train.sh keep|restore  # runs/m0/ beside this file
cd "$(dirname "$0")/../../../.." || exit 1
source docs/experiments/signatures/trunk-lib.sh
here=docs/experiments/signatures/deep
# steps ≤ 760: a member that the recipe's own early stop (patience 12 from the start) ended sooner is scored as it is
hl0_variant "${1:-}" "$here" signature-deep256x160-steps hd \
  "--input-size 256x160 --steps 760 --epochs 19 --max-minutes 150 --widths 64,64,64,64,64 --trunk-extend" \
  "c.architecture.params.widths.join('-') === '64-64-64-64-64' && c.hyperparameters.trunkFrom.freshTrunkLayers === 1" \
  "widths 64-64-64-64-64 with one fresh block after the trunk"
