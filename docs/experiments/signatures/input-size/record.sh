#!/bin/bash
# Session 34: what ship-lib.sh's calibrate_and_record asks of a recipe's `measure` (CARD and CV_RECORD set): I's four
# fold ensembles (kept in folds/ beside this file, session 33) pooled over the 34 cross-validated writers into CARD's
# card, and the target sweep that chooses $FAR for ship.sh.
#   CARD=models/signature-fast224x112-cedar bash docs/experiments/signatures/input-size/record.sh measure
#   bash docs/experiments/signatures/input-size/record.sh sweep   # .runs/signature-input224-cv/i-sweep.json, before shipping
cd "$(dirname "$0")/../../../.."
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
kept=docs/experiments/signatures/input-size/folds out=.runs/signature-input224-cv
folds=()
for k in 0 1 2 3; do folds+=("$kept/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"); done
mkdir -p "$out"
case "${1:-}" in
  measure) $R cv "${folds[@]}" --card "${CARD:?}" --record "${CV_RECORD:-cedar-writer-cv}" > "$out/i-recorded.json" ;;
  sweep) $R sweep 0.005,0.01,0.015,0.02 @splits/cedar/validation-writers.txt "${folds[@]}" > "$out/i-sweep.json" ;;
  *) echo "usage: record.sh measure|sweep" >&2; exit 2 ;;
esac
