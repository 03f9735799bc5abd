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
#                                                                      its card's records and the API records (needs
#                                                                      notes.txt and intended-use.json beside this file,
#                                                                      and the measurement above)
# ship-steps.sh's chain after the API records (CV-THRESHOLDS, BREAKAGE, the simulated scans) reads H's paths: those
# scripts take the same parameters before HL is served.
cd "$(dirname "$0")/../../../.." || exit 1
export SHIP_PREFIX=signature-input256x160-steps SHIP_NAME=signature-fast256x160-cedar
export SHIP_DIR=docs/experiments/signatures/scale SHIP_LETTER=hl SHIP_TRAIN=docs/experiments/signatures/scale/train.sh
export SHIP_DECIDED=.runs/signature-input256x160-steps-cv/served-far0.005 SHIP_DECIDED_FAR=0.005
export SIZE=256x160 # scale/train.sh restore: HL's members, whatever SIZE the caller's shell holds
case "${1:-}" in
  measure-served.sh | ship-steps.sh)
    # the folds must be those scale/train.sh decide served (it leaves each one's `done`)
    bash docs/experiments/signatures/scale/train.sh restore || exit 1
    exec bash "docs/experiments/signatures/height/$1" "${@:2}" ;;
  *) echo "usage: ship.sh measure-served.sh|ship-steps.sh [ARGS]" >&2; exit 2 ;;
esac
