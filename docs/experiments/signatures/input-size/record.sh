#!/bin/bash
# Session 34: what ship-lib.sh's calibrate_and_record asks of a recipe's `measure` (CARD and CV_RECORD set): I's four
# fold ensembles (kept in folds/ beside this file, session 33) pooled over the 34 cross-validated writers into CARD's
# card, and the target sweep that chooses $FAR for ship.sh. With SHIFT=β (verifyIdentity's rule SPREAD,
# ../backend/RULE-shift-i.md) the folds are first copied to .runs/signature-input224-cv/shift-β and recalibrated
# for it (../recalibrate.sh at FAR, default 0.02; 15 s each), and both steps read those.
#   CARD=models/signature-fast224x112-cedar [SHIFT=0.5] bash docs/experiments/signatures/input-size/record.sh measure
#   [SHIFT=0.5] bash docs/experiments/signatures/input-size/record.sh sweep   # .runs/signature-input224-cv/i-sweep.json
#   SHIFT=0.5 bash docs/experiments/signatures/input-size/record.sh folds     # only the recalibrated folds (for api.sh)
cd "$(dirname "$0")/../../../.."
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
kept=docs/experiments/signatures/input-size/folds out=.runs/signature-input224-cv
dir=$kept name=i
if [ -n "${SHIFT:-}" ]; then
  dir=$out/shift-$SHIFT name=i-shift-$SHIFT
  mkdir -p "$dir"
  for k in 0 1 2 3; do
    [ -f "$dir/fold-$k/model.json" ] && continue
    rm -rf "$dir/fold-$k" && cp -r "$kept/fold-$k" "$dir/" &&
      MODEL=$dir/fold-$k FAR=${FAR:-0.02} INCLUDE=@splits/cedar/cv/fold-$k-development.txt \
        bash docs/experiments/signatures/recalibrate.sh > /dev/null || exit 1
  done
fi
folds=()
for k in 0 1 2 3; do folds+=("$dir/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"); done
mkdir -p "$out"
case "${1:-}" in
  measure) $R cv "${folds[@]}" --card "${CARD:?}" --record "${CV_RECORD:-cedar-writer-cv}" > "$out/$name-recorded.json" ;;
  sweep) $R sweep 0.005,0.01,0.015,0.02 @splits/cedar/validation-writers.txt "${folds[@]}" > "$out/$name-sweep.json" ;;
  folds) [ -n "${SHIFT:-}" ] || { echo "folds needs SHIFT=β" >&2; exit 2; } ;;
  *) echo "usage: [SHIFT=β] record.sh measure|sweep|folds" >&2; exit 2 ;;
esac
