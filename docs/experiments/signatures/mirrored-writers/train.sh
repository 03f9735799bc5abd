#!/bin/bash
# Session 21: E's three members with mirrored writers (--mirror-classes), decided on folds 0–1's 17 held-out
# writers (RULE.md beside this file). ~5–9 min per run on an idle 2-core machine (native backend).
#   bash docs/experiments/signatures/mirrored-writers/train.sh select    # M0–M2 on folds 0–1, H per fold, H's selection EER
#   bash docs/experiments/signatures/mirrored-writers/train.sh final     # M0–M2 on all 34 writers, then H (if H ships)
#   bash docs/experiments/signatures/mirrored-writers/train.sh evaluate  # M0–M2 on folds 2–3, H on the evaluation writers
#   CARD=DIR bash docs/experiments/signatures/mirrored-writers/train.sh measure  # H's selection folds into DIR's card (ship.sh)
cd "$(dirname "$0")/../../../.."
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
source docs/experiments/signatures/trunk-lib.sh
member() { trunk_member ".runs/signature-mirror-m$1" "$1" $((102 + $1)) --mirror-classes "${@:2}"; } # MEMBER (seed 102 + MEMBER, E's seeds) then cv.sh's arguments
folds() { # K… : M0–M2 for each fold (member by member, so M0 against T is readable first), then each fold's H
  local k m
  for m in 0 1 2; do
    for k in "$@"; do
      [ -f ".runs/signature-mirror-m$m/fold-$k/model.json" ] || member "$m" fold "$k" || return 1
    done
  done
  for k in "$@"; do
    join_members ".runs/signature-mirror-cv/fold-$k" "splits/cedar/cv/fold-$k-development.txt" \
      ".runs/signature-mirror-m0/fold-$k" ".runs/signature-mirror-m1/fold-$k" ".runs/signature-mirror-m2/fold-$k" || return 1
  done
}
measure() { # NAME K… : H's fold models (and M0's) pooled over those folds' held-out writers
  local name=$1 h=() m0=() k; shift
  for k in "$@"; do
    h+=(".runs/signature-mirror-cv/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt")
    m0+=(".runs/signature-mirror-m0/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt")
  done
  $R cv "${h[@]}" > ".runs/signature-mirror-cv/$name.json" &&
    $R cv "${m0[@]}" > ".runs/signature-mirror-cv/$name-m0.json" &&
    $R sweep 0.005,0.01,0.015,0.02 @splits/cedar/validation-writers.txt "${h[@]}" > ".runs/signature-mirror-cv/$name-sweep.json"
}
mkdir -p .runs/signature-mirror-cv
case "${1:-}" in
  select) folds 0 1 && measure selection 0 1 ;;
  final)
    for m in 0 1 2; do [ -f ".runs/signature-mirror-m$m/all/model.json" ] || member "$m" final || exit 1; done
    join_members .runs/signature-mirror splits/cedar/cv/all-development.txt \
      .runs/signature-mirror-m0/all .runs/signature-mirror-m1/all .runs/signature-mirror-m2/all ;;
  evaluate) folds 2 3 && measure evaluation 2 3 ;;
  measure)
    $R cv .runs/signature-mirror-cv/fold-0=@splits/cedar/cv/fold-0-test-writers.txt \
      .runs/signature-mirror-cv/fold-1=@splits/cedar/cv/fold-1-test-writers.txt \
      ${CARD:+--card "$CARD" --record "${CV_RECORD:-cedar-writer-cv-selection}"} > .runs/signature-mirror-cv/selection.json ;;
  *) echo "usage: train.sh select|final|evaluate|measure" >&2; exit 2 ;;
esac
