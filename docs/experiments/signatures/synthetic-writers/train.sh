#!/bin/bash
# Session 23: J's three members with 100 drawn writers added to each fold's training (--synthetic-writers 100),
# decided on folds 0–1's 17 held-out writers (RULE.md beside this file).
#   bash docs/experiments/signatures/synthetic-writers/train.sh select    # Y0–Y2 on folds 0–1, K per fold, K's selection EER
#   bash docs/experiments/signatures/synthetic-writers/train.sh final     # Y0–Y2 on all 34 writers, then K (if K ships)
#   bash docs/experiments/signatures/synthetic-writers/train.sh evaluate  # Y0–Y2 on folds 2–3, K on the evaluation writers
cd "$(dirname "$0")/../../../.."
source docs/experiments/signatures/trunk-lib.sh
three_main signature-synth "--mirror-classes --rotate-classes --synthetic-writers 100" "${1:-}" # .runs/signature-synth-m{0,1,2}, .runs/signature-synth-cv
