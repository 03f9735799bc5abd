#!/bin/bash
# Session 35, rule VIEWS: the view sets tried on the 6 validation writers only (they chose I's checkpoints and
# thresholds), on I's final ensemble, before the rule; EER at R = 1, 2, 3, 5, 10 per set (explore-validation.txt).
cd "$(dirname "$0")/../../../.."
set -e
mkdir -p scratch/tta
base=models/signature-fast224x112-cedar
run() { # name views-json
  d=scratch/tta/m-$1; rm -rf $d; cp -r $base $d
  node -e 'const fs=require("fs");const f=process.argv[1];const c=JSON.parse(fs.readFileSync(f));const v=JSON.parse(process.argv[2]);if(v.length)c.preprocessing.testTimeViews=v;fs.writeFileSync(f,JSON.stringify(c))' $d/model-card.json "$2"
  s=$(date +%s)
  node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts refs $d @splits/cedar/validation-writers.txt > scratch/tta/$1.json 2>scratch/tta/$1.err
  echo "$1 $(( $(date +%s)-s ))s $(node -e 'const r=require("./scratch/tta/'$1'.json");console.log(r.byReferences.map(b=>b.references+":"+(b.eer.value*100).toFixed(2)).join(" "))')"
}
run none '[]'
run rot2 '[{"rotationDeg":-2},{"rotationDeg":2}]'
run scale4 '[{"scale":0.95},{"scale":1.05}]'
run rs4 '[{"rotationDeg":-2},{"rotationDeg":2},{"scale":0.95},{"scale":1.05}]'
run rs8 '[{"rotationDeg":-2},{"rotationDeg":2},{"scale":0.95},{"scale":1.05},{"shear":-0.04},{"shear":0.04},{"rotationDeg":-2,"scale":1.05},{"rotationDeg":2,"scale":0.95}]'
run rot4 '[{"rotationDeg":-4},{"rotationDeg":4}]'
run rot1234 '[{"rotationDeg":-3},{"rotationDeg":-1.5},{"rotationDeg":1.5},{"rotationDeg":3}]'
run rs4w '[{"rotationDeg":-3},{"rotationDeg":3},{"scale":0.92},{"scale":1.08}]'
