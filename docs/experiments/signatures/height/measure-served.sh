#!/bin/bash
# Session 38: H's card measurements that need its fold ensembles as they will be served, at the shipping target
# session 8's rule chose (0.5 % validation FAR, hs-sweep.json) with SPREAD β = ½: each fold ensemble of
# decide-steps.sh recalibrated there on its own development writers, then on its own held-out writers
#   - random forgeries (another writer's genuine signature; signature-measure.ts eval, 5,000 pairs per fold),
#   - the HTTP API (../api.sh: verify with each of the first 3 genuine signatures as the reference, verifyIdentity
#     with 5 enrolled references, every signature a simulated full-resolution scan), pooled over the four folds.
#   bash docs/experiments/signatures/height/measure-served.sh          all of it (~45 min alone), resumable by fold
#   FAR=f OUT=DIR … measures the folds served at target f instead (in .runs/signature-input224x144-steps-cv/served-farf),
#                   writing into DIR: the files beside this file are H's, at 0.5 %
# Writes into OUT (default: beside this file): random-forgeries/fold-K.json, api/ (each fold's calls), hs-api3.json,
# hs-api-refs5.json.
# Session 43: SHIP_PREFIX, SHIP_DIR and SHIP_LETTER measure another candidate's served folds the same way (H's by default;
# ../scale/ship.sh sets HL's: .runs/signature-input256x160-steps-cv/served-far0.005, served by scale/train.sh decide,
# writing hl-api3.json and hl-api-refs5.json into ../scale/). Session 44: the missing-fold hint names HL's decide too.
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/height cv=.runs/${SHIP_PREFIX:-signature-input224x144-steps}-cv
letter=${SHIP_LETTER:-hs} far=${FAR:-0.005} out=${OUT:-${SHIP_DIR:-docs/experiments/signatures/height}}
[ "$far" = 0.005 ] || [ -n "${OUT:-}" ] || { echo "FAR=$far: name OUT=DIR (beside this file are H's files at 0.005)" >&2; exit 2; }
served=$cv/served-far$far
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
for k in 0 1 2 3; do
  # a fold already served at this target (scale/train.sh decide serves HL's at 0.5 %) needs no recalibrated copy
  [ -f "$cv/spread/fold-$k/done" ] || [ -f "$served/fold-$k/done" ] ||
    { echo "no recalibrated fold $k: run $here/decide-steps.sh (HL: scale/train.sh decide) first" >&2; exit 1; }
done
npm run build --silent || exit 1 # recalibrate.sh runs the compiled CLI
mkdir -p "$served" "$out/random-forgeries"
for k in 0 1 2 3; do
  d=$served/fold-$k
  if [ ! -f "$d/done" ]; then
    # a fold recalibrated again makes its earlier measurements stale
    rm -rf "$d" "$served"/api*-fold-"$k".json "$out/random-forgeries/fold-$k.json"
    cp -r "$cv/spread/fold-$k" "$d" && rm -f "$d/done"
    MODEL=$d FAR=$far SHIFT=0.5 INCLUDE=@splits/cedar/cv/fold-$k-development.txt \
      bash docs/experiments/signatures/recalibrate.sh > /dev/null
    # recalibrate.sh does not fail when its last card edit does: check that the card took the target
    node -e 'const t=require(require("path").resolve(process.argv[1])).thresholds;
      if (t.targetFar !== Number(process.argv[2]) || t.referenceShift !== 0.5) { console.error("not recalibrated: " + process.argv[1]); process.exit(1); }' \
      "$d/model-card.json" "$far" || exit 1
    touch "$d/done"
  fi
  f=$out/random-forgeries/fold-$k.json
  if [ ! -s "$f" ]; then
    $R eval "$d" "@splits/cedar/cv/fold-$k-test-writers.txt" > "$f.tmp" && mv "$f.tmp" "$f" || exit 1
  fi
done
for k in 0 1 2 3; do
  [ -s "$served/api3-fold-$k.json" ] || FOLDS=$k RUNS=$served bash docs/experiments/signatures/api.sh || exit 1
done
# shellcheck disable=SC2046
$R pool $(for k in 0 1 2 3; do echo "$served/api3-fold-$k.json"; done) > "$out/$letter-api3.json" || exit 1
# shellcheck disable=SC2046
$R pool $(for k in 0 1 2 3; do echo "$served/api-refs5-fold-$k.json"; done) > "$out/$letter-api-refs5.json" || exit 1
mkdir -p "$out/api" && cp "$served"/api3-fold-?.json "$served"/api-refs5-fold-?.json "$out/api/"
echo "served fold ensembles measured: $out/random-forgeries, $out/api, $letter-api3.json, $letter-api-refs5.json"
