#!/bin/bash
# Session 31: T's recipe with twice the training time (`--max-minutes 36` instead of cv.sh's 18), decided on all 34
# cross-validated writers by RULE.md beside this file (what each step does: ../member-screen.sh).
#   bash docs/experiments/signatures/longer/train.sh screen|measure|ensemble
exec bash "$(dirname "$0")/../member-screen.sh" signature-longer l "--max-minutes 36" "$@"
