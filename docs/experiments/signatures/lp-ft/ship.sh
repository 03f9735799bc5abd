#!/bin/bash
# Session 20: F (RULE.md beside this file) as models/signature-fast160x80-cedar, then its measurements into the card.
# Needs `train.sh F` and `train.sh folds` (FAR comes from the folds' sweep, session 8's rule).
#   FAR=f bash docs/experiments/signatures/lp-ft/ship.sh   # after writing notes.txt beside this file (the card's notes)
#   bash docs/experiments/signatures/lp-ft/ship.sh card   # only re-apply intendedUse and notes (texts edited)
cd "$(dirname "$0")/../../../.."
out=models/signature-fast160x80-cedar
apply_card_text() {
  node -e '
const fs = require("fs");
const [card, use, notes] = process.argv.slice(1);
const c = JSON.parse(fs.readFileSync(card));
c.name = "signature-fast160x80-cedar";
c.intendedUse = JSON.parse(fs.readFileSync(use));
c.notes = fs.readFileSync(notes, "utf8").trim().replace(/\s*\n\s*/g, " ");
fs.writeFileSync(card, JSON.stringify(c, null, 2) + "\n");
' "$out/model-card.json" docs/experiments/signatures/intended-use.json docs/experiments/signatures/lp-ft/notes.txt
}
if [ "${1:-}" = card ]; then apply_card_text; exit; fi
far=${FAR:?FAR=the target chosen by session 8s rule on the sweep}
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
rm -rf "$out" && cp -r .runs/signature-lpft/all "$out"
apply_card_text
MODEL=$out FAR=$far bash docs/experiments/signatures/recalibrate.sh || exit 1
$R eval $out @splits/cedar/validation-writers.txt --record cedar-validation-writers > /dev/null || exit 1
$R refs $out @splits/cedar/validation-writers.txt --record cedar-validation-writers-references > /dev/null || exit 1
CARD=$out bash docs/experiments/signatures/lp-ft/train.sh measure || exit 1
args=(); for k in 0 1 2 3; do args+=(".runs/signature-lpft-cv/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"); done
$R sweep 0.005,0.01,0.015,0.02 @splits/cedar/validation-writers.txt "${args[@]}" --card $out --record cedar-writer-cv-target-far > /dev/null
