#!/bin/bash
# Session 36: rule HEIGHT-STEPS, step 2 (RULE-steps.md beside this file; HEIGHT's rule 2 with HS0's flags). Resumes
# from the kept fold members, trains what is missing one run at a time (about 20 minutes each on an idle 2-core
# machine), joins each fold's three (`train-steps.sh ensemble`: CENTROID pooled, paired with T, tone check), then
# serves each fold ensemble as I is served (2 % FAR on the validation writers, SPREAD β = ½; ../recalibrate.sh) and
# pairs it with I's served fold ensembles (rule VIEWS' BASE, rebuilt from ../input-size/folds when missing).
# Each fold's members are kept (`train-steps.sh keep`) as soon as they are trained: commit steps-runs/ (`git add -f` for
# the logs) before a session
# ends. Outputs in .runs/signature-input224x144-steps-cv/, copied beside RULE-steps.md at the end: hs.json, hs-vs-t.json,
# hs-tone.json (CENTROID), hs-spread.json (and .json.gz), hs-vs-i.json (95 %), hs-sweep.json (the targets, for shipping).
# The decision reads hs-vs-i.json and hs-tone.json. One copy runs at a time (a lock under .runs/).
#   bash docs/experiments/signatures/height/decide-steps.sh
cd "$(dirname "$0")/../../../.." || exit 1
set -e
steps=docs/experiments/signatures/height/train-steps.sh
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
out=.runs/signature-input224x144-steps-cv base=.runs/views/base.json.gz
mkdir -p .runs
exec 9> .runs/decide-steps.lock
flock -n 9 || { echo "decide-steps.sh is already running" >&2; exit 1; }
npm run build --silent # recalibrate.sh runs the compiled CLI
bash $steps restore
for k in 0 1 2 3; do
  bash $steps members $k
  bash $steps keep
done
bash $steps ensemble
served=() base_folds=()
for k in 0 1 2 3; do
  d=$out/spread/fold-$k
  if [ ! -f "$d/done" ]; then
    rm -rf "$d" && mkdir -p "$out/spread" && cp -r "$out/fold-$k" "$d"
    MODEL=$d FAR=0.02 SHIFT=0.5 INCLUDE=@splits/cedar/cv/fold-$k-development.txt \
      bash docs/experiments/signatures/recalibrate.sh > /dev/null
    # recalibrate.sh does not fail when its last card edit does: check that the card took the served rule
    node -e 'const t=require(require("path").resolve(process.argv[1])).thresholds;
      if (t.targetFar !== 0.02 || t.referenceShift !== 0.5) { console.error("not recalibrated: " + process.argv[1]); process.exit(1); }' \
      "$d/model-card.json"
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
cp $out/hs.json $out/hs-vs-t.json $out/hs-tone.json $out/hs-spread.json $out/hs-spread.json.gz $out/hs-vs-i.json \
  $out/hs-sweep.json docs/experiments/signatures/height/
echo "$(date -u +%T) the decision's inputs: $out/hs-vs-i.json and $out/hs-tone.json (copied beside RULE-steps.md)"
