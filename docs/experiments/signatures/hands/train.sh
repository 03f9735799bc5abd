#!/bin/bash
# Session 39: rule HANDS (RULE.md beside this file): HS0 (session 36's screen member at 224×144, 760 steps) started
# from a trunk that learnt Omniglot's drawers as hands instead of Omniglot member 0's character trunk.
#   bash docs/experiments/signatures/hands/train.sh data     # the 160 hands in CEDAR's layout: .runs/omniglot-hands (~20 s)
#   bash docs/experiments/signatures/hands/train.sh trunk    # the hand trunk from Omniglot member 0: .runs/omniglot-hands-trunk (~15 min)
#   bash docs/experiments/signatures/hands/train.sh screen   # HA0 on folds 0–3, two at a time: .runs/signature-hands-m0 (~80 min)
#   bash docs/experiments/signatures/hands/train.sh measure  # pooled over the 34 writers, paired with HS0: ha0*.json here
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/hands
data=.runs/omniglot-hands trunk=.runs/omniglot-hands-trunk runs=.runs/signature-hands-m0
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
source docs/experiments/signatures/trunk-lib.sh
# HS0's flags (member-screen.sh's FLAGS plus train-steps.sh's), the trunk aside
HS0="--mirror-classes --rotate-classes --synthetic-writers 100 --ink-tone equalize --input-size 224x144 --steps 760 --epochs 19 --max-minutes 75"
fold() { # K: HA0 on fold K, cv.sh's recipe (as trunk_member runs it) with the hand trunk
  [ -f "$runs/fold-$1/model.json" ] && return 0
  RUNS=$runs SEED=102 EXTRA="--trunk-from $trunk --patience-from start $HS0" bash docs/experiments/signatures/cv.sh fold "$1"
}
case "${1:-}" in
  data) node test/retraining/fixtures/ts-run.js $here/omniglot-hands.ts "$data" ;;
  trunk)
    [ -f "$data/writers.json" ] || bash "$0" data || exit 1
    rm -rf "$trunk"
    npx siamese train --data "$data" --forgeries forged --val-writers "@$data/validation-writers.txt" \
      --crop ink --fit contain --normalize invert-unit --input-size 224x144 --ink-tone equalize --augment signatures \
      --loss contrastive --margin 1 --batch 32 --steps 400 --epochs 10 --max-minutes 60 --lr 1e-3 --lr-schedule cosine \
      --ema 0.98 --select eer --threshold-rule atTargetFar --target-far 0.02 --seed 102 --backbone fast \
      --widths "$WIDTHS" --embedding-dim 128 --trunk-from models/omniglot-fast40-ensemble --trunk-member 0 \
      --name omniglot-hands-trunk --out "$trunk" --backend native --json --quiet --patience 12 --patience-from start \
      > "$trunk.log" 2>&1 ;;
  screen)
    (fold 0 && fold 2) & (fold 1 && fold 3) & wait
    # `wait` returns 0 whatever the runs did: a fold without its model failed (its log says why)
    for k in 0 1 2 3; do [ -f "$runs/fold-$k/model.json" ] || { echo "fold $k did not train: $runs/fold-$k.log" >&2; exit 1; }; done ;;
  measure)
    # shellcheck disable=SC2046
    $R cv $(test_folds "$runs") --scores "$here/ha0-scores.json.gz" > "$here/ha0.json" &&
      $R paired docs/experiments/signatures/height/hs0-scores.json.gz "$here/ha0-scores.json.gz" > "$here/ha0-vs-hs0.json" ;;
  *) echo "usage: train.sh data|trunk|screen|measure" >&2; exit 2 ;;
esac
