#!/bin/bash
# Session 40: every stored paired comparison (signature-measure.ts paired, sessions 24–39) recomputed with the corrected
# writer-draw weights (src/training/evaluate/bootstrap.ts pairWeights: a forgery pair weighs w_i, not w_i²), from the
# score files it names, into this folder as DIR-NAME.json; the originals stay as they were decided. Then table.py.
#   bash docs/experiments/signatures/repaired/recompute.sh     # ~10 min; skips a comparison whose score files are gone; prints the table
cd "$(dirname "$0")/../../../.." || exit 1
here=docs/experiments/signatures/repaired
R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
mapfile -t files < <(grep -l '"test": "candidate EER − base EER' -r docs/experiments/signatures --include=*.json |
  grep -v "/scans/\|/mend/\|/mend-random/\|/repaired/" | sort) # those made after the fix are not re-paired
one() {
  local f=$1 base cand out
  base=$(node -e 'console.log(require(require("path").resolve(process.argv[1])).base)' "$f")
  cand=$(node -e 'console.log(require(require("path").resolve(process.argv[1])).candidate)' "$f")
  out=$here/$(basename "$(dirname "$f")")-$(basename "$f")
  case "$base$cand" in *.json.gz*.json.gz) ;; *) echo "skip $f: not two score files" >&2; return 0 ;; esac
  # a score file from a .runs/ that is gone may be kept beside the comparison under the same name
  [ -f "$base" ] || base=$(dirname "$f")/$(basename "$base")
  [ -f "$cand" ] || cand=$(dirname "$f")/$(basename "$cand")
  [ -f "$base" ] && [ -f "$cand" ] || { echo "skip $f: $base or $cand is gone" >&2; return 0; }
  [ -s "$out" ] && return 0 # recomputed already
  $R paired "$base" "$cand" > "$out.tmp" && mv "$out.tmp" "$out" || echo "FAILED $f" >&2
}
i=0
for f in "${files[@]}"; do
  one "$f" &
  i=$((i + 1))
  [ $((i % 2)) -eq 0 ] && wait
done
wait
# the table only, to stdout: README.md holds it with the hand-written readings (session 41: writing it there erased them)
python3 $here/table.py "${files[@]}"
