#!/bin/bash
# Session 41: the back-end rules' paired comparisons (../backend/*-paired.json, beta-h-check.json, rule LABELLED's API
# pairing ../labelled/api-r5-capped.json) and the API pairings (../input-size/api-paired.py's outputs) recomputed with
# the corrected writer-draw weights (src/training/evaluate/bootstrap.ts pairWeights: a forgery pair weighs w_i, not
# w_i²), from the same score files or API calls, at each comparison's own interval level, into this folder as
# backend-NAME.json and api-NAME.json; the originals stay as they were decided. backend-table.py then prints the
# table of README.md's section "Back-end rules and API pairings (session 41)", after checking that every recomputed
# point estimate (eerA, eerB, difference) equals the stored one exactly; a file that does not is removed.
#   bash docs/experiments/signatures/repaired/backend.sh        # a few minutes; light (no model is loaded)
#
# Inputs. Committed (reproducible from a clean checkout): ../ink-tone/t-cv34-scores.json.gz,
# ../input-size/i-scores.json.gz, ../height/hs-spread.json.gz, ../backend/{shift,shift-half-i,synth-mid,wd-rbf}.json.gz,
# ../height/api/api{3,-refs5}-fold-K.json (H's API calls), ../labelled/api-r5-fold-K.json.
# ONLY IN .runs/ (gitignored; present in session 41's working tree, absent from a clean checkout, where the
# comparisons below are skipped and reported "not recomputed"):
#   .runs/backend-i/shift.json.gz                              rule SHIFT-I, SHIFT's pooled pairs on I
#   .runs/backend-h/shift-half.json.gz, .runs/backend-h/shift.json.gz   rule BETA-H (both sides) and its check
#   .runs/signature-input224-cv/api{3,-refs5}-fold-K.json      I's API calls (CENTROID), for the three API pairings
#   .runs/signature-input224-cv/shift-0.5/api-refs5-fold-K.json  I's API calls under SPREAD
#   .runs/views{,-stale}/{base,views4}.json.gz                 rule TEST-TIME-VIEWS's pooled pairs (both builds)
#     (byte-identical to .runs/spread-folds/api-refs5-fold-K.json, the copy session 34's stored pairing names)
# Never kept anywhere (not recomputable without re-running the candidates on the fold models): the candidates' pooled
# pairs of SHIFT_HALF on T, WCCN, KISSME, SNORM, ASNORM, WD_LINEAR, SYNTH_RATIO and SYNTH_CAL; rule LABELLED's offline
# pairings (../labelled/offline-*.json) and session 27's what-if (../backend/labelled-{1,3}.json), which pair in memory.
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/repaired
sig=docs/experiments/signatures
B="nice -n 19 node test/retraining/fixtures/ts-run.js test/e2e/signature-backend.ts"
L="nice -n 19 node test/retraining/fixtures/ts-run.js test/e2e/signature-labelled-api.ts"
list=$(mktemp)
trap 'rm -f "$list"' EXIT

# RULE|STORED|OUT|BASE|CANDIDATE (a candidate "-" = its pooled pairs were never kept); the level is the stored file's
backend() {
  local rule=$1 stored=$2 base=$3 cand=$4 out=$here/backend-$(basename "$2")
  if [ "$cand" = - ]; then
    printf '%s\t%s\t%s\t%s\n' "$rule" "$stored" "$out" "the candidate's pooled pairs were never kept" >> "$list"
    return
  fi
  for f in "$base" "$cand"; do
    [ -f "$f" ] || { printf '%s\t%s\t%s\t%s\n' "$rule" "$stored" "$out" "$f is gone" >> "$list"; return; }
  done
  local level
  level=$(node -e 'console.log(require(require("path").resolve(process.argv[1]))[0].level)' "$stored")
  if [ ! -s "$out" ]; then
    $B paired "$base" "$cand" "$level" > "$out.tmp" && mv "$out.tmp" "$out" || { rm -f "$out.tmp"; echo "FAILED $stored" >&2; }
  fi
  printf '%s\t%s\t%s\t%s\n' "$rule" "$stored" "$out" "" >> "$list"
}

T=$sig/ink-tone/t-cv34-scores.json.gz I=$sig/input-size/i-scores.json.gz
backend "SHIFT on T (RULE-shift.md)" $sig/backend/shift-paired.json $T $sig/backend/shift.json.gz
backend "SHIFT on T (RULE-shift.md)" $sig/backend/shift-half-paired.json $T -
backend "SHIFT-I" $sig/backend/shift-i-paired.json $I .runs/backend-i/shift.json.gz
backend "SHIFT-I" $sig/backend/shift-half-i-paired.json $I $sig/backend/shift-half-i.json.gz
backend "BETA-H, its check" $sig/backend/beta-h-check.json $sig/height/hs-spread.json.gz .runs/backend-h/shift-half.json.gz
backend "BETA-H" $sig/backend/beta-h-paired.json .runs/backend-h/shift-half.json.gz .runs/backend-h/shift.json.gz
backend "back-end (RULE.md)" $sig/backend/wccn-paired.json $T -
backend "back-end (RULE.md)" $sig/backend/kissme-paired.json $T -
backend "SNORM (RULE-snorm.md)" $sig/backend/snorm-paired.json $T -
backend "SNORM (RULE-snorm.md)" $sig/backend/asnorm-paired.json $T -
backend "WD (RULE-wd.md)" $sig/backend/wd-linear-paired.json $T -
backend "WD (RULE-wd.md)" $sig/backend/wd-rbf-paired.json $T $sig/backend/wd-rbf.json.gz
backend "SYNTH (RULE-synth.md)" $sig/backend/synth-mid-paired.json $T $sig/backend/synth-mid.json.gz
backend "SYNTH (RULE-synth.md)" $sig/backend/synth-ratio-paired.json $T -
backend "SYNTH_CAL (RULE-synth-calibrated.md)" $sig/backend/synth-cal-paired.json $T -
# rule TEST-TIME-VIEWS (session 33), added by hand in session 41: its pairing and the reported stale-build one
backend "TEST-TIME-VIEWS" $sig/test-time-views/views4-paired.json .runs/views/base.json.gz .runs/views/views4.json.gz
backend "TEST-TIME-VIEWS, stale build (reported)" $sig/test-time-views/views4-stale-build-paired.json \
  .runs/views-stale/base.json.gz .runs/views-stale/views4.json.gz

# rule LABELLED (session 28), step 1: the API run's stages pooled and paired against stage 0 (95 %), from the kept calls
out=$here/backend-labelled-api-r5-capped.json
if [ ! -s "$out" ]; then
  $L pool $sig/labelled/api-r5-fold-{0,1,2,3}.json > "$out.tmp" && mv "$out.tmp" "$out" || { rm -f "$out.tmp"; echo "FAILED labelled" >&2; }
fi
printf '%s\t%s\t%s\t%s\n' "LABELLED, step 1 (API)" $sig/labelled/api-r5-capped.json "$out" "" >> "$list"
why="paired in memory from the fold models' embeddings; no pairs were kept"
printf '%s\t%s\t%s\t%s\n' "LABELLED, step 2 (offline)" $sig/labelled/offline-975.json - "$why" >> "$list"
for f in $sig/labelled/offline-95.json $sig/labelled/offline-first-draw.json; do
  printf '%s\t%s\t%s\t%s\n' "LABELLED, reported" "$f" - "$why" >> "$list"
done
for f in $sig/backend/labelled-3.json $sig/backend/labelled-1.json; do
  printf '%s\t%s\t%s\t%s\n' "LABELLED what-if (session 27, no rule)" "$f" - "$why" >> "$list"
done

# the API pairings: api-paired.py BASE_DIR CANDIDATE_DIR [api3] (score files in a temporary folder, then `paired`, 95 %)
api() {
  local rule=$1 stored=$2 base=$3 cand=$4 kind=$5 out=$here/api-$(basename "$2")
  local k
  for k in 0 1 2 3; do
    for d in "$base" "$cand"; do
      [ -f "$d/$kind-fold-$k.json" ] || {
        printf '%s\t%s\t%s\t%s\n' "$rule" "$stored" "$out" "$d/$kind-fold-$k.json is gone" >> "$list"
        return
      }
    done
  done
  if [ ! -s "$out" ]; then
    nice -n 19 python3 $sig/input-size/api-paired.py "$base" "$cand" "$kind" > "$out.tmp" && mv "$out.tmp" "$out" ||
      { rm -f "$out.tmp"; echo "FAILED $stored" >&2; }
  fi
  printf '%s\t%s\t%s\t%s\n' "$rule" "$stored" "$out" "" >> "$list"
}
api "SPREAD through the API (after SHIFT-I)" $sig/input-size/i-spread-api-paired.json \
  .runs/signature-input224-cv .runs/signature-input224-cv/shift-0.5 api-refs5
api "H − I through the API (no rule)" $sig/height/hs-vs-i-api-refs5.json \
  .runs/signature-input224-cv/shift-0.5 $sig/height/api api-refs5
api "H − I through the API (no rule)" $sig/height/hs-vs-i-api3.json .runs/signature-input224-cv $sig/height/api api3

python3 $here/backend-table.py < "$list"
