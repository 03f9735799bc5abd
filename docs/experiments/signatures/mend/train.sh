#!/bin/bash
# Rule MEND (RULE.md beside this file, written in session 39): HS0 with every input's ink mended (--ink-mend close3).
#   bash docs/experiments/signatures/mend/train.sh screen    # HM0 on folds 0–3, two at a time (~80 min)
#   bash docs/experiments/signatures/mend/train.sh measure   # HM0 and HS0 on the scans and on mended forgeries, paired
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/mend
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
source docs/experiments/signatures/trunk-lib.sh
case "${1:-}" in
  screen)
    bash docs/experiments/signatures/member-screen.sh signature-mend hm \
      "--input-size 224x144 --steps 760 --epochs 19 --max-minutes 75 --ink-mend close3" screen
    for k in 0 1 2 3; do
      [ -f ".runs/signature-mend-m0/fold-$k/model.json" ] || { echo "fold $k did not train" >&2; exit 1; }
    done ;;
  measure)
    [ -d .runs/cedar-mended-forged ] ||
      node test/retraining/fixtures/ts-run.js docs/experiments/signatures/hard-writers/mend.ts .runs/cedar-mended-forged forged || exit 1
    hs0=.runs/signature-input224x144-steps-m0
    [ -f "$hs0/fold-3/model.json" ] || bash docs/experiments/signatures/height/train-steps.sh restore || exit 1
    # shellcheck disable=SC2046
    $R cv $(test_folds .runs/signature-mend-m0) --scores "$here/hm0-scores.json.gz" > "$here/hm0.json" &&
      $R paired docs/experiments/signatures/height/hs0-scores.json.gz "$here/hm0-scores.json.gz" > "$here/hm0-vs-hs0.json" &&
      $R cv $(test_folds .runs/signature-mend-m0) --dataset .runs/cedar-mended-forged --scores "$here/hm0-mended-scores.json.gz" \
        > "$here/hm0-mended.json" &&
      $R paired "$here/hm0-scores.json.gz" "$here/hm0-mended-scores.json.gz" > "$here/hm0-breakage.json" &&
      $R cv $(test_folds "$hs0") --dataset .runs/cedar-mended-forged --scores "$here/hs0-mended-scores.json.gz" \
        > "$here/hs0-mended.json" &&
      $R paired docs/experiments/signatures/height/hs0-scores.json.gz "$here/hs0-mended-scores.json.gz" > "$here/hs0-breakage.json" ;;
  *) echo "usage: train.sh screen|measure" >&2; exit 2 ;;
esac
