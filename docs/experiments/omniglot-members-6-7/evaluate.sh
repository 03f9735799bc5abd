#!/bin/bash
# Session 9: applies train.sh's rule. BASE is the current ensemble, NEW a trained member (.runs/omniglot-s19, …);
# the candidate BASE+NEW is written to OUT and both are scored on 200 fresh validation episodes (ESEED=5044:
# 20-way one-shot "cross20" and within-alphabet "within"). LAKE=1 then measures both on Lake's 20 runs (after the
# choice; no test-time augmentation).
# usage: BASE=models/omniglot-fast40-ensemble NEW=.runs/omniglot-s19 OUT=.runs/omniglot-e6 bash evaluate.sh
cd "$(dirname "$0")/../../.."
: "${BASE:?}" "${NEW:?}" "${OUT:?}"
npx siamese ensemble --model "$BASE" --model "$NEW" --out "$OUT" --name omniglot-fast40-ensemble --json > "$OUT.log" || exit 1
for m in "$BASE" "$OUT"; do
  echo "== $m (validation, ${EPIS:-200} fresh episodes)"
  ESEED=${ESEED:-5044} EPIS=${EPIS:-200} node docs/experiments/omniglot-ensemble-selection/select.js "$m"
done
if [ "${LAKE:-0}" = 1 ]; then
  for m in "$BASE" "$OUT"; do
    echo "== $m (Lake's 20 runs)"
    npx siamese eval --model "$m" --oneshot ../shared/datasets/omniglot/one-shot-runs
  done
fi
