#!/bin/bash
# Session 35: I's recipe at a 224×144 input instead of 224×112 (`--input-size 224x144`; the later flag wins), screened
# on all 34 cross-validated writers by RULE.md beside this file (what each step does: ../member-screen.sh).
#   bash docs/experiments/signatures/height/train.sh screen|measure|ensemble|final [M…]
exec bash "$(dirname "$0")/../member-screen.sh" signature-input224x144 h "--input-size 224x144" "$@"
