#!/bin/bash
# Session 3: ORL ablations on s1–s30 by 3-fold CV (folds = every 3rd subject): embedding size and metric.
# Recipe = session 2's "t" (triplet batch-all, faces aug, flip averaging, 20 × 15 steps, cosine lr).
cd /work/main
while pgrep -f orl-scaling.sh > /dev/null; do sleep 10; done
B="--data ../shared/datasets/orl-faces --include s1..s30 --input-size 46x56 --normalize unit --lr-schedule cosine --seed 42 --backend wasm --json --backbone fast --steps-per-epoch 15 --epochs 20 --max-minutes 10 --select last --widths 32,64,128,256 --lr 1e-3 --flip-average --augment faces --loss triplet --mining batch-all --margin 0.2 --batch 64 --k 4"
run() { name=$1; shift; for f in 1 2 3; do
  echo "=== $name-f$f $(date +%T) $*" >> .runs/s3/abl/results.log
  node bin/siamese.js train --out .runs/s3/abl/m-$name-f$f $B --val-fold $f/3 "$@" > .runs/s3/abl/$name-f$f.log 2> .runs/s3/abl/$name-f$f.err
  tail -1 .runs/s3/abl/$name-f$f.log | cut -c1-400 >> .runs/s3/abl/results.log
done; }
for d in 128 32 64 256; do run d$d --embedding-dim $d; done
run cos128 --embedding-dim 128 --metric cosine
echo "=== done $(date +%T)" >> .runs/s3/abl/results.log
