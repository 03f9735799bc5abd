#!/bin/bash
# Session 19: the ink-trunk experiment (RULE.md). Each run ~10 min on an idle 2-core machine (native backend).
#   bash docs/experiments/signatures/ink-trunk/train.sh T        # candidate on all 34 development writers
#   bash docs/experiments/signatures/ink-trunk/train.sh S        # control: same widths, no trunk
#   bash docs/experiments/signatures/ink-trunk/train.sh folds    # T's recipe on the 4 writer folds
#   bash docs/experiments/signatures/ink-trunk/train.sh fold K   # one fold
#   bash docs/experiments/signatures/ink-trunk/train.sh measure  # pooled held-out writers of the folds (cv.sh cv)
cd "$(dirname "$0")/../../../.."
cv=docs/experiments/signatures/cv.sh
trunk="--trunk-from models/omniglot-fast40-ensemble --trunk-member 0 --patience-from start"
export WIDTHS=64,64,64,64
case "${1:-}" in
  T) RUNS=.runs/signature-trunk EXTRA="$trunk" bash "$cv" final ;;
  S) RUNS=.runs/signature-wide EXTRA="--patience-from start" bash "$cv" final ;;
  folds) for k in 0 1 2 3; do RUNS=.runs/signature-trunk-cv EXTRA="$trunk" bash "$cv" fold "$k" || exit 1; done ;;
  fold) RUNS=.runs/signature-trunk-cv EXTRA="$trunk" bash "$cv" fold "$2" ;;
  measure) RUNS=.runs/signature-trunk-cv FOLD0=.runs/signature-trunk-cv/fold-0 bash "$cv" cv ;;
  *) echo "usage: train.sh T|S|folds|fold K|measure" >&2; exit 2 ;;
esac
