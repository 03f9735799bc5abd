#!/bin/bash
# Rule SHARE (RULE.md beside this file, written in session 45): HL0 with three in four training negatives a skilled
# forgery of the anchor's writer (--forgery-share 0.75) instead of half.
#   bash docs/experiments/signatures/share/train.sh screen    # HF0 on folds 0–3, two at a time (~70 min), then keep
#   bash docs/experiments/signatures/share/train.sh measure   # HF0 over the 34 writers, paired with HL0's kept scores;
#                                                             # random forgeries per fold for HF0 and HL0 (eval)
#   bash docs/experiments/signatures/share/train.sh keep|restore  # runs/m0/ beside this file (as ../scale/train.sh)
cd "$(dirname "$0")/../../../.." || exit 1
source docs/experiments/signatures/trunk-lib.sh
# RULE.md's amendment: folds 2–3 rerun at --max-minutes 150 (folds 0–1 trained at 75; unbound, the same run)
hl0_variant "${1:-}" docs/experiments/signatures/share signature-share75-input256x160-steps hf \
  "--input-size 256x160 --steps 760 --epochs 19 --max-minutes ${SHARE_MINUTES:-150} --forgery-share 0.75" \
  'c.hyperparameters.forgeries.forgeryShare === 0.75' "a forgery share of 0.75"
