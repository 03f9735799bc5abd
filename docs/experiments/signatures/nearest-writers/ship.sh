#!/bin/bash
# Rule MULTIREF (RULE-multiref.md beside this file, session 48): HN as the opt-in second signature card,
# models/signature-fast256x160-cedar-multiref, beside HL (the default, models/signature-fast256x160-cedar, untouched).
#   bash docs/experiments/signatures/nearest-writers/ship.sh        # ~10 minutes here: HN's final members (train.sh
#       final, kept in runs/mM/all) joined, the card text (multiref-card/), thresholds at 0.5 % FAR on the validation
#       writers with SPREAD β = ½ as HL's, the validation-writer records, the sanity bar, HN's served fold ensembles
#       recorded (cedar-writer-cv), then the thresholds moved by multiref-thresholds.json and their rates recorded
#   bash docs/experiments/signatures/nearest-writers/ship.sh card   # the card text alone, again
# HN's served fold ensembles (.runs/…-cv/served-far0.005) come from `train.sh decide` (session 47; a new checkout
# rebuilds them from the kept members with `train.sh restore && train.sh decide`, about 20 minutes).
cd "$(dirname "$0")/../../../.." || exit 1
source docs/experiments/signatures/trunk-lib.sh
source docs/experiments/signatures/ship-lib.sh
here=docs/experiments/signatures/nearest-writers
prefix=signature-near50-input256x160-steps
out=models/signature-fast256x160-cedar-multiref
served=.runs/$prefix-cv/served-far0.005
notes=$here/multiref-card/notes.txt
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
case "${1:-}" in
  card) apply_card_text "$out" "$notes"; exit ;;
  "") ;;
  *) echo "usage: ship.sh [card]" >&2; exit 2 ;;
esac
grep -l FILLED "$notes" "$(dirname "$notes")/intended-use.json" && { echo "the card text still has placeholders" >&2; exit 1; }
bash "$here/train.sh" restore || exit 1
# RULE-multiref.md step 1, checked again on the kept members (train.sh final keeps a member only after it passed)
bash "$here/train.sh" check-final || exit 1
for k in 0 1 2 3; do
  [ -f "$served/fold-$k/done" ] || { echo "HN's fold $k is not served: bash $here/train.sh decide" >&2; exit 1; }
done
npm run build --silent || exit 1 # recalibrate.sh runs the compiled CLI
three_place "$out" "$prefix" || exit 1
apply_card_text "$out" "$notes" || exit 1
MODEL=$out FAR=0.005 SHIFT=0.5 bash docs/experiments/signatures/recalibrate.sh || exit 1
# recalibrate.sh exits 0 when its card edit fails: the offsets are only valid against this calibration (serve_fold's check)
node -e 'const t=require(process.argv[1]).thresholds;process.exit(t.targetFar===0.005&&t.referenceShift===0.5?0:1)' \
  "$PWD/$out/model-card.json" || { echo "$out: the calibration did not take" >&2; exit 1; }
$R eval "$out" @splits/cedar/validation-writers.txt --record cedar-validation-writers > .runs/multiref-eval.json || exit 1
# RULE-multiref.md's sanity bar: no worse than the worst validation EER of HN's four fold ensembles (3.73 % in session 47)
node -e '
const [card, ...folds] = process.argv.slice(1).map((f) => require(f));
const bar = Math.max(...folds.map((c) => c.validation.eer));
const eer = card.evaluations["cedar-validation-writers"].eer.value;
console.log(`validation-writer skilled EER ${(100 * eer).toFixed(2)} % (bar ${(100 * bar).toFixed(4)} %)`);
process.exit(eer <= bar ? 0 : 1);
' "$PWD/$out/model-card.json" "$PWD/.runs/$prefix-cv/fold-"{0,1,2,3}"/model-card.json" || { echo "the sanity bar fails: not shipped" >&2; rm -rf "$out"; exit 1; }
mapfile -t folds < <(test_folds "$served")
$R cv "${folds[@]}" --card "$out" --record cedar-writer-cv > /dev/null || exit 1
python3 "$here/multiref-thresholds.py" apply "$here/multiref-thresholds.json" "$out" || exit 1
$R refs "$out" @splits/cedar/validation-writers.txt --record cedar-validation-writers-references > .runs/multiref-refs.json || exit 1
# verify's threshold moved too: the validation writers' record again, at the served threshold
$R eval "$out" @splits/cedar/validation-writers.txt --record cedar-validation-writers > .runs/multiref-eval-served.json || exit 1
node test/retraining/fixtures/ts-run.js docs/experiments/signatures/backend/labelled-rates.ts "$out" --apply \
  > "$here/multiref-card/labelled-rates.json" || exit 1
python3 "$here/multiref-thresholds.py" record "$here/multiref-thresholds.json" .runs/multiref-refs.json "$out" \
  "bash $here/ship.sh"
