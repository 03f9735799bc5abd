#!/bin/bash
# Session 21: H (M0 + M1 + M2, RULE.md beside this file) as models/signature-fast160x80-cedar, then its measurements
# into the card (trunk-lib.sh's three_ship). Needs `train.sh select` and `train.sh final`; FAR comes from the selection sweep.
#   FAR=f bash docs/experiments/signatures/mirrored-writers/ship.sh   # after writing notes.txt and intended-use.json here
#   bash docs/experiments/signatures/mirrored-writers/ship.sh card    # only re-apply intendedUse and notes (texts edited)
cd "$(dirname "$0")/../../../.."
source docs/experiments/signatures/ship-lib.sh
source docs/experiments/signatures/trunk-lib.sh
three_ship signature-mirror docs/experiments/signatures/mirrored-writers "${1:-}"
