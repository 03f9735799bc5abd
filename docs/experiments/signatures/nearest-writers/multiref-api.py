#!/usr/bin/env python3
"""Session 48, rule MULTIREF (RULE-multiref.md beside this file), reported, not deciding: the two signature cards'
served thresholds through the HTTP API, leaving each fold out. api.sh's calls (../api.sh via
../height/measure-served.sh: verify with each of a writer's first 3 genuine signatures as the reference, api3-fold-K;
verifyIdentity with 5 enrolled references, api-refs5-fold-K; every image a simulated full-resolution scan, the same
scans for both models) record each call's margin, the distance minus the threshold that fold ensemble served on its
validation writers. A call is accepted when its margin <= the fold's leave-one-fold-out offset:
  HN (the multi-reference card): multiref-thresholds.json's R = 1 offsets (perFold) and random-cv-hn.json's R = 5;
  HL (the default card): 0 for verify (not moved) and ../random-threshold/random-cv.json's R = 5 (RANDOM-CV moved it).
Genuine rejected and forgeries accepted per card, with writer-bootstrap intervals, and HN - HL paired by writer.
  python3 docs/experiments/signatures/nearest-writers/multiref-api.py HN_API_DIR HL_API_DIR > multiref-api.json
"""
import json
import os
import random
import sys

here = os.path.dirname(os.path.abspath(__file__))
ROUNDS, SEED = 1000, 48


def fold_offsets(path, references):
    entry = next(r for r in json.load(open(os.path.join(here, path)))["byReferences"] if r["references"] == references)
    return [f["offset"] for f in entry["perFold"]]


OFFSETS = {
    "hn": {"api3": fold_offsets("multiref-thresholds.json", 1), "api-refs5": fold_offsets("random-cv-hn.json", 5)},
    "hl": {"api3": [0.0, 0.0, 0.0, 0.0], "api-refs5": fold_offsets("../random-threshold/random-cv.json", 5)},
}


def calls(folder, kind, offsets):
    """{writer: [(same, accepted)]} over the four folds."""
    by_writer = {}
    for k in range(4):
        for writer, same, margin in json.load(open(f"{folder}/{kind}-fold-{k}.json"))["decisions"]:
            by_writer.setdefault(writer, []).append((same, margin <= offsets[k]))
    return by_writer


def rates(by_writer, writers):
    g = [a for w in writers for same, a in by_writer[w] if same == 1]
    f = [a for w in writers for same, a in by_writer[w] if same == 0]
    return {"genuineRejected": sum(not a for a in g) / len(g), "forgeriesAccepted": sum(f) / len(f)}


def interval(values):
    ordered = sorted(values)
    return [ordered[int(0.025 * len(ordered))], ordered[int(0.975 * len(ordered)) - 1]]


def main():
    hn_dir, hl_dir = sys.argv[1], sys.argv[2]
    out = {"script": "docs/experiments/signatures/nearest-writers/multiref-api.py", "bootstrap": {"rounds": ROUNDS, "seed": SEED},
           "offsets": OFFSETS, "byKind": []}
    for kind, references in (("api3", 1), ("api-refs5", 5)):
        hn, hl = calls(hn_dir, kind, OFFSETS["hn"][kind]), calls(hl_dir, kind, OFFSETS["hl"][kind])
        if sorted(hn) != sorted(hl) or any(len(hn[w]) != len(hl[w]) for w in hn):
            sys.exit(f"{kind}: the two runs did not ask the same writers the same number of questions")
        writers = sorted(hn)
        rng = random.Random(SEED)
        draws = {m: {"genuineRejected": [], "forgeriesAccepted": []} for m in ("hn", "hl", "difference")}
        for _ in range(ROUNDS):
            sample = [rng.choice(writers) for _ in writers]
            a, b = rates(hn, sample), rates(hl, sample)
            for key in a:
                draws["hn"][key].append(a[key])
                draws["hl"][key].append(b[key])
                draws["difference"][key].append(a[key] - b[key])
        point = {"hn": rates(hn, writers), "hl": rates(hl, writers)}
        point["difference"] = {k: point["hn"][k] - point["hl"][k] for k in point["hn"]}
        out["byKind"].append({
            "kind": kind,
            "references": references,
            "writers": len(writers),
            "calls": {"genuine": sum(s == 1 for w in writers for s, _ in hn[w]), "forgeries": sum(s == 0 for w in writers for s, _ in hn[w])},
            **{m: {k: {"value": point[m][k], "ci95": interval(draws[m][k])} for k in point[m]} for m in point},
        })
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
