#!/bin/bash
# Session 22: J's selection folds 0–1 (cross-validation of its recipe) into a card, for ship.sh (ship-lib's
# calibrate_and_record calls TRAIN_SH measure; train.sh was training while this was written, so it lives here).
#   CARD=DIR bash docs/experiments/signatures/four-symmetries/card-cv.sh measure
cd "$(dirname "$0")/../../../.."
[ "${1:-}" = measure ] || { echo "usage: CARD=DIR card-cv.sh measure" >&2; exit 2; }
node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts cv \
  .runs/signature-sym-cv/fold-0=@splits/cedar/cv/fold-0-test-writers.txt \
  .runs/signature-sym-cv/fold-1=@splits/cedar/cv/fold-1-test-writers.txt \
  ${CARD:+--card "$CARD" --record "${CV_RECORD:-cedar-writer-cv-selection}"} > .runs/signature-sym-cv/selection.json
