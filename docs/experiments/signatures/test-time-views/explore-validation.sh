#!/bin/bash
# exploration on the 6 validation writers only (they chose I's checkpoints and thresholds); I's final ensemble
cd /work/main
set -e
base=models/signature-fast224x112-cedar
run() { # name views-json
  d=scratch/tta/m-$1; rm -rf $d; cp -r $base $d
  node -e 'const fs=require("fs");const f=process.argv[1];const c=JSON.parse(fs.readFileSync(f));const v=JSON.parse(process.argv[2]);if(v.length)c.preprocessing.testTimeViews=v;fs.writeFileSync(f,JSON.stringify(c))' $d/model-card.json "$2"
  s=$(date +%s)
  node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts refs $d @splits/cedar/validation-writers.txt > scratch/tta/$1.json 2>scratch/tta/$1.err
  echo "$1 $(( $(date +%s)-s ))s $(node -e 'const r=require("./scratch/tta/'$1'.json");console.log(r.byReferences.map(b=>b.references+":"+(b.eer*100).toFixed(2)).join(" "))')"
}
run none '[]'
run rot2 '[{"rotationDeg":-2},{"rotationDeg":2}]'
run scale4 '[{"scale":0.95},{"scale":1.05}]'
run rs4 '[{"rotationDeg":-2},{"rotationDeg":2},{"scale":0.95},{"scale":1.05}]'
run rs8 '[{"rotationDeg":-2},{"rotationDeg":2},{"scale":0.95},{"scale":1.05},{"shear":-0.04},{"shear":0.04},{"rotationDeg":-2,"scale":1.05},{"rotationDeg":2,"scale":0.95}]'
