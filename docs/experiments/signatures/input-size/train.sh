#!/bin/bash
# Session 32: T's recipe at a 224×112 input instead of 160×80 (`--input-size 224x112`; the later flag wins), decided
# on all 34 cross-validated writers by RULE.md beside this file (what each step does: ../member-screen.sh).
#   bash docs/experiments/signatures/input-size/train.sh screen|measure|ensemble|final [M…]
exec bash "$(dirname "$0")/../member-screen.sh" signature-input224 i "--input-size 224x112" "$@"
