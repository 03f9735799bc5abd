#!/bin/bash
# Session 3: ORL data-scaling curve. The shipped recipe trained on the first n subjects (s1..sn, 30 % of them
# held out for checkpoint choice as always), evaluated on s31–s40. Evaluation data is only measured here.
cd /work/main
REC="--input-size 46x56 --normalize unit --augment faces --val-fraction 0.3 --epochs 20 --steps-per-epoch 15 --max-minutes 10 --lr 1e-3 --lr-schedule cosine --select auc --backend wasm --json --backbone fast --widths 32,64,128,256 --embedding-dim 128 --loss triplet --mining batch-all --margin 0.2 --batch 64 --k 4"
for n in 10 15 20 25; do for s in 1 2; do
  name=scale-n$n-s$s
  echo "=== $name $(date +%T)" >> .runs/s3/scaling.log
  node bin/siamese.js train --out .runs/s3/$name --name orl-$name --data ../shared/datasets/orl-faces --include s1..s$n --seed $s $REC > .runs/s3/$name.log 2>&1
  node bin/siamese.js eval --model .runs/s3/$name --data ../shared/datasets/orl-faces --include s31..s40 --bootstrap 0 --json > .runs/s3/$name.test.json 2>/dev/null
  echo "n=$n seed=$s $(cut -c1-400 .runs/s3/$name.test.json)" >> .runs/s3/scaling.log
done; done
echo "=== done $(date +%T)" >> .runs/s3/scaling.log
# The n = 30 points are the four seed-ensemble members of orl-ens.sh (same recipe, 21 training subjects):
#   for s in 1 2 3 4; do node bin/siamese.js eval --model .runs/s3/ens-s$s --data ../shared/datasets/orl-faces \
#     --include s31..s40 --bootstrap 0 --json > .runs/s3/n30-s$s.test.json; ln -sfn ens-s$s .runs/s3/n30-s$s; done
#   (since issue 12: node scripts/plot-scaling.js docs/orl-scaling.svg docs/experiments/faces/scaling-points.json …, points recorded there)
