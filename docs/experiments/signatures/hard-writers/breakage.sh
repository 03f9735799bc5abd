#!/bin/bash
# Session 39: BREAKAGE (RULE-breakage.md beside this file). H's served fold ensembles (0.5 %) on CEDAR with one class's
# strokes mended (mend.ts), pooled over the 34 writers and paired with the scans as they are.
#   bash docs/experiments/signatures/hard-writers/breakage.sh     # needs FAR=0.005 height/measure-served.sh's folds
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/hard-writers
served=.runs/signature-input224x144-steps-cv/served-far0.005
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
folds=()
for k in 0 1 2 3; do
  [ -f "$served/fold-$k/model.json" ] || { echo "no fold $k served at 0.5 %: run FAR=0.005 docs/experiments/signatures/height/measure-served.sh" >&2; exit 1; }
  folds+=("$served/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt")
done
for which in forged genuine both; do
  data=.runs/cedar-mended-$which
  [ -d "$data" ] || node test/retraining/fixtures/ts-run.js $here/mend.ts "$data" "$which" || exit 1
  $R cv "${folds[@]}" --dataset "$data" --scores ".runs/breakage-$which-scores.json.gz" > "$here/breakage-$which.json.tmp" &&
    mv "$here/breakage-$which.json.tmp" "$here/breakage-$which.json" || exit 1
  $R paired docs/experiments/signatures/height/hs-served-scores.json.gz ".runs/breakage-$which-scores.json.gz" \
    > "$here/breakage-$which-vs-scans.json" || exit 1
done
