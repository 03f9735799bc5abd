#!/bin/bash
# Session 39: BREAKAGE (RULE-breakage.md beside this file). H's served fold ensembles (0.5 %) on CEDAR with one class's
# strokes mended (mend.ts), pooled over the 34 writers and paired with the scans as they are.
#   bash docs/experiments/signatures/hard-writers/breakage.sh          # needs FAR=0.005 height/measure-served.sh's folds
#   bash docs/experiments/signatures/hard-writers/breakage.sh record   # only the card's record, from the results here
# Session 44: SHIP_PREFIX, SHIP_NAME, SHIP_DIR, SHIP_LETTER and SHIP_TITLE (../height/ship-steps.sh's) measure another
# candidate the same way: its folds served at 0.5 % (.runs/$SHIP_PREFIX-cv/served-far0.005), paired with its own served
# scores ($SHIP_DIR/$SHIP_LETTER-served-*), results and breakage.svg in $SHIP_DIR/breakage/ (H's here stay H's), the
# record into its card under its title, named as run through $SHIP_DIR/ship.sh (HL: ../scale/ship.sh
# hard-writers/breakage.sh [record]). The mended copies (.runs/cedar-mended-*) do not depend on the model: reused.
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/hard-writers
served=.runs/${SHIP_PREFIX:-signature-input224x144-steps}-cv/served-far0.005
card=models/${SHIP_NAME:-signature-fast224x144-cedar}/model-card.json
base=${SHIP_DIR:-docs/experiments/signatures/height}/${SHIP_LETTER:-hs}-served title=${SHIP_TITLE:-H}
out=$here command="bash $here/breakage.sh" measure=docs/experiments/signatures/height/measure-served.sh
if [ -n "${SHIP_DIR:-}" ]; then
  out=$SHIP_DIR/breakage command="bash $SHIP_DIR/ship.sh hard-writers/breakage.sh" measure="$SHIP_DIR/ship.sh measure-served.sh"
fi
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
folds=()
[ "${1:-}" = record ] || for k in 0 1 2 3; do
  [ -f "$served/fold-$k/model.json" ] || { echo "no fold $k served at 0.5 %: run FAR=0.005 $measure" >&2; exit 1; }
  folds+=("$served/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt")
done
[ "${1:-}" = record ] || mkdir -p "$out" || exit 1
[ "${1:-}" = record ] || for which in forged genuine both; do
  data=.runs/cedar-mended-$which
  [ -d "$data" ] || node test/retraining/fixtures/ts-run.js $here/mend.ts "$data" "$which" || exit 1
  $R cv "${folds[@]}" --dataset "$data" --scores "$out/breakage-$which-scores.json.gz" > "$out/breakage-$which.json.tmp" &&
    mv "$out/breakage-$which.json.tmp" "$out/breakage-$which.json" || exit 1
  $R paired "$base-scores.json.gz" "$out/breakage-$which-scores.json.gz" > "$out/breakage-$which-vs-scans.json" || exit 1
done
if [ "${1:-}" != record ]; then
  # forgeries mended against both mended: the class difference with the closing itself paired out
  $R paired "$out/breakage-both-scores.json.gz" "$out/breakage-forged-scores.json.gz" > "$out/breakage-forged-vs-both.json" || exit 1
  # what the closing does to the pieces (writer-features.ts on the copy with both classes mended; the same for any
  # model, so another candidate's run writes it again beside its own results)
  node test/retraining/fixtures/ts-run.js $here/writer-features.ts .runs/cedar-mended-both > "$out/writer-features-mended-both.json" || exit 1
  python3 $here/plot-breakage.py "$out" "$base-scores.json.gz" "$title" > "$out/breakage.svg" || exit 1
fi
# the summary into the shipped card (evaluations.cedar-writer-cv-breakage): the folds are the candidate's, served at 0.5 %
python3 - "$out" "$card" "$base.json" "$title" "$command" <<'PY' || exit 1
import json, sys
here, card_file, base_file, title, command = sys.argv[1:6]
base = json.load(open(base_file))
def rows(result):
    out = {}
    for p in result["pooled"]:
        if p["references"] in (1, 5, 10):
            out[str(p["references"])] = {k: round(p[k]["value"], 4) for k in ("eer", "farForgeries", "frrGenuine") if k in p}
    return out
conditions = {"scans": rows(base)}
paired = {}
vs_both = {str(b["references"]): {"difference": round(b["difference"], 4), "ci95": [round(v, 4) for v in b["interval"]]}
           for b in json.load(open(f"{here}/breakage-forged-vs-both.json"))["byReferences"] if b["references"] in (1, 5, 10)}
for which in ("forged", "genuine", "both"):
    conditions[which] = rows(json.load(open(f"{here}/breakage-{which}.json")))
    paired[which] = {str(b["references"]): {"difference": round(b["difference"], 4), "ci95": [round(v, 4) for v in b["interval"]]}
                     for b in json.load(open(f"{here}/breakage-{which}-vs-scans.json"))["byReferences"] if b["references"] in (1, 5, 10)}
card = json.load(open(card_file))
card["evaluations"]["cedar-writer-cv-breakage"] = {
    "what": f"{title}'s four fold ensembles (served at 0.5 %; R-reference rates at their validation-writer t_R, before CV-THRESHOLDS) on "
            "their held-out writers with one class's ink mended by a 3x3 greyscale closing (gaps up to 2 px): forgeries only, "
            "genuine only, both; pooled over the 34 writers, and the EER paired with the scans as they are (2,000 writer draws)",
    "rule": "docs/experiments/signatures/hard-writers/RULE-breakage.md (session 39, exploratory: reported, decides nothing)",
    "conditions": conditions,
    "pairedEerDifference": paired,
    "forgedMendedMinusBothMended": vs_both,
    "command": command,
}
with open(card_file, "w") as handle:
    handle.write(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
PY
# Python writes small numbers as 1e-05 where the CLI (JavaScript) writes 0.00001: rewrite the card as the CLI does,
# so that a record changes only its own lines
node -e 'const f=process.argv[1]; require("fs").writeFileSync(f, JSON.stringify(JSON.parse(require("fs").readFileSync(f, "utf8")), null, 2) + "\n")' \
  "$card" || exit 1
