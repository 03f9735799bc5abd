#!/bin/bash
# Session 46, exploration after NEAR failed (not a rule; nothing is decided by it): does one NEAR member beside one HL
# member keep HL's skilled-forgery EER and HN0's strangers? Two-member fold ensembles, equal size on both sides:
#   HL0+HL1 (two HL members, seeds 102 and 103, trunks 0 and 1) against HL0+HN0 (HN0 is HL0's recipe with
#   --hard-writers 0.5, trunk 0, seed 102), each joined with `siamese ensemble` as every fold ensemble is, then
#   `signature-measure.ts cv` over the 34 writers, `paired`, and `eval` per fold for the random-forgery EER.
#   bash docs/experiments/signatures/nearest-writers/explore-mix.sh     # ~15 minutes here; writes mix/ beside this file
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/nearest-writers
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
source docs/experiments/signatures/trunk-lib.sh
hl=.runs/signature-input256x160-steps hn=.runs/signature-near50-input256x160-steps-m0 out=.runs/near-mix
bash "$here/train.sh" restore && bash docs/experiments/signatures/scale/train.sh restore || exit 1
for k in 0 1 2 3; do
  [ -f "$hl-m1/fold-$k/model.json" ] || { echo "HL's member 1 of fold $k is missing (scale/train.sh restore)" >&2; exit 1; }
  join_members "$out/hl01/fold-$k" "splits/cedar/cv/fold-$k-development.txt" "$hl-m0/fold-$k" "$hl-m1/fold-$k" &&
    join_members "$out/hl0-hn0/fold-$k" "splits/cedar/cv/fold-$k-development.txt" "$hl-m0/fold-$k" "$hn/fold-$k" || exit 1
done
mkdir -p "$here/mix"
for e in hl01 hl0-hn0; do
  # shellcheck disable=SC2046
  $R cv $(test_folds "$out/$e") --scores "$here/mix/$e-scores.json.gz" > "$here/mix/$e.json" || exit 1
  for k in 0 1 2 3; do
    $R eval "$out/$e/fold-$k" "@splits/cedar/cv/fold-$k-test-writers.txt" > "$here/mix/$e-random-fold-$k.json" || exit 1
  done
done
$R paired "$here/mix/hl01-scores.json.gz" "$here/mix/hl0-hn0-scores.json.gz" > "$here/mix/hl0-hn0-vs-hl01.json"
