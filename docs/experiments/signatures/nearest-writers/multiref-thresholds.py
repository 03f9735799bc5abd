#!/usr/bin/env python3
"""Session 48, rule MULTIREF (RULE-multiref.md beside this file), step 3: the opt-in card's thresholds from the 34
cross-validated writers, read from HN's served fold ensembles' scores (session 47's NEAR-ENSEMBLE files).
  python3 docs/experiments/signatures/nearest-writers/multiref-thresholds.py compute > multiref-thresholds.json
    R = 1: RANDOM-CV's computation (../random-threshold/random-cv.py) with CV-THRESHOLDS' R = 1 offset as the forgery
    offset (random-cv.py sets it to 0 at R = 1, where HL's verify is not moved): the stricter of that and the offset at
    which 3 % of strangers pass, all folds and leaving each fold out; applied when the leave-one-fold-out estimate keeps
    strangers and skilled forgeries accepted <= 5 % and genuine rejected below the served (validation-writer) rate.
    R >= 2: random-cv-hn.json's offsets as they are (RANDOM-CV's where it moves, CV-THRESHOLDS' where it does not).
  python3 docs/experiments/signatures/nearest-writers/multiref-thresholds.py apply RESULT.json MODEL_DIR
    moves the card's thresholds by those offsets once (refuses a card that carries the record already)
  python3 docs/experiments/signatures/nearest-writers/multiref-thresholds.py record RESULT.json REFS.json MODEL_DIR COMMAND
    the moved thresholds' validation rates (REFS: signature-measure.ts refs at them) and the card's record
"""
import gzip
import importlib.util
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, os.path.join(here, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


random_cv = load("random_cv", "../random-threshold/random-cv.py")
cv_thresholds = load("cv_thresholds", "../backend/cv-thresholds.py")

SCORES = "docs/experiments/signatures/nearest-writers/random-cv-scores-hn.json.gz"
CV = "docs/experiments/signatures/nearest-writers/cv-thresholds-hn.json"
RANDOM_CV = "docs/experiments/signatures/nearest-writers/random-cv-hn.json"
RECORD = "cedar-writer-multiref-thresholds"
BOUND = 0.05  # strangers and skilled forgeries accepted, leaving one fold out (RANDOM-CV's stranger bound; the 5 %)


def verify_offset(rows, cv_r1, folds):
    """R = 1: the stricter of the stranger offset (3 %) and CV-THRESHOLDS' forgery offset, as random-cv.py combines them."""
    strangers = lambda keep: [s for fold, _, kind, s in rows if kind == "r" and keep(fold)]  # noqa: E731
    str_all = random_cv.delta_at(strangers(lambda f: True), random_cv.TARGET)
    str_out = [random_cv.delta_at(strangers(lambda f, k=k: f != k), random_cv.TARGET) for k in folds]
    forg_all, forg_out = cv_r1["deltaAllFolds"], cv_r1["deltaLeaveOneFoldOut"]
    combined_out = [min(a, b) for a, b in zip(forg_out, str_out)]
    served = random_cv.with_intervals(rows, lambda f: 0.0)
    candidate = random_cv.with_intervals(rows, lambda f: combined_out[f])
    applies = (candidate["strangersAccepted"]["value"] <= BOUND and candidate["skilledAccepted"]["value"] <= BOUND
               and candidate["genuineRejected"]["value"] < served["genuineRejected"]["value"])
    return {
        "references": 1,
        "strangerDeltaAllFolds": str_all,
        "strangerDeltaLeaveOneFoldOut": str_out,
        "forgeryDeltaAllFolds": forg_all,
        "forgeryDeltaLeaveOneFoldOut": forg_out,
        "delta": min(forg_all, str_all) if applies else 0.0,
        "binding": "strangers" if str_all < forg_all else "forgeries",
        "servedLeaveOneFoldOut": served,
        "candidateLeaveOneFoldOut": candidate,
        "perFold": [{"fold": k, "offset": combined_out[k],
                     "candidate": random_cv.rates([x for x in rows if x[0] == k], lambda f, k=k: combined_out[k])}
                    for k in folds],
        "applies": applies,
    }


def compute():
    with gzip.open(SCORES, "rt") as handle:
        scores = json.load(handle)
    folds = list(range(len(scores["folds"])))
    cv_r1 = next(r for r in json.load(open(CV))["byReferences"] if r["references"] == 1)
    rows = scores["byReferences"]["1"]
    out = {"rule": "RULE-multiref.md", "scores": SCORES, "cvThresholds": CV, "randomCv": RANDOM_CV,
           "strangerTarget": random_cv.TARGET, "bound": BOUND, "byReferences": [verify_offset(rows, cv_r1, folds)]}
    for r in json.load(open(RANDOM_CV))["byReferences"]:
        if r["references"] < 2:
            continue
        moves = r["moves"]
        out["byReferences"].append({
            "references": r["references"],
            "delta": r["deltaAllFolds"] if moves else r["forgeryDeltaAllFolds"],
            "binding": r["binding"] if moves else "forgeries",
            "randomCvMoves": moves,
            "leaveOneFoldOut": r["candidateLeaveOneFoldOut"] if moves else r["servedLeaveOneFoldOut"],
        })
    json.dump(out, sys.stdout, indent=2)
    print()


def apply(result_file, model_dir):
    result = json.load(open(result_file))
    card_file = f"{model_dir}/model-card.json"
    card = json.load(open(card_file))
    evaluations = card.setdefault("evaluations", {})
    if RECORD in evaluations:
        sys.exit(f"{card_file} already has {RECORD}: its thresholds were moved; ship it again (ship.sh) before moving them")
    # the calibrated thresholds, kept beside the moved ones so that a reader (and the test) can check each move
    calibrated = {"1": card["thresholds"]["default"],
                  **{str(e["references"]): e["threshold"] for e in card["thresholds"]["references"]}}
    for r in result["byReferences"]:
        if r["references"] == 1:
            card["thresholds"]["default"] += r["delta"]
            continue
        entry = next(e for e in card["thresholds"]["references"] if e["references"] == r["references"])
        entry["threshold"] += r["delta"]
        if entry["threshold"] < 0:
            sys.exit(f"R = {r['references']}: the offset makes the threshold negative")
    # the mark travels with the moved thresholds in one write, so a run stopped before `record` cannot move them twice
    evaluations[RECORD] = {"status": "thresholds moved; validation rates pending (multiref-thresholds.py record)",
                           "calibrated": calibrated,
                           "deltas": {str(r["references"]): r["delta"] for r in result["byReferences"]}}
    cv_thresholds.write_card(card_file, card)
    print(json.dumps(evaluations[RECORD]["deltas"]))


def record(result_file, refs_file, model_dir, command):
    card_file = f"{model_dir}/model-card.json"
    card = json.load(open(card_file))
    cv_thresholds.validation_rates(card, refs_file)
    result = json.load(open(result_file))
    card["evaluations"][RECORD] = {
        "rule": "docs/experiments/signatures/nearest-writers/RULE-multiref.md (MULTIREF, session 48): each R's threshold "
        "moved by the offset that HN's served fold ensembles give over the 34 cross-validated writers: RANDOM-CV's (the "
        "stricter of CV-THRESHOLDS' 3 % forgery offset and a 3 % stranger offset) where it moves, and at R = 1 the same "
        "with CV-THRESHOLDS' R = 1 offset; the leave-one-fold-out rates are the honest estimate",
        "calibrated": card["evaluations"][RECORD]["calibrated"],
        "deltas": card["evaluations"][RECORD]["deltas"],
        "defaultRule": "thresholds.default is the calibrated atTargetFar threshold plus deltas['1'] (defaultRule names the "
        "calibration it started from); recalibrating the card (recalibrate.sh, a retraining) drops the moves",
        "byReferences": result["byReferences"],
        "validationRates": "thresholds.references[].far and .frr are re-measured on the 6 validation writers at the moved "
        "thresholds (evaluations.cedar-validation-writers-references)",
        "command": command,
    }
    cv_thresholds.write_card(card_file, card)


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "compute":
        compute()
    elif mode == "apply":
        apply(*args[:2])
    elif mode == "record":
        record(*args[:4])
    else:
        sys.exit(__doc__)
