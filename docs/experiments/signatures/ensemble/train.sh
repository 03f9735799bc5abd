#!/bin/bash
# Seeds 103 and 104 of the shipped signature recipe (RULE.md beside this file). ~10 min per run, idle, native.
#   bash docs/experiments/signatures/ensemble/train.sh final   # the two extra seeds on all 34 writers, then the ensemble
#   bash docs/experiments/signatures/ensemble/train.sh folds   # the two extra seeds for folds 0–3, then the fold ensembles
#     (the seed-102 fold models are session 8's: `cv.sh folds`, `train-d.sh 102` and `cv.sh cv`, which writes fold-0-cal)
cd "$(dirname "$0")/../../../.."
cv=docs/experiments/signatures/cv.sh
base=${BASE:-.runs/signature-cv}
ensemble() { # OUT INCLUDE MEMBER…
  local out=$1 include=$2; shift 2
  local args=(); for m in "$@"; do args+=(--model "$m"); done
  rm -rf "$out"
  npx siamese ensemble "${args[@]}" --include "@$include" --out "$out" --json > "$out.log" 2>&1
}
case "${1:-}" in
  final)
    for s in 103 104; do [ -f ".runs/signature-s$s/all/model.json" ] || RUNS=.runs/signature-s$s SEED=$s bash $cv final || exit 1; done
    ensemble .runs/signature-ens3 splits/cedar/cv/all-development.txt models/signature-fast160x80-cedar \
      .runs/signature-s103/all .runs/signature-s104/all ;;
  folds)
    for k in 0 1 2 3; do
      for s in 103 104; do
        [ -f ".runs/signature-s$s/fold-$k/model.json" ] && continue
        RUNS=.runs/signature-s$s SEED=$s bash $cv fold "$k" || exit 1
      done
      first="$base/fold-$k"; [ "$k" = 0 ] && first=${FOLD0:-$base/fold-0-cal}
      ensemble ".runs/signature-ens3-fold-$k" "splits/cedar/cv/fold-$k-development.txt" "$first" \
        ".runs/signature-s103/fold-$k" ".runs/signature-s104/fold-$k" || exit 1
    done ;;
  *) echo "usage: train.sh final|folds" >&2; exit 2 ;;
esac
