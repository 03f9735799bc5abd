#!/bin/bash
# Session 43: HL (rule SCALE, step 2 passed; RULE.md beside this file) measured and shipped the way H was, by H's
# scripts given HL's names and paths (SHIP_PREFIX, SHIP_DIR, SHIP_LETTER; each script's defaults stay H's):
#   bash docs/experiments/signatures/scale/ship.sh measure-served.sh   the served fold ensembles (scale/train.sh decide's,
#                                                                      0.5 %, SPREAD) on random forgeries and through the
#                                                                      HTTP API: random-forgeries/, api/, hl-api3.json,
#                                                                      hl-api-refs5.json beside this file (~45 min alone
#                                                                      for H), resumable by fold
# Shipping itself (height/ship-steps.sh and the scripts it chains: CV-THRESHOLDS, BREAKAGE, the simulated scans) takes the
# same parameters once they are made so; until then only the measurement above runs from here.
cd "$(dirname "$0")/../../../.." || exit 1
export SHIP_PREFIX=signature-input256x160-steps SHIP_DIR=docs/experiments/signatures/scale SHIP_LETTER=hl
case "${1:-}" in
  measure-served.sh)
    # the folds must be those scale/train.sh decide served (it leaves each one's `done`)
    bash docs/experiments/signatures/scale/train.sh restore || exit 1
    exec bash "docs/experiments/signatures/height/$1" "${@:2}" ;;
  *) echo "usage: ship.sh measure-served.sh" >&2; exit 2 ;;
esac
