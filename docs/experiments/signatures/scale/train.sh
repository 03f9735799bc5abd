#!/bin/bash
# Rule SCALE (RULE.md beside this file, written in session 42): HS0 with a 256×160 input instead of 224×144.
#   bash docs/experiments/signatures/scale/train.sh screen    # HL0 on folds 0–3, two at a time (~100 min)
#   bash docs/experiments/signatures/scale/train.sh measure   # HL0 over the 34 writers, paired with HS0's kept scores
#   bash docs/experiments/signatures/scale/train.sh keep|restore
#     keep copies HL0's trained folds (.runs/signature-input256x160-steps-m0/fold-K) into runs/m0/ beside this file, to
#     be committed (`.runs/` does not survive a new checkout); restore copies them back, where `screen` skips them
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/scale
height=docs/experiments/signatures/height
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
source docs/experiments/signatures/trunk-lib.sh
runs=.runs/signature-input256x160-steps-m0
kept=$here/runs/m0
case "${1:-}" in
  keep | restore) keep_or_restore "$1" "$runs" "$kept" ;;
  screen)
    bash "$here/train.sh" restore || exit 1
    # cv.sh passes --input-size 160x80; the later flag wins (node's parseArgs keeps the last value)
    bash docs/experiments/signatures/member-screen.sh signature-input256x160-steps hl \
      "--input-size 256x160 --steps 760 --epochs 19 --max-minutes 75" screen
    for k in 0 1 2 3; do
      [ -f "$runs/fold-$k/model.json" ] || { echo "fold $k did not train" >&2; exit 1; }
      node -e 'const c=require(process.argv[1]);process.exit(c.preprocessing.width===256&&c.preprocessing.height===160?0:1)' \
        "$PWD/$runs/fold-$k/model-card.json" || { echo "fold $k: the card does not say 256×160" >&2; exit 1; }
    done ;;
  measure)
    bash "$here/train.sh" restore || exit 1
    # shellcheck disable=SC2046
    $R cv $(test_folds "$runs") --scores "$here/hl0-scores.json.gz" > "$here/hl0.json" &&
      $R paired "$height/hs0-scores.json.gz" "$here/hl0-scores.json.gz" > "$here/hl0-vs-hs0.json" ;;
  *) echo "usage: train.sh screen|measure|keep|restore" >&2; exit 2 ;;
esac
