"""Session 39: which writers' forgeries H accepts, against what the scans show (writer-features.json).

Exploratory: the features were chosen after looking at writers 21, 27 and 29, and there are 2 × 14 correlations, so
each row also carries a Bonferroni interval (1 − 0.05/28 of the same draws) and, because 17 writers accept no forgery
with one reference (tied ranks), rho over the writers with some forgery accepted.

Per cross-validated writer (34): the share of its skilled forgeries that H's served fold ensembles accept
(../height/hs-served-scores.json.gz: score = distance minus the served threshold, accepted when <= 0), with one
reference (verify) and with ten (verifyIdentity, SPREAD). Against it, Spearman's rho with each feature, with a
95 % writer-bootstrap interval (2,000 draws, seed 39):
  - what the references alone show (genuine medians), which a service could read at enrolment;
  - how far the forgeries' medians sit from the genuine ones (log ratio), which it cannot.
    python3 docs/experiments/signatures/hard-writers/analyse.py > docs/experiments/signatures/hard-writers/analyse.json
"""
import gzip
import json
import os
import random

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def ranks(values):
    order = np.argsort(values, kind="mergesort")
    r = np.empty(len(values))
    v = np.asarray(values)[order]
    i = 0
    while i < len(v):  # average ranks over ties
        j = i
        while j + 1 < len(v) and v[j + 1] == v[i]:
            j += 1
        r[order[i:j + 1]] = (i + j) / 2
        i = j + 1
    return r


def spearman(x, y):
    rx, ry = ranks(x), ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def difference_counts(diff):
    """Per-writer differences (candidate - base) summed up as sessions 41-42's per-writer looks report them."""
    return {
        "writers": len(diff),
        "meanDifference": round(sum(diff) / len(diff), 5),
        "writersWorse": sum(d > 0 for d in diff),
        "writersBetter": sum(d < 0 for d in diff),
    }


def spearman_interval(x, y, seed, draws=2000):
    """Spearman's rho of x and y with a 95 % writer-bootstrap percentile interval (sessions 41-42's per-writer looks):
    `draws` resamplings of the writers with replacement from random.Random(seed), skipping those where either side
    is constant."""
    rng = random.Random(seed)
    boot = []
    for _ in range(draws):
        idx = [rng.randrange(len(x)) for _ in x]
        xs, ys = [x[i] for i in idx], [y[i] for i in idx]
        if len(set(xs)) > 1 and len(set(ys)) > 1:
            boot.append(float(spearman(xs, ys)))
    boot.sort()
    return {
        "rho": round(float(spearman(x, y)), 4),
        "ci95": [round(boot[int(0.025 * len(boot))], 4), round(boot[int(0.975 * len(boot)) - 1], 4)],
        "draws": len(boot),
    }


def main():
    with gzip.open(os.path.join(HERE, "../height/hs-served-scores.json.gz"), "rt") as handle:
        scores = json.load(handle)
    features = json.load(open(os.path.join(HERE, "writer-features.json")))
    names = scores["writers"]
    accepted = {}
    for refs in ("1", "10"):
        cols = scores["byReferences"][refs]
        total, hits = {}, {}
        for w, same, s in zip(cols["writer"], cols["same"], cols["distance"]):
            if same == 1:
                continue
            total[names[w]] = total.get(names[w], 0) + 1
            hits[names[w]] = hits.get(names[w], 0) + (s <= 0)
        accepted[refs] = {w: hits[w] / total[w] for w in total}
    writers = sorted(accepted["1"])
    table = {}
    for f in features["features"]:
        genuine = [features["writers"][w]["genuine"][f] for w in writers]
        table[f"genuine {f}"] = genuine
        table[f"log(forged/genuine) {f}"] = [
            float(np.log(max(features["writers"][w]["forged"][f], 1e-9) / max(features["writers"][w]["genuine"][f], 1e-9)))
            for w in writers]
    rng = random.Random(39)
    draws = [[rng.randrange(len(writers)) for _ in writers] for _ in range(2000)]
    tests = 2 * len(table)
    out = {"writers": writers, "accepted": {r: [accepted[r][w] for w in writers] for r in accepted}, "tests": tests,
           "spearman": {}}
    for refs in ("1", "10"):
        y = np.array([accepted[refs][w] for w in writers])
        some = y > 0
        rows = {}
        for name, x in table.items():
            x = np.array(x)
            boot = sorted(v for v in (spearman(x[d], y[d]) for d in draws) if v == v)
            q = lambda p: round(boot[min(len(boot) - 1, max(0, int(p * len(boot))))], 3)
            tail = 0.025 / tests
            rows[name] = {"rho": round(spearman(x, y), 3), "ci95": [q(0.025), q(0.975 - 1 / len(boot))],
                          "bonferroni": [q(tail), q(1 - tail - 1 / len(boot))],
                          "rhoAmongAccepting": round(spearman(x[some], y[some]), 3), "accepting": int(some.sum())}
        out["spearman"][refs] = rows
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
