#!/bin/bash
# Session 3: ORL seed ensemble members (same split seed 42 as the shipped model), then a data-scaling curve.
cd /work/main
REC="--input-size 46x56 --normalize unit --augment faces --val-fraction 0.3 --epochs 20 --steps-per-epoch 15 --max-minutes 5 --lr 1e-3 --lr-schedule cosine --select auc --backend wasm --json --backbone fast --widths 32,64,128,256 --embedding-dim 128 --loss triplet --mining batch-all --margin 0.2 --batch 64 --k 4"
run() { name=$1; shift; echo "=== $name $(date +%T) $*" >> .runs/s3/queue.log; node bin/siamese.js train --out .runs/s3/$name --name orl-$name --data ../shared/datasets/orl-faces $REC "$@" > .runs/s3/$name.log 2>&1; tail -1 .runs/s3/$name.log | cut -c1-600 >> .runs/s3/queue.log; }
for s in 1 2 3 4; do run ens-s$s --include s1..s30 --seed $s --split-seed 42; done
echo "=== ensemble members done $(date +%T)" >> .runs/s3/queue.log
