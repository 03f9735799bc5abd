#!/bin/bash
# Session 25: T (T0 + T1 + T2, RULE.md beside this file) as models/signature-fast160x80-cedar, if its rule ships it,
# then its measurements into the card: thresholds at $FAR (session 8's rule over all 34 writers: the largest f in
# {0.5, 1, 1.5, 2} % whose pooled verify forgery FAR over the 34 cross-validated writers is ≤ 5 %, from
# .runs/signature-tone-cv/t-sweep.json), the validation writers, and all four folds (record.sh).
# Needs `train.sh ensemble` and `train.sh final`, and notes.txt and intended-use.json written here.
#   FAR=f bash docs/experiments/signatures/ink-tone/ship.sh
#   bash docs/experiments/signatures/ink-tone/ship.sh card    # only re-apply intendedUse and notes (texts edited)
cd "$(dirname "$0")/../../../.."
source docs/experiments/signatures/ship-lib.sh
source docs/experiments/signatures/trunk-lib.sh
tone_place() { three_place "$1" signature-tone; }
ship_candidate docs/experiments/signatures/ink-tone/notes.txt .runs/signature-tone-cv docs/experiments/signatures/ink-tone/record.sh \
  tone_place "${1:-}"
