# Session 21: what the trunk-ensemble, five-trunks and mirrored-writers scripts share (sourced from the repository
# root; duplicates --change found the three copies).
#   trunk_member RUNS MEMBER SEED MORE_FLAGS then cv.sh's arguments (fold K | final)
#     one ink-trunk run: cv.sh's recipe, widths 64-64-64-64, the trunk of models/omniglot-fast40-ensemble's member
#     MEMBER, --patience-from start, plus MORE_FLAGS ("" for none), into RUNS
#   join_members OUT INCLUDE MEMBER_DIR…
#     `siamese ensemble` of the members (equal weights), calibrated on the validation writers; log at OUT.log
export WIDTHS=64,64,64,64
trunk_member() {
  local runs=$1 m=$2 s=$3 more=$4
  shift 4
  RUNS=$runs SEED=$s EXTRA="--trunk-from models/omniglot-fast40-ensemble --trunk-member $m --patience-from start${more:+ $more}" \
    bash docs/experiments/signatures/cv.sh "$@"
}
join_members() {
  local out=$1 include=$2 args=() m
  shift 2
  for m in "$@"; do args+=(--model "$m"); done
  rm -rf "$out"
  npx siamese ensemble "${args[@]}" --include "@$include" --forgeries forged --genuine genuine \
    --val-writers @splits/cedar/validation-writers.txt --out "$out" --json > "$out.log" 2>&1
}
# Sessions 21–22: recipes that are E's three members (trunks 0–2, seeds 102–104) plus training flags, decided on the
# selection folds 0–1 (mirrored-writers, four-symmetries; duplicates --change found the two copies). PREFIX names
# the runs: members in .runs/PREFIX-m0..2/{fold-K,all}, fold ensembles in .runs/PREFIX-cv, the final one in .runs/PREFIX.
#   three_member PREFIX FLAGS MEMBER then cv.sh's arguments
#   three_folds PREFIX FLAGS K…         members for each fold (member by member), then each fold's ensemble
#   three_measure PREFIX NAME K…        the fold ensembles (and member 0's) pooled over those folds' held-out writers,
#                                       and the target-FAR sweep: .runs/PREFIX-cv/NAME{,-m0,-sweep}.json
#   three_final PREFIX FLAGS            members on all 34 writers, then the ensemble
#   three_place OUT PREFIX              the final members joined at OUT, named after OUT's directory (ship.sh)
three_member() { trunk_member ".runs/$1-m$3" "$3" $((102 + $3)) "$2" "${@:4}"; }
three_folds() {
  local prefix=$1 flags=$2 k m
  shift 2
  mkdir -p ".runs/$prefix-cv"
  for m in 0 1 2; do
    for k in "$@"; do
      [ -f ".runs/$prefix-m$m/fold-$k/model.json" ] || three_member "$prefix" "$flags" "$m" fold "$k" || return 1
    done
  done
  join_three_folds "$prefix" "$@"
}
# join_three_folds PREFIX K…: each fold's ensemble of .runs/PREFIX-m0..2/fold-K into .runs/PREFIX-cv/fold-K
join_three_folds() {
  local prefix=$1 k
  shift
  for k in "$@"; do
    join_members ".runs/$prefix-cv/fold-$k" "splits/cedar/cv/fold-$k-development.txt" \
      ".runs/$prefix-m0/fold-$k" ".runs/$prefix-m1/fold-$k" ".runs/$prefix-m2/fold-$k" || return 1
  done
}
three_measure() {
  local prefix=$1 name=$2 all=() m0=() k
  local R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
  shift 2
  for k in "$@"; do
    all+=(".runs/$prefix-cv/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt")
    m0+=(".runs/$prefix-m0/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt")
  done
  $R cv "${all[@]}" > ".runs/$prefix-cv/$name.json" &&
    $R cv "${m0[@]}" > ".runs/$prefix-cv/$name-m0.json" &&
    $R sweep 0.005,0.01,0.015,0.02 @splits/cedar/validation-writers.txt "${all[@]}" > ".runs/$prefix-cv/$name-sweep.json"
}
three_final() {
  local m
  for m in 0 1 2; do [ -f ".runs/$1-m$m/all/model.json" ] || three_member "$1" "$2" "$m" final || return 1; done
  join_members ".runs/$1" splits/cedar/cv/all-development.txt ".runs/$1-m0/all" ".runs/$1-m1/all" ".runs/$1-m2/all"
}
three_place() {
  local out=$1 prefix=$2 tmp
  tmp=$(mktemp -d)
  npx siamese ensemble --model ".runs/$prefix-m0/all" --model ".runs/$prefix-m1/all" --model ".runs/$prefix-m2/all" \
    --include @splits/cedar/cv/all-development.txt --forgeries forged --genuine genuine \
    --val-writers @splits/cedar/validation-writers.txt --name "$(basename "$out")" \
    --out "$tmp/e" --json > "$tmp/e.log" || { cat "$tmp/e.log"; return 1; }
  rm -rf "$out" && cp -r "$tmp/e" "$out" && rm -rf "$tmp"
}
#   three_main PREFIX FLAGS select|final|evaluate|measure   what each recipe's train.sh does (measure: the selection
#                                       folds into $CARD's card as ${CV_RECORD:-cedar-writer-cv-selection}, for ship.sh)
three_main() {
  local prefix=$1 flags=$2
  case "${3:-}" in
    select) three_folds "$prefix" "$flags" 0 1 && three_measure "$prefix" selection 0 1 ;;
    final) three_final "$prefix" "$flags" ;;
    evaluate) three_folds "$prefix" "$flags" 2 3 && three_measure "$prefix" evaluation 2 3 ;;
    measure)
      node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts cv \
        ".runs/$prefix-cv/fold-0=@splits/cedar/cv/fold-0-test-writers.txt" \
        ".runs/$prefix-cv/fold-1=@splits/cedar/cv/fold-1-test-writers.txt" \
        ${CARD:+--card "$CARD" --record "${CV_RECORD:-cedar-writer-cv-selection}"} > ".runs/$prefix-cv/selection.json" ;;
    *) echo "usage: train.sh select|final|evaluate|measure" >&2; return 2 ;;
  esac
}
#   three_ship PREFIX RECIPE_DIR [card]   what each recipe's ship.sh does (needs ship-lib.sh): the final members joined
#     under the shipped name, RECIPE_DIR's notes.txt and intended-use.json, thresholds at $FAR, and the selection folds
#     0–1 recorded in the card (folds 2–3 are read after the decision); `card` only re-applies the texts
three_ship_place() { three_place "$1" "$THREE_SHIP_PREFIX"; }
three_ship() {
  THREE_SHIP_PREFIX=$1
  FOLDS="0 1" CV_RECORD=cedar-writer-cv-selection ship_candidate "$2/notes.txt" ".runs/$1-cv" "$2/train.sh" three_ship_place "${3:-}"
}
# Sessions 25 and 31 (ink-tone/train.sh, member-screen.sh; duplicates --change found the two copies):
#   test_folds DIR                         DIR/fold-0..3 with each fold's held-out writers, as signature-measure.ts cv takes them
#   member_folds_of PREFIX FLAGS MEMBER K… three_member for each fold K whose model is not there yet
test_folds() { local k; for k in 0 1 2 3; do echo "$1/fold-$k=@splits/cedar/cv/fold-$k-test-writers.txt"; done; }
member_folds_of() {
  local prefix=$1 flags=$2 m=$3 k
  shift 3
  for k in "$@"; do
    [ -f ".runs/$prefix-m$m/fold-$k/model.json" ] || three_member "$prefix" "$flags" "$m" fold "$k" || return 1
  done
}
# Sessions 40–41 (mend/train.sh, mend-random/train.sh; duplicates --change found the two copies):
#   keep_or_restore keep|restore RUNS KEPT   keep copies each trained RUNS/fold-K, and RUNS/all (a final member on all 34
#                                            writers), with model, weights, card and log into KEPT/, to be committed
#                                            (.runs/ does not survive a new checkout); restore copies back
keep_or_restore() {
  local mode=$1 runs=$2 kept=$3 k from to
  for k in fold-0 fold-1 fold-2 fold-3 all; do
    if [ "$mode" = keep ]; then from=$runs/$k to=$kept/$k; else from=$kept/$k to=$runs/$k; fi
    [ -f "$from/model.json" ] || continue
    mkdir -p "$to" && cp "$from/model.json" "$from/weights.bin" "$from/model-card.json" "$to/" || return 1
    if [ -f "$from.log" ]; then cp "$from.log" "$to.log"; fi # *.log is ignored: commit it with `git add -f`
  done
}
#   mended_forgery_copies                    .runs/cedar-mended{3,5}-forged (hard-writers/mend.ts: only the forgeries' ink
#                                            closed 3×3 and 5×5), made once
mended_forgery_copies() {
  local k
  for k in 3 5; do
    [ -d ".runs/cedar-mended$k-forged" ] ||
      node test/retraining/fixtures/ts-run.js docs/experiments/signatures/hard-writers/mend.ts ".runs/cedar-mended$k-forged" forged \
        "" "$k" || return 1
  done
}
# Session 42 (scale/train.sh decide; the same steps as height/decide-steps.sh's and measure-served.sh's loops):
#   serve_fold FROM TO FAR K                 copies fold K's ensemble FROM into TO and recalibrates it as H is served
#                                            (FAR on the validation writers, SPREAD β = ½), checking the card took it;
#                                            skipped when TO/done is there
serve_fold() {
  local from=$1 to=$2 far=$3 k=$4
  # a fold joined again after it was served makes the served copy stale
  [ -f "$to/done" ] && [ "$to/done" -nt "$from/model.json" ] && return 0
  # and its API runs beside it (measure-served.sh resumes on them), so they go with it
  rm -rf "$to" "$(dirname "$to")"/api*-fold-"$k".json && mkdir -p "$(dirname "$to")" && cp -r "$from" "$to" &&
    rm -f "$to/done" || return 1
  MODEL=$to FAR=$far SHIFT=0.5 INCLUDE=@splits/cedar/cv/fold-$k-development.txt \
    bash docs/experiments/signatures/recalibrate.sh > /dev/null || return 1
  # recalibrate.sh does not fail when its last card edit does: check that the card took the served rule
  node -e 'const t=require(require("path").resolve(process.argv[1])).thresholds;
    if (t.targetFar !== Number(process.argv[2]) || t.referenceShift !== 0.5) { console.error("not recalibrated: " + process.argv[1]); process.exit(1); }' \
    "$to/model-card.json" "$far" || return 1
  touch "$to/done"
}
#   serve_folds CV FAR                       serve_fold for each of CV/fold-0..3 into CV/served-farFAR/fold-K (session 47:
#                                            nearest-writers/train.sh and scale/train.sh decide; `test_folds
#                                            CV/served-farFAR` then names them with their held-out writers)
serve_folds() {
  local cv=$1 far=$2 k
  for k in 0 1 2 3; do serve_fold "$cv/fold-$k" "$cv/served-far$far/fold-$k" "$far" "$k" || return 1; done
}
#   check_folds RUNS EXPR WHAT               every RUNS/fold-K (K = 0–3) trained, and its card c satisfies the JavaScript
#                                            EXPR (else "fold K: the card does not WHAT")
#   check_folds_of RUNS K EXPR WHAT          the same for fold K alone
check_folds() { check_folds_of "$1" "0 1 2 3" "$2" "$3"; }
check_folds_of() {
  local runs=$1 folds=$2 expr=$3 what=$4 k
  for k in $folds; do
    [ -f "$runs/fold-$k/model.json" ] || { echo "fold $k did not train" >&2; return 1; }
    node -e "const c=require(process.argv[1]);process.exit(($expr)?0:1)" "$PWD/$runs/fold-$k/model-card.json" ||
      { echo "fold $k: the card does not $what" >&2; return 1; }
  done
}
# Sessions 45–46 (share/train.sh, nearest-writers/train.sh; duplicates --change found the two copies): one change to
# HL0 (SCALE's screen member at 256×160, 760 steps), screened and measured the same way.
#   hl0_variant MODE HERE PREFIX LETTER "FLAGS" "CHECK" "WHAT"
#     keep|restore  .runs/PREFIX-m0 ↔ HERE/runs/m0 (keep_or_restore)
#     screen        (after `npm run build`) member 0 on folds 0–3 (member-screen.sh), then every card must say 256×160, 760 steps, an unbound
#                   clock and CHECK (a node expression on the card c; WHAT says it in words), then keep
#     measure       over the 34 writers: HERE/LETTER0.json, LETTER0-scores.json.gz, LETTER0-vs-hl0.json (paired with
#                   HL0's kept scores), and random forgeries per fold for it and HL0 (HERE/random-forgeries/)
hl0_variant() {
  local mode=$1 here=$2 prefix=$3 letter=$4 flags=$5 check=$6 what=$7 k
  local runs=.runs/$prefix-m0 hl0=.runs/signature-input256x160-steps-m0 scale=docs/experiments/signatures/scale
  local R="node test/retraining/fixtures/ts-run.js test/e2e/signature-measure.ts"
  case "$mode" in
    keep | restore) keep_or_restore "$mode" "$runs" "$here/runs/m0" ;;
    screen)
      # cv.sh runs the compiled CLI: build this checkout's before the first run
      npm run build --silent && hl0_variant restore "${@:2}" &&
        bash docs/experiments/signatures/member-screen.sh "$prefix" "$letter" "$flags" screen
      check_folds "$runs" "c.preprocessing.width === 256 && c.preprocessing.height === 160 && c.training.steps === 760 &&
        c.training.budgetBound === false && $check" "say 256x160, 760 steps, an unbound clock and $what" &&
        hl0_variant keep "${@:2}" ;;
    measure)
      hl0_variant restore "${@:2}" && bash "$scale/train.sh" restore || return 1
      check_folds "$runs" "$check" "say $what" || return 1
      # shellcheck disable=SC2046
      $R cv $(test_folds "$runs") --scores "$here/${letter}0-scores.json.gz" > "$here/${letter}0.json" &&
        $R paired "$scale/hl0-scores.json.gz" "$here/${letter}0-scores.json.gz" > "$here/${letter}0-vs-hl0.json" || return 1
      mkdir -p "$here/random-forgeries"
      for k in 0 1 2 3; do
        $R eval "$runs/fold-$k" "@splits/cedar/cv/fold-$k-test-writers.txt" > "$here/random-forgeries/fold-$k.json" &&
          $R eval "$hl0/fold-$k" "@splits/cedar/cv/fold-$k-test-writers.txt" > "$here/random-forgeries/hl0-fold-$k.json" ||
          return 1
      done ;;
    *) echo "usage: train.sh screen|measure|keep|restore" >&2; return 2 ;;
  esac
}
