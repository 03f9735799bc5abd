#!/bin/bash
# Session 36: rule HEIGHT-STEPS, step 2 (RULE-steps.md beside this file; HEIGHT's rule 2 with HS0's flags). Resumes
# from the kept fold members, trains what is missing one run at a time (about 20 minutes each on an idle 2-core
# machine), joins each fold's three (`train-steps.sh ensemble`: CENTROID pooled, paired with T, tone check), then
# serves each fold ensemble as I is served (2 % FAR on the validation writers, SPREAD β = ½; ../recalibrate.sh) and
# pairs it with I's served fold ensembles (rule VIEWS' BASE, rebuilt from ../input-size/folds when missing).
# Outputs in .runs/signature-input224x144-steps-cv/: hs.json, hs-vs-t.json, hs-tone.json (CENTROID),
# hs-spread.json(.gz), hs-vs-i.json (the decision, 95 %), hs-sweep.json (the targets, for shipping).
#   bash docs/experiments/signatures/height/decide-steps.sh
cd "$(dirname "$0")/../../../.." || exit 1
set -e
steps=docs/experiments/signatures/height/train-steps.sh
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
out=.runs/signature-input224x144-steps-cv base=.runs/views/base.json.gz
npm run build --silent # recalibrate.sh runs the compiled CLI
bash $steps restore
bash $steps members
bash $steps keep
bash $steps ensemble
served=() base_folds=()
for k in 0 1 2 3; do
  d=$out/spread/fold-$k
  if [ ! -f "$d/done" ]; then
    rm -rf "$d" && mkdir -p "$out/spread" && cp -r "$out/fold-$k" "$d"
    MODEL=$d FAR=0.02 SHIFT=0.5 INCLUDE=@splits/cedar/cv/fold-$k-development.txt \
      bash docs/experiments/signatures/recalibrate.sh > /dev/null
    touch "$d/done"
  fi
  served+=("$d=@splits/cedar/cv/fold-$k-test-writers.txt")
  base_folds+=(".runs/signature-input224-cv/shift-0.5/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt")
done
if [ ! -f $base ]; then
  SHIFT=0.5 bash docs/experiments/signatures/input-size/record.sh folds
  mkdir -p .runs/views && $R cv "${base_folds[@]}" --scores $base > .runs/views/base.json
fi
$R cv "${served[@]}" --scores $out/hs-spread.json.gz > $out/hs-spread.json
$R paired $base $out/hs-spread.json.gz > $out/hs-vs-i.json
$R sweep 0.005,0.01,0.015,0.02 @splits/cedar/validation-writers.txt "${served[@]}" > $out/hs-sweep.json
echo "$(date -u +%T) decided: $out/hs-vs-i.json"
