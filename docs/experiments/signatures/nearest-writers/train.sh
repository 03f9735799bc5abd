#!/bin/bash
# Rule NEAR (RULE.md beside this file, written in session 46): HL0 with half of the other-writer negatives drawn among
# the anchor writer's 5 nearest writers (--hard-writers 0.5).
#   bash docs/experiments/signatures/nearest-writers/train.sh screen    # HN0 on folds 0–3, two at a time (~75 min), then keep
#   bash docs/experiments/signatures/nearest-writers/train.sh measure   # HN0 over the 34 writers, paired with HL0's kept
#                                                                       # scores; random forgeries per fold, HN0 and HL0
# Rule NEAR-ENSEMBLE (RULE-ensemble.md, session 47): HN, HN0 and two more members served as HL is.
#   bash docs/experiments/signatures/nearest-writers/train.sh members [K…] # members 1 and 2 (trunks 1, 2, seeds 103, 104)
#                                                                       # on folds K (default 0–3): both members of a fold
#                                                                       # at once (~35–38 min a fold), kept as it ends
#   bash docs/experiments/signatures/nearest-writers/train.sh decide    # each fold's three joined and served as HL's
#                                                                       # (0.5 %, SPREAD β = ½); skilled EER paired with
#                                                                       # HL's served folds; CV-THRESHOLDS and RANDOM-CV
#                                                                       # for HN (no card touched); decide.py; random
#                                                                       # forgeries of both ensembles per fold (~20 min)
#   bash docs/experiments/signatures/nearest-writers/train.sh keep|restore  # runs/mM/ beside this file (M = 0, 1, 2)
# Rule MULTIREF (RULE-multiref.md, session 48): HN's final members on all 34 writers, for the opt-in second card.
#   bash docs/experiments/signatures/nearest-writers/train.sh final [M…]  # members M (default 0 1 2) on all 34 writers:
#                                                                       # 0 and 1 at once, then 2 (~30 + ~17 min), each
#                                                                       # card checked and kept as it ends; with all
#                                                                       # three there, joined at .runs/$prefix
#   bash docs/experiments/signatures/nearest-writers/train.sh check-final # the three final members' cards (ship.sh)
cd "$(dirname "$0")/../../../.." || exit 1
source docs/experiments/signatures/trunk-lib.sh
here=docs/experiments/signatures/nearest-writers
prefix=signature-near50-input256x160-steps
flags="--input-size 256x160 --steps 760 --epochs 19 --max-minutes 150 --hard-writers 0.5"
check='c.hyperparameters.forgeries.hardWriterShare === 0.5'
# RULE-ensemble.md's second amendment: a member that the recipe's own early stop (patience 12 from the start) ended
# before 760 steps is scored as it is; one the clock stopped is not
card="c.preprocessing.width === 256 && c.preprocessing.height === 160 && c.training.steps <= 760 &&
  c.hyperparameters.epochs === 19 && c.hyperparameters.patience === 12 && c.training.budgetBound === false && $check"
what="say 256x160, at most 760 steps (19 epochs, patience 12), an unbound clock and a hard-writer share of 0.5"
# RULE-multiref.md step 1: a final member whose card says otherwise is rerun, not used (`final` checks each as it ends,
# ship.sh all three again through `check-final`)
check_final() {
  local dir=.runs/$prefix-m$1/all
  [ -f "$dir/model.json" ] || { echo "final member $1 was not trained: bash $here/train.sh final $1" >&2; return 1; }
  node -e "const c=require(process.argv[1]);process.exit(($card)?0:1)" "$PWD/$dir/model-card.json" ||
    { echo "final member $1: the card does not $what; rerun it: rm -rf $dir* $here/runs/m$1/all*" >&2; return 1; }
}
case "${1:-}" in
  check-final) for m in 0 1 2; do check_final "$m" || exit 1; done ;;
  keep | restore) for m in 0 1 2; do keep_or_restore "$1" ".runs/$prefix-m$m" "$here/runs/m$m" || exit 1; done ;;
  members)
    folds=("${@:2}")
    [ ${#folds[@]} -gt 0 ] || folds=(0 1 2 3)
    bash "$here/train.sh" restore || exit 1
    for k in "${folds[@]}"; do
      bash docs/experiments/signatures/member-screen.sh "$prefix" hn "$flags" pair "$k" || exit 1
      for m in 1 2; do
        # a fold whose card says otherwise is rerun, not scored (RULE-ensemble.md): `members` skips a trained fold
        check_folds_of ".runs/$prefix-m$m" "$k" "$card" "$what" ||
          { echo "rerun it: rm -rf .runs/$prefix-m$m/fold-$k* $here/runs/m$m/fold-$k*" >&2; exit 1; }
      done
      bash "$here/train.sh" keep || exit 1
    done ;;
  decide)
    R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
    cv=.runs/$prefix-cv hl_cv=.runs/signature-input256x160-steps-cv
    scale=docs/experiments/signatures/scale rt=docs/experiments/signatures/random-threshold
    bash "$here/train.sh" restore && bash "$scale/train.sh" restore || exit 1
    for m in 0 1 2; do check_folds ".runs/$prefix-m$m" "$card" "say $what (member $m)" || exit 1; done
    mkdir -p "$cv"
    npm run build --silent || exit 1 # recalibrate.sh runs the compiled CLI
    join_three_folds "$prefix" 0 1 2 3 || exit 1
    serve_folds "$cv" 0.005 || exit 1
    mapfile -t served < <(test_folds "$cv/served-far0.005")
    $R cv "${served[@]}" --scores "$here/hn-served-scores.json.gz" > "$here/hn-served.json" &&
      $R paired "$scale/hl-served-scores.json.gz" "$here/hn-served-scores.json.gz" > "$here/hn-vs-hl.json" &&
      python3 docs/experiments/signatures/backend/cv-thresholds.py "$here/hn-served-scores.json.gz" 0.03 \
        > "$here/cv-thresholds-hn.json" &&
      node test/retraining/fixtures/ts-run.js "$rt/scores.ts" "$here/random-cv-scores-hn.json.gz" "${served[@]}" &&
      python3 "$rt/random-cv.py" "$here/random-cv-scores-hn.json.gz" "$here/cv-thresholds-hn.json" > "$here/random-cv-hn.json" ||
      exit 1
    python3 "$here/decide.py" "$here/hn-vs-hl.json" "$here/random-cv-hn.json" "$rt/random-cv.json" \
      "$here/random-cv-scores-hn.json.gz" "$rt/random-cv-scores.json.gz" "$here/cv-thresholds-hn.json" \
      > "$here/decision.json.tmp"
    status=$?
    case $status in 0 | 3) mv "$here/decision.json.tmp" "$here/decision.json" ;; *) exit 1 ;; esac
    # reported only: random forgeries of both served ensembles (HL's served folds come from ../scale/train.sh decide,
    # which rewrites committed comparators: serve them again with serve_fold rather than that)
    for k in 0 1 2 3; do
      [ -f "$hl_cv/served-far0.005/fold-$k/done" ] ||
        { echo "HL's fold $k is not served in $hl_cv/served-far0.005: serve_fold $hl_cv/fold-$k …" >&2; exit 1; }
    done
    mkdir -p "$here/random-forgeries"
    for k in 0 1 2 3; do
      $R eval "$cv/served-far0.005/fold-$k" "@splits/cedar/cv/fold-$k-test-writers.txt" > "$here/random-forgeries/hn-fold-$k.json" &&
        $R eval "$hl_cv/served-far0.005/fold-$k" "@splits/cedar/cv/fold-$k-test-writers.txt" \
          > "$here/random-forgeries/hl-fold-$k.json" || exit 1
    done
    exit "$status" ;;
  final)
    members=("${@:2}")
    [ ${#members[@]} -gt 0 ] || members=(0 1 2)
    bash "$here/train.sh" restore || exit 1
    while [ ${#members[@]} -gt 0 ]; do
      group=("${members[@]:0:2}")
      members=("${members[@]:2}")
      # member-screen.sh's `final` trains the group two at a time and joins the three once all are there; it exits 0
      # when a run fails (a bare `wait`), so each member is checked here
      bash docs/experiments/signatures/member-screen.sh "$prefix" hn "$flags" final "${group[@]}" || exit 1
      for m in "${group[@]}"; do check_final "$m" || exit 1; done
      bash "$here/train.sh" keep || exit 1
    done ;;
  *) hl0_variant "${1:-}" "$here" "$prefix" hn "$flags" "$check" "a hard-writer share of 0.5" ;;
esac
