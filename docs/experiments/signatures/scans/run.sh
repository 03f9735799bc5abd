#!/bin/bash
# SCANS (RULE.md beside this file, session 40): H and I, as served, on every pair of the 34 cross-validated writers
# rendered as simulated full-resolution scans, and on the 220×155 copy, paired; then the summary into H's card.
#   bash docs/experiments/signatures/scans/run.sh          # ~30 min to render once (2 GB, .runs/cedar-scans), ~10 to score
#   bash docs/experiments/signatures/scans/run.sh record   # only the card's record, from the results here
# Needs H's served fold ensembles (FAR=0.005 ../height/measure-served.sh); I's at β = ½ are remade from
# ../input-size/folds when missing. Every run re-scores (ship-steps.sh runs it after re-serving H's folds).
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/scans scans=.runs/cedar-scans
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
h=.runs/signature-input224x144-steps-cv/served-far0.005 i=.runs/signature-input224-cv/shift-0.5
folds_of() { local k; for k in 0 1 2 3; do echo "$1/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"; done; }
case "${1:-}" in "" | record) ;; *) echo "usage: run.sh [record]" >&2; exit 2 ;; esac
if [ "${1:-}" != record ]; then
  for k in 0 1 2 3; do
    [ -f "$h/fold-$k/done" ] || { echo "H's served fold $k is missing: run FAR=0.005 height/measure-served.sh" >&2; exit 1; }
    # FAR pinned: ship-steps.sh runs this with FAR=0.005 (H's) in its environment, and I is served at 2 %
    [ -f "$i/fold-$k/model.json" ] || FAR=0.02 SHIFT=0.5 bash docs/experiments/signatures/input-size/record.sh folds || exit 1
  done
  # the copy is rendered once and reused: remove .runs/cedar-scans after changing scanScan or scan-copy.ts
  if [ ! -d "$scans" ]; then
    # shellcheck disable=SC2046
    node test/retraining/fixtures/ts-run.js $here/scan-copy.ts "$scans" \
      $(for k in 0 1 2 3; do echo "@splits/cedar/cv/fold-$k-test-writers.txt"; done) || exit 1
  fi
  score() { # NAME MODELS [DATASET]: through temporary names, so that an interrupted run leaves no result behind
    # shellcheck disable=SC2046
    $R cv $(folds_of "$2") ${3:+--dataset "$3"} --scores "$here/$1-scores.tmp.json.gz" > "$here/$1.json.tmp" &&
      mv "$here/$1-scores.tmp.json.gz" "$here/$1-scores.json.gz" && mv "$here/$1.json.tmp" "$here/$1.json"
  }
  score h-scans "$h" "$scans" && score i-scans "$i" "$scans" && score h "$h" && score i "$i" || exit 1
  # every result through a temporary name too
  pair() { $R paired "$1" "$2" > "$here/$3.json.tmp" && mv "$here/$3.json.tmp" "$here/$3.json" || exit 1; }
  pair docs/experiments/signatures/height/hs-served-scores.json.gz "$here/h-scores.json.gz" h-rescored-check
  pair "$here/i-scans-scores.json.gz" "$here/h-scans-scores.json.gz" h-vs-i-scans
  pair "$here/i-scores.json.gz" "$here/h-scores.json.gz" h-vs-i
  pair "$here/h-scores.json.gz" "$here/h-scans-scores.json.gz" h-scans-cost
  pair "$here/i-scores.json.gz" "$here/i-scans-scores.json.gz" i-scans-cost
  node test/retraining/fixtures/ts-run.js $here/contrast.ts "$here"/{h,h-scans,i,i-scans}-scores.json.gz > "$here/contrast.json.tmp" &&
    mv "$here/contrast.json.tmp" "$here/contrast.json" || exit 1
  # added after the first results (reported): the rates at the served thresholds, scans against the copy, paired
  for m in h i; do
    node test/retraining/fixtures/ts-run.js $here/rates.ts "$here/$m-scores.json.gz" "$here/$m-scans-scores.json.gz" > "$here/$m-scans-rates.json.tmp" &&
      mv "$here/$m-scans-rates.json.tmp" "$here/$m-scans-rates.json" || exit 1
  done
fi
# the summary into the shipped card (evaluations.cedar-writer-cv-scans), only with `record`: it also reads aspect.sh's
# results, which must be made from these scores first (ship-steps.sh: run.sh, aspect.sh, run.sh record)
[ "${1:-}" = record ] || { echo "SCANS measured: now aspect.sh, then run.sh record"; exit 0; }
python3 - "$here" models/signature-fast224x144-cedar/model-card.json <<'PY' || exit 1
import json, sys
here, card_file = sys.argv[1], sys.argv[2]
load = lambda name: json.load(open(f"{here}/{name}.json"))
def rows(result):
    return {str(p["references"]): {k: round(p[k]["value"], 4) for k in ("eer", "farForgeries", "frrGenuine") if k in p}
            for p in result["pooled"] if p["references"] in (1, 5, 10)}
def rates(result):
    return {str(b["references"]): {k: {"difference": round(b[k]["value"], 4), "ci95": [round(v, 4) for v in b[k]["ci95"]]}
                                   for k in ("frrDifference", "farDifference")}
            for b in result["byReferences"] if b["references"] == 1}
def paired(result, key="difference"):
    return {str(b["references"]): {"difference": round(b[key], 4), "ci95": [round(v, 4) for v in b["interval"]]}
            for b in result["byReferences"] if b["references"] in (1, 5, 10)}
card = json.load(open(card_file))
card["evaluations"]["cedar-writer-cv-scans"] = {
    "what": "H's four fold ensembles (served at 0.5 %; R-reference rates at their validation-writer t_R, before CV-THRESHOLDS) and "
            "I's (served at 2 %, sessions 34-37) on every pair of their held-out writers, each image rendered once as a simulated "
            "full-resolution scan (signature-measure.ts scanScan: 3-4.5x enlarged, aspect +-25 %, margins, paper grey, noise, specks) "
            "and on the 220x155 copy; pooled over the 34 writers, EERs paired (2,000 writer draws)",
    "rule": "docs/experiments/signatures/scans/RULE.md (session 40, exploratory: reported, decides nothing)",
    "scans": rows(load("h-scans")),
    "copy220x155": rows(load("h")),
    "hMinusIScans": paired(load("h-vs-i-scans")),
    "hMinusI220x155": paired(load("h-vs-i")),
    "scansMinus220x155": {"h": paired(load("h-scans-cost")), "i": paired(load("i-scans-cost"))},
    "scansCostHMinusI": paired(load("contrast"), "contrast"),
    "ratesScansMinus220x155": rates(load("h-scans-rates")),
    # aspect.sh (session 40): the same scans with one aspect change per writer instead of one per image
    "oneAspectPerWriter": {
        "what": "the same 34 writers rendered with the same scale, margin and paper draws but one aspect change per writer (both classes) "
                "instead of one per image (scan-copy.ts --aspect writer): H, and I for H - I; paired with the copy and with the per-image scans",
        "scans": rows(load("h-aspect")),
        "minus220x155": paired(load("h-aspect-vs-h")),
        "minusOneAspectPerImage": paired(load("h-aspect-vs-h-scans")),
        "hMinusI": paired(load("h-vs-i-aspect")),
        "ratesMinus220x155": rates(load("h-aspect-rates-vs-h")),
        "ratesMinusOneAspectPerImage": rates(load("h-aspect-rates-vs-h-scans")),
        "command": "bash docs/experiments/signatures/scans/aspect.sh",
    },
    "command": "bash docs/experiments/signatures/scans/run.sh",
}
with open(card_file, "w") as handle:
    handle.write(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
PY
# Python writes small numbers as 1e-05 where the CLI (JavaScript) writes 0.00001: rewrite the card as the CLI does,
# so that a record changes only its own lines
node -e 'const f=process.argv[1]; require("fs").writeFileSync(f, JSON.stringify(JSON.parse(require("fs").readFileSync(f, "utf8")), null, 2) + "\n")' \
  models/signature-fast224x144-cedar/model-card.json || exit 1
echo "SCANS measured and recorded: $here/{h-vs-i-scans,h-vs-i,h-scans-cost,i-scans-cost,contrast}.json, evaluations.cedar-writer-cv-scans"
