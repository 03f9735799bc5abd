#!/bin/bash
# Session 8: the 5-member candidate (shipped 4-member ensemble + train.sh's member), compared with the shipped one on
# 200 fresh validation episodes (ESEED=2044: 20-way one-shot "cross20" and within-alphabet "within"); the rule is in
# train.sh. Then Lake's 20 runs for both (after the choice; no test-time augmentation).
cd "$(dirname "$0")/../../.."
runs=${RUNS:-.runs}
npx siamese ensemble --model models/omniglot-fast40-ensemble --model "$runs/omniglot-m5" --out "$runs/omniglot-e5" \
  --name omniglot-fast40-ensemble --json > "$runs/omniglot-e5.log" || exit 1
for m in models/omniglot-fast40-ensemble "$runs/omniglot-e5"; do
  echo "== $m (validation, 200 fresh episodes)"
  ESEED=2044 EPIS=200 node docs/experiments/omniglot-ensemble-selection/select.js "$m"
done
if [ "${LAKE:-0}" = 1 ]; then
  for m in models/omniglot-fast40-ensemble "$runs/omniglot-e5"; do
    echo "== $m (Lake's 20 runs)"
    npx siamese eval --model "$m" --oneshot ../shared/datasets/omniglot/one-shot-runs
  done
fi
