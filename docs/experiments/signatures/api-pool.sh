#!/bin/bash
# Session 24: api.sh's calls pooled over folds, each call scored at its fold ensemble's threshold for validation
# target TARGET (from the recipe's target-FAR sweep: selection-sweep.json for folds 0–1, evaluation-sweep.json for
# folds 2–3, which three_measure writes) instead of the threshold the fold model served.
#   RUNS=.runs/signature-synth-cv TARGET=0.015 FOLDS="2 3" bash docs/experiments/signatures/api-pool.sh
# prints the pooled verify (3 references each) and verifyIdentity (5 references) results as JSON, one per line.
cd "$(dirname "$0")/../../.."
runs=${RUNS:?RUNS=the fold ensembles api.sh measured} target=${TARGET:?TARGET=a validation FAR in the sweep}
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
threshold() { # FOLD R
  local sweep=$runs/selection-sweep.json
  [ "$1" -ge 2 ] && sweep=$runs/evaluation-sweep.json
  node -e 'const fs=require("fs"),path=require("path");const [file,k,r,t]=process.argv.slice(1);
    const row=JSON.parse(fs.readFileSync(file)).thresholds.find((x)=>Math.abs(x.targetFar-Number(t))<1e-9&&path.basename(x.model)===`fold-${k}`);
    if(!row){console.error(`no fold-${k} threshold at ${t} in ${file}`);process.exit(1)}console.log(row[`R${r}`])' "$sweep" "$1" "$2" "$target"
}
one=() five=()
for k in ${FOLDS:-0 1 2 3}; do
  one+=("$runs/api3-fold-$k.json=$(threshold "$k" 1)") || exit 1
  five+=("$runs/api-refs5-fold-$k.json=$(threshold "$k" 5)") || exit 1
done
$R pool "${one[@]}" | node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(0))))' &&
  $R pool "${five[@]}" | node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(0))))'
