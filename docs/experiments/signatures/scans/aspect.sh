#!/bin/bash
# SCANS, one aspect per writer (RULE.md beside this file, "Added after the outcome"): H's served fold ensembles on the
# 34 writers rendered with scan-copy.ts --aspect writer, paired with the 220×155 copy and with the per-image scans.
#   bash docs/experiments/signatures/scans/aspect.sh     # after run.sh; ~5 min to render (two halves at once), ~5 to score
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/scans copy=.runs/cedar-scans-writer-aspect
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
h=.runs/signature-input224x144-steps-cv/served-far0.005
for f in h h-scans; do [ -s "$here/$f-scores.json.gz" ] || { echo "run $here/run.sh first" >&2; exit 1; }; done
if [ ! -d "$copy" ]; then
  # two halves at once (scanScan is single-threaded), joined by hard links; per-image seeds make the halves independent
  lists=(@splits/cedar/cv/fold-0-test-writers.txt @splits/cedar/cv/fold-1-test-writers.txt)
  lists2=(@splits/cedar/cv/fold-2-test-writers.txt @splits/cedar/cv/fold-3-test-writers.txt)
  node test/retraining/fixtures/ts-run.js $here/scan-copy.ts "$copy-a" "${lists[@]}" --aspect writer &
  node test/retraining/fixtures/ts-run.js $here/scan-copy.ts "$copy-b" "${lists2[@]}" --aspect writer &
  wait
  [ -d "$copy-a" ] && [ -d "$copy-b" ] || exit 1
  rm -rf "$copy.tmp" && mkdir -p "$copy.tmp" && cp -al "$copy-a/." "$copy-b/." "$copy.tmp/" && mv "$copy.tmp" "$copy" &&
    rm -rf "$copy-a" "$copy-b" || exit 1
fi
# shellcheck disable=SC2046
$R cv $(for k in 0 1 2 3; do echo "$h/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"; done) --dataset "$copy" \
  --scores "$here/h-aspect-scores.tmp.json.gz" > "$here/h-aspect.json.tmp" &&
  mv "$here/h-aspect-scores.tmp.json.gz" "$here/h-aspect-scores.json.gz" && mv "$here/h-aspect.json.tmp" "$here/h-aspect.json" || exit 1
# I's served fold ensembles (2 %) on the same copy: H − I there (added after H's results, reported)
i=.runs/signature-input224-cv/shift-0.5
# shellcheck disable=SC2046
$R cv $(for k in 0 1 2 3; do echo "$i/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"; done) --dataset "$copy" \
  --scores "$here/i-aspect-scores.tmp.json.gz" > "$here/i-aspect.json.tmp" &&
  mv "$here/i-aspect-scores.tmp.json.gz" "$here/i-aspect-scores.json.gz" && mv "$here/i-aspect.json.tmp" "$here/i-aspect.json" &&
  $R paired "$here/i-aspect-scores.json.gz" "$here/h-aspect-scores.json.gz" > "$here/h-vs-i-aspect.json" || exit 1
for base in h h-scans; do
  $R paired "$here/$base-scores.json.gz" "$here/h-aspect-scores.json.gz" > "$here/h-aspect-vs-$base.json" &&
    node test/retraining/fixtures/ts-run.js $here/rates.ts "$here/$base-scores.json.gz" "$here/h-aspect-scores.json.gz" \
      > "$here/h-aspect-rates-vs-$base.json" || exit 1
done
echo "measured: $here/h-aspect.json, h-aspect-vs-{h,h-scans}.json, h-aspect-rates-vs-{h,h-scans}.json, h-vs-i-aspect.json"
