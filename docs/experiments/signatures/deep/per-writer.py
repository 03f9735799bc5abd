"""Session 51, rule DEEP (RULE.md beside this file; reported, not deciding): per cross-validated writer (34), one
reference, HD0 - HL0 (../hl0-per-writer.py).
    python3 docs/experiments/signatures/deep/per-writer.py > docs/experiments/signatures/deep/per-writer.json
"""
import os
import runpy
import json

HERE = os.path.dirname(os.path.abspath(__file__))
compare = runpy.run_path(os.path.join(os.path.dirname(HERE), "hl0-per-writer.py"))["compare"]
print(json.dumps(compare(os.path.join(HERE, "hd0-scores.json.gz"), "hd0"), indent=2))
