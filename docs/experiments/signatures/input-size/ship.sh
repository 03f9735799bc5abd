#!/bin/bash
# Session 34: I (rule INPUT, RULE.md beside this file: T's recipe at a 224×112 input, three members trained on all 34
# writers by `train.sh final`) as models/signature-fast224x112-cedar, replacing T (models/signature-fast160x80-cedar),
# then its measurements into the card: thresholds at $FAR (session 8's rule over all 34 writers: the largest f in
# {0.5, 1, 1.5, 2} % whose pooled verify forgery FAR over the 34 cross-validated writers is ≤ 5 %, from
# `record.sh sweep`), the validation writers, the four kept fold ensembles in folds/ (record.sh), and their tone check.
# SHIFT=β (session 34: 0.5, rule SHIFT-I, ../backend/RULE-shift-i.md) serves verifyIdentity's rule SPREAD: the
# thresholds for R are calibrated on d − β·s, and the card's records are read from the folds recalibrated alike.
#   FAR=f [SHIFT=β] bash docs/experiments/signatures/input-size/ship.sh
#   bash docs/experiments/signatures/input-size/ship.sh card    # only re-apply intendedUse and notes (texts edited)
cd "$(dirname "$0")/../../../.."
source docs/experiments/signatures/ship-lib.sh
source docs/experiments/signatures/trunk-lib.sh
input_place() { three_place "$1" signature-input224; }
folds=docs/experiments/signatures/input-size/folds
[ -n "${SHIFT:-}" ] && folds=.runs/signature-input224-cv/shift-$SHIFT
SIGNATURE_NAME=signature-fast224x112-cedar ship_candidate docs/experiments/signatures/input-size/notes.txt \
  "$folds" docs/experiments/signatures/input-size/record.sh input_place "${1:-}" || exit 1
[ "${1:-}" = card ] && exit 0
# The tone check of the kept fold ensembles (verify only, so the same with or without SHIFT; ~4 min).
# shellcheck disable=SC2046
node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts tone $(test_folds docs/experiments/signatures/input-size/folds) \
  --card models/signature-fast224x112-cedar --record cedar-writer-cv-tone > .runs/signature-input224-cv/i-tone-recorded.json
