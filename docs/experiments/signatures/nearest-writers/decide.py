#!/usr/bin/env python3
"""Session 47, rule NEAR-ENSEMBLE (RULE-ensemble.md beside this file): HN against HL by the rule's three criteria.
  python3 docs/experiments/signatures/nearest-writers/decide.py PAIRED.json HN_RANDOM_CV.json HL_RANDOM_CV.json \
    HN_SCORES.json.gz HL_SCORES.json.gz HN_CV_THRESHOLDS.json > OUT.json
PAIRED: `signature-measure.ts paired HL HN` over the served fold ensembles (difference = HN − HL skilled EER).
*_RANDOM_CV: random-cv.py's output (leave-one-fold-out rates and each fold's offsets); *_SCORES: the scores.ts files
they read; HN_CV_THRESHOLDS: cv-thresholds.py's output for HN (its own pass is reported: RANDOM-CV's offsets at R ≥ 2
include its forgery offsets either way). Criteria as amended before any HN score existed (RULE-ensemble.md's
amendment). Reported beside the criteria, not deciding: HN − HL in genuine rejected at each R, each model at its own
leave-one-fold-out offsets, with a paired writer bootstrap (1,000 draws, seed 47: the same writers drawn for both).
Exit 0 when every criterion holds, 3 when one fails.
"""
import gzip
import importlib.util
import json
import os
import random
import sys

SKILLED_BOUND = 0.005  # criterion 1: HN − HL skilled EER at one and at ten references
RATE_BOUND = 0.05  # criteria 2–3: strangers and skilled forgeries accepted
MARGIN_R5 = 0.02  # criterion 2: genuine rejected at R = 5 at least this far below HL's
SLACK_FEW = 0.01  # criterion 3: genuine rejected at R = 1, 2 at most this far above HL's as served (not moved)
SKILLED_SLACK = 0.01  # criterion 2 (amendment): skilled forgeries accepted at most this far above HL's
STRANGER_SLACK = 0.005  # criterion 2 (amendment): strangers accepted at most this far above HL's
MOVE_BOUNDS = {"strangersAccepted": 0.05, "genuineRejected": 0.166}  # RANDOM-CV's own bounds for moving an R

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("cv_thresholds", os.path.join(here, "../backend/cv-thresholds.py"))
cv_thresholds = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cv_thresholds)


def by_r(random_cv):
    return {b["references"]: b for b in random_cv["byReferences"]}


def chosen(entry, moved):
    """The leave-one-fold-out rates and per-fold offsets at the candidate offsets (moved) or at the served ones."""
    rates = entry["candidateLeaveOneFoldOut" if moved else "servedLeaveOneFoldOut"]
    offsets = [f["offset" if moved else "servedOffset"] for f in entry["perFold"]]
    return {k: v["value"] for k, v in rates.items()}, offsets


def genuine_by_writer(rows, offsets):
    """writer → [rejected, asked] of its genuine questions at its fold's offset."""
    out = {}
    for fold, writer, kind, s in rows:
        if kind != "g":
            continue
        cell = out.setdefault(writer, [0, 0])
        cell[0] += s > offsets[fold]
        cell[1] += 1
    return out


def paired_genuine(hn_rows, hn_offsets, hl_rows, hl_offsets, rounds=1000, seed=47):
    a, b = genuine_by_writer(hn_rows, hn_offsets), genuine_by_writer(hl_rows, hl_offsets)
    writers = sorted(set(a) & set(b))
    if set(a) != set(b) or any(a[w][1] != b[w][1] for w in writers):
        raise SystemExit("the two score files ask different writers or questions")
    share = lambda table, ws: sum(table[w][0] for w in ws) / sum(table[w][1] for w in ws)  # noqa: E731
    rng = random.Random(seed)
    draws = []
    for _ in range(rounds):
        sample = [rng.choice(writers) for _ in writers]
        draws.append(share(a, sample) - share(b, sample))
    draws.sort()
    return {"hn": share(a, writers), "hl": share(b, writers), "difference": share(a, writers) - share(b, writers),
            "ci95": [draws[int(0.025 * rounds)], draws[int(0.975 * rounds) - 1]], "writers": len(writers)}


def load_rows(path):
    with gzip.open(path, "rt") as handle:
        return {int(r): rows for r, rows in json.load(handle)["byReferences"].items()}


def main():
    paired_file, hn_file, hl_file, hn_scores, hl_scores, hn_cv_file = sys.argv[1:7]
    paired = {b["references"]: b for b in json.load(open(paired_file))["byReferences"]}
    hn_cv, hl_cv = json.load(open(hn_file)), json.load(open(hl_file))
    if hn_cv["strangerTarget"] != hl_cv["strangerTarget"]:
        raise SystemExit("the two RANDOM-CV files use different stranger targets")
    hn, hl = by_r(hn_cv), by_r(hl_cv)
    hn_forgery = json.load(open(hn_cv_file))
    if hn_forgery["targetFar"] != 0.03:
        raise SystemExit("HN's CV-THRESHOLDS is not at HL's forgery target (0.03)")
    hn_rows, hl_rows = load_rows(hn_scores), load_rows(hl_scores)
    criteria = []
    skilled = {r: paired[r]["difference"] for r in (1, 10)}
    criteria.append({"criterion": 1, "what": "skilled EER, HN − HL, paired, at one and ten references ≤ +0.50 points",
                     "values": skilled, "holds": all(v <= SKILLED_BOUND for v in skilled.values())})
    reported = {}
    for r in (1, 2, 3, 5, 10):
        hn_moved = r >= 3 or hn[r]["moves"]  # criterion 2 reads RANDOM-CV's offsets at R ≥ 3 whether or not it moves
        hl_moved = hl[r]["moves"]  # HL as shipped: RANDOM-CV moved R = 3, 5, 10
        hn_rates, hn_offsets = chosen(hn[r], hn_moved)
        hl_rates, hl_offsets = chosen(hl[r], hl_moved)
        reported[r] = {"hn": hn_rates, "hl": hl_rates, "hnMoved": hn_moved, "hlMoved": hl_moved,
                       "hnMovesByItsRule": hn[r]["moves"],
                       "genuineRejectedPaired": paired_genuine(hn_rows[r], hn_offsets, hl_rows[r], hl_offsets)}
        if r >= 3:
            pairing = reported[r]["genuineRejectedPaired"]
            bar = hl_rates["genuineRejected"] - (MARGIN_R5 if r == 5 else 0.0)
            holds = (hn_rates["strangersAccepted"] <= RATE_BOUND and hn_rates["skilledAccepted"] <= RATE_BOUND
                     and hn_rates["strangersAccepted"] <= hl_rates["strangersAccepted"] + STRANGER_SLACK
                     and hn_rates["skilledAccepted"] <= hl_rates["skilledAccepted"] + SKILLED_SLACK
                     and hn_rates["genuineRejected"] <= bar
                     and (r != 5 or pairing["ci95"][1] < 0))
            criteria.append({"criterion": 2, "references": r, "genuineRejectedBar": bar, "hn": hn_rates,
                             "hl": hl_rates, "pairedGenuineRejectedCi95": pairing["ci95"], "holds": holds})
        elif hn_moved:
            # RANDOM-CV moves HN here: its own bounds (implied by the move) and fewer strangers than HL as served
            holds = (hn_rates["strangersAccepted"] <= MOVE_BOUNDS["strangersAccepted"]
                     and hn_rates["genuineRejected"] <= MOVE_BOUNDS["genuineRejected"]
                     and hn_rates["strangersAccepted"] <= hl_rates["strangersAccepted"]
                     and hn_rates["skilledAccepted"] <= RATE_BOUND)
            criteria.append({"criterion": 3, "references": r, "moved": True, "hn": hn_rates, "hl": hl_rates,
                             "holds": holds})
        else:
            holds = (hn_rates["strangersAccepted"] <= hl_rates["strangersAccepted"]
                     and hn_rates["genuineRejected"] <= hl_rates["genuineRejected"] + SLACK_FEW
                     and hn_rates["skilledAccepted"] <= RATE_BOUND)
            criteria.append({"criterion": 3, "references": r, "moved": False, "hn": hn_rates, "hl": hl_rates,
                             "holds": holds})
    out = {"rule": "RULE-ensemble.md", "criteria": criteria, "passes": all(c["holds"] for c in criteria),
           "hnCvThresholdsPasses": cv_thresholds.passes(hn_forgery),
           "binding": {r: {"hn": hn[r]["binding"], "hl": hl[r]["binding"]} for r in hn},
           "skilledEer": {r: {"hl": b["eerA"], "hn": b["eerB"], "difference": b["difference"], "ci95": b["interval"]}
                          for r, b in paired.items()},
           "reported": reported}
    json.dump(out, sys.stdout, indent=2)
    print()
    sys.exit(0 if out["passes"] else 3)


if __name__ == "__main__":
    main()
