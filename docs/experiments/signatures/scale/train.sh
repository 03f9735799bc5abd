#!/bin/bash
# Rule SCALE (RULE.md beside this file, written in session 42): HS0 with a 256×160 input instead of 224×144.
#   bash docs/experiments/signatures/scale/train.sh screen    # HL0 on folds 0–3, two at a time (~70 min)
#   bash docs/experiments/signatures/scale/train.sh measure   # HL0 over the 34 writers, paired with HS0's kept scores
#   bash docs/experiments/signatures/scale/train.sh members [K…] # step 2: members 1 and 2 on folds K (default 0–3), one
#                                                             # run at a time, fold by fold, each fold kept when done
#   bash docs/experiments/signatures/scale/train.sh decide    # step 2: trains what is missing, joins each fold's three
#                                                             # (CENTROID pooled, paired with T, tone check), serves each
#                                                             # fold as H is (0.5 %, SPREAD β = ½), pairs it with H's
#                                                             # served fold ensembles, and the target sweep
#   bash docs/experiments/signatures/scale/train.sh keep|restore
#     keep copies the trained fold members (.runs/signature-input256x160-steps-mM/fold-K) into runs/mM/ beside this file,
#     to be committed (`.runs/` does not survive a new checkout; the logs with `git add -f`); restore copies them back,
#     where `screen`, `members` and `decide` skip them
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/scale
height=docs/experiments/signatures/height
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
source docs/experiments/signatures/trunk-lib.sh
prefix=signature-input256x160-steps
runs=.runs/$prefix-m0 cv=.runs/$prefix-cv
# cv.sh passes --input-size 160x80; the later flag wins (node's parseArgs keeps the last value)
flags="--input-size 256x160 --steps 760 --epochs 19 --max-minutes 75"
screen() { bash docs/experiments/signatures/member-screen.sh "$prefix" hl "$flags" "$@"; }
case "${1:-}" in
  keep | restore) for m in 0 1 2; do keep_or_restore "$1" ".runs/$prefix-m$m" "$here/runs/m$m" || exit 1; done ;;
  screen)
    bash "$here/train.sh" restore && screen screen
    check_folds "$runs" 'c.preprocessing.width === 256 && c.preprocessing.height === 160' "say 256×160" ;;
  measure)
    bash "$here/train.sh" restore || exit 1
    # shellcheck disable=SC2046
    $R cv $(test_folds "$runs") --scores "$here/hl0-scores.json.gz" > "$here/hl0.json" &&
      $R paired "$height/hs0-scores.json.gz" "$here/hl0-scores.json.gz" > "$here/hl0-vs-hs0.json" ;;
  members)
    folds=("${@:2}")
    [ ${#folds[@]} -gt 0 ] || folds=(0 1 2 3)
    bash "$here/train.sh" restore || exit 1
    for k in "${folds[@]}"; do screen members "$k" && bash "$here/train.sh" keep || exit 1; done ;;
  decide)
    npm run build --silent || exit 1 # recalibrate.sh runs the compiled CLI
    bash "$here/train.sh" restore && screen ensemble && bash "$here/train.sh" keep || exit 1
    served=()
    for k in 0 1 2 3; do
      serve_fold "$cv/fold-$k" "$cv/served-far0.005/fold-$k" 0.005 "$k" || exit 1
      served+=("$cv/served-far0.005/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt")
    done
    $R cv "${served[@]}" --scores "$here/hl-served-scores.json.gz" > "$here/hl-served.json" &&
      $R paired "$height/hs-served-scores.json.gz" "$here/hl-served-scores.json.gz" > "$here/hl-vs-h.json" &&
      $R sweep 0.005,0.01,0.015,0.02 @splits/cedar/validation-writers.txt "${served[@]}" > "$here/hl-sweep.json" &&
      cp "$cv/hl.json" "$cv/hl-vs-t.json" "$cv/hl-tone.json" "$here/" ;;
  *) echo "usage: train.sh screen|measure|members [K…]|decide|keep|restore" >&2; exit 2 ;;
esac
