#!/bin/bash
# Session 21: E's three members with mirrored writers (--mirror-classes), decided on folds 0–1's 17 held-out
# writers (RULE.md beside this file). ~5–9 min per run on an idle 2-core machine (native backend).
#   bash docs/experiments/signatures/mirrored-writers/train.sh select    # M0–M2 on folds 0–1, H per fold, H's selection EER
#   bash docs/experiments/signatures/mirrored-writers/train.sh final     # M0–M2 on all 34 writers, then H (if H ships)
#   bash docs/experiments/signatures/mirrored-writers/train.sh evaluate  # M0–M2 on folds 2–3, H on the evaluation writers
#   CARD=DIR bash docs/experiments/signatures/mirrored-writers/train.sh measure  # H's selection folds into DIR's card (ship.sh)
cd "$(dirname "$0")/../../../.."
source docs/experiments/signatures/trunk-lib.sh
three_main signature-mirror "--mirror-classes" "${1:-}" # runs .runs/signature-mirror-m{0,1,2}, .runs/signature-mirror-cv
