#!/bin/bash
# Session 36: rule HEIGHT-STEPS (RULE-steps.md beside this file): HEIGHT's 224×144 input at I0′'s steps instead of its
# wall clock. `--steps 760 --epochs 19` is I0′'s 19 epochs of 40 steps, its cosine annealed over them (I0′ annealed by
# its 18-minute budget, which ended after 733–755 steps); `--max-minutes 75` lifts cv.sh's 18 so the clock never binds
# (each flag given later wins). What each step does: ../member-screen.sh.
#   bash docs/experiments/signatures/height/train-steps.sh screen|measure|ensemble|final [M…]
exec bash "$(dirname "$0")/../member-screen.sh" signature-input224x144-steps hs \
  "--input-size 224x144 --steps 760 --epochs 19 --max-minutes 75" "$@"
