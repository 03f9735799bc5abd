#!/bin/bash
# Session 20: LP-FT for the ink-trunk signature encoder (RULE.md beside this file): T's flags plus
# --freeze-trunk-epochs 3. ~5–8 min per run on an idle 2-core machine (native backend).
#   bash docs/experiments/signatures/lp-ft/train.sh F         # candidate on all 34 development writers
#   bash docs/experiments/signatures/lp-ft/train.sh folds     # F's recipe on the 4 writer folds
#   bash docs/experiments/signatures/lp-ft/train.sh fold K    # one fold
#   bash docs/experiments/signatures/lp-ft/train.sh measure   # pooled held-out writers of the folds (cv.sh cv)
cd "$(dirname "$0")/../../../.."
cv=docs/experiments/signatures/cv.sh
export WIDTHS=64,64,64,64
export EXTRA="--trunk-from models/omniglot-fast40-ensemble --trunk-member 0 --patience-from start --freeze-trunk-epochs 3"
case "${1:-}" in
  F) RUNS=.runs/signature-lpft bash "$cv" final ;;
  folds) for k in 0 1 2 3; do RUNS=.runs/signature-lpft-cv bash "$cv" fold "$k" || exit 1; done ;;
  fold) RUNS=.runs/signature-lpft-cv bash "$cv" fold "$2" ;;
  measure) RUNS=.runs/signature-lpft-cv FOLD0=.runs/signature-lpft-cv/fold-0 bash "$cv" cv ;;
  *) echo "usage: train.sh F|folds|fold K|measure" >&2; exit 2 ;;
esac
