#!/bin/bash
# Session 20: F (RULE.md beside this file) as models/signature-fast160x80-cedar, then its measurements into the card.
# Needs `train.sh F` and `train.sh folds` (FAR comes from the folds' sweep, session 8's rule).
#   FAR=f bash docs/experiments/signatures/lp-ft/ship.sh   # after writing notes.txt beside this file (the card's notes)
#   bash docs/experiments/signatures/lp-ft/ship.sh card    # only re-apply intendedUse and notes (texts edited)
cd "$(dirname "$0")/../../../.."
source docs/experiments/signatures/ship-lib.sh
place_run() { rm -rf "$1" && cp -r .runs/signature-lpft/all "$1"; } # OUT: F's run, renamed by the card text
ship_candidate docs/experiments/signatures/lp-ft/notes.txt .runs/signature-lpft-cv docs/experiments/signatures/lp-ft/train.sh \
  place_run "${1:-}"
