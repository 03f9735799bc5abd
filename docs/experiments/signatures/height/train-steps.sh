#!/bin/bash
# Session 36: rule HEIGHT-STEPS (RULE-steps.md beside this file): HEIGHT's 224×144 input at I0′'s steps instead of its
# wall clock. `--steps 760 --epochs 19` is I0′'s 19 epochs of 40 steps, its cosine annealed over them (I0′ annealed by
# its 18-minute budget, which ended after 733–755 steps); `--max-minutes 75` lifts cv.sh's 18 so the clock never binds
# (each flag given later wins). What each step does: ../member-screen.sh.
#   bash docs/experiments/signatures/height/train-steps.sh screen|measure|members [K…]|ensemble|final [M…]
#   bash docs/experiments/signatures/height/train-steps.sh keep|restore
#     keep     copies the trained members (.runs/signature-input224x144-steps-mM/fold-K, and the final ones' …/all) into
#              steps-runs/ beside this file, to be committed: `.runs/` does not survive a new checkout, and each run
#              is ~20 minutes
#     restore  copies them back into .runs/, where `members`, `ensemble` and `final` skip them
cd "$(dirname "$0")/../../../.." || exit 1
prefix=signature-input224x144-steps kept=docs/experiments/signatures/height/steps-runs
copy_member() { # FROM TO: a trained model's three files
  [ -f "$1/model.json" ] || return 0
  mkdir -p "$2" && cp "$1/model.json" "$1/weights.bin" "$1/model-card.json" "$2/" || return 1
  # the training log (pairs/s, epochs) travels beside it; *.log is ignored, so commit it with `git add -f`
  if [ -f "$1.log" ]; then cp "$1.log" "$2.log"; fi
}
case "${1:-}" in
  keep | restore)
    for m in 0 1 2; do
      for k in fold-0 fold-1 fold-2 fold-3 all; do
        if [ "$1" = keep ]; then copy_member ".runs/$prefix-m$m/$k" "$kept/m$m/$k" || exit 1
        else copy_member "$kept/m$m/$k" ".runs/$prefix-m$m/$k" || exit 1; fi
      done
    done ;;
  *) exec bash docs/experiments/signatures/member-screen.sh "$prefix" hs \
    "--input-size 224x144 --steps 760 --epochs 19 --max-minutes 75" "$@" ;;
esac
