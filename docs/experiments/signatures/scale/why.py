"""Session 42, rule SCALE (RULE.md beside this file): why a larger input is screened. Read before the rule was written.

HEIGHT-STEPS (session 36) moved I's member 0 from a 224x112 to a 224x144 input at equal steps (HS0 against I0').
With fit 'contain', a writer's input grew by f = min(224/w, 144/h) / min(224/w, 112/h), w x h its median ink crop
(writer-crops.json): 1.0 for wide crops, up to 144/112 = 1.29 for tall ones. Per cross-validated writer (34), one
reference: the writer's own EER (mend-random/per-writer.py's per_writer_eer: a shift within one writer, who sits in
one fold, leaves it unchanged), HS0 - I0', against f: Spearman's rho with a 95 % writer-bootstrap percentile interval
(2,000 draws, seed 42), and the mean difference for writers whose input grew by more than 10 % and for the rest.
Also f' = the growth each writer's input would get from 224x144 to 256x160, the candidate.
    python3 docs/experiments/signatures/scale/why.py > docs/experiments/signatures/scale/why.json
"""
import importlib.util
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SIG = os.path.dirname(HERE)


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


per_writer = _load("per_writer", os.path.join(SIG, "mend-random", "per-writer.py"))
spearman_interval = per_writer.spearman_interval


def fit_scale(crop, width, height):
    """The 'contain' fit's scale for a crop in a width x height input."""
    return min(width / crop["width"], height / crop["height"])


def main():
    hs0 = per_writer.per_writer_eer(os.path.join(SIG, "height", "hs0-scores.json.gz"))
    i0 = per_writer.per_writer_eer(os.path.join(SIG, "input-size", "i0-rerun-scores.json.gz"))
    crops = json.load(open(os.path.join(HERE, "writer-crops.json")))["writers"]
    writers = sorted(hs0)
    diff = [hs0[w] - i0[w] for w in writers]
    grew = [fit_scale(crops[w], 224, 144) / fit_scale(crops[w], 224, 112) for w in writers]
    next_growth = [fit_scale(crops[w], 256, 160) / fit_scale(crops[w], 224, 144) for w in writers]
    big = [d for d, f in zip(diff, grew) if f > 1.1]
    small = [d for d, f in zip(diff, grew) if f <= 1.1]
    print(json.dumps({
        "question": "did HS0 gain over I0' (per-writer EER, one reference) where the taller input enlarged the writer's crop?",
        "writers": len(writers),
        "meanDifference": round(sum(diff) / len(diff), 5),
        "spearmanWithGrowth": spearman_interval(grew, diff, 42),
        "grewOver10pc": {"writers": len(big), "meanDifference": round(sum(big) / len(big), 5)},
        "grewAtMost10pc": {"writers": len(small), "meanDifference": round(sum(small) / len(small), 5)},
        "growthAt256x160": [round(min(next_growth), 3), round(max(next_growth), 3)],
        "perWriter": {w: {"i0": round(i0[w], 4), "hs0": round(hs0[w], 4), "growth": round(f, 3)}
                      for w, f in zip(writers, grew)},
    }, indent=2))


if __name__ == "__main__":
    main()
