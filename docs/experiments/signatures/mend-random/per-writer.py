"""Session 41, exploratory (RULE.md beside this file, last section, written before running): where HR0 loses to HS0.

Per cross-validated writer (34), one reference (verify): the writer's own EER over its own pairs (genuine-genuine
against genuine-forgery; the score files hold distance minus the fold's threshold, and a shift within one writer, who
sits in one fold, leaves its EER unchanged), for HS0 (../mend/hs0-rescored-scores.json.gz) and HR0 (hr0-scores.json.gz),
and HS0's own rise with the forgeries mended 3×3 (../mend/hs0-mended3-scores.json.gz). Spearman's rho of HR0 − HS0
with (i) log(forged pieces / genuine pieces) (../hard-writers/writer-features.json) and (ii) HS0's rise, with a 95 %
writer-bootstrap percentile interval (2,000 draws, seed 41).
    python3 docs/experiments/signatures/mend-random/per-writer.py > docs/experiments/signatures/mend-random/per-writer.json
"""
import gzip
import importlib.util
import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SIG = os.path.dirname(HERE)

# session 39's rank correlation (average ranks over ties), not a copy of it
_spec = importlib.util.spec_from_file_location("analyse", os.path.join(SIG, "hard-writers", "analyse.py"))
_analyse = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_analyse)
spearman_interval = _analyse.spearman_interval
difference_counts = _analyse.difference_counts


def per_writer_eer(path):
    """{writer: EER} at one reference: the threshold where the writer's FAR and FRR are closest, their mean there."""
    doc = json.load(gzip.open(path))
    cols = doc["byReferences"]["1"]
    by = {}
    for w, same, d in zip(cols["writer"], cols["same"], cols["distance"]):
        by.setdefault(doc["writers"][w], ([], []))[0 if same else 1].append(d)
    out = {}
    for writer, (genuine, forged) in by.items():
        best = None
        for t in sorted(set(genuine) | set(forged)):
            frr = sum(g > t for g in genuine) / len(genuine)  # genuine pairs rejected (distance above t)
            far = sum(f <= t for f in forged) / len(forged)  # forgery pairs accepted
            gap = abs(far - frr)
            if best is None or gap < best[0]:
                best = (gap, (far + frr) / 2)
        out[writer] = best[1]
    return out


def main():
    hs0 = per_writer_eer(os.path.join(SIG, "mend", "hs0-rescored-scores.json.gz"))
    hr0 = per_writer_eer(os.path.join(HERE, "hr0-scores.json.gz"))
    hs0_mended = per_writer_eer(os.path.join(SIG, "mend", "hs0-mended3-scores.json.gz"))
    features = json.load(open(os.path.join(SIG, "hard-writers", "writer-features.json")))["writers"]
    writers = sorted(hs0)
    diff = [hr0[w] - hs0[w] for w in writers]
    predictors = {
        "log(forged pieces / genuine pieces)": [
            math.log(features[w]["forged"]["pieces"] / features[w]["genuine"]["pieces"]) for w in writers
        ],
        "HS0's rise with forgeries mended 3x3": [hs0_mended[w] - hs0[w] for w in writers],
    }
    rows = {name: spearman_interval(x, diff, 41) for name, x in predictors.items()}
    print(json.dumps({
        "question": "does HR0 lose to HS0 (per-writer EER, one reference) where CEDAR's forgeries break up more?",
        **difference_counts(diff),
        "spearman": rows,
        "perWriter": {w: {"hs0": round(hs0[w], 4), "hr0": round(hr0[w], 4), "hs0Mended3": round(hs0_mended[w], 4)} for w in writers},
    }, indent=2))


if __name__ == "__main__":
    main()
