#!/bin/bash
# Session 21: five ink-trunk members from Omniglot trunks 0–4, decided on folds 0–1's 17 held-out writers
# (RULE.md beside this file). ~5–9 min per run on a 2-core machine (native backend).
#   bash docs/experiments/signatures/five-trunks/train.sh select    # U3, U4 on folds 0–1, G per fold, G's selection EER
#   bash docs/experiments/signatures/five-trunks/train.sh final     # U3, U4 on all 34 writers, then G (if G ships)
#   bash docs/experiments/signatures/five-trunks/train.sh evaluate  # U3, U4 on folds 2–3, G on the evaluation writers
#   (T, U1, U2 and their fold models are sessions 19–20's: ink-trunk/train.sh, trunk-ensemble/train.sh)
cd "$(dirname "$0")/../../../.."
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
source docs/experiments/signatures/trunk-lib.sh
member() { trunk_member ".runs/signature-trunk-m$1" "$1" "$2" "" "${@:3}"; } # MEMBER SEED then cv.sh's arguments
folds() { # K… : U3 and U4 for each fold, then the fold's five-member G
  local k
  for k in "$@"; do
    [ -f ".runs/signature-trunk-m3/fold-$k/model.json" ] || member 3 105 fold "$k" || return 1
    [ -f ".runs/signature-trunk-m4/fold-$k/model.json" ] || member 4 106 fold "$k" || return 1
    join_members ".runs/signature-five-cv/fold-$k" "splits/cedar/cv/fold-$k-development.txt" ".runs/signature-trunk-cv/fold-$k" \
      ".runs/signature-trunk-m1/fold-$k" ".runs/signature-trunk-m2/fold-$k" \
      ".runs/signature-trunk-m3/fold-$k" ".runs/signature-trunk-m4/fold-$k" || return 1
  done
}
measure() { # NAME K… : G's fold models pooled over those folds' held-out writers
  local name=$1 args=() k; shift
  for k in "$@"; do args+=(".runs/signature-five-cv/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"); done
  $R cv "${args[@]}" > ".runs/signature-five-cv/$name.json"
  $R sweep 0.005,0.01,0.015,0.02 @splits/cedar/validation-writers.txt "${args[@]}" > ".runs/signature-five-cv/$name-sweep.json"
}
mkdir -p .runs/signature-five-cv
case "${1:-}" in
  select) folds 0 1 && measure selection 0 1 ;;
  final)
    [ -f .runs/signature-trunk-m3/all/model.json ] || member 3 105 final || exit 1
    [ -f .runs/signature-trunk-m4/all/model.json ] || member 4 106 final || exit 1
    join_members .runs/signature-five splits/cedar/cv/all-development.txt .runs/signature-trunk/all .runs/signature-trunk-m1/all \
      .runs/signature-trunk-m2/all .runs/signature-trunk-m3/all .runs/signature-trunk-m4/all ;;
  evaluate) folds 2 3 && measure evaluation 2 3 ;;
  *) echo "usage: train.sh select|final|evaluate" >&2; exit 2 ;;
esac
