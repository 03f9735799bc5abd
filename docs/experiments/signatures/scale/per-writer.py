"""Session 42, rule SCALE (RULE.md beside this file; written before any held-out score, reported, not deciding):
per cross-validated writer (34), one reference, the writer's own EER (mend-random/per-writer.py's per_writer_eer),
HL0 - HS0 against how far HS0's 224x144 input already enlarged the writer's median ink crop, s = min(224/w, 144/h)
(writer-crops.json). Spearman's rho with a 95 % writer-bootstrap percentile interval (2,000 draws, seed 42), and the
mean difference for writers with s below and above the median s.
    python3 docs/experiments/signatures/scale/per-writer.py > docs/experiments/signatures/scale/per-writer.json
Session 43, rule SCALE-320 (RULE-320x192.md): the same for HX0 - HL0 against HL0's scale s = min(256/w, 160/h):
    python3 docs/experiments/signatures/scale/per-writer.py 320x192 > docs/experiments/signatures/scale/per-writer-320x192.json
"""
import json
import os
import sys

from why import HERE, SIG, fit_scale, per_writer, spearman_interval

difference_counts = per_writer.difference_counts


# each screen: the candidate, its comparator (name, kept scores) and the comparator's input size
SCREENS = {
    "256x160": ("hl0", ("hs0", os.path.join(SIG, "height", "hs0-scores.json.gz")), (224, 144), "HL0", "HS0"),
    "320x192": ("hx0", ("hl0", os.path.join(HERE, "hl0-scores.json.gz")), (256, 160), "HX0", "HL0"),
}


def main(size="256x160"):
    name, (base_name, base_scores), (width, height), label, base_label = SCREENS[size]
    base = per_writer.per_writer_eer(base_scores)
    candidate = per_writer.per_writer_eer(os.path.join(HERE, name + "-scores.json.gz"))
    crops = json.load(open(os.path.join(HERE, "writer-crops.json")))["writers"]
    writers = sorted(base)
    diff = [candidate[w] - base[w] for w in writers]
    scale = [fit_scale(crops[w], width, height) for w in writers]
    middle = sorted(scale)[len(scale) // 2]
    low = [d for d, s in zip(diff, scale) if s < middle]
    high = [d for d, s in zip(diff, scale) if s >= middle]
    base_key = base_name[:-1].capitalize() + "0"
    print(json.dumps({
        "question": f"does {label}'s difference from {base_label} (per-writer EER, one reference) depend on how far "
                    f"{base_label}'s input already enlarged the writer's crop?",
        **difference_counts(diff),
        f"spearmanWith{base_key}Scale": spearman_interval(scale, diff, 42),
        "medianScale": round(middle, 4),
        "belowMedianScale": {"writers": len(low), "meanDifference": round(sum(low) / len(low), 5)},
        "atOrAboveMedianScale": {"writers": len(high), "meanDifference": round(sum(high) / len(high), 5)},
        "perWriter": {w: {base_name: round(base[w], 4), name: round(candidate[w], 4), base_name + "Scale": round(s, 3)}
                      for w, s in zip(writers, scale)},
    }, indent=2))


if __name__ == "__main__":
    main(*sys.argv[1:2])
