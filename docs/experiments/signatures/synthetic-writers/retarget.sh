#!/bin/bash
# Session 24: the shipped K's thresholds at validation target $FAR (RULE.md's "the served target from all 34
# writers"), weights untouched: recalibrate.sh, the validation-writer records, and, while the fold ensembles of
# folds 2–3 exist (`train.sh evaluate`), K's evaluation folds recorded in the card; then the 34-writer table.
#   FAR=0.015 bash docs/experiments/signatures/synthetic-writers/retarget.sh
cd "$(dirname "$0")/../../../.."
out=models/signature-fast160x80-cedar runs=.runs/signature-synth-cv
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
MODEL=$out FAR=${FAR:?FAR=the target RULE.md chose} bash docs/experiments/signatures/recalibrate.sh || exit 1
node -e 'const fs=require("fs");const [f,far]=process.argv.slice(1);const c=JSON.parse(fs.readFileSync(f));
  c.commands.calibrate=`FAR=${far} bash docs/experiments/signatures/synthetic-writers/retarget.sh (validation writers; the target from all 34 cross-validated writers, RULE.md there)`;
  fs.writeFileSync(f,JSON.stringify(c,null,2)+"\n")' "$out/model-card.json" "$FAR"
bash docs/experiments/signatures/synthetic-writers/ship.sh card || exit 1 # notes.txt and intended-use.json
$R eval "$out" @splits/cedar/validation-writers.txt --record cedar-validation-writers > /dev/null || exit 1
$R refs "$out" @splits/cedar/validation-writers.txt --record cedar-validation-writers-references > /dev/null || exit 1
if [ -f "$runs/fold-2/model.json" ] && [ -f "$runs/fold-3/model.json" ]; then
  folds=("$runs/fold-2=@splits/cedar/cv/fold-2-test-writers.txt" "$runs/fold-3=@splits/cedar/cv/fold-3-test-writers.txt")
  $R cv "${folds[@]}" --card "$out" --record cedar-writer-cv-evaluation > /dev/null || exit 1
  $R sweep 0.005,0.01,0.015,0.02 @splits/cedar/validation-writers.txt "${folds[@]}" --card "$out" \
    --record cedar-writer-cv-evaluation-target-far > /dev/null || exit 1
fi
python3 docs/experiments/signatures/pool-sweeps.py "$out" cedar-writer-cv-selection-target-far cedar-writer-cv-evaluation-target-far
