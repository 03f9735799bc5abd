#!/usr/bin/env python3
"""Session 38, rule CV-THRESHOLDS (RULE-cv-thresholds.md beside this file): verifyIdentity's per-R threshold offsets
read from the cross-validated writers' served scores, and their leave-one-fold-out estimate.

Input: a `signature-measure.ts cv … --scores FILE.json.gz` file of the fold ensembles as served, whose scores are
s = served distance − the fold's served threshold (accepted when s <= 0). For each R, delta_R is the largest score s
at which the pooled forgery FAR (share of forgery scores <= s) is at most F; the final card's t_R moves by delta_R.
Leave one fold out: delta_R from the other folds' writers, applied to the held-out fold's; pooled over the folds, with
95 % writer-bootstrap intervals (1,000 draws, seed 38).
  python3 docs/experiments/signatures/backend/cv-thresholds.py SCORES.json.gz [F=0.03] > OUT.json
  python3 docs/experiments/signatures/backend/cv-thresholds.py api OUT.json API_DIR > API_OUT.json
    the same leave-one-fold-out offsets read on api.sh's verifyIdentity calls (API_DIR/api-refs5-fold-K.json, whose
    decisions are [writer, same, distance − served threshold]), R = 5, fold K's offset from the other folds
  python3 docs/experiments/signatures/backend/cv-thresholds.py apply OUT.json MODEL_DIR
    if the rule passes (else exit 3), moves MODEL_DIR's card thresholds.references[R].threshold by OUT's all-fold
    delta_R (R = 2, 3, 5, 10); refuses a card that was moved already
  python3 docs/experiments/signatures/backend/cv-thresholds.py record OUT.json API_OUT.json REFS.json MODEL_DIR [COMMAND]
    the moved thresholds' validation rates (REFS: signature-measure.ts refs at them) and the rule's card record, whose
    command is COMMAND (session 44: another candidate's is run through its ship.sh; default H's, below)
The whole of it: bash docs/experiments/signatures/backend/cv-thresholds.sh
"""
import gzip
import json
import random
import sys


def delta_at(forgery_scores, far):
    """An s with share(forgery <= s) <= far: halfway between the (k+1)-th smallest forgery score (k = floor(far·n)) and
    the distinct score below it, so that at most k forgeries are accepted and no threshold sits on a score."""
    ordered = sorted(forgery_scores)
    k = int(far * len(ordered))
    if k >= len(ordered):
        return ordered[-1]
    below = ordered[k]
    # halfway to the previous distinct score keeps exactly k forgeries accepted without sitting on a score
    previous = max((x for x in ordered[:k] if x < below), default=below - 1e-3)
    return (previous + below) / 2


def rates(pairs, shift_of):
    """pairs: (writer, same, score); shift_of(writer) the offset applied to that writer's fold."""
    far_n = far_d = frr_n = frr_d = 0
    for w, same, s in pairs:
        accepted = s <= shift_of(w)
        if same:
            frr_d += 1
            frr_n += not accepted
        else:
            far_d += 1
            far_n += accepted
    return far_n / max(far_d, 1), frr_n / max(frr_d, 1)


def eer(pairs):
    """Pooled EER of the scores as they are (the rule's δ does not change it within a fold; reported)."""
    genuine = sorted(s for _, same, s in pairs if same)
    forged = sorted(s for _, same, s in pairs if not same)
    best = (2.0, 0.0)
    for t in sorted(set(genuine[:: max(1, len(genuine) // 400)] + forged[:: max(1, len(forged) // 400)])):
        far = sum(1 for x in forged if x <= t) / len(forged)
        frr = sum(1 for x in genuine if x > t) / len(genuine)
        if abs(far - frr) < best[0]:
            best = (abs(far - frr), (far + frr) / 2)
    return best[1]


def bootstrap(pairs, writers, shift_of, rounds=1000, seed=38):
    by_writer = {w: [p for p in pairs if p[0] == w] for w in writers}
    rng = random.Random(seed)
    fars, frrs = [], []
    for _ in range(rounds):
        draw = [p for _ in writers for p in by_writer[rng.choice(writers)]]
        far, frr = rates(draw, shift_of)
        fars.append(far)
        frrs.append(frr)
    fars.sort()
    frrs.sort()
    lo, hi = int(0.025 * rounds), int(0.975 * rounds) - 1
    return [fars[lo], fars[hi]], [frrs[lo], frrs[hi]]


def api(result_file, folder):
    result = json.load(open(result_file))
    five = next(r for r in result["byReferences"] if r["references"] == 5)
    pairs, fold_of = [], {}
    for k in range(4):
        with open(f"{folder}/api-refs5-fold-{k}.json") as handle:
            for writer, same, margin in json.load(handle)["decisions"]:
                pairs.append((writer, same == 1, margin))
                fold_of[writer] = k
    writers = sorted(fold_of)
    shift = lambda w: five["deltaLeaveOneFoldOut"][fold_of[w]]  # noqa: E731
    served, held = rates(pairs, lambda w: 0.0), rates(pairs, shift)
    served_ci, held_ci = bootstrap(pairs, writers, lambda w: 0.0), bootstrap(pairs, writers, shift)
    return {
        "api": folder,
        "references": 5,
        "calls": len(pairs),
        "served": {"farForgeries": served[0], "farCi95": served_ci[0], "frrGenuine": served[1], "frrCi95": served_ci[1]},
        "leaveOneFoldOut": {"farForgeries": held[0], "farCi95": held_ci[0], "frrGenuine": held[1], "frrCi95": held_ci[1]},
    }


def passes(result):
    """The rule's decision: leave-one-fold-out FAR <= 5 % at R = 5 and 10, and FRR there below verify's served 16.6 %."""
    rows = {r["references"]: r["leaveOneFoldOut"] for r in result["byReferences"]}
    return all(rows[r]["farForgeries"] <= 0.05 and rows[r]["frrGenuine"] < 0.166 for r in (5, 10))


def apply(result_file, model_dir):
    result = json.load(open(result_file))
    if not passes(result):
        sys.exit(3)
    delta = {r["references"]: r["deltaAllFolds"] for r in result["byReferences"] if r["references"] >= 2}
    card_file = f"{model_dir}/model-card.json"
    card = json.load(open(card_file))
    if RECORD in card.get("evaluations", {}):
        sys.exit(f"{card_file} already has {RECORD}: its thresholds were moved; ship again before moving them")
    for entry in card["thresholds"]["references"]:
        if entry["references"] not in delta:
            sys.exit(f"no offset for R = {entry['references']} in {result_file}")
        entry["threshold"] += delta[entry["references"]]
        if entry["threshold"] < 0:
            sys.exit(f"R = {entry['references']}: the offset makes the threshold negative")
    # the mark travels with the moved thresholds in one write, so that a run stopped before `record` cannot move them twice
    card["evaluations"][RECORD] = {"status": "thresholds moved; validation rates pending (cv-thresholds.py record)",
                                   "deltaAllFolds": {str(r): d for r, d in delta.items()}}
    write_card(card_file, card)
    return {r: round(d, 6) for r, d in delta.items()}


def validation_rates(card, refs_file):
    """thresholds.references[].far and .frr from `signature-measure.ts refs` run at the card's (moved) thresholds."""
    refs = {r["references"]: r for r in json.load(open(refs_file))["byReferences"]}
    for entry in card["thresholds"]["references"]:
        measured = refs[entry["references"]]
        if abs(measured["servedThreshold"] - entry["threshold"]) > 1e-9:
            sys.exit(f"{refs_file} was not measured at the card's thresholds")
        entry["far"], entry["frr"] = measured["farForgeries"]["value"], measured["frrGenuine"]["value"]


def record(result_file, api_file, refs_file, model_dir, command="bash docs/experiments/signatures/backend/cv-thresholds.sh"):
    """The moved thresholds' validation rates (from `signature-measure.ts refs` at them) and the rule's record."""
    card_file = f"{model_dir}/model-card.json"
    card = json.load(open(card_file))
    validation_rates(card, refs_file)
    result = json.load(open(result_file))
    card["evaluations"][RECORD] = {
        "rule": "docs/experiments/signatures/backend/RULE-cv-thresholds.md (CV-THRESHOLDS, session 38): verifyIdentity's t_R "
        "moved by delta_R, the offset at which the 34 cross-validated writers' pooled forgery FAR is 3 % (verify's served level); passed",
        "targetFar": result["targetFar"],
        "deltaAllFolds": {str(r["references"]): r["deltaAllFolds"] for r in result["byReferences"] if r["references"] >= 2},
        "byReferences": [r for r in result["byReferences"] if r["references"] >= 2],
        "api": json.load(open(api_file)),
        "validationRates": "thresholds.references[].far and .frr are re-measured on the 6 validation writers at the moved thresholds "
        "(evaluations.cedar-validation-writers-references, 10 reference draws per writer)",
        "perFoldLeaveOneOut": per_fold(result),
        "labelledRates": "thresholds.labelled[].far and .frr (opt-in rule LABELLED) are re-measured on the 6 validation writers "
        "under the moved caps (labelled-rates.ts, session 39); the offsets do not depend on the cap and are unchanged",
        "command": command,
    }
    write_card(card_file, card)


RECORD = "cedar-writer-cv-thresholds"


def per_fold(result):
    """Each held-out fold's own forgery FAR and genuine FRR at its leave-one-fold-out offset (the pooled rates hide them)."""
    with gzip.open(result["scores"], "rt") as handle:
        scores = json.load(handle)
    names = scores["writers"]
    fold_of = {w: k for k, fold in enumerate(scores["folds"]) for w in fold["writers"]}
    rows = []
    for r in result["byReferences"]:
        cols = scores["byReferences"][str(r["references"])]
        pairs = [(names[w], same == 1, s) for w, same, s in zip(cols["writer"], cols["same"], cols["distance"])]
        for k, delta in enumerate(r["deltaLeaveOneFoldOut"]):
            far, frr = rates([p for p in pairs if fold_of[p[0]] == k], lambda w, d=delta: d)
            rows.append({"references": r["references"], "fold": k, "delta": delta, "farForgeries": far, "frrGenuine": frr})
    return rows


def write_card(card_file, card):
    with open(card_file, "w") as handle:
        json.dump(card, handle, indent=2, ensure_ascii=False)
        handle.write("\n")


def main():
    if sys.argv[1] == "api":
        json.dump(api(sys.argv[2], sys.argv[3]), sys.stdout, indent=2)
        print()
        return
    if sys.argv[1] == "apply":
        print(json.dumps(apply(sys.argv[2], sys.argv[3])))
        return
    if sys.argv[1] == "record":
        record(*sys.argv[2:7])
        return
    path = sys.argv[1]
    target = float(sys.argv[2]) if len(sys.argv) > 2 else 0.03
    with gzip.open(path, "rt") as handle:
        scores = json.load(handle)
    names = scores["writers"]
    fold_of = {}
    for k, fold in enumerate(scores["folds"]):
        for w in fold["writers"]:
            fold_of[w] = k
    folds = sorted(set(fold_of.values()))
    out = {"scores": path, "targetFar": target, "rule": "RULE-cv-thresholds.md", "byReferences": []}
    for r, cols in sorted(scores["byReferences"].items(), key=lambda kv: int(kv[0])):
        pairs = [(names[w], same == 1, s) for w, same, s in zip(cols["writer"], cols["same"], cols["distance"])]
        forged = lambda keep: [s for w, same, s in pairs if not same and keep(w)]  # noqa: E731
        delta_all = delta_at(forged(lambda w: True), target)
        delta_out = {k: delta_at(forged(lambda w, k=k: fold_of[w] != k), target) for k in folds}
        writers = sorted({w for w, _, _ in pairs})
        served = rates(pairs, lambda w: 0.0)
        held = rates(pairs, lambda w: delta_out[fold_of[w]])
        served_ci = bootstrap(pairs, writers, lambda w: 0.0)
        held_ci = bootstrap(pairs, writers, lambda w: delta_out[fold_of[w]])
        out["byReferences"].append(
            {
                "references": int(r),
                "pairs": len(pairs),
                "pooledEer": eer(pairs),
                "deltaAllFolds": delta_all,
                "deltaLeaveOneFoldOut": [delta_out[k] for k in folds],
                "served": {"farForgeries": served[0], "farCi95": served_ci[0], "frrGenuine": served[1], "frrCi95": served_ci[1]},
                "leaveOneFoldOut": {"farForgeries": held[0], "farCi95": held_ci[0], "frrGenuine": held[1], "frrCi95": held_ci[1]},
            }
        )
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
