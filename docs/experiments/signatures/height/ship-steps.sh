#!/bin/bash
# Session 37: what follows if rule HEIGHT-STEPS' step 2 passes (RULE-steps.md beside this file): H, I's recipe at a
# 224×144 input for I0′'s 760 steps, as models/signature-fast224x144-cedar in place of I
# (models/signature-fast224x112-cedar), shipped as input-size/ship.sh shipped I (session 34): three final members on
# all 34 writers joined, thresholds at the target session 8's rule chooses over the 34 writers (the largest f in
# {0.5, 1, 1.5, 2} % whose pooled verify forgery FAR is ≤ 5 %, read from hs-sweep.json, which decide-steps.sh writes),
# SPREAD β = ½ as served, and the card's records read from step 2's recalibrated fold ensembles.
#   bash docs/experiments/signatures/height/ship-steps.sh final         the final members, one run at a time (~20 min
#                                                                       each alone), each kept in steps-runs/mM/all
#   FAR=f bash docs/experiments/signatures/height/ship-steps.sh         ship (needs decide-steps.sh's folds and, for
#                                                                       f ≠ 0.02, FAR=f measure-served.sh's; ~15 min)
#   bash docs/experiments/signatures/height/ship-steps.sh card          only re-apply intendedUse and notes
#   FAR=f bash docs/experiments/signatures/height/ship-steps.sh api     record measure-served.sh's API runs in the card
#                                                                       (shipping does it when they are there, then
#                                                                       ../backend/cv-thresholds.sh: rule CV-THRESHOLDS)
#   CARD=… CV_RECORD=… bash docs/experiments/signatures/height/ship-steps.sh measure   ship-lib.sh's TRAIN_SH measure
# Shipping also renames the model in what names it (README.md, docs/signatures.md, docs/domains.md): the script does not.
# Session 43: SHIP_PREFIX, SHIP_NAME, SHIP_DIR (notes.txt, intended-use.json), SHIP_TRAIN (keep|restore|final),
# SHIP_DECIDED (the fold ensembles its decision served, SPREAD cards) and SHIP_DECIDED_FAR (their target) ship another
# candidate the same way; each defaults to H's (../scale/ship.sh sets HL's).
# Session 44: SHIP_TITLE (its name in the records' texts, default H) joins them, and the chain after the API records
# (CV-THRESHOLDS, BREAKAGE, the simulated scans) takes them too, writing into SHIP_DIR under SHIP_LETTER (with scans/run.sh's
# CMP_* for its comparator), so it runs for another candidate as for H; without SHIP_DIR, SHIP_LETTER and SHIP_TITLE it
# would write over H's results, so another candidate's ship stops before shipping when one is missing.
cd "$(dirname "$0")/../../../.." || exit 1
source docs/experiments/signatures/ship-lib.sh
source docs/experiments/signatures/trunk-lib.sh
here=docs/experiments/signatures/height steps=${SHIP_TRAIN:-docs/experiments/signatures/height/train-steps.sh}
prefix=${SHIP_PREFIX:-signature-input224x144-steps} name=${SHIP_NAME:-signature-fast224x144-cedar}
texts=${SHIP_DIR:-$here} cv=.runs/$prefix-cv
spread=${SHIP_DECIDED:-$cv/spread} decided_far=${SHIP_DECIDED_FAR:-0.02} letter=${SHIP_LETTER:-hs}
# another candidate's chain below (CV-THRESHOLDS, BREAKAGE, scans) writes into its own SHIP_DIR, letter and title
other=${SHIP_PREFIX:-}${SHIP_NAME:-}${SHIP_DIR:-}${SHIP_TRAIN:-}${SHIP_DECIDED:-}${SHIP_DECIDED_FAR:-}${SHIP_LETTER:-}${SHIP_TITLE:-}
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
export SHIFT=0.5 # recalibrate.sh: verifyIdentity's rule SPREAD, as I is served
# the fold ensembles as served at the shipping target: decide-steps.sh's at 2 %, measure-served.sh's at any other
served=$spread
[ "${FAR:-$decided_far}" = "$decided_far" ] || served=$cv/served-far$FAR
folds_ready() {
  local k
  for k in 0 1 2 3; do
    [ -f "$spread/fold-$k/done" ] ||
      { echo "no recalibrated fold $k in $spread: run $here/decide-steps.sh (HL: scale/train.sh decide) first" >&2; return 1; }
    [ -f "$served/fold-$k/done" ] ||
      { echo "no fold $k served at $FAR: run FAR=$FAR $here/measure-served.sh (HL: scale/ship.sh) first" >&2; return 1; }
  done
}
case "${1:-}" in
  final)
    bash "$steps" restore || exit 1
    for m in 0 1 2; do
      # one at a time: alone a 224×144 run makes ~22 pairs/s, two at once ~11 each (session 36)
      # member-screen.sh's `final` exits 0 when a run fails (a bare `wait`): check for the member itself
      bash "$steps" final "$m"
      [ -f ".runs/$prefix-m$m/all/model.json" ] || { echo "final member $m was not trained" >&2; exit 1; }
      bash "$steps" keep || exit 1
    done ;;
  measure)
    folds_ready || exit 1
    # shellcheck disable=SC2046
    $R cv $(test_folds "$served") --card "${CARD:?}" --record "${CV_RECORD:-cedar-writer-cv}" \
      > "$cv/$letter-recorded.json" ;;
  card | "")
    # the card's texts, written for H after its final members were measured (input-size/ has I's)
    for t in notes.txt intended-use.json; do [ -f "$texts/$t" ] || { echo "write $texts/$t first" >&2; exit 1; }; done
    # checked before shipping: the chain at the end would write another candidate's results over H's
    if [ -z "${1:-}" ] && [ -n "$other" ] &&
      { [ -z "${SHIP_DIR:-}" ] || [ -z "${SHIP_LETTER:-}" ] || [ -z "${SHIP_TITLE:-}" ]; }; then
      echo "another candidate ($name): name SHIP_DIR, SHIP_LETTER and SHIP_TITLE, or its chain writes over H's results" >&2
      exit 1
    fi
    [ "${1:-}" = card ] || { bash "$steps" restore && folds_ready; } || exit 1
    steps_place() { three_place "$1" "$prefix"; }
    SIGNATURE_NAME=$name ship_candidate "$texts/notes.txt" "$spread" "$here/ship-steps.sh" \
      steps_place "${1:-}" || exit 1
    [ "${1:-}" = card ] && exit 0
    # the tone check of step 2's fold ensembles (verify only, so the same under CENTROID and SPREAD; ~4 min)
    # shellcheck disable=SC2046
    $R tone $(test_folds "$cv") --card "models/$name" \
      --record cedar-writer-cv-tone > "$cv/$letter-tone-recorded.json" || exit 1
    if [ -s "$served/api3-fold-3.json" ]; then
      # then verifyIdentity's thresholds from the cross-validated writers (rule CV-THRESHOLDS, session 38)
      # then what the re-served folds owe to the ink's breakage (session 39; re-measured: the folds are new)
      # and every pair as full-resolution scans beside I (session 40, SCANS; aspect.sh pairs with run.sh's scores,
      # and the card's record reads both); another candidate's the same, its SHIP_* and CMP_* exported by its caller
      # (session 45: then rule RANDOM-CV on a candidate named by SHIP_*, HL's; H's default chain predates it)
      bash "$here/ship-steps.sh" api && bash docs/experiments/signatures/backend/cv-thresholds.sh &&
        { [ -z "${SHIP_NAME:-}" ] || bash docs/experiments/signatures/random-threshold/random-cv.sh; } &&
        bash docs/experiments/signatures/hard-writers/breakage.sh && bash docs/experiments/signatures/scans/run.sh &&
        bash docs/experiments/signatures/scans/aspect.sh && exec bash docs/experiments/signatures/scans/run.sh record
      exit 1
    fi
    echo "shipped; the API records wait for FAR=$FAR $here/measure-served.sh (HL: scale/ship.sh measure-served.sh)," \
      "then ship-steps.sh api and the chain from docs/experiments/signatures/backend/cv-thresholds.sh" \
      "(HL: scale/ship.sh backend/cv-thresholds.sh, …)" >&2 ;;
  api)
    # the served fold ensembles through the HTTP API (measure-served.sh), each call at the threshold it was served
    : "${FAR:?FAR=the shipped target (0.005 for H)}"
    folds_ready || exit 1
    # shellcheck disable=SC2046
    $R pool $(for k in 0 1 2 3; do echo "$served/api3-fold-$k.json"; done) --card "models/$name" \
      --record cedar-writer-cv-api > /dev/null || exit 1
    # shellcheck disable=SC2046
    $R pool $(for k in 0 1 2 3; do echo "$served/api-refs5-fold-$k.json"; done) --card "models/$name" \
      --record cedar-writer-cv-api-refs5 > /dev/null ;;
  *) echo "usage: ship-steps.sh final|card|measure|api, or FAR=f ship-steps.sh" >&2; exit 2 ;;
esac
