#!/bin/bash
# Rule SCAN-THRESHOLDS (RULE-scan-thresholds.md beside this file, written in session 40 before its runs): H's four
# served fold ensembles recalibrated as served (FAR 0.005, SHIFT 0.5, their development writers) but on the
# validation writers' simulated full-resolution scans, then scored on their held-out writers, scans and 220×155 copy,
# and their served rates paired with the served thresholds' (rates.ts).
#   bash docs/experiments/signatures/scans/scan-thresholds.sh     # needs run.sh's .runs/cedar-scans; ~15 min
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/scans
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
h=.runs/signature-input224x144-steps-cv/served-far0.005 out=.runs/signature-input224x144-steps-cv/scan-cal
all=.runs/cedar-scans-all
[ -d .runs/cedar-scans ] || { echo "no .runs/cedar-scans: run $here/run.sh first" >&2; exit 1; }
npm run build --silent || exit 1 # recalibrate.sh runs the compiled CLI
if [ ! -d "$all" ]; then
  # the 6 validation writers, with scan-copy.ts's per-image seeds: the same images as one render of all 40
  [ -d .runs/cedar-scans-val ] ||
    node test/retraining/fixtures/ts-run.js $here/scan-copy.ts .runs/cedar-scans-val @splits/cedar/validation-writers.txt || exit 1
  rm -rf "$all.tmp" && mkdir -p "$all.tmp" && cp -al .runs/cedar-scans/. "$all.tmp/" && cp -al .runs/cedar-scans-val/. "$all.tmp/" &&
    mv "$all.tmp" "$all" || exit 1
fi
folds=()
for k in 0 1 2 3; do
  d=$out/fold-$k
  if [ ! -f "$d/done" ]; then
    [ -f "$h/fold-$k/done" ] || { echo "H's served fold $k is missing: run FAR=0.005 height/measure-served.sh" >&2; exit 1; }
    rm -rf "$d" && mkdir -p "$out" && cp -r "$h/fold-$k" "$d" && rm -f "$d/done" || exit 1
    MODEL=$d FAR=0.005 SHIFT=0.5 DATA=$all INCLUDE=@splits/cedar/cv/fold-$k-development.txt \
      bash docs/experiments/signatures/recalibrate.sh > "$d.recalibrate.json" || exit 1
    node -e 'const t=require(require("path").resolve(process.argv[1])).thresholds;
      if (t.targetFar !== 0.005 || t.referenceShift !== 0.5) { console.error("not recalibrated: " + process.argv[1]); process.exit(1); }' \
      "$d/model-card.json" || exit 1
    touch "$d/done"
  fi
  folds+=("$d=@splits/cedar/cv/fold-$k-test-writers.txt")
done
# each fold's verify threshold, served and scan-set
node -e 'for (const k of [0, 1, 2, 3]) { const t = (d) => require(require("path").resolve(d + "/fold-" + k + "/model-card.json")).thresholds.default;
  console.log(JSON.stringify({ fold: k, served: t(process.argv[1]), scanSet: t(process.argv[2]) })); }' "$h" "$out" > "$here/scan-thresholds-folds.jsonl" || exit 1
for copy in scans copy; do
  data=; name=hc; [ $copy = scans ] && data=.runs/cedar-scans name=hc-scans
  $R cv "${folds[@]}" ${data:+--dataset "$data"} --scores "$here/$name-scores.tmp.json.gz" > "$here/$name.json.tmp" &&
    mv "$here/$name-scores.tmp.json.gz" "$here/$name-scores.json.gz" && mv "$here/$name.json.tmp" "$here/$name.json" || exit 1
done
node test/retraining/fixtures/ts-run.js $here/rates.ts $here/h-scans-scores.json.gz $here/hc-scans-scores.json.gz > $here/scan-thresholds-scans.json &&
  node test/retraining/fixtures/ts-run.js $here/rates.ts $here/h-scores.json.gz $here/hc-scores.json.gz > $here/scan-thresholds-copy.json || exit 1
echo "SCAN-THRESHOLDS measured: $here/scan-thresholds-{scans,copy}.json, scan-thresholds-folds.jsonl"
