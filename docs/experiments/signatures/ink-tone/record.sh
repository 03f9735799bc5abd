#!/bin/bash
# Session 25: what ship-lib.sh's calibrate_and_record asks of a recipe's `measure` (CARD and CV_RECORD set): T's four
# fold ensembles pooled over the 34 cross-validated writers into CARD's card, and the target sweep that chooses $FAR.
#   CARD=models/signature-fast160x80-cedar bash docs/experiments/signatures/ink-tone/record.sh measure
#   bash docs/experiments/signatures/ink-tone/record.sh sweep   # .runs/signature-tone-cv/t-sweep.json, before shipping
cd "$(dirname "$0")/../../../.."
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
folds=()
for k in 0 1 2 3; do folds+=(".runs/signature-tone-cv/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"); done
case "${1:-}" in
  measure) $R cv "${folds[@]}" --card "${CARD:?}" --record "${CV_RECORD:-cedar-writer-cv}" > .runs/signature-tone-cv/t-recorded.json ;;
  sweep) $R sweep 0.005,0.01,0.015,0.02 @splits/cedar/validation-writers.txt "${folds[@]}" > .runs/signature-tone-cv/t-sweep.json ;;
  *) echo "usage: record.sh measure|sweep" >&2; exit 2 ;;
esac
