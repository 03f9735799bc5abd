#!/bin/bash
# Session 34: I (rule INPUT, RULE.md beside this file: T's recipe at a 224×112 input, three members trained on all 34
# writers by `train.sh final`) as models/signature-fast224x112-cedar, replacing T (models/signature-fast160x80-cedar),
# then its measurements into the card: thresholds at $FAR (session 8's rule over all 34 writers: the largest f in
# {0.5, 1, 1.5, 2} % whose pooled verify forgery FAR over the 34 cross-validated writers is ≤ 5 %, from
# `record.sh sweep`), the validation writers, and the four kept fold ensembles in folds/ (record.sh).
#   FAR=f bash docs/experiments/signatures/input-size/ship.sh
#   bash docs/experiments/signatures/input-size/ship.sh card    # only re-apply intendedUse and notes (texts edited)
cd "$(dirname "$0")/../../../.."
source docs/experiments/signatures/ship-lib.sh
source docs/experiments/signatures/trunk-lib.sh
input_place() { three_place "$1" signature-input224; }
SIGNATURE_NAME=signature-fast224x112-cedar ship_candidate docs/experiments/signatures/input-size/notes.txt \
  docs/experiments/signatures/input-size/folds docs/experiments/signatures/input-size/record.sh input_place "${1:-}"
