#!/bin/bash
# The three-seed fold ensembles (train.sh folds) on their own held-out writers, pooled over the 34 writers like
# `cv.sh cv`; the same for each extra seed alone; then the thresholds re-set at validation FAR 1 % (the shipped
# rule) and pooled there (`signature-measure.ts sweep`). Outputs in .runs/signature-ens3-*.json. ~3 min.
cd "$(dirname "$0")/../../../.."
m=test/e2e/signature-measure.ts
run() { node test/retraining/fixtures/ts-run.js $m "$@"; }
folds() { # PREFIX SUFFIX: MODEL=@WRITERS for folds 0–3
  for k in 0 1 2 3; do echo "$1$k$2=@splits/cedar/cv/fold-$k-test-writers.txt"; done
}
run cv $(folds .runs/signature-ens3-fold- "") > .runs/signature-ens3-cv.json || exit 1
for s in 103 104; do run cv $(folds .runs/signature-s$s/fold- "") > .runs/signature-s$s-cv.json || exit 1; done
run sweep 0.01 @splits/cedar/validation-writers.txt $(folds .runs/signature-ens3-fold- "") > .runs/signature-ens3-sweep.json
