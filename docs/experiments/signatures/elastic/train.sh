#!/bin/bash
# Session 31: T's recipe plus elastic augmentation (`--augment signatures-elastic`), decided on all 34
# cross-validated writers by RULE.md beside this file.
#   bash docs/experiments/signatures/elastic/train.sh screen    # E0 (member 0) on folds 0–3, two runs at a time
#   bash docs/experiments/signatures/elastic/train.sh measure   # E0 pooled over the 34 writers (+ pairs), paired with T0
#   bash docs/experiments/signatures/elastic/train.sh ensemble  # E1, E2 on folds 0–3, E per fold, pooled, paired with T
cd "$(dirname "$0")/../../../.."
source docs/experiments/signatures/trunk-lib.sh
FLAGS="--mirror-classes --rotate-classes --synthetic-writers 100 --ink-tone equalize --augment signatures-elastic"
HERE=docs/experiments/signatures/elastic
OUT=.runs/signature-elastic-cv
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
folds() { local k; for k in 0 1 2 3; do echo "$1/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"; done; }
member_folds() { # MEMBER FOLD… (skips what exists)
  local m=$1 k
  shift
  for k in "$@"; do
    [ -f ".runs/signature-elastic-m$m/fold-$k/model.json" ] || three_member signature-elastic "$FLAGS" "$m" fold "$k" || return 1
  done
}
mkdir -p "$OUT"
case "${1:-}" in
  screen) member_folds 0 0 2 & member_folds 0 1 3 & wait ;;
  measure)
    # shellcheck disable=SC2046
    $R cv $(folds .runs/signature-elastic-m0) --scores "$OUT/e0-scores.json.gz" > "$OUT/e0.json" &&
      $R paired "$HERE/t0-cv34-scores.json.gz" "$OUT/e0-scores.json.gz" > "$OUT/e0-vs-t0.json" ;;
  ensemble)
    (member_folds 1 0 1 2 3) & (member_folds 2 0 1 2 3) & wait
    for k in 0 1 2 3; do
      join_members "$OUT/fold-$k" "splits/cedar/cv/fold-$k-development.txt" \
        ".runs/signature-elastic-m0/fold-$k" ".runs/signature-elastic-m1/fold-$k" ".runs/signature-elastic-m2/fold-$k" || exit 1
    done
    # shellcheck disable=SC2046
    $R cv $(folds "$OUT") --scores "$OUT/e-scores.json.gz" > "$OUT/e.json" &&
      $R paired docs/experiments/signatures/ink-tone/t-cv34-scores.json.gz "$OUT/e-scores.json.gz" > "$OUT/e-vs-t.json" &&
      $R tone $(folds "$OUT") > "$OUT/e-tone.json" ;;
  *) echo "usage: train.sh screen|measure|ensemble" >&2; exit 2 ;;
esac
