#!/bin/bash
# Session 20: E (T + U1 + U2, RULE.md beside this file) as models/signature-fast160x80-cedar, then its measurements
# into the card. Needs `train.sh final` and `train.sh folds` (and the cross-validation sweep: FAR comes from it).
#   FAR=0.01 bash docs/experiments/signatures/trunk-ensemble/ship.sh
#   bash docs/experiments/signatures/trunk-ensemble/ship.sh card   # only re-apply intendedUse and notes (texts edited)
cd "$(dirname "$0")/../../../.."
out=models/signature-fast160x80-cedar
# What it is for (docs/experiments/signatures/intended-use.json) and how it was made (notes.txt beside this file).
apply_card_text() {
  node -e '
const fs = require("fs");
const [card, use, notes] = process.argv.slice(1);
const c = JSON.parse(fs.readFileSync(card));
c.intendedUse = JSON.parse(fs.readFileSync(use));
c.notes = fs.readFileSync(notes, "utf8").trim().replace(/\s*\n\s*/g, " ");
fs.writeFileSync(card, JSON.stringify(c, null, 2) + "\n");
' "$out/model-card.json" docs/experiments/signatures/intended-use.json docs/experiments/signatures/trunk-ensemble/notes.txt
}
if [ "${1:-}" = card ]; then apply_card_text; exit; fi
far=${FAR:?FAR=the target chosen by session 8s rule on the sweep}
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
tmp=$(mktemp -d)
npx siamese ensemble --model .runs/signature-trunk/all --model .runs/signature-trunk-m1/all --model .runs/signature-trunk-m2/all \
  --include @splits/cedar/cv/all-development.txt --forgeries forged --genuine genuine \
  --val-writers @splits/cedar/validation-writers.txt --name signature-fast160x80-cedar --out "$tmp/e" --json > "$tmp/e.log" ||
  { cat "$tmp/e.log"; exit 1; }
rm -rf "$out" && cp -r "$tmp/e" "$out" && rm -rf "$tmp"
apply_card_text
MODEL=$out FAR=$far bash docs/experiments/signatures/recalibrate.sh || exit 1
$R eval $out @splits/cedar/validation-writers.txt --record cedar-validation-writers > /dev/null || exit 1
$R refs $out @splits/cedar/validation-writers.txt --record cedar-validation-writers-references > /dev/null || exit 1
CARD=$out bash docs/experiments/signatures/trunk-ensemble/train.sh measure || exit 1
args=(); for k in 0 1 2 3; do args+=(".runs/signature-trunk-ens-cv/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"); done
$R sweep 0.005,0.01,0.015,0.02 @splits/cedar/validation-writers.txt "${args[@]}" --card $out --record cedar-writer-cv-target-far > /dev/null
