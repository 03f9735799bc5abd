#!/bin/bash
# Session 22: H's three members with each training writer's four symmetries as writers (--rotate-classes adds the
# half turn, --mirror-classes the mirrors), decided on folds 0–1's 17 held-out writers (RULE.md beside this file).
#   bash docs/experiments/signatures/four-symmetries/train.sh select    # S0–S2 on folds 0–1, J per fold, J's selection EER
#   bash docs/experiments/signatures/four-symmetries/train.sh final     # S0–S2 on all 34 writers, then J (if J ships)
#   bash docs/experiments/signatures/four-symmetries/train.sh evaluate  # S0–S2 on folds 2–3, J on the evaluation writers
#   CARD=DIR bash docs/experiments/signatures/four-symmetries/train.sh measure  # J's selection folds into DIR's card (ship.sh)
cd "$(dirname "$0")/../../../.."
source docs/experiments/signatures/trunk-lib.sh
three_main signature-sym "--mirror-classes --rotate-classes" "${1:-}" # runs .runs/signature-sym-m{0,1,2}, .runs/signature-sym-cv
