#!/bin/bash
# Session 8: the cross-validation fold models (cv.sh) through the HTTP API on their own held-out writers, as
# simulated full-resolution scans: verifyIdentity with 5 enrolled references (api-refs) and verify with each of
# the first 3 genuine signatures as the reference (api). ~7 min per fold on 2 idle cores (a single encoder).
# FOLDS="0 1" measures only those folds (the default is all four). Pool them with
#   node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts pool $RUNS/api-refs5-fold-{0,1,2,3}.json
# or, at another validation target than the one each fold served, RUNS=… TARGET=f bash docs/experiments/signatures/api-pool.sh
cd "$(dirname "$0")/../../.."
runs=${RUNS:-.runs/signature-cv}
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
for k in ${FOLDS:-0 1 2 3}; do
  # folds 0 and 1: the measurement copies with verifyIdentity's thresholds (cv.sh cv makes them)
  m=$runs/fold-$k; [ -d "$runs/fold-$k-cal" ] && m=$runs/fold-$k-cal
  # through a temporary name, so that an interrupted call leaves no file that looks measured (session 38)
  $R api-refs "$m" "@splits/cedar/cv/fold-$k-test-writers.txt" ../shared/datasets/cedar-signatures 5 > "$runs/api-refs5-fold-$k.json.tmp" &&
    mv "$runs/api-refs5-fold-$k.json.tmp" "$runs/api-refs5-fold-$k.json" || exit 1
  $R api "$m" "@splits/cedar/cv/fold-$k-test-writers.txt" ../shared/datasets/cedar-signatures 3 > "$runs/api3-fold-$k.json.tmp" &&
    mv "$runs/api3-fold-$k.json.tmp" "$runs/api3-fold-$k.json" || exit 1
done
