#!/bin/bash
# Session 20: three ink-trunk members from three Omniglot trunks (RULE.md beside this file). ~5–8 min per run on
# an idle 2-core machine (native backend).
#   bash docs/experiments/signatures/trunk-ensemble/train.sh final     # U1, U2 on all 34 writers, then E with T
#   bash docs/experiments/signatures/trunk-ensemble/train.sh folds     # U1, U2 for folds 0–3, then each fold's E
#   bash docs/experiments/signatures/trunk-ensemble/train.sh measure   # fold ensembles on their held-out writers
#   (T and its fold models are session 19's: ink-trunk/train.sh T and folds)
cd "$(dirname "$0")/../../../.."
cv=docs/experiments/signatures/cv.sh
source docs/experiments/signatures/trunk-lib.sh
member() { trunk_member ".runs/signature-trunk-m$1" "$1" "$2" "" "${@:3}"; } # MEMBER SEED then cv.sh's arguments
t=${T:-.runs/signature-trunk}   # session 19's T run (the shipped model before its recalibration)
case "${1:-}" in
  final)
    [ -f .runs/signature-trunk-m1/all/model.json ] || member 1 103 final || exit 1
    [ -f .runs/signature-trunk-m2/all/model.json ] || member 2 104 final || exit 1
    join_members .runs/signature-trunk-ens splits/cedar/cv/all-development.txt "$t/all" \
      .runs/signature-trunk-m1/all .runs/signature-trunk-m2/all ;;
  folds)
    for k in 0 1 2 3; do
      [ -f ".runs/signature-trunk-m1/fold-$k/model.json" ] || member 1 103 fold "$k" || exit 1
      [ -f ".runs/signature-trunk-m2/fold-$k/model.json" ] || member 2 104 fold "$k" || exit 1
      join_members ".runs/signature-trunk-ens-cv/fold-$k" "splits/cedar/cv/fold-$k-development.txt" \
        ".runs/signature-trunk-cv/fold-$k" ".runs/signature-trunk-m1/fold-$k" ".runs/signature-trunk-m2/fold-$k" || exit 1
    done ;;
  measure) RUNS=.runs/signature-trunk-ens-cv FOLD0=.runs/signature-trunk-ens-cv/fold-0 bash "$cv" cv ;;
  *) echo "usage: train.sh final|folds|measure" >&2; exit 2 ;;
esac
