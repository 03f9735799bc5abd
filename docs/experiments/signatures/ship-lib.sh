# Session 20: what shipping a signature candidate does after its weights are in place (sourced by
# trunk-ensemble/ship.sh and lp-ft/ship.sh, run from the repository root).
#   ship_candidate NOTES RUNS TRAIN_SH PLACE [card]
#     PLACE OUT puts the candidate's weights and card at OUT (models/$SIGNATURE_NAME, by default
#     signature-fast160x80-cedar: the 160×80 models of sessions 20–25; input-size/ship.sh names its own), after removing
#     any other models/signature-*-cedar (one shipped signature model: test/training/fixtures/shipped-signature-model.ts);
#     then the card text, the thresholds at validation FAR $FAR and the records below. With `card`: only re-apply the
#     card text.
#   apply_card_text OUT NOTES_FILE        the card's name (OUT's directory name), notes and intendedUse
#                                         (intended-use.json beside NOTES_FILE: each candidate keeps its own, so
#                                         re-shipping an earlier one restores its text)
#   calibrate_and_record OUT FAR RUNS TRAIN_SH
#     thresholds at validation FAR (recalibrate.sh), the validation-writer evaluations, the cross-validation of the
#     recipe's fold models in RUNS (TRAIN_SH measure) and its target-FAR sweep, each recorded into OUT's card.
#     FOLDS (default "0 1 2 3") and CV_RECORD (default cedar-writer-cv) name the folds and the records, for a
#     candidate decided on the selection folds 0–1 alone (five-trunks/RULE.md)
apply_card_text() {
  node -e '
const fs = require("fs");
const [card, use, notes, name] = process.argv.slice(1);
const c = JSON.parse(fs.readFileSync(card));
c.name = name;
c.intendedUse = JSON.parse(fs.readFileSync(use));
c.notes = fs.readFileSync(notes, "utf8").trim().replace(/\s*\n\s*/g, " ");
fs.writeFileSync(card, JSON.stringify(c, null, 2) + "\n");
' "$1/model-card.json" "$(dirname "$2")/intended-use.json" "$2" "$(basename "$1")"
}
calibrate_and_record() {
  local out=$1 far=$2 runs=$3 train=$4
  local R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
  MODEL=$out FAR=$far bash docs/experiments/signatures/recalibrate.sh || return 1
  $R eval "$out" @splits/cedar/validation-writers.txt --record cedar-validation-writers > /dev/null || return 1
  $R refs "$out" @splits/cedar/validation-writers.txt --record cedar-validation-writers-references > /dev/null || return 1
  local record=${CV_RECORD:-cedar-writer-cv} args=() k
  CARD=$out CV_RECORD=$record bash "$train" measure || return 1
  for k in ${FOLDS:-0 1 2 3}; do args+=("$runs/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"); done
  $R sweep 0.005,0.01,0.015,0.02 @splits/cedar/validation-writers.txt "${args[@]}" --card "$out" --record "$record-target-far" > /dev/null
}
ship_candidate() {
  local notes=$1 runs=$2 train=$3 place=$4 mode=${5:-} out=models/${SIGNATURE_NAME:-signature-fast160x80-cedar} d
  if [ "$mode" = card ]; then apply_card_text "$out" "$notes"; return; fi
  local far=${FAR:?FAR=the target chosen by session 8s rule on the sweep}
  "$place" "$out" || return 1
  for d in models/signature-*-cedar; do [ "$d" = "$out" ] || rm -rf "$d"; done
  apply_card_text "$out" "$notes"
  calibrate_and_record "$out" "$far" "$runs" "$train"
}
