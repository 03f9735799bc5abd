#!/bin/bash
# SCANS, one aspect per writer (RULE.md beside this file, "Added after the outcome"): H's served fold ensembles on the
# 34 writers rendered with scan-copy.ts --aspect writer, paired with the 220×155 copy and with the per-image scans.
#   bash docs/experiments/signatures/scans/aspect.sh     # after run.sh; ~5 min to render (two halves at once), ~5 to score
# Session 44: run.sh's parameters (SHIP_PREFIX, SHIP_DIR, SHIP_LETTER; CMP, CMP_SERVED, CMP_SCORES) put another candidate
# and comparator in H's and I's places, reading run.sh's results in $SHIP_DIR/scans/ and writing beside them; with
# CMP_SCORES=DIR the comparator's $CMP-aspect-scores are read from DIR, not scored (the copy's renders are deterministic).
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/scans copy=.runs/cedar-scans-writer-aspect
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
# the candidate (H's by default) and the comparator (I's)
served=.runs/${SHIP_PREFIX:-signature-input224x144-steps}-cv/served-far0.005 m=${SHIP_LETTER:-h} out=$here run=$here/run.sh
[ -z "${SHIP_DIR:-}" ] || { out=$SHIP_DIR/scans run="$SHIP_DIR/ship.sh scans/run.sh"; }
cmp_served=${CMP_SERVED:-.runs/signature-input224-cv/shift-0.5} cmp=${CMP:-i} cmp_dir=${CMP_SCORES:-$out}
for f in "$m" "$m-scans"; do [ -s "$out/$f-scores.json.gz" ] || { echo "run $run first" >&2; exit 1; }; done
if [ -n "${CMP_SCORES:-}" ] && [ ! -s "$cmp_dir/$cmp-aspect-scores.json.gz" ]; then
  echo "CMP_SCORES=$cmp_dir has no $cmp-aspect-scores.json.gz" >&2; exit 1
fi
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
$R cv $(for k in 0 1 2 3; do echo "$served/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"; done) --dataset "$copy" \
  --scores "$out/$m-aspect-scores.tmp.json.gz" > "$out/$m-aspect.json.tmp" &&
  mv "$out/$m-aspect-scores.tmp.json.gz" "$out/$m-aspect-scores.json.gz" && mv "$out/$m-aspect.json.tmp" "$out/$m-aspect.json" || exit 1
# I's served fold ensembles (2 %) on the same copy: H − I there (added after H's results, reported); a comparator
# kept in CMP_SCORES is not scored again
if [ -z "${CMP_SCORES:-}" ]; then
  # shellcheck disable=SC2046
  $R cv $(for k in 0 1 2 3; do echo "$cmp_served/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"; done) --dataset "$copy" \
    --scores "$out/$cmp-aspect-scores.tmp.json.gz" > "$out/$cmp-aspect.json.tmp" &&
    mv "$out/$cmp-aspect-scores.tmp.json.gz" "$out/$cmp-aspect-scores.json.gz" && mv "$out/$cmp-aspect.json.tmp" "$out/$cmp-aspect.json" || exit 1
fi
$R paired "$cmp_dir/$cmp-aspect-scores.json.gz" "$out/$m-aspect-scores.json.gz" > "$out/$m-vs-$cmp-aspect.json" || exit 1
for base in "$m" "$m-scans"; do
  $R paired "$out/$base-scores.json.gz" "$out/$m-aspect-scores.json.gz" > "$out/$m-aspect-vs-$base.json" &&
    node test/retraining/fixtures/ts-run.js $here/rates.ts "$out/$base-scores.json.gz" "$out/$m-aspect-scores.json.gz" \
      > "$out/$m-aspect-rates-vs-$base.json" || exit 1
done
echo "measured: $out/$m-aspect.json, $m-aspect-vs-{$m,$m-scans}.json, $m-aspect-rates-vs-{$m,$m-scans}.json, $m-vs-$cmp-aspect.json"
