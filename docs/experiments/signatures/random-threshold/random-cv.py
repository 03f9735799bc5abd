#!/usr/bin/env python3
"""Session 45, rule RANDOM-CV (RULE-random-cv.md beside this file): the per-R offsets at which the 34 cross-validated
writers' strangers are accepted 3 % of the time, combined with CV-THRESHOLDS' forgery offsets (the stricter), and their
leave-one-fold-out estimate.
  python3 docs/experiments/signatures/random-threshold/random-cv.py SCORES.json.gz CV_THRESHOLDS.json > OUT.json
SCORES: scores.ts beside this file ([fold, writer, kind, s] per R; kind g genuine, f skilled forgery, r stranger).
CV_THRESHOLDS: cv-thresholds.py's output for the same fold ensembles (its deltaAllFolds and deltaLeaveOneFoldOut;
none for R = 1, whose offset from it is 0). delta_at is cv-thresholds.py's, read from that file.
  python3 docs/experiments/signatures/random-threshold/random-cv.py apply OUT.json MODEL_DIR
    moves the card's threshold of every R the rule moves (exit 3 if none) by deltaAllFolds − forgeryDeltaAllFolds (the
    card already carries CV-THRESHOLDS' offsets; refuses a card without them, or one this rule moved already)
  python3 docs/experiments/signatures/random-threshold/random-cv.py record OUT.json REFS.json MODEL_DIR COMMAND
    the moved thresholds' validation rates (REFS: signature-measure.ts refs at them) and the rule's card record
  python3 docs/experiments/signatures/random-threshold/random-cv.py api OUT.json API_DIR STRANGERS_DIR
    reported, not deciding: R = 5 through the HTTP API, the leave-one-fold-out offsets (before: CV-THRESHOLDS' alone;
    after: RANDOM-CV's) applied to api.sh's verifyIdentity calls (API_DIR/api-refs5-fold-K.json: genuine and forgery
    margins) and to api-strangers.ts's (STRANGERS_DIR/api-strangers-fold-K.json: stranger margins)
"""
import gzip
import importlib.util
import json
import os
import random
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("cv_thresholds", os.path.join(here, "../backend/cv-thresholds.py"))
cv_thresholds = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cv_thresholds)
delta_at = cv_thresholds.delta_at
write_card = cv_thresholds.write_card

TARGET = 0.03  # strangers accepted no more often than verify's served skilled-forgery FAR (3.01 %, rounded)
BOUNDS = {"strangersAccepted": 0.05, "genuineRejected": 0.166}


def rates(rows, offset_of):
    """rows: (fold, writer, kind, s); accepted when s <= offset_of(fold). Shares of each kind's questions."""
    n = {"g": 0, "f": 0, "r": 0}
    hit = {"g": 0, "f": 0, "r": 0}
    for fold, _, kind, s in rows:
        n[kind] += 1
        accepted = s <= offset_of(fold)
        hit[kind] += (not accepted) if kind == "g" else accepted
    share = lambda k: hit[k] / n[k] if n[k] else float("nan")  # noqa: E731
    return {"genuineRejected": share("g"), "skilledAccepted": share("f"), "strangersAccepted": share("r")}


def bootstrap(rows, offset_of, rounds=1000, seed=45):
    """95 % percentile intervals, drawing enrolled writers with replacement (a stranger question is its enrolled writer's)."""
    by_writer = {}
    for row in rows:
        by_writer.setdefault(row[1], []).append(row)
    writers = sorted(by_writer)
    rng = random.Random(seed)
    draws = {k: [] for k in ("genuineRejected", "skilledAccepted", "strangersAccepted")}
    for _ in range(rounds):
        sample = [row for _ in writers for row in by_writer[rng.choice(writers)]]
        for k, v in rates(sample, offset_of).items():
            draws[k].append(v)
    lo, hi = int(0.025 * rounds), int(0.975 * rounds) - 1
    return {k: [sorted(v)[lo], sorted(v)[hi]] for k, v in draws.items()}


def with_intervals(rows, offset_of):
    point, ci = rates(rows, offset_of), bootstrap(rows, offset_of)
    return {k: {"value": point[k], "ci95": ci[k]} for k in point}


RECORD = "cedar-writer-random-cv"
CV_RECORD = "cedar-writer-cv-thresholds"


def apply(result_file, model_dir):
    result = json.load(open(result_file))
    moved = {r["references"]: r["deltaAllFolds"] - r["forgeryDeltaAllFolds"] for r in result["byReferences"] if r["moves"]}
    if not moved:
        sys.exit(3)
    card_file = f"{model_dir}/model-card.json"
    card = json.load(open(card_file))
    evaluations = card.setdefault("evaluations", {})
    if RECORD in evaluations:
        sys.exit(f"{card_file} already has {RECORD}: its thresholds were moved; ship again before moving them")
    cv = evaluations.get(CV_RECORD, {}).get("deltaAllFolds")
    for r in result["byReferences"]:
        if r["references"] >= 2 and (cv is None or abs(cv[str(r["references"])] - r["forgeryDeltaAllFolds"]) > 1e-12):
            sys.exit(f"{card_file}: its CV-THRESHOLDS offsets are not {result['cvThresholds']}'s; run cv-thresholds.sh first")
    for r, change in moved.items():
        if change > 0:
            sys.exit(f"R = {r}: a positive change {change} (the rule only tightens)")
        if r == 1:
            card["thresholds"]["default"] += change
            continue
        entry = next(e for e in card["thresholds"]["references"] if e["references"] == r)
        entry["threshold"] += change
        if entry["threshold"] < 0:
            sys.exit(f"R = {r}: the offset makes the threshold negative")
    # the mark travels with the moved thresholds in one write, so that a run stopped before `record` cannot move them twice
    evaluations[RECORD] = {"status": "thresholds moved; validation rates pending (random-cv.py record)",
                           "changes": {str(r): c for r, c in moved.items()}}
    write_card(card_file, card)
    return {r: round(c, 6) for r, c in moved.items()}


def record(result_file, refs_file, model_dir, command):
    card_file = f"{model_dir}/model-card.json"
    card = json.load(open(card_file))
    cv_thresholds.validation_rates(card, refs_file)
    result = json.load(open(result_file))
    changes = card["evaluations"][RECORD]["changes"]
    card["evaluations"][RECORD] = {
        "rule": "docs/experiments/signatures/random-threshold/RULE-random-cv.md (RANDOM-CV, session 45): each R's threshold "
        "moved to the stricter of CV-THRESHOLDS' forgery offset and the offset at which the 34 cross-validated writers' "
        "strangers (other writers' genuine signatures) are accepted 3 % of the time, where leaving one fold out keeps "
        "strangers accepted <= 5 % and genuine rejected <= 16.6 %",
        "moved": sorted(int(r) for r in changes),
        "changes": changes,
        "strangerTarget": result["strangerTarget"],
        "bounds": result["bounds"],
        "byReferences": [
            {k: r[k] for k in ("references", "questions", "strangerDeltaAllFolds", "forgeryDeltaAllFolds", "deltaAllFolds",
                               "binding", "servedLeaveOneFoldOut", "candidateLeaveOneFoldOut", "moves")}
            for r in result["byReferences"]
        ],
        "perFoldLeaveOneOut": [dict(references=r["references"], **f) for r in result["byReferences"] for f in r["perFold"]],
        "validationRates": "thresholds.references[].far and .frr are re-measured on the 6 validation writers at the moved "
        "thresholds (evaluations.cedar-validation-writers-references)",
        "command": command,
    }
    write_card(card_file, card)


def api(result_file, api_dir, strangers_dir):
    result = json.load(open(result_file))
    five = next(r for r in result["byReferences"] if r["references"] == 5)
    rows = []
    for k in range(len(five["forgeryDeltaLeaveOneFoldOut"])):
        with open(f"{api_dir}/api-refs5-fold-{k}.json") as handle:
            for writer, same, margin in json.load(handle)["decisions"]:
                rows.append((k, writer, "g" if same == 1 else "f", margin))
        with open(f"{strangers_dir}/api-strangers-fold-{k}.json") as handle:
            for writer, _, margin in json.load(handle)["decisions"]:
                rows.append((k, writer, "r", margin))
    before = five["forgeryDeltaLeaveOneFoldOut"]
    after = [min(a, b) for a, b in zip(before, five["strangerDeltaLeaveOneFoldOut"])]
    return {
        "references": 5,
        "via": "HTTP verifyIdentity (GraphQL), full-resolution scans; margins against each fold's validation-writer t_5, "
        "moved offline by the leave-one-fold-out offsets",
        "calls": {kind: sum(1 for x in rows if x[2] == kind) for kind in ("g", "f", "r")},
        "before": with_intervals(rows, lambda f: before[f]),
        "after": with_intervals(rows, lambda f: after[f]),
        "perFold": [{"fold": k, "before": rates([x for x in rows if x[0] == k], lambda f: before[k]),
                     "after": rates([x for x in rows if x[0] == k], lambda f: after[k])} for k in range(len(before))],
    }


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode in ("api", "apply", "record"):
        # the modes of the docstring; otherwise the rule's computation, below
        if mode == "api":
            print(json.dumps(api(*args[:3]), indent=2))
        elif mode == "apply":
            print(json.dumps(apply(*args[:2])))
        else:
            record(*args[:4])
        return
    scores_file, cv_file = sys.argv[1], sys.argv[2]
    with gzip.open(scores_file, "rt") as handle:
        scores = json.load(handle)
    forgery = {r["references"]: r for r in json.load(open(cv_file))["byReferences"]}
    folds = list(range(len(scores["folds"])))
    out = {"rule": "RULE-random-cv.md", "scores": scores_file, "cvThresholds": cv_file, "strangerTarget": TARGET,
           "bounds": BOUNDS, "byReferences": []}
    for r_key, rows in sorted(scores["byReferences"].items(), key=lambda kv: int(kv[0])):
        r = int(r_key)
        strangers = lambda keep: [s for fold, _, kind, s in rows if kind == "r" and keep(fold)]  # noqa: E731
        str_all = delta_at(strangers(lambda f: True), TARGET)
        str_out = [delta_at(strangers(lambda f, k=k: f != k), TARGET) for k in folds]
        forg_all = forgery[r]["deltaAllFolds"] if r >= 2 else 0.0
        forg_out = forgery[r]["deltaLeaveOneFoldOut"] if r >= 2 else [0.0 for _ in folds]
        combined_out = [min(a, b) for a, b in zip(forg_out, str_out)]
        served = with_intervals(rows, lambda f: forg_out[f])
        candidate = with_intervals(rows, lambda f: combined_out[f])
        change = {k: candidate[k]["value"] - served[k]["value"] for k in served}
        per_fold = [
            {"fold": k, "offset": combined_out[k], "servedOffset": forg_out[k],
             "candidate": rates([x for x in rows if x[0] == k], lambda f, k=k: combined_out[k]),
             "served": rates([x for x in rows if x[0] == k], lambda f, k=k: forg_out[k])}
            for k in folds
        ]
        moves = (candidate["strangersAccepted"]["value"] <= BOUNDS["strangersAccepted"]
                 and candidate["genuineRejected"]["value"] <= BOUNDS["genuineRejected"])
        out["byReferences"].append({
            "references": r,
            "questions": {kind: sum(1 for x in rows if x[2] == kind) for kind in ("g", "f", "r")},
            "strangerDeltaAllFolds": str_all,
            "strangerDeltaLeaveOneFoldOut": str_out,
            "forgeryDeltaAllFolds": forg_all,
            "forgeryDeltaLeaveOneFoldOut": forg_out,
            "deltaAllFolds": min(forg_all, str_all),
            "binding": "strangers" if str_all < forg_all else "forgeries",
            "servedLeaveOneFoldOut": served,
            "candidateLeaveOneFoldOut": candidate,
            "change": change,
            "perFold": per_fold,
            "moves": moves,
        })
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
