#!/bin/bash
# Session 38: rule CV-THRESHOLDS (RULE-cv-thresholds.md beside this file) on H, the shipped signature model:
# verifyIdentity's per-R thresholds moved to 3 % pooled forgery FAR over the 34 cross-validated writers, decided by the
# leave-one-fold-out estimate, applied to models/signature-fast224x144-cedar when it passes. About 5 minutes; needs H's
# fold ensembles served at 0.5 % (FAR=0.005 bash docs/experiments/signatures/height/measure-served.sh). Shipping H
# again (height/ship-steps.sh) recalibrates the thresholds on the validation writers and then runs this.
#   bash docs/experiments/signatures/backend/cv-thresholds.sh
# Session 44: SHIP_PREFIX, SHIP_NAME, SHIP_DIR and SHIP_LETTER (../height/ship-steps.sh's) apply it to another
# candidate: its served folds (.runs/$SHIP_PREFIX-cv/served-farf), card, served scores ($SHIP_DIR/$SHIP_LETTER-served-*)
# and results in $SHIP_DIR/cv-thresholds/ named by its letter, so that H's files here stay H's; the record's command is
# $SHIP_DIR/ship.sh, which sets them (../scale/ship.sh backend/cv-thresholds.sh for HL). Unset: H's, as before.
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/backend height=docs/experiments/signatures/height
far=${FAR:-0.005} model=models/${SHIP_NAME:-signature-fast224x144-cedar}
cv=.runs/${SHIP_PREFIX:-signature-input224x144-steps}-cv served=$cv/served-far$far
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
# the served scores keep the candidate's file letter (H's hs-served-*); the results here name H by `h`
scores=${SHIP_DIR:-$height}/${SHIP_LETTER:-hs}-served-scores.json.gz
[ "$far" = 0.005 ] || scores=$cv/${SHIP_LETTER:-hs}-served-far$far-scores.json.gz
m=${SHIP_LETTER:-h} out=$here command="bash $here/cv-thresholds.sh" measure=$height/measure-served.sh
if [ -n "${SHIP_DIR:-}" ]; then
  out=$SHIP_DIR/cv-thresholds command="bash $SHIP_DIR/ship.sh backend/cv-thresholds.sh"
  measure="$SHIP_DIR/ship.sh measure-served.sh"
fi
node -e 'const t=require(require("path").resolve(process.argv[1])).thresholds.targetFar;
  if (t !== Number(process.argv[2])) { console.error(`the card is served at ${t}, not FAR=${process.argv[2]}`); process.exit(1); }' \
  "$model/model-card.json" "$far" || exit 1
stale=
for k in 0 1 2 3; do
  [ -f "$served/fold-$k/done" ] || { echo "no fold $k served at $far: run FAR=$far $measure" >&2; exit 1; }
  # a fold served again since the scores were read makes them stale
  [ "$served/fold-$k/done" -nt "$scores" ] && stale=1
done
if [ ! -s "$scores" ] || [ -n "$stale" ]; then
  folds=()
  for k in 0 1 2 3; do folds+=("$served/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"); done
  $R cv "${folds[@]}" --scores "$scores" > "${scores%-scores.json.gz}.json" || exit 1
fi
mkdir -p "$out"
python3 $here/cv-thresholds.py "$scores" 0.03 > "$out/cv-thresholds-$m.json" || exit 1
python3 $here/cv-thresholds.py api "$out/cv-thresholds-$m.json" "$served" > "$out/cv-thresholds-$m-api.json" || exit 1
python3 $here/cv-thresholds.py apply "$out/cv-thresholds-$m.json" "$model"
case $? in
  0) ;;
  3) echo "rule CV-THRESHOLDS not passed: the card's thresholds stay (cv-thresholds-$m.json)"; exit 0 ;;
  *) exit 1 ;;
esac
mkdir -p .runs
$R refs "$model" @splits/cedar/validation-writers.txt --record cedar-validation-writers-references > .runs/cv-thresholds-refs.json || exit 1
# rule LABELLED's rates under the moved caps (its offsets do not move; the script writes only if it reproduces them),
# before `record`, whose text says they are re-measured
node test/retraining/fixtures/ts-run.js $here/labelled-rates.ts "$model" --apply > "$out/labelled-rates-$m.json.tmp" || exit 1
mv "$out/labelled-rates-$m.json.tmp" "$out/labelled-rates-$m.json"
python3 $here/cv-thresholds.py record "$out/cv-thresholds-$m.json" "$out/cv-thresholds-$m-api.json" .runs/cv-thresholds-refs.json \
  "$model" "$command"
