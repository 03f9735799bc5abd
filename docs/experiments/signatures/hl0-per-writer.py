"""Sessions 50-51 (rules GEM, DEEP; reported, not deciding): per cross-validated writer (34), one reference, the
writer's own EER (mend-random/per-writer.py's per_writer_eer), CANDIDATE - HL0: how many writers are better, worse and
equal, and the mean difference. HL0 is SCALE's screen member (scale/hl0-scores.json.gz).
    python3 docs/experiments/signatures/hl0-per-writer.py CANDIDATE_SCORES.json.gz NAME > OUT.json
    e.g. python3 docs/experiments/signatures/hl0-per-writer.py docs/experiments/signatures/gem/hg0-scores.json.gz hg0 \
        > docs/experiments/signatures/gem/per-writer.json
"""
import importlib.util
import json
import os
import sys

SIG = os.path.dirname(os.path.abspath(__file__))


def compare(candidate_scores, name):
    spec = importlib.util.spec_from_file_location("per_writer", os.path.join(SIG, "mend-random", "per-writer.py"))
    per_writer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(per_writer)
    base = per_writer.per_writer_eer(os.path.join(SIG, "scale", "hl0-scores.json.gz"))
    candidate = per_writer.per_writer_eer(candidate_scores)
    writers = sorted(base)
    diff = {w: candidate[w] - base[w] for w in writers}
    return {
        "question": f"{name.upper()} - HL0 per writer (the writer's own EER, one reference)",
        "writers": len(writers),
        "better": sum(d < 0 for d in diff.values()),
        "worse": sum(d > 0 for d in diff.values()),
        "equal": sum(d == 0 for d in diff.values()),
        "meanDifference": sum(diff.values()) / len(writers),
        "hl0": base,
        name: candidate,
    }


if __name__ == "__main__":
    print(json.dumps(compare(sys.argv[1], sys.argv[2]), indent=2))
