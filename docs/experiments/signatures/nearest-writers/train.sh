#!/bin/bash
# Rule NEAR (RULE.md beside this file, written in session 46): HL0 with half of the other-writer negatives drawn among
# the anchor writer's 5 nearest writers (--hard-writers 0.5).
#   bash docs/experiments/signatures/nearest-writers/train.sh screen    # HN0 on folds 0–3, two at a time (~75 min), then keep
#   bash docs/experiments/signatures/nearest-writers/train.sh measure   # HN0 over the 34 writers, paired with HL0's kept
#                                                                       # scores; random forgeries per fold, HN0 and HL0
#   bash docs/experiments/signatures/nearest-writers/train.sh keep|restore  # runs/m0/ beside this file
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/nearest-writers
scale=docs/experiments/signatures/scale
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
source docs/experiments/signatures/trunk-lib.sh
prefix=signature-near50-input256x160-steps
runs=.runs/$prefix-m0 hl0=.runs/signature-input256x160-steps-m0
flags="--input-size 256x160 --steps 760 --epochs 19 --max-minutes 150 --hard-writers 0.5"
case "${1:-}" in
  keep | restore) keep_or_restore "$1" "$runs" "$here/runs/m0" ;;
  screen)
    bash "$here/train.sh" restore && bash docs/experiments/signatures/member-screen.sh "$prefix" hn "$flags" screen
    check_folds "$runs" 'c.preprocessing.width === 256 && c.preprocessing.height === 160 && c.training.steps === 760 &&
      c.training.budgetBound === false && c.hyperparameters.forgeries.hardWriterShare === 0.5' \
      "say 256x160, 760 steps, an unbound clock and a hard-writer share of 0.5" && bash "$here/train.sh" keep ;;
  measure)
    bash "$here/train.sh" restore && bash "$scale/train.sh" restore || exit 1
    check_folds "$runs" 'c.hyperparameters.forgeries.hardWriterShare === 0.5' "say a hard-writer share of 0.5" || exit 1
    # shellcheck disable=SC2046
    $R cv $(test_folds "$runs") --scores "$here/hn0-scores.json.gz" > "$here/hn0.json" &&
      $R paired "$scale/hl0-scores.json.gz" "$here/hn0-scores.json.gz" > "$here/hn0-vs-hl0.json" || exit 1
    mkdir -p "$here/random-forgeries"
    for k in 0 1 2 3; do
      $R eval "$runs/fold-$k" "@splits/cedar/cv/fold-$k-test-writers.txt" > "$here/random-forgeries/fold-$k.json" &&
        $R eval "$hl0/fold-$k" "@splits/cedar/cv/fold-$k-test-writers.txt" > "$here/random-forgeries/hl0-fold-$k.json" ||
        exit 1
    done ;;
  *) echo "usage: train.sh screen|measure|keep|restore" >&2; exit 2 ;;
esac
