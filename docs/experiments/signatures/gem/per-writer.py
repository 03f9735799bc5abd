"""Session 50, rule GEM (RULE.md beside this file; reported, not deciding): per cross-validated writer (34), one
reference, the writer's own EER (mend-random/per-writer.py's per_writer_eer), HG0 - HL0: how many writers are better,
worse and equal, and the mean difference.
    python3 docs/experiments/signatures/gem/per-writer.py > docs/experiments/signatures/gem/per-writer.json
"""
import importlib.util
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SIG = os.path.dirname(HERE)
spec = importlib.util.spec_from_file_location("per_writer", os.path.join(SIG, "mend-random", "per-writer.py"))
per_writer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(per_writer)

base = per_writer.per_writer_eer(os.path.join(SIG, "scale", "hl0-scores.json.gz"))
candidate = per_writer.per_writer_eer(os.path.join(HERE, "hg0-scores.json.gz"))
writers = sorted(base)
diff = {w: candidate[w] - base[w] for w in writers}
print(json.dumps({
    "question": "HG0 - HL0 per writer (the writer's own EER, one reference)",
    "writers": len(writers),
    "better": sum(d < 0 for d in diff.values()),
    "worse": sum(d > 0 for d in diff.values()),
    "equal": sum(d == 0 for d in diff.values()),
    "meanDifference": sum(diff.values()) / len(writers),
    "hl0": base,
    "hg0": candidate,
}, indent=2))
