#!/bin/bash
# Session 20: E (T + U1 + U2, RULE.md beside this file) as models/signature-fast160x80-cedar, then its measurements
# into the card. Needs `train.sh final` and `train.sh folds` (and the cross-validation sweep: FAR comes from it).
#   FAR=0.01 bash docs/experiments/signatures/trunk-ensemble/ship.sh
#   bash docs/experiments/signatures/trunk-ensemble/ship.sh card   # only re-apply intendedUse and notes (texts edited)
cd "$(dirname "$0")/../../../.."
source docs/experiments/signatures/ship-lib.sh
place_ensemble() { # OUT: the three members joined under the shipped name
  local tmp
  tmp=$(mktemp -d)
  npx siamese ensemble --model .runs/signature-trunk/all --model .runs/signature-trunk-m1/all --model .runs/signature-trunk-m2/all \
    --include @splits/cedar/cv/all-development.txt --forgeries forged --genuine genuine \
    --val-writers @splits/cedar/validation-writers.txt --name signature-fast160x80-cedar --out "$tmp/e" --json > "$tmp/e.log" ||
    { cat "$tmp/e.log"; return 1; }
  rm -rf "$1" && cp -r "$tmp/e" "$1" && rm -rf "$tmp"
}
ship_candidate docs/experiments/signatures/trunk-ensemble/notes.txt .runs/signature-trunk-ens-cv \
  docs/experiments/signatures/trunk-ensemble/train.sh place_ensemble "${1:-}"
