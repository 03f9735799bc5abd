#!/bin/bash
# Session 8: writer cross-validation of the shipped signature recipe (train-d.sh's flags), and the final
# model trained on all 34 non-validation writers (issue 17). Folds: scripts/cedar-split.js (splits/cedar/cv/).
#   bash docs/experiments/signatures/cv.sh folds   # trains folds 1–3 (fold 0 is `train-d.sh 102`: scratch/s7/runs/r2)
#   bash docs/experiments/signatures/cv.sh fold K  # trains fold K alone (RUNS=… SEED=… for other seeds)
#   bash docs/experiments/signatures/cv.sh final   # trains on cv/all-development.txt
#   bash docs/experiments/signatures/cv.sh measure # each fold model on its own held-out writers
#   bash docs/experiments/signatures/cv.sh cv      # pooled over the 34 writers (verify and R references)
# Folds 0 (the shipped r2 run of session 7) and 1 were trained before cards carried verifyIdentity's
# thresholds: `cv` first gives measurement copies (RUNS/fold-K-cal) the thresholds that `siamese ensemble` of
# the model with itself calibrates on the same validation writers (its distances are the model's own).
# Each run: ~11 min on an idle 2-core machine with the native backend (early stopping, patience 12 counted from the
# best epoch: --patience-from start pins the behaviour the shipped runs had before the auto recipe's half-anneal default).
cd "$(dirname "$0")/../../.."
runs=${RUNS:-.runs/signature-cv}
seed=${SEED:-102}
widths=${WIDTHS:-32,64,128,256}   # session 19: WIDTHS=64,64,64,64 EXTRA="--trunk-from …" for the ink-trunk runs
read -r -a extra <<< "${EXTRA:-}"
mkdir -p "$runs"
train() { # NAME INCLUDE_FILE
  npx siamese train --data ../shared/datasets/cedar-signatures --include "@$2" \
    --forgeries forged --val-writers @splits/cedar/validation-writers.txt --crop ink --fit contain \
    --normalize invert-unit --input-size 160x80 --augment signatures --loss contrastive --margin 1 --batch 32 \
    --epochs 200 --steps-per-epoch 40 --max-minutes 18 --lr 1e-3 --lr-schedule cosine --ema 0.98 --select eer \
    --threshold-rule atTargetFar --target-far 0.02 --seed "$seed" --backbone fast --widths "$widths" "${extra[@]}" \
    --embedding-dim 128 --name "signature-$1" --out "$runs/$1" --backend native --json --quiet --patience 12 --patience-from start \
    > "$runs/$1.log" 2>&1
}
case "${1:-}" in
  folds) for k in 1 2 3; do train "fold-$k" "splits/cedar/cv/fold-$k-development.txt" || exit 1; done ;;
  fold) train "fold-$2" "splits/cedar/cv/fold-$2-development.txt" ;;  # one fold, any K in 0–3 (fold 0 = train-d.sh's flags)
  final) train all splits/cedar/cv/all-development.txt ;;
  measure)
    for k in 0 1 2 3; do
      model="$runs/fold-$k"; [ "$k" = 0 ] && model=${FOLD0:-scratch/s7/runs/r2}
      node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts eval "$model" \
        "@splits/cedar/cv/fold-$k-test-writers.txt" > "$runs/measure-fold-$k.json" || exit 1
    done ;;
  cv)
    args=()
    for k in 0 1 2 3; do
      model="$runs/fold-$k"; [ "$k" = 0 ] && model=${FOLD0:-scratch/s7/runs/r2}
      include="splits/cedar/cv/fold-$k-development.txt"
      if ! grep -q '"references"' "$model/model-card.json"; then
        rm -rf "$runs/self-$k" "$runs/fold-$k-cal"
        npx siamese ensemble --model "$model" --model "$model" --include "@$include" --forgeries forged --genuine genuine \
          --val-writers @splits/cedar/validation-writers.txt --out "$runs/self-$k" --json > "$runs/self-$k.log" || exit 1
        cp -r "$model" "$runs/fold-$k-cal"
        node -e 'const fs=require("fs");const [dst,ens]=process.argv.slice(1);const c=JSON.parse(fs.readFileSync(dst));
          c.thresholds.references=JSON.parse(fs.readFileSync(ens)).thresholds.references;fs.writeFileSync(dst,JSON.stringify(c,null,2))' \
          "$runs/fold-$k-cal/model-card.json" "$runs/self-$k/model-card.json"
        model="$runs/fold-$k-cal"
      fi
      args+=("$model=@splits/cedar/cv/fold-$k-test-writers.txt")
    done
    node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts cv "${args[@]}" \
      ${CARD:+--card "$CARD" --record cedar-writer-cv} > "$runs/cv.json" ;;
  *) echo "usage: cv.sh folds|fold K|final|measure|cv" >&2; exit 2 ;;
esac
