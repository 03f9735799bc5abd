#!/bin/bash
# Session 22: J (S0 + S1 + S2, RULE.md beside this file) as models/signature-fast160x80-cedar, then its measurements
# into the card: the selection folds 0–1 only (cedar-writer-cv-selection, and its target-FAR sweep), because folds
# 2–3 are read after the decision. Needs `train.sh select` and `train.sh final`; FAR comes from the selection sweep.
#   FAR=f bash docs/experiments/signatures/four-symmetries/ship.sh   # after writing notes.txt and intended-use.json here
#   bash docs/experiments/signatures/four-symmetries/ship.sh card    # only re-apply intendedUse and notes (texts edited)
cd "$(dirname "$0")/../../../.."
source docs/experiments/signatures/ship-lib.sh
source docs/experiments/signatures/trunk-lib.sh
place_ensemble() { three_place "$1" signature-sym; } # OUT: the final members joined under the shipped name
FOLDS="0 1" CV_RECORD=cedar-writer-cv-selection ship_candidate docs/experiments/signatures/four-symmetries/notes.txt \
  .runs/signature-sym-cv docs/experiments/signatures/four-symmetries/train.sh place_ensemble "${1:-}"
