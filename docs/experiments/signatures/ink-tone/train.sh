#!/bin/bash
# Session 25: the tone-blind recipe (K's members plus --ink-tone equalize), decided on all 34 cross-validated
# writers by RULE.md beside this file.
#   bash docs/experiments/signatures/ink-tone/train.sh screen    # T0 (member 0) on folds 0–3, two runs at a time
#   bash docs/experiments/signatures/ink-tone/train.sh measure   # T0 and Y0 pooled over the 34 writers (+ pairs), paired;
#                                                                # tone checks of T0's and K's fold models
#   bash docs/experiments/signatures/ink-tone/train.sh ensemble  # T1, T2 on folds 0–3, T per fold, pooled, paired with K
#   bash docs/experiments/signatures/ink-tone/train.sh final     # T0–T2 on all 34 writers, then T (if the rule ships it)
cd "$(dirname "$0")/../../../.."
source docs/experiments/signatures/trunk-lib.sh
FLAGS="--mirror-classes --rotate-classes --synthetic-writers 100 --ink-tone equalize"
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
member_folds() { member_folds_of signature-tone "$FLAGS" "$@"; }
mkdir -p .runs/signature-tone-cv
case "${1:-}" in
  screen) member_folds 0 0 2 & member_folds 0 1 3 & wait ;;
  measure)
    # shellcheck disable=SC2046
    $R cv $(test_folds .runs/signature-tone-m0) --scores .runs/signature-tone-cv/t0-scores.json.gz > .runs/signature-tone-cv/t0.json &&
      $R cv $(test_folds .runs/signature-synth-m0) --scores .runs/signature-tone-cv/y0-scores.json.gz > .runs/signature-tone-cv/y0.json &&
      $R paired .runs/signature-tone-cv/y0-scores.json.gz .runs/signature-tone-cv/t0-scores.json.gz > .runs/signature-tone-cv/t0-vs-y0.json &&
      $R tone $(test_folds .runs/signature-tone-m0) > .runs/signature-tone-cv/t0-tone.json &&
      $R tone $(test_folds .runs/signature-synth-cv) --card models/signature-fast160x80-cedar --record cedar-writer-cv-tone \
        > .runs/signature-tone-cv/k-tone.json ;;
  ensemble)
    (member_folds 1 0 1 2 3) & (member_folds 2 0 1 2 3) & wait
    join_three_folds signature-tone 0 1 2 3 || exit 1
    # shellcheck disable=SC2046
    $R cv $(test_folds .runs/signature-tone-cv) --scores .runs/signature-tone-cv/t-scores.json.gz > .runs/signature-tone-cv/t.json &&
      $R paired docs/experiments/signatures/synthetic-writers/cv34-scores.json.gz .runs/signature-tone-cv/t-scores.json.gz \
        > .runs/signature-tone-cv/t-paired.json ;;
  final) three_final signature-tone "$FLAGS" ;;
  *) echo "usage: train.sh screen|measure|ensemble|final" >&2; exit 2 ;;
esac
