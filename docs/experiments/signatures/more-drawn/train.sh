#!/bin/bash
# Session 32: T's recipe with 400 drawn writers instead of 100 (`--synthetic-writers 400`; the later flag wins), decided
# on all 34 cross-validated writers by RULE.md beside this file (what each step does: ../member-screen.sh).
#   bash docs/experiments/signatures/more-drawn/train.sh screen|measure|ensemble
exec bash "$(dirname "$0")/../member-screen.sh" signature-drawn400 d "--synthetic-writers 400" "$@"
