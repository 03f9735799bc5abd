"""Session 42, rule SCALE (RULE.md beside this file; written before any held-out score, reported, not deciding):
per cross-validated writer (34), one reference, the writer's own EER (mend-random/per-writer.py's per_writer_eer),
HL0 - HS0 against how far HS0's 224x144 input already enlarged the writer's median ink crop, s = min(224/w, 144/h)
(writer-crops.json). Spearman's rho with a 95 % writer-bootstrap percentile interval (2,000 draws, seed 42), and the
mean difference for writers with s below and above the median s.
    python3 docs/experiments/signatures/scale/per-writer.py > docs/experiments/signatures/scale/per-writer.json
"""
import json
import os

from why import HERE, SIG, fit_scale, per_writer, spearman_interval

difference_counts = per_writer.difference_counts


def main():
    hs0 = per_writer.per_writer_eer(os.path.join(SIG, "height", "hs0-scores.json.gz"))
    hl0 = per_writer.per_writer_eer(os.path.join(HERE, "hl0-scores.json.gz"))
    crops = json.load(open(os.path.join(HERE, "writer-crops.json")))["writers"]
    writers = sorted(hs0)
    diff = [hl0[w] - hs0[w] for w in writers]
    scale = [fit_scale(crops[w], 224, 144) for w in writers]
    middle = sorted(scale)[len(scale) // 2]
    low = [d for d, s in zip(diff, scale) if s < middle]
    high = [d for d, s in zip(diff, scale) if s >= middle]
    print(json.dumps({
        "question": "does HL0's difference from HS0 (per-writer EER, one reference) depend on how far HS0's input already enlarged the writer's crop?",
        **difference_counts(diff),
        "spearmanWithHs0Scale": spearman_interval(scale, diff, 42),
        "medianScale": round(middle, 4),
        "belowMedianScale": {"writers": len(low), "meanDifference": round(sum(low) / len(low), 5)},
        "atOrAboveMedianScale": {"writers": len(high), "meanDifference": round(sum(high) / len(high), 5)},
        "perWriter": {w: {"hs0": round(hs0[w], 4), "hl0": round(hl0[w], 4), "hs0Scale": round(s, 3)}
                      for w, s in zip(writers, scale)},
    }, indent=2))


if __name__ == "__main__":
    main()
