#!/bin/bash
# SCANS (RULE.md beside this file, session 40): H and I, as served, on every pair of the 34 cross-validated writers
# rendered as simulated full-resolution scans, and on the 220×155 copy, paired.
#   bash docs/experiments/signatures/scans/run.sh     # ~15 min to render (2 GB in .runs/cedar-scans), ~10 to score
# Needs H's served fold ensembles (../height/measure-served.sh) and I's at β = ½ (SHIFT=0.5 ../input-size/record.sh folds).
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/scans scans=.runs/cedar-scans
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
h=.runs/signature-input224x144-steps-cv/served-far0.005 i=.runs/signature-input224-cv/shift-0.5
folds_of() { local k; for k in 0 1 2 3; do echo "$1/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"; done; }
for k in 0 1 2 3; do
  [ -f "$h/fold-$k/done" ] || { echo "H's served fold $k is missing: run ../height/measure-served.sh" >&2; exit 1; }
  [ -f "$i/fold-$k/model.json" ] || SHIFT=0.5 bash docs/experiments/signatures/input-size/record.sh folds || exit 1
done
if [ ! -d "$scans" ]; then
  # shellcheck disable=SC2046
  node test/retraining/fixtures/ts-run.js $here/scan-copy.ts "$scans" $(for k in 0 1 2 3; do echo "@splits/cedar/cv/fold-$k-test-writers.txt"; done) || exit 1
fi
score() { # NAME MODELS [DATASET]
  [ -s "$here/$1-scores.json.gz" ] && return 0 # resumable: a name is scored once
  # shellcheck disable=SC2046
  $R cv $(folds_of "$2") ${3:+--dataset "$3"} --scores "$here/$1-scores.json.gz.tmp" > "$here/$1.json" &&
    mv "$here/$1-scores.json.gz.tmp" "$here/$1-scores.json.gz"
}
score h-scans "$h" "$scans" && score i-scans "$i" "$scans" && score h "$h" && score i "$i" || exit 1
pair() { $R paired "$here/$1-scores.json.gz" "$here/$2-scores.json.gz" > "$here/$3.json" || exit 1; }
$R paired docs/experiments/signatures/height/hs-served-scores.json.gz "$here/h-scores.json.gz" > "$here/h-rescored-check.json" || exit 1
pair i-scans h-scans h-vs-i-scans
pair i h h-vs-i
pair h h-scans h-scans-cost
pair i i-scans i-scans-cost
node test/retraining/fixtures/ts-run.js $here/contrast.ts "$here"/{h,h-scans,i,i-scans}-scores.json.gz > "$here/contrast.json" || exit 1
echo "SCANS measured: $here/{h-vs-i-scans,h-vs-i,h-scans-cost,i-scans-cost,contrast}.json"
