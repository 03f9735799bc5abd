#!/bin/bash
# Sessions 31+: screen a change to T's recipe with one member per fold, paired against T0 over all 34 writers, and
# (if its rule lets it) train the ensemble and pair it against T. Used by elastic/train.sh and longer/train.sh.
#   bash docs/experiments/signatures/member-screen.sh PREFIX LETTER "EXTRA FLAGS" screen|measure|pair K|members [K…]|ensemble|final [M…]
#     screen    member 0 (trunk 0, seed 102) on folds 0–3, two runs at a time, into .runs/PREFIX-m0
#     measure   member 0 pooled over the 34 writers (+ pairs) and paired with T0's kept pairs:
#               .runs/PREFIX-cv/LETTER0.json, LETTER0-scores.json.gz, LETTER0-vs-t0.json
#     ensemble  members 1, 2 on folds 0–3, the ensemble per fold, pooled, paired with T's kept pairs, tone check
#     pair K    members 1 and 2 of fold K at the same time, skipping those trained (session 47: two runs at once are as
#               fast in all as one at a time, and a fold's pair ends together, so it can be kept before the next)
#     members [K…] members 1, 2 on folds K (default 0–3), one run at a time, fold by fold, skipping those trained
#               (session 36: one 224×144 run alone is ~20–22 pairs/s, two at once ~11 each; with a step budget the
#               order changes nothing but the wall clock). `ensemble` then trains what is missing and joins them.
#     final [M…] members M (default 0 1 2; two at a time) on all 34 writers into .runs/PREFIX-mM/all, skipping those
#               trained; once all three are there, their ensemble at .runs/PREFIX (session 33)
cd "$(dirname "$0")/../../.."
source docs/experiments/signatures/trunk-lib.sh
prefix=$1 letter=$2
FLAGS="--mirror-classes --rotate-classes --synthetic-writers 100 --ink-tone equalize $3"
OUT=.runs/$prefix-cv
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
member_folds() { member_folds_of "$prefix" "$FLAGS" "$@"; }
mkdir -p "$OUT"
case "${4:-}" in
  screen) member_folds 0 0 2 & member_folds 0 1 3 & wait ;;
  measure)
    # shellcheck disable=SC2046
    $R cv $(test_folds ".runs/$prefix-m0") --scores "$OUT/${letter}0-scores.json.gz" > "$OUT/${letter}0.json" &&
      $R paired docs/experiments/signatures/elastic/t0-cv34-scores.json.gz "$OUT/${letter}0-scores.json.gz" \
        > "$OUT/${letter}0-vs-t0.json" ;;
  pair)
    [[ ${5:-} =~ ^[0-3]$ ]] || { echo "pair K: K is a fold, 0–3" >&2; exit 2; }
    (member_folds 1 "$5") & (member_folds 2 "$5") & wait
    for m in 1 2; do [ -f ".runs/$prefix-m$m/fold-$5/model.json" ] || { echo "member $m of fold $5 did not train" >&2; exit 1; }; done ;;
  members)
    folds=("${@:5}")
    [ ${#folds[@]} -gt 0 ] || folds=(0 1 2 3)
    for k in "${folds[@]}"; do member_folds 1 "$k" && member_folds 2 "$k" || exit 1; done ;;
  ensemble)
    (member_folds 1 0 1 2 3) & (member_folds 2 0 1 2 3) & wait
    join_three_folds "$prefix" 0 1 2 3 || exit 1
    # shellcheck disable=SC2046
    $R cv $(test_folds "$OUT") --scores "$OUT/$letter-scores.json.gz" > "$OUT/$letter.json" &&
      $R paired docs/experiments/signatures/ink-tone/t-cv34-scores.json.gz "$OUT/$letter-scores.json.gz" > "$OUT/$letter-vs-t.json" &&
      $R tone $(test_folds "$OUT") > "$OUT/$letter-tone.json" ;;
  final)
    final_member() { [ -f ".runs/$prefix-m$1/all/model.json" ] || three_member "$prefix" "$FLAGS" "$1" final; }
    members=("${@:5}")
    [ ${#members[@]} -gt 0 ] || members=(0 1 2)
    while [ ${#members[@]} -gt 0 ]; do
      (final_member "${members[0]}") &
      if [ ${#members[@]} -gt 1 ]; then (final_member "${members[1]}") & fi
      wait
      members=("${members[@]:2}")
    done
    for m in 0 1 2; do [ -f ".runs/$prefix-m$m/all/model.json" ] || exit 0; done
    join_members ".runs/$prefix" splits/cedar/cv/all-development.txt ".runs/$prefix-m0/all" ".runs/$prefix-m1/all" \
      ".runs/$prefix-m2/all" ;;
  *) echo "usage: member-screen.sh PREFIX LETTER \"FLAGS\" screen|measure|pair K|members [K…]|ensemble|final [M…]" >&2; exit 2 ;;
esac
