#!/bin/bash
# Session 28 (issue 17): verifyIdentity's rule LABELLED through the HTTP API over the 34 cross-validated writers.
#   bash docs/experiments/signatures/labelled/measure.sh            # recalibrate + API runs + pool (~25 min on 2 cores)
#   bash docs/experiments/signatures/labelled/measure.sh pool       # only pool the kept runs
# 1. Each fold ensemble of the shipped recipe (.runs/signature-tone-cv/fold-K, session 25) is copied and recalibrated
#    on the 6 validation writers by recalibrate.sh at the shipped 2 % target: its thresholds come out as before (within
#    2e-7, float noise of the self-ensemble) and its card gains thresholds.labelled (the offsets per R and K).
# 2. Each copy is served by the real GraphQL server for its own held-out writers (signature-labelled-api.ts run):
#    R = 5 enrolled references, questions asked before any label, after 1 and after 3 labelled forgeries.
# 3. The folds are pooled per stage, each stage paired against stage 0 (signature-labelled-api.ts pool).
# 4. Offline at the same cards' offsets (signature-labelled-offline.ts, about a minute): 10 draws per writer, R = 5
#    and 10, K = 1 and 3, CENTROID, capped and uncapped on the same draws, paired at 95 % and at RULE.md's 97.5 %,
#    and the API run's one draw (--first). Kept beside this script: api-r5-*.json, offline-*.json.
#   RUNS=docs/experiments/signatures/labelled bash docs/experiments/signatures/labelled/measure.sh pool   # from the kept runs
cd "$(dirname "$0")/../../../.."
runs=${RUNS:-.runs/signature-labelled}
R=${REFS:-5}
KS=${KS:-1,3}
T="node test/retraining/fixtures/ts-run.js test/e2e/signature-labelled-api.ts"
if [ "${1:-}" != pool ]; then
  mkdir -p "$runs"
  for k in ${FOLDS:-0 1 2 3}; do
    if [ ! -d "$runs/fold-$k" ]; then
      cp -r ".runs/signature-tone-cv/fold-$k" "$runs/fold-$k.tmp" || exit 1
      MODEL="$runs/fold-$k.tmp" FAR=0.02 INCLUDE="@splits/cedar/cv/fold-$k-development.txt" \
        bash docs/experiments/signatures/recalibrate.sh > /dev/null || exit 1
      mv "$runs/fold-$k.tmp" "$runs/fold-$k"
    fi
    $T run "$runs/fold-$k" "@splits/cedar/cv/fold-$k-test-writers.txt" "$R" "$KS" > "$runs/api-r$R-fold-$k.json" || exit 1
  done
fi
$T pool "$runs"/api-r$R-fold-{0,1,2,3}.json
[ "${1:-}" = pool ] && exit 0
O="node test/retraining/fixtures/ts-run.js test/e2e/signature-labelled-offline.ts"
folds=(); for k in 0 1 2 3; do folds+=("$runs/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"); done
$O "${folds[@]}" > "$runs/offline-95.json" && $O --level 0.975 "${folds[@]}" > "$runs/offline-975.json" &&
  $O --first "${folds[@]}" > "$runs/offline-first-draw.json"
