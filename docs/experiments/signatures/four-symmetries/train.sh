#!/bin/bash
# Session 22: H's three members with each training writer's four symmetries as writers (--rotate-classes adds the
# half turn, --mirror-classes the mirrors), decided on folds 0–1's 17 held-out writers (RULE.md beside this file).
#   bash docs/experiments/signatures/four-symmetries/train.sh select    # S0–S2 on folds 0–1, J per fold, J's selection EER
#   bash docs/experiments/signatures/four-symmetries/train.sh final     # S0–S2 on all 34 writers, then J (if J ships)
#   bash docs/experiments/signatures/four-symmetries/train.sh evaluate  # S0–S2 on folds 2–3, J on the evaluation writers
cd "$(dirname "$0")/../../../.."
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
source docs/experiments/signatures/trunk-lib.sh
member() { trunk_member ".runs/signature-sym-m$1" "$1" $((102 + $1)) "--mirror-classes --rotate-classes" "${@:2}"; } # MEMBER then cv.sh's arguments
folds() { # K… : S0–S2 for each fold, member by member, then each fold's J
  local k m
  for m in 0 1 2; do
    for k in "$@"; do
      [ -f ".runs/signature-sym-m$m/fold-$k/model.json" ] || member "$m" fold "$k" || return 1
    done
  done
  for k in "$@"; do
    join_members ".runs/signature-sym-cv/fold-$k" "splits/cedar/cv/fold-$k-development.txt" \
      ".runs/signature-sym-m0/fold-$k" ".runs/signature-sym-m1/fold-$k" ".runs/signature-sym-m2/fold-$k" || return 1
  done
}
measure() { # NAME K… : J's fold models (and S0's) pooled over those folds' held-out writers
  local name=$1 j=() s0=() k; shift
  for k in "$@"; do
    j+=(".runs/signature-sym-cv/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt")
    s0+=(".runs/signature-sym-m0/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt")
  done
  $R cv "${j[@]}" > ".runs/signature-sym-cv/$name.json" &&
    $R cv "${s0[@]}" > ".runs/signature-sym-cv/$name-m0.json" &&
    $R sweep 0.005,0.01,0.015,0.02 @splits/cedar/validation-writers.txt "${j[@]}" > ".runs/signature-sym-cv/$name-sweep.json"
}
mkdir -p .runs/signature-sym-cv
case "${1:-}" in
  select) folds 0 1 && measure selection 0 1 ;;
  final)
    for m in 0 1 2; do [ -f ".runs/signature-sym-m$m/all/model.json" ] || member "$m" final || exit 1; done
    join_members .runs/signature-sym splits/cedar/cv/all-development.txt \
      .runs/signature-sym-m0/all .runs/signature-sym-m1/all .runs/signature-sym-m2/all ;;
  evaluate) folds 2 3 && measure evaluation 2 3 ;;
  *) echo "usage: train.sh select|final|evaluate" >&2; exit 2 ;;
esac
