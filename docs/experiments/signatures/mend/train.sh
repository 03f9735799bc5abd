#!/bin/bash
# Rule MEND (RULE.md beside this file, written in session 39): HS0 with every input's ink mended (--ink-mend close3).
#   bash docs/experiments/signatures/mend/train.sh screen    # HM0 on folds 0–3, two at a time (~80 min)
#   bash docs/experiments/signatures/mend/train.sh measure   # HM0 and HS0 on the scans and on forgeries mended 3×3 and 5×5, paired; tone
#   bash docs/experiments/signatures/mend/train.sh keep|restore
#     keep     copies HM0's trained folds (.runs/signature-mend-m0/fold-K) into runs/m0/ beside this file, to be committed
#              (`.runs/` does not survive a new checkout; each run is ~20 minutes alone); restore copies them back,
#              where `screen` skips them (session 39 trained fold 0 alone, after its note's CI)
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/mend
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
source docs/experiments/signatures/trunk-lib.sh
kept=$here/runs/m0
case "${1:-}" in
  keep | restore) keep_or_restore "$1" .runs/signature-mend-m0 "$kept" ;;
  screen)
    bash "$here/train.sh" restore || exit 1
    bash docs/experiments/signatures/member-screen.sh signature-mend hm \
      "--input-size 224x144 --steps 760 --epochs 19 --max-minutes 75 --ink-mend close3" screen
    for k in 0 1 2 3; do
      [ -f ".runs/signature-mend-m0/fold-$k/model.json" ] || { echo "fold $k did not train" >&2; exit 1; }
    done ;;
  measure)
    bash "$here/train.sh" restore && mended_forgery_copies || exit 1
    hs0=.runs/signature-input224x144-steps-m0
    [ -f "$hs0/fold-3/model.json" ] || bash docs/experiments/signatures/height/train-steps.sh restore || exit 1
    score() { # NAME MODELS_PREFIX [DATASET]: pooled scores of a member's four folds
      # shellcheck disable=SC2046
      $R cv $(test_folds "$2") ${3:+--dataset "$3"} --scores "$here/$1-scores.json.gz" > "$here/$1.json"
    }
    score hm0 .runs/signature-mend-m0 && score hs0-rescored "$hs0" || exit 1
    $R paired docs/experiments/signatures/height/hs0-scores.json.gz "$here/hs0-rescored-scores.json.gz" > "$here/hs0-rescored-check.json" &&
      $R paired "$here/hs0-rescored-scores.json.gz" "$here/hm0-scores.json.gz" > "$here/hm0-vs-hs0.json" || exit 1
    for k in 3 5; do
      score "hm0-mended$k" .runs/signature-mend-m0 ".runs/cedar-mended$k-forged" &&
        score "hs0-mended$k" "$hs0" ".runs/cedar-mended$k-forged" &&
        $R paired "$here/hm0-scores.json.gz" "$here/hm0-mended$k-scores.json.gz" > "$here/hm0-breakage$k.json" &&
        $R paired "$here/hs0-rescored-scores.json.gz" "$here/hs0-mended$k-scores.json.gz" > "$here/hs0-breakage$k.json" &&
        # added after the rule's runs (session 40, reported only): the two models paired on the same mended copy
        $R paired "$here/hs0-mended$k-scores.json.gz" "$here/hm0-mended$k-scores.json.gz" > "$here/hm0-vs-hs0-mended$k.json" || exit 1
    done
    # shellcheck disable=SC2046
    $R tone $(test_folds .runs/signature-mend-m0) > "$here/hm0-tone.json" ;;
  *) echo "usage: train.sh screen|measure" >&2; exit 2 ;;
esac
