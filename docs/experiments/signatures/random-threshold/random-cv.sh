#!/bin/bash
# Session 45: rule RANDOM-CV (RULE-random-cv.md beside this file) on HL, the shipped signature model: each R's
# threshold moved to the stricter of CV-THRESHOLDS' forgery offset and the offset at which the 34 cross-validated
# writers' strangers are accepted 3 % of the time, for the R whose leave-one-fold-out estimate the rule accepts. Needs
# HL's fold ensembles served at 0.5 % (../scale/train.sh decide) and the card moved by CV-THRESHOLDS
# (../scale/ship.sh backend/cv-thresholds.sh, which ship-steps.sh runs just before this). About 5 minutes.
#   bash docs/experiments/signatures/random-threshold/random-cv.sh
# SHIP_PREFIX, SHIP_NAME, SHIP_DIR and SHIP_LETTER (../height/ship-steps.sh's) name another candidate; unset: HL's.
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/random-threshold
model=models/${SHIP_NAME:-signature-fast256x160-cedar} letter=${SHIP_LETTER:-hl}
ship_dir=${SHIP_DIR:-docs/experiments/signatures/scale}
far=${FAR:-0.005}
served=.runs/${SHIP_PREFIX:-signature-input256x160-steps}-cv/served-far$far
cv=$ship_dir/cv-thresholds/cv-thresholds-$letter.json
# HL's files keep the names the rule gives them; another candidate's carry its letter
suffix=; [ "$letter" = hl ] || suffix=-$letter
scores=$here/random-cv-scores$suffix.json.gz out=$here/random-cv$suffix.json
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
node -e 'const t=require(require("path").resolve(process.argv[1])).thresholds.targetFar;
  if (t !== Number(process.argv[2])) { console.error(`the card is served at ${t}, not FAR=${process.argv[2]}`); process.exit(1); }' \
  "$model/model-card.json" "$far" || exit 1
# the card's record names the command that reproduces it: the candidate's ship.sh where SHIP_DIR names one
command="bash $here/random-cv.sh"
[ -n "${SHIP_DIR:-}" ] && command="bash $SHIP_DIR/ship.sh random-threshold/random-cv.sh"
[ -s "$cv" ] || { echo "no $cv: run CV-THRESHOLDS first (../scale/ship.sh backend/cv-thresholds.sh)" >&2; exit 1; }
stale=
for k in 0 1 2 3; do
  [ -f "$served/fold-$k/done" ] || { echo "no fold $k served at $far: run ../scale/train.sh decide" >&2; exit 1; }
  [ "$served/fold-$k/done" -nt "$scores" ] && stale=1
done
if [ ! -s "$scores" ] || [ -n "$stale" ]; then
  folds=()
  for k in 0 1 2 3; do folds+=("$served/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"); done
  node test/retraining/fixtures/ts-run.js $here/scores.ts "$scores.tmp" "${folds[@]}" && mv "$scores.tmp" "$scores" || exit 1
fi
python3 $here/random-cv.py "$scores" "$cv" > "$out.tmp" && mv "$out.tmp" "$out" || exit 1
python3 $here/random-cv.py apply "$out" "$model"
case $? in
  0) ;;
  3) echo "rule RANDOM-CV moves no threshold: the card's stay ($out)"; exit 0 ;;
  *) exit 1 ;;
esac
mkdir -p .runs
$R refs "$model" @splits/cedar/validation-writers.txt --record cedar-validation-writers-references > .runs/random-cv-refs.json || exit 1
# rule LABELLED's rates under the moved caps (as cv-thresholds.sh re-measures them after its move)
node test/retraining/fixtures/ts-run.js docs/experiments/signatures/backend/labelled-rates.ts "$model" --apply \
  > "$here/labelled-rates-$letter.json.tmp" || exit 1
mv "$here/labelled-rates-$letter.json.tmp" "$here/labelled-rates-$letter.json"
python3 $here/random-cv.py record "$out" .runs/random-cv-refs.json "$model" "$command"
