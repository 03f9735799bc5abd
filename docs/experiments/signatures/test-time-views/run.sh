#!/bin/bash
# Session 35, rule VIEWS (RULE.md beside this file): I's four served fold ensembles (SPREAD β = ½) scored as they
# are (BASE) and with four fixed test-time views (VIEWS4, thresholds recalibrated on the validation writers), over
# the 34 cross-validated writers, then paired. About 15 minutes on 2 cores. Outputs in .runs/views/.
cd "$(dirname "$0")/../../../.."
set -e
# recalibrate.sh runs the compiled CLI (npx siamese): build first, or it calibrates without the views (as the
# first run did, with a build from before the card field existed).
npm run build --silent
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
B="node test/retraining/fixtures/ts-run.js test/e2e/signature-backend.ts"
VIEWS=${VIEWS:-'[{"rotationDeg":-2},{"rotationDeg":2},{"scale":0.95},{"scale":1.05}]'}
served=.runs/signature-input224-cv/shift-0.5 out=.runs/views
SHIFT=0.5 bash docs/experiments/signatures/input-size/record.sh folds
mkdir -p $out
base=() cand=()
for k in 0 1 2 3; do
  base+=("$served/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt")
  cand+=("$out/views4/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt")
done
[ -f $out/base.json.gz ] || $R cv "${base[@]}" --scores $out/base.json.gz > $out/base.json
echo "$(date -u +%T) BASE scored"
for k in 0 1 2 3; do
  d=$out/views4/fold-$k
  [ -f $d/done ] && continue
  rm -rf $d && mkdir -p $out/views4 && cp -r $served/fold-$k $d
  node -e 'const fs=require("fs");const [f,v]=process.argv.slice(1);const c=JSON.parse(fs.readFileSync(f));c.preprocessing.testTimeViews=JSON.parse(v);fs.writeFileSync(f,JSON.stringify(c,null,2)+"\n")' $d/model-card.json "$VIEWS"
  MODEL=$d FAR=0.02 SHIFT=0.5 INCLUDE=@splits/cedar/cv/fold-$k-development.txt bash docs/experiments/signatures/recalibrate.sh
  touch $d/done
done
echo "$(date -u +%T) VIEWS4 folds recalibrated"
$R cv "${cand[@]}" --scores $out/views4.json.gz > $out/views4.json
echo "$(date -u +%T) VIEWS4 scored"
$B paired $out/base.json.gz $out/views4.json.gz 0.975 > $out/views4-paired.json
echo "$(date -u +%T) paired"
