#!/bin/bash
# Signature model run A: 160x80 ink crop, contrastive with forgery negatives, 36-minute cap.
cd /work/main
exec node test/retraining/fixtures/ts-run.js src/cli/main.ts train --data ../shared/datasets/cedar-signatures --include @splits/cedar/development.txt --forgeries forged --val-writers @splits/cedar/validation-writers.txt --crop ink --fit contain --normalize invert-unit --input-size 160x80 --augment signatures --loss contrastive --margin 1 --batch 32 --epochs 30 --steps-per-epoch 40 --max-minutes 36 --lr 1e-3 --lr-schedule cosine --ema 0.98 --select eer --threshold-rule atTargetFar --target-far 0.02 --seed 42 --backbone fast --widths 32,64,128,256 --embedding-dim 128 --name signature-fast160x80-cedar --out scratch/signature/runs/a --json
