#!/bin/bash
# Rule SCALE (RULE.md beside this file, written in session 42): HS0 with a 256×160 input instead of 224×144.
# Rule SCALE-320 (RULE-320x192.md, session 43): HL0 with a 320×192 input instead of 256×160: SIZE=320x192 before any
# mode below runs it (its runs in .runs/signature-input320x192-steps-mM, kept in runs-320x192/, its files named hx*)
#   bash docs/experiments/signatures/scale/train.sh screen    # HL0 on folds 0–3, two at a time (~70 min)
#   bash docs/experiments/signatures/scale/train.sh measure   # HL0 over the 34 writers, paired with HS0's kept scores
#   bash docs/experiments/signatures/scale/train.sh members [K…] # step 2: members 1 and 2 on folds K (default 0–3), one
#                                                             # run at a time, fold by fold, each fold kept when done
#   bash docs/experiments/signatures/scale/train.sh decide    # step 2: trains what is missing, joins each fold's three
#                                                             # (CENTROID pooled, paired with T, tone check), serves each
#                                                             # fold as H is (0.5 %, SPREAD β = ½), pairs it with H's
#                                                             # served fold ensembles, and the target sweep
#   bash docs/experiments/signatures/scale/train.sh final [M…] # the final members M (default 0 1 2) on all 34 writers,
#                                                             # one at a time, each kept when done; then their ensemble
#   bash docs/experiments/signatures/scale/train.sh keep|restore
#     keep copies the trained members (.runs/signature-input256x160-steps-mM/fold-K, and the final ones' …/all) into
#     runs/mM/ beside this file, to be committed (`.runs/` does not survive a new checkout; the logs with
#     `git add -f`); restore copies them back, where `screen`, `members`, `decide` and `final` skip them
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/scale
height=docs/experiments/signatures/height
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
source docs/experiments/signatures/trunk-lib.sh
size=${SIZE:-256x160}
case "$size" in
  # letter, the kept runs, the screen member's comparator (scores) and its flags' clock
  256x160) letter=hl kept=$here/runs base=$height/hs0-scores.json.gz base_name=hs0 minutes=75 card_check=true ;;
  # RULE-320x192.md: a card that bound its clock or split its steps otherwise is rerun, not scored
  320x192)
    letter=hx kept=$here/runs-320x192 base=$here/hl0-scores.json.gz base_name=hl0 minutes=120
    card_check='c.training.steps === 760 && c.training.budgetBound === false && c.hyperparameters.microBatch.pairs === 11' ;;
  *) echo "SIZE=$size: no rule names it (256x160: RULE.md; 320x192: RULE-320x192.md)" >&2; exit 2 ;;
esac
prefix=signature-input$size-steps
runs=.runs/$prefix-m0 cv=.runs/$prefix-cv
# cv.sh passes --input-size 160x80; the later flag wins (node's parseArgs keeps the last value)
flags="--input-size $size --steps 760 --epochs 19 --max-minutes $minutes"
screen() { bash docs/experiments/signatures/member-screen.sh "$prefix" "$letter" "$flags" "$@"; }
case "${1:-}" in
  keep | restore) for m in 0 1 2; do keep_or_restore "$1" ".runs/$prefix-m$m" "$kept/m$m" || exit 1; done ;;
  screen)
    bash "$here/train.sh" restore && screen screen
    check_folds "$runs" "c.preprocessing.width === ${size%x*} && c.preprocessing.height === ${size#*x} && $card_check" \
      "say $size (and what its rule asks)" ;;
  measure)
    bash "$here/train.sh" restore || exit 1
    # shellcheck disable=SC2046
    $R cv $(test_folds "$runs") --scores "$here/${letter}0-scores.json.gz" > "$here/${letter}0.json" &&
      $R paired "$base" "$here/${letter}0-scores.json.gz" > "$here/${letter}0-vs-$base_name.json" ;;
  members)
    folds=("${@:2}")
    [ ${#folds[@]} -gt 0 ] || folds=(0 1 2 3)
    bash "$here/train.sh" restore || exit 1
    for k in "${folds[@]}"; do screen members "$k" && bash "$here/train.sh" keep || exit 1; done ;;
  decide | final)
    [ "$size" = 256x160 ] || { echo "$1 is SCALE's (256x160); SCALE-320's step 2 is written if its screen passes" >&2; exit 2; } ;;&
  decide)
    npm run build --silent || exit 1 # recalibrate.sh runs the compiled CLI
    bash "$here/train.sh" restore && screen ensemble && bash "$here/train.sh" keep || exit 1
    serve_folds "$cv" 0.005 || exit 1
    mapfile -t served < <(test_folds "$cv/served-far0.005")
    $R cv "${served[@]}" --scores "$here/hl-served-scores.json.gz" > "$here/hl-served.json" &&
      $R paired "$height/hs-served-scores.json.gz" "$here/hl-served-scores.json.gz" > "$here/hl-vs-h.json" &&
      $R sweep 0.005,0.01,0.015,0.02 @splits/cedar/validation-writers.txt "${served[@]}" > "$here/hl-sweep.json" &&
      cp "$cv/hl.json" "$cv/hl-vs-t.json" "$cv/hl-tone.json" "$here/" ;;
  final)
    members=("${@:2}")
    [ ${#members[@]} -gt 0 ] || members=(0 1 2)
    bash "$here/train.sh" restore || exit 1
    for m in "${members[@]}"; do
      # one at a time, each kept as it ends (../height/ship-steps.sh's way); member-screen.sh's `final` exits 0 when
      # a run fails (a bare `wait`): check for the member itself. With all three there, it joins them at .runs/$prefix
      screen final "$m" || exit 1
      [ -f ".runs/$prefix-m$m/all/model.json" ] || { echo "final member $m was not trained" >&2; exit 1; }
      bash "$here/train.sh" keep || exit 1
    done ;;
  *) echo "usage: [SIZE=256x160|320x192] train.sh screen|measure|members [K…]|decide|final [M…]|keep|restore" >&2; exit 2 ;;
esac
