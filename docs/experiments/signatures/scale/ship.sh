#!/bin/bash
# Session 43: HL (rule SCALE, step 2 passed; RULE.md beside this file) measured and shipped the way H was, by H's
# scripts given HL's names and paths (SHIP_*; each script's defaults stay H's):
#   bash docs/experiments/signatures/scale/ship.sh measure-served.sh   the served fold ensembles (scale/train.sh decide's,
#                                                                      0.5 %, SPREAD) on random forgeries and through the
#                                                                      HTTP API: random-forgeries/, api/, hl-api3.json,
#                                                                      hl-api-refs5.json beside this file (~45 min alone
#                                                                      for H), resumable by fold
#   FAR=0.005 bash docs/experiments/signatures/scale/ship.sh ship-steps.sh
#                                                                      HL's final members joined as
#                                                                      models/signature-fast256x160-cedar in place of H,
#                                                                      its card's records, the API records and the chain
#                                                                      below (needs notes.txt and intended-use.json
#                                                                      beside this file, and the measurement above)
# Session 44: the chain after the API records takes the same parameters, and SHIP_TITLE=HL names HL in its records'
# texts. Its comparator is H in I's place, whose served folds are gone: H's scores on the very same renders (per-image
# seeds) are read from ../scans/, where session 40 kept them (CMP_*: scans/run.sh). Each step alone, in this order:
#   bash docs/experiments/signatures/scale/ship.sh backend/cv-thresholds.sh     rule CV-THRESHOLDS on HL's card:
#                                                                               cv-thresholds/ beside this file
#   bash docs/experiments/signatures/scale/ship.sh random-threshold/random-cv.sh   rule RANDOM-CV (session 45) on HL's
#                                                                               card: ../random-threshold/
#   bash docs/experiments/signatures/scale/ship.sh hard-writers/breakage.sh [record]   BREAKAGE: breakage/
#   bash docs/experiments/signatures/scale/ship.sh scans/run.sh        SCANS against H: scans/ (then aspect.sh)
#   bash docs/experiments/signatures/scale/ship.sh scans/aspect.sh     one aspect per writer (then run.sh record)
#   bash docs/experiments/signatures/scale/ship.sh scans/run.sh record the card's SCANS record from both
cd "$(dirname "$0")/../../../.." || exit 1
export SHIP_PREFIX=signature-input256x160-steps SHIP_NAME=signature-fast256x160-cedar SHIP_TITLE=HL
export SHIP_DIR=docs/experiments/signatures/scale SHIP_LETTER=hl SHIP_TRAIN=docs/experiments/signatures/scale/train.sh
export SHIP_DECIDED=.runs/signature-input256x160-steps-cv/served-far0.005 SHIP_DECIDED_FAR=0.005
export SIZE=256x160 # scale/train.sh restore: HL's members, whatever SIZE the caller's shell holds
# the scans' comparator: H, from its kept scores (no CMP_SERVED: not scored)
export CMP=h CMP_TITLE=H CMP_SCORES=docs/experiments/signatures/scans
export CMP_WHAT="H's (served at 0.5 %, sessions 38-43; its scores on the same renders kept from session 40 in docs/experiments/signatures/scans/)"
case "${1:-}" in
  measure-served.sh | ship-steps.sh)
    # the folds must be those scale/train.sh decide served (it leaves each one's `done`)
    bash docs/experiments/signatures/scale/train.sh restore || exit 1
    exec bash "docs/experiments/signatures/height/$1" "${@:2}" ;;
  # these read the served folds and the shipped card only: no members to restore
  backend/cv-thresholds.sh | random-threshold/random-cv.sh | hard-writers/breakage.sh | scans/run.sh | scans/aspect.sh)
    exec bash "docs/experiments/signatures/$1" "${@:2}" ;;
  *)
    echo "usage: ship.sh measure-served.sh|ship-steps.sh|backend/cv-thresholds.sh|random-threshold/random-cv.sh|hard-writers/breakage.sh|scans/run.sh|scans/aspect.sh [ARGS]" >&2
    exit 2 ;;
esac
