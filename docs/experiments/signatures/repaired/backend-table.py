"""Session 41: the back-end rules' and the API pairings' stored paired comparisons beside their recomputation with the
corrected weights (backend.sh, which feeds this on stdin: RULE<TAB>STORED<TAB>RECOMPUTED<TAB>WHY NOT). A recomputed
file whose point estimates (eerA, eerB, difference; writerThresholdEer and the unpaired stage EER/AUC where the file
has them) are not exactly the stored ones is removed and its row says so. Prints the markdown table."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from table import fmt, sign  # noqa: E402 (the same cells as session 40's table)


def blocks(doc):
    """{label: paired block} of any of the three formats: signature-backend.ts paired (a list), signature-measure.ts
    paired ({byReferences: [...]}) and signature-labelled-api.ts pool ({stages: [{pairedAgainstStage0}]})."""
    if isinstance(doc, list):
        return {(b["references"], None): b for b in doc}
    if "byReferences" in doc:
        return {(b["references"], None): b for b in doc["byReferences"]}
    if "stages" in doc:
        r = doc["referencesPerWriter"]
        return {(r, s["labelled"]): s["pairedAgainstStage0"] for s in doc["stages"] if "pairedAgainstStage0" in s}
    raise ValueError("unknown format")


def extras(doc):
    """Numbers beside the paired blocks that the fix must leave alone."""
    if isinstance(doc, dict) and "byReferences" in doc:
        return [b.get("writerThresholdEer") for b in doc["byReferences"]]
    if isinstance(doc, dict) and "stages" in doc:
        return [(s["eer"], s["auc"], s["forgeriesAccepted"], s["genuineRejected"]) for s in doc["stages"]]
    return []


print("| comparison | rule | level | R = 1, as stored | R = 1, corrected | R = 5, as stored | R = 5, corrected "
      "| R = 10, as stored | R = 10, corrected | |")
print("|---|---|---|---|---|---|---|---|---|---|")
for line in sys.stdin:
    rule, stored, out, why = line.rstrip("\n").split("\t")
    name = stored.split("signatures/")[-1]
    if why:
        print(f"| `{name}` | {rule} | | not recomputed ({why}) | | | | | | |")
        continue
    if not os.path.exists(out):
        print(f"| `{name}` | {rule} | | not recomputed (the pairing failed) | | | | | | |")
        continue
    old_doc, new_doc = json.load(open(stored)), json.load(open(out))
    old, new = blocks(old_doc), blocks(new_doc)
    same = set(old) == set(new) and all(
        old[k][f] == new[k][f] for k in old for f in ("eerA", "eerB", "difference", "rounds", "level")
    ) and extras(old_doc) == extras(new_doc)
    if not same:
        os.remove(out)
        print(f"| `{name}` | {rule} | | not recomputed (the inputs do not reproduce its point estimates) | | | | | | |")
        continue
    for k in sorted({k[1] for k in old}, key=lambda x: -1 if x is None else x):
        cells, changed, level = [], False, None
        for r in (1, 5, 10):
            o, n = old.get((r, k)), new.get((r, k))
            if o is None:
                cells += ["", ""]
                continue
            level = o["level"]
            cells += [fmt(o), fmt(n)]
            changed |= sign(o) != sign(n)
        label = name if k is None else f"{name}, K = {k}"
        print(f"| `{label}` | {rule} | {level} | " + " | ".join(cells) + f" | {'**changed**' if changed else ''} |")
