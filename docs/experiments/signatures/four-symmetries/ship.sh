#!/bin/bash
# Session 22: J (S0 + S1 + S2, RULE.md beside this file) as models/signature-fast160x80-cedar, then its measurements
# into the card: the selection folds 0–1 only (cedar-writer-cv-selection, and its target-FAR sweep), because folds
# 2–3 are read after the decision. Needs `train.sh select` and `train.sh final`; FAR comes from the selection sweep.
#   FAR=f bash docs/experiments/signatures/four-symmetries/ship.sh   # after writing notes.txt and intended-use.json here
#   bash docs/experiments/signatures/four-symmetries/ship.sh card    # only re-apply intendedUse and notes (texts edited)
cd "$(dirname "$0")/../../../.."
source docs/experiments/signatures/ship-lib.sh
place_ensemble() { # OUT: J's final members joined under the shipped name
  local tmp
  tmp=$(mktemp -d)
  npx siamese ensemble --model .runs/signature-sym-m0/all --model .runs/signature-sym-m1/all \
    --model .runs/signature-sym-m2/all --include @splits/cedar/cv/all-development.txt --forgeries forged \
    --genuine genuine --val-writers @splits/cedar/validation-writers.txt --name signature-fast160x80-cedar \
    --out "$tmp/j" --json > "$tmp/j.log" || { cat "$tmp/j.log"; return 1; }
  rm -rf "$1" && cp -r "$tmp/j" "$1" && rm -rf "$tmp"
}
FOLDS="0 1" CV_RECORD=cedar-writer-cv-selection ship_candidate docs/experiments/signatures/four-symmetries/notes.txt \
  .runs/signature-sym-cv docs/experiments/signatures/four-symmetries/card-cv.sh place_ensemble "${1:-}"
