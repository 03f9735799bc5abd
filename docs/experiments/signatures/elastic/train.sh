#!/bin/bash
# Session 31: T's recipe plus elastic augmentation (`--augment signatures-elastic`), decided on all 34
# cross-validated writers by RULE.md beside this file (what each step does: ../member-screen.sh).
#   bash docs/experiments/signatures/elastic/train.sh screen|measure|ensemble
exec bash "$(dirname "$0")/../member-screen.sh" signature-elastic e "--augment signatures-elastic" "$@"
