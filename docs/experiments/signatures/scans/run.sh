#!/bin/bash
# SCANS (RULE.md beside this file, session 40): H and I, as served, on every pair of the 34 cross-validated writers
# rendered as simulated full-resolution scans, and on the 220×155 copy, paired; then the summary into H's card.
#   bash docs/experiments/signatures/scans/run.sh          # ~30 min to render once (2 GB, .runs/cedar-scans), ~10 to score
#   bash docs/experiments/signatures/scans/run.sh record   # only the card's record, from the results here
# Needs H's served fold ensembles (FAR=0.005 ../height/measure-served.sh); I's at β = ½ are remade from
# ../input-size/folds when missing. Every run re-scores (ship-steps.sh runs it after re-serving H's folds).
# Session 44: SHIP_PREFIX, SHIP_NAME, SHIP_DIR, SHIP_LETTER and SHIP_TITLE (../height/ship-steps.sh's) put another
# candidate in H's place: its folds served at 0.5 %, its card, its rescored check against $SHIP_DIR/$SHIP_LETTER-served-*,
# its results in $SHIP_DIR/scans/ named by its letter (H's here stay H's), the record named as run through
# $SHIP_DIR/ship.sh. CMP (file letter, default i), CMP_TITLE (I), CMP_WHAT (the record's description) and CMP_SERVED (its
# folds; only I's are remade when missing) put another comparator in I's place; CMP_SCORES=DIR reads its $CMP-scores,
# $CMP-scans-scores and $CMP-scans-cost from DIR instead of scoring it (renders are deterministic: per-image seeds), so a
# candidate can be paired with a model whose served folds are gone: HL with H's of session 40 (../scale/ship.sh sets
# them). Its rates (i-scans-rates for I) are not in the record: not made then. .runs/cedar-scans is reused.
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/scans scans=.runs/cedar-scans
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
# the candidate: its served folds, card, served scores (the check), file letter and title
served=.runs/${SHIP_PREFIX:-signature-input224x144-steps}-cv/served-far0.005
card=models/${SHIP_NAME:-signature-fast224x144-cedar}/model-card.json
check=${SHIP_DIR:-docs/experiments/signatures/height}/${SHIP_LETTER:-hs}-served-scores.json.gz
m=${SHIP_LETTER:-h} title=${SHIP_TITLE:-H}
out=$here command="bash $here/run.sh" aspect="bash $here/aspect.sh" measure="FAR=0.005 height/measure-served.sh"
if [ -n "${SHIP_DIR:-}" ]; then
  out=$SHIP_DIR/scans command="bash $SHIP_DIR/ship.sh scans/run.sh" aspect="bash $SHIP_DIR/ship.sh scans/aspect.sh"
  measure="$SHIP_DIR/ship.sh measure-served.sh"
fi
# the comparator: I's by default; its scores are made into $out unless CMP_SCORES names where they are kept
cmp_served=${CMP_SERVED:-.runs/signature-input224-cv/shift-0.5} cmp=${CMP:-i} cmp_title=${CMP_TITLE:-I}
cmp_what=${CMP_WHAT:-"I's (served at 2 %, sessions 34-37)"} cmp_dir=${CMP_SCORES:-$out}
folds_of() { local k; for k in 0 1 2 3; do echo "$1/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"; done; }
case "${1:-}" in "" | record) ;; *) echo "usage: run.sh [record]" >&2; exit 2 ;; esac
if [ -n "${CMP_SCORES:-}" ]; then
  for f in "$cmp-scores.json.gz" "$cmp-scans-scores.json.gz" "$cmp-scans-cost.json"; do
    [ -s "$cmp_dir/$f" ] || { echo "CMP_SCORES=$cmp_dir has no $f" >&2; exit 1; }
  done
fi
if [ "${1:-}" != record ]; then
  for k in 0 1 2 3; do
    [ -f "$served/fold-$k/done" ] || { echo "$title's served fold $k is missing: run $measure" >&2; exit 1; }
    [ -z "${CMP_SCORES:-}" ] || continue
    [ -f "$cmp_served/fold-$k/model.json" ] || [ -z "${CMP_SERVED:-}" ] ||
      { echo "$cmp_title's served fold $k is missing ($cmp_served): serve it, or name CMP_SCORES=DIR" >&2; exit 1; }
    # FAR pinned: ship-steps.sh runs this with FAR=0.005 (H's) in its environment, and I is served at 2 %
    [ -f "$cmp_served/fold-$k/model.json" ] || FAR=0.02 SHIFT=0.5 bash docs/experiments/signatures/input-size/record.sh folds || exit 1
  done
  mkdir -p "$out" || exit 1
  # the copy is rendered once and reused: remove .runs/cedar-scans after changing scanScan or scan-copy.ts
  if [ ! -d "$scans" ]; then
    # shellcheck disable=SC2046
    node test/retraining/fixtures/ts-run.js $here/scan-copy.ts "$scans" \
      $(for k in 0 1 2 3; do echo "@splits/cedar/cv/fold-$k-test-writers.txt"; done) || exit 1
  fi
  score() { # NAME MODELS [DATASET]: through temporary names, so that an interrupted run leaves no result behind
    # shellcheck disable=SC2046
    $R cv $(folds_of "$2") ${3:+--dataset "$3"} --scores "$out/$1-scores.tmp.json.gz" > "$out/$1.json.tmp" &&
      mv "$out/$1-scores.tmp.json.gz" "$out/$1-scores.json.gz" && mv "$out/$1.json.tmp" "$out/$1.json"
  }
  # the comparator's only when its scores are not kept elsewhere (CMP_SCORES)
  cmp_score() { [ -n "${CMP_SCORES:-}" ] || score "$@"; }
  score "$m-scans" "$served" "$scans" && cmp_score "$cmp-scans" "$cmp_served" "$scans" &&
    score "$m" "$served" && cmp_score "$cmp" "$cmp_served" || exit 1
  # every result through a temporary name too
  pair() { $R paired "$1" "$2" > "$out/$3.json.tmp" && mv "$out/$3.json.tmp" "$out/$3.json" || exit 1; }
  pair "$check" "$out/$m-scores.json.gz" "$m-rescored-check"
  pair "$cmp_dir/$cmp-scans-scores.json.gz" "$out/$m-scans-scores.json.gz" "$m-vs-$cmp-scans"
  pair "$cmp_dir/$cmp-scores.json.gz" "$out/$m-scores.json.gz" "$m-vs-$cmp"
  pair "$out/$m-scores.json.gz" "$out/$m-scans-scores.json.gz" "$m-scans-cost"
  [ -n "${CMP_SCORES:-}" ] || pair "$cmp_dir/$cmp-scores.json.gz" "$cmp_dir/$cmp-scans-scores.json.gz" "$cmp-scans-cost"
  node test/retraining/fixtures/ts-run.js $here/contrast.ts "$out/$m-scores.json.gz" "$out/$m-scans-scores.json.gz" \
    "$cmp_dir/$cmp-scores.json.gz" "$cmp_dir/$cmp-scans-scores.json.gz" "$title" "$cmp_title" > "$out/contrast.json.tmp" &&
    mv "$out/contrast.json.tmp" "$out/contrast.json" || exit 1
  # added after the first results (reported): the rates at the served thresholds, scans against the copy, paired
  # (the comparator's only when made here: the record reads the candidate's)
  rated=("$m")
  [ -n "${CMP_SCORES:-}" ] || rated+=("$cmp")
  for x in "${rated[@]}"; do
    node test/retraining/fixtures/ts-run.js $here/rates.ts "$out/$x-scores.json.gz" "$out/$x-scans-scores.json.gz" > "$out/$x-scans-rates.json.tmp" &&
      mv "$out/$x-scans-rates.json.tmp" "$out/$x-scans-rates.json" || exit 1
  done
fi
# the summary into the shipped card (evaluations.cedar-writer-cv-scans), only with `record`: it also reads aspect.sh's
# results, which must be made from these scores first (ship-steps.sh: run.sh, aspect.sh, run.sh record)
[ "${1:-}" = record ] || { echo "SCANS measured: now aspect.sh, then run.sh record"; exit 0; }
python3 - "$out" "$card" "$m" "$title" "$cmp" "$cmp_title" "$cmp_what" "$cmp_dir" "$command" "$aspect" <<'PY' || exit 1
import json, sys
here, card_file, m, title, cmp, cmp_title, cmp_what, cmp_dir, command, aspect = sys.argv[1:11]
load = lambda name: json.load(open(f"{here}/{name}.json"))
# the keys from the file letters, so that H's (h, i) stay hMinusIScans, scansCostHMinusI, …
cap = lambda letter: letter[:1].upper() + letter[1:]
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
    "what": f"{title}'s four fold ensembles (served at 0.5 %; R-reference rates at their validation-writer t_R, before CV-THRESHOLDS) and "
            f"{cmp_what} on every pair of their held-out writers, each image rendered once as a simulated "
            "full-resolution scan (signature-measure.ts scanScan: 3-4.5x enlarged, aspect +-25 %, margins, paper grey, noise, specks) "
            "and on the 220x155 copy; pooled over the 34 writers, EERs paired (2,000 writer draws)",
    "rule": "docs/experiments/signatures/scans/RULE.md (session 40, exploratory: reported, decides nothing)",
    "scans": rows(load(f"{m}-scans")),
    "copy220x155": rows(load(m)),
    f"{m}Minus{cap(cmp)}Scans": paired(load(f"{m}-vs-{cmp}-scans")),
    f"{m}Minus{cap(cmp)}220x155": paired(load(f"{m}-vs-{cmp}")),
    "scansMinus220x155": {m: paired(load(f"{m}-scans-cost")), cmp: paired(json.load(open(f"{cmp_dir}/{cmp}-scans-cost.json")))},
    f"scansCost{cap(m)}Minus{cap(cmp)}": paired(load("contrast"), "contrast"),
    "ratesScansMinus220x155": rates(load(f"{m}-scans-rates")),
    # aspect.sh (session 40): the same scans with one aspect change per writer instead of one per image
    "oneAspectPerWriter": {
        "what": "the same 34 writers rendered with the same scale, margin and paper draws but one aspect change per writer (both classes) "
                f"instead of one per image (scan-copy.ts --aspect writer): {title}, and {cmp_title} for {title} - {cmp_title}; "
                "paired with the copy and with the per-image scans",
        "scans": rows(load(f"{m}-aspect")),
        "minus220x155": paired(load(f"{m}-aspect-vs-{m}")),
        "minusOneAspectPerImage": paired(load(f"{m}-aspect-vs-{m}-scans")),
        f"{m}Minus{cap(cmp)}": paired(load(f"{m}-vs-{cmp}-aspect")),
        "ratesMinus220x155": rates(load(f"{m}-aspect-rates-vs-{m}")),
        "ratesMinusOneAspectPerImage": rates(load(f"{m}-aspect-rates-vs-{m}-scans")),
        "command": aspect,
    },
    "command": command,
}
with open(card_file, "w") as handle:
    handle.write(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
PY
# Python writes small numbers as 1e-05 where the CLI (JavaScript) writes 0.00001: rewrite the card as the CLI does,
# so that a record changes only its own lines
node -e 'const f=process.argv[1]; require("fs").writeFileSync(f, JSON.stringify(JSON.parse(require("fs").readFileSync(f, "utf8")), null, 2) + "\n")' \
  "$card" || exit 1
if [ -z "${CMP_SCORES:-}" ]; then
  echo "SCANS measured and recorded: $out/{$m-vs-$cmp-scans,$m-vs-$cmp,$m-scans-cost,$cmp-scans-cost,contrast}.json, evaluations.cedar-writer-cv-scans"
else
  echo "SCANS measured and recorded: $out/{$m-vs-$cmp-scans,$m-vs-$cmp,$m-scans-cost,contrast}.json ($cmp_title's kept in $cmp_dir)," \
    "evaluations.cedar-writer-cv-scans"
fi
