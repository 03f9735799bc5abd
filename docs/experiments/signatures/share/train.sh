#!/bin/bash
# Rule SHARE (RULE.md beside this file, written in session 45): HL0 with three in four training negatives a skilled
# forgery of the anchor's writer (--forgery-share 0.75) instead of half.
#   bash docs/experiments/signatures/share/train.sh screen    # HF0 on folds 0–3, two at a time (~70 min), then keep
#   bash docs/experiments/signatures/share/train.sh measure   # HF0 over the 34 writers, paired with HL0's kept scores;
#                                                             # random forgeries per fold for HF0 and HL0 (eval)
#   bash docs/experiments/signatures/share/train.sh keep|restore  # runs/m0/ beside this file (as ../scale/train.sh)
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/share
scale=docs/experiments/signatures/scale
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
source docs/experiments/signatures/trunk-lib.sh
prefix=signature-share75-input256x160-steps
runs=.runs/$prefix-m0 hl0=.runs/signature-input256x160-steps-m0
# RULE.md's amendment: folds 2–3 rerun at --max-minutes 150 (folds 0–1 trained at 75; unbound, the same run)
flags="--input-size 256x160 --steps 760 --epochs 19 --max-minutes ${SHARE_MINUTES:-150} --forgery-share 0.75"
case "${1:-}" in
  keep | restore) keep_or_restore "$1" "$runs" "$here/runs/m0" ;;
  screen)
    bash "$here/train.sh" restore && bash docs/experiments/signatures/member-screen.sh "$prefix" hf "$flags" screen
    check_folds "$runs" 'c.preprocessing.width === 256 && c.preprocessing.height === 160 && c.training.steps === 760 &&
      c.training.budgetBound === false && c.hyperparameters.forgeries.forgeryShare === 0.75' \
      "say 256x160, 760 steps, an unbound clock and a forgery share of 0.75" && bash "$here/train.sh" keep ;;
  measure)
    bash "$here/train.sh" restore && bash "$scale/train.sh" restore || exit 1
    check_folds "$runs" 'c.hyperparameters.forgeries.forgeryShare === 0.75' "say a forgery share of 0.75" || exit 1
    # shellcheck disable=SC2046
    $R cv $(test_folds "$runs") --scores "$here/hf0-scores.json.gz" > "$here/hf0.json" &&
      $R paired "$scale/hl0-scores.json.gz" "$here/hf0-scores.json.gz" > "$here/hf0-vs-hl0.json" || exit 1
    mkdir -p "$here/random-forgeries"
    for k in 0 1 2 3; do
      $R eval "$runs/fold-$k" "@splits/cedar/cv/fold-$k-test-writers.txt" > "$here/random-forgeries/fold-$k.json" &&
        $R eval "$hl0/fold-$k" "@splits/cedar/cv/fold-$k-test-writers.txt" > "$here/random-forgeries/hl0-fold-$k.json" ||
        exit 1
    done ;;
  *) echo "usage: train.sh screen|measure|keep|restore" >&2; exit 2 ;;
esac
