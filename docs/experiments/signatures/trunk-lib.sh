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
